"""Conformance suite: certifies an implementation of the three APIs against their documented behaviour."""

from conformance.errors import NoVerdictError, ProfileError
from conformance.profile import Profile, load_profile
from conformance.requirements import REQUIREMENTS, Level, Requirement
from conformance.results import Outcome
from conformance.runner import Options, Run, run

__all__ = [
    "REQUIREMENTS",
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
