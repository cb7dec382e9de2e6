"""Faults the sandbox acts out when asked: declared in fixtures, through the admin API, or per request with Prefer."""

from mockserver.faults.acting import FaultActing
from mockserver.faults.book import AppliedFault, FaultBook, entity_rules
from mockserver.faults.model import Fault, FaultRenderer, FaultRule, FaultTarget, preferred_fault, rule_from_mapping

__all__ = [
    "AppliedFault",
    "Fault",
    "FaultActing",
    "FaultBook",
    "FaultRenderer",
    "FaultRule",
    "FaultTarget",
    "entity_rules",
    "preferred_fault",
    "rule_from_mapping",
]
