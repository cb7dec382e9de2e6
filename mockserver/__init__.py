"""Sandbox mock server of the kit's account-balance APIs: specs and fixtures served over HTTP."""

# The exports are imported on first use, not with the package: pytest loads the package's plugin
# (mockserver.pytest_plugin) in every session of every project that has the kit installed, and the app, connexion and
# their libraries cost most of a second that a session not using the sandbox must not pay.

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockserver.api import MockApi, Service
    from mockserver.apis import APIS
    from mockserver.app import create_app
    from mockserver.errors import FixtureError
    from mockserver.fixtures import Fixtures, load_fixtures

# connexion imports Starlette's test client when it is imported, which warns about httpx on Starlette 1.x. The mock's
# modules import connexion wherever the mock is used (a worker process, the command line, a test), not only through
# the exports below, so this one warning is ignored for the process.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

_HOMES = {
    "APIS": "mockserver.apis",
    "FixtureError": "mockserver.errors",
    "Fixtures": "mockserver.fixtures",
    "MockApi": "mockserver.api",
    "Service": "mockserver.api",
    "create_app": "mockserver.app",
    "load_fixtures": "mockserver.fixtures",
}

__all__ = ["APIS", "FixtureError", "Fixtures", "MockApi", "Service", "create_app", "load_fixtures"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with warnings.catch_warnings():
        # Again, innermost: a caller's own filters (pytest's "error") come before the process's.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
        value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
