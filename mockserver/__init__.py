"""Sandbox mock server of the kit's account-balance APIs: specs and fixtures served over HTTP."""

import warnings

with warnings.catch_warnings():
    # connexion imports Starlette's test client at import time, which warns about httpx on Starlette 1.x.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    import connexion  # noqa: F401

from mockserver.api import MockApi, Service
from mockserver.apis import APIS
from mockserver.app import create_app
from mockserver.errors import FixtureError
from mockserver.fixtures import Fixtures, load_fixtures

__all__ = ["APIS", "FixtureError", "Fixtures", "MockApi", "Service", "create_app", "load_fixtures"]
