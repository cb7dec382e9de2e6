"""Sandbox mock server for VIP Connect account lookup, Paytronix accountInformation and Valkyrie PAM getBalance."""

import warnings

with warnings.catch_warnings():
    # connexion imports Starlette's test client at import time, which warns about httpx on Starlette 1.x.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    import connexion  # noqa: F401

from mockserver.app import create_app
from mockserver.errors import FixtureError
from mockserver.fixtures import Fixtures, load_fixtures

__all__ = ["FixtureError", "Fixtures", "create_app", "load_fixtures"]
