"""Conformance suite: certifies an implementation of the kit's APIs against their documented behaviour."""

from balancekit.requirements import Level, Requirement
from conformance.api import ConformanceApi
from conformance.apis import APIS
from conformance.catalogue import CATALOGUE, Catalogue
from conformance.errors import NoVerdictError, ProfileError
from conformance.options import Options
from conformance.profile import Profile, load_profile
from conformance.results import Outcome, Run
from conformance.runner import run

REQUIREMENTS = CATALOGUE.requirements

__all__ = [
    "APIS",
    "CATALOGUE",
    "REQUIREMENTS",
    "Catalogue",
    "ConformanceApi",
    "Level",
    "NoVerdictError",
    "Options",
    "Outcome",
    "Profile",
    "ProfileError",
    "Requirement",
    "Run",
    "load_profile",
    "run",
]
