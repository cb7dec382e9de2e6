"""Conformance suite: certifies an implementation of the kit's APIs against their documented behaviour."""

# The exports are imported on first use, not with the package: pytest loads the package's plugin
# (conformance.pytest_plugin) in every session of every project that has the kit installed, and importing the
# catalogue, the runner and their libraries costs most of a second that a session without --conformance-profile
# must not pay.

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "APIS": "conformance.apis",
    "CATALOGUE": "conformance.catalogue",
    "Catalogue": "conformance.catalogue",
    "ConformanceApi": "conformance.api",
    "Level": "balancekit.requirements",
    "NoVerdictError": "conformance.errors",
    "Options": "conformance.options",
    "Outcome": "conformance.results",
    "Profile": "conformance.profile",
    "ProfileError": "conformance.errors",
    "Requirement": "balancekit.requirements",
    "Run": "conformance.results",
    "load_profile": "conformance.profile",
    "run": "conformance.runner",
}

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


def __getattr__(name: str) -> Any:
    if name == "REQUIREMENTS":
        value: Any = __getattr__("CATALOGUE").requirements
    elif name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
