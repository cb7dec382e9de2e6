"""The fault rules in force in a worker, and the fault a request gets: never unasked, repeatable with a seed."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.faults.model import Fault, FaultRule, FaultTarget, entity_rule, rule_from_mapping

Draw = Callable[[str], int]  # a shared counter's next number (StateStore.draw)


@dataclass(frozen=True)
class AppliedFault:
    """A fault chosen for one request."""

    rule: FaultRule
    delay_ms: int | None = None  # a delay's milliseconds, chosen within a range

    @property
    def fault(self) -> Fault:
        return self.rule.fault

    @property
    def wait_ms(self) -> int:
        """A delay's or a hang's milliseconds."""
        return self.delay_ms if self.delay_ms is not None else self.fault.ms or 0

    def describe(self) -> dict[str, Any]:
        """How the journal shows it: the fault's parameters (with the delay chosen) and who asked for it."""
        described = self.fault.describe()
        if self.delay_ms is not None:
            described["ms"] = self.delay_ms
        described["source"] = self.rule.source
        if self.rule.source != "prefer":
            described["rule"] = self.rule.name
        return described


def _unit(seed: int, number: int, purpose: str) -> float:
    """A number in [0, 1) fixed by the seed, the draw's number and its purpose: the same in every process and run."""
    digest = hashlib.blake2b(f"{seed}:{number}:{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def choose(rule: FaultRule, draw: Draw) -> AppliedFault | None:
    """The rule's fault for this request, or None when its probability says not this time.

    A seeded rule draws the next number of its shared counter, so the n-th matching request (counted over every
    worker) always gets the same verdict and the same delay. Only a rule with a probability below 1 or a delay
    range draws at all; the others cost no query.
    """
    fault = rule.fault
    ranged = fault.kind == "delay" and fault.ms is None
    if rule.probability <= 0:
        return None
    if rule.probability >= 1 and not ranged:
        return AppliedFault(rule)
    if rule.seed is None:
        fires, spread = random.random() < rule.probability, random.random()
    else:
        number = draw(rule.counter)
        fires = _unit(rule.seed, number, "fires") < rule.probability
        spread = _unit(rule.seed, number, "delay")
    if not fires:
        return None
    return AppliedFault(rule, fault.delay_ms(spread) if ranged else None)


def entity_rules(
    api: str, document: Mapping[str, Any], collections: Iterable[str], target: FaultTarget
) -> list[FaultRule]:
    """The rules of the ``fault`` keys of a fixture document's entities; raises FixtureError naming the key."""
    rules = []
    for collection in collections:
        entities = document.get(collection)
        for entity, fields in entities.items() if isinstance(entities, Mapping) else ():
            if isinstance(fields, Mapping) and "fault" in fields:
                rules.append(entity_rule(api, entity, fields["fault"], f"{collection}.{entity}.fault", target))
    return rules


def _specificity(rule: FaultRule) -> tuple[int, int, str]:
    # An entity's rule before an operation's before the API's; by name within each.
    return (rule.entity is None, rule.operation is None, rule.name)


class FaultBook:
    """The rules of one snapshot (admin rules and fixture entities' faults), by API, most specific first."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        by_api: dict[str, list[FaultRule]] = {}
        for rule in rules:
            by_api.setdefault(rule.api, []).append(rule)
        self._by_api = {api: sorted(api_rules, key=_specificity) for api, api_rules in by_api.items()}
        self.apis = frozenset(self._by_api)  # the APIs some rule concerns: a request to another passes untouched

    @classmethod
    def from_state(
        cls,
        rules: Mapping[str, Any],
        documents: Mapping[str, Mapping[str, Any]],
        collections: Mapping[str, Iterable[str]],
        targets: Mapping[str, FaultTarget],
    ) -> FaultBook:
        """The book of a snapshot: its admin rules, and the ``fault`` key of every entity in the documents."""
        compiled = [rule_from_mapping(name, rule, targets) for name, rule in rules.items()]
        for api, document in documents.items():
            compiled += entity_rules(api, document, collections.get(api, ()), targets[api])
        return cls(compiled)

    def decide(
        self,
        api: str,
        operation: str | None,
        entities: tuple[str, ...],
        preferred: FaultRule | None,
        draw: Draw,
    ) -> AppliedFault | None:
        """The fault a request gets: the one its ``Prefer`` header asks for, else the first matching rule that fires.
        A request not routed to an operation gets none."""
        if operation is None:
            return None
        if preferred is not None:
            return choose(preferred, draw)
        for rule in self._by_api.get(api, ()):
            if rule.operation not in (None, operation) or (rule.entity is not None and rule.entity not in entities):
                continue
            applied = choose(rule, draw)
            if applied is not None:
                return applied
        return None

    def __bool__(self) -> bool:
        return bool(self._by_api)
