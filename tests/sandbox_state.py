"""Helpers for the tests of the shared state, the admin API and the faults, including the admin API in process."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from connexion import AsyncApp, ConnexionMiddleware
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from starlette.exceptions import HTTPException
from support import API_NAMES, fixture, spec

from mockserver import fixtures as fixture_loading
from mockserver.admin import AdminApi, SandboxAdmin, mapping_collections
from mockserver.admin_access import AdminAccess
from mockserver.admin_api import ADMIN_PREFIX, AdminRootPath, add_admin_api, admin_problem
from mockserver.error_bodies import ErrorBodies
from mockserver.exchange import Exchange
from mockserver.faults import FaultTarget
from mockserver.journal import RawExchange
from mockserver.request_guard import RequestGuard
from mockserver.resources import FIXTURE_SCHEMA
from mockserver.routes import RouteTable
from mockserver.schema_errors import raise_for_fixture, under
from mockserver.specs import load_spec
from mockserver.sqlite_store import SqliteStateStore


def bundled_documents() -> dict[str, dict[str, Any]]:
    """Fresh copies of the bundled fixture documents."""
    return {api: json.loads(json.dumps(fixture(api))) for api in API_NAMES}


def check_document(api: str, document: dict[str, Any]) -> object:
    """The start-up check of one fixture document, without the file: non-finite numbers, the schema, the builder."""
    fixture_loading._refuse_non_finite(document, [])
    raise_for_fixture(fixture_loading._schema_validator(api).iter_errors(document), under())
    return fixture_loading._BUILDERS[api](document, load_spec(api))


def _pam_code_check(code: str) -> str | None:
    codes = spec("valkyrie")["components"]["schemas"]["PamErrorCode"]["enum"]
    return None if code in codes else "one of the seed's PAM_ERR_* codes"


def _digits_check(code: str) -> str | None:
    return None if code.isdigit() else "a VIP errorCode of digits"


CODE_CHECKS: dict[str, Callable[[str], str | None]] = {"valkyrie": _pam_code_check, "vip-connect": _digits_check}


def fault_targets() -> dict[str, FaultTarget]:
    targets = {}
    for api in API_NAMES:
        operations = frozenset(
            operation["operationId"]
            for item in spec(api)["paths"].values()
            for method, operation in item.items()
            if isinstance(operation, dict) and "operationId" in operation
        )
        targets[api] = FaultTarget(operations, CODE_CHECKS.get(api, lambda code: None))
    return targets


def admin_apis() -> dict[str, AdminApi]:
    definitions = json.loads(FIXTURE_SCHEMA.read_text(encoding="utf-8"))["$defs"]
    targets = fault_targets()
    return {api: AdminApi(f"/{api}", mapping_collections(definitions[api]), targets[api]) for api in API_NAMES}


def new_store(directory: Path, capacity: int = 1000) -> SqliteStateStore:
    """A store in ``directory`` seeded with the bundled fixtures."""
    store = SqliteStateStore(directory / "state.sqlite3", journal_capacity=capacity)
    store.seed(bundled_documents())
    return store


def sandbox_admin(store: SqliteStateStore, **options: Any) -> SandboxAdmin:
    return SandboxAdmin(store, admin_apis(), check_document, **options)


def admin_app(admin: SandboxAdmin, access: AdminAccess | None = None) -> AsyncApp:
    """The admin API alone, served as the sandbox serves an API: error bodies by prefix, no slash redirects."""
    app = AsyncApp(__name__, middlewares=list(ConnexionMiddleware.default_middlewares))
    add_admin_api(app, admin, access or AdminAccess(None, required=False))
    routes = RouteTable({ADMIN_PREFIX: load_spec("sandbox-admin")})
    handle_error = ErrorBodies({ADMIN_PREFIX: admin_problem}, routes)
    for exception_class in (ProblemException, HTTPException, Exception):
        app.add_error_handler(exception_class, handle_error)
    app.add_middleware(RequestGuard, position=MiddlewarePosition.BEFORE_SWAGGER, routes=routes)
    app.add_middleware(AdminRootPath, position=MiddlewarePosition.BEFORE_EXCEPTION)
    return app


def raw(correlation: str = "run-1", *, status: int | None = 200, problems: Sequence[str] = ()) -> RawExchange:
    """A Valkyrie balance request as the journal's layer hands it over, with this correlation id."""
    exchange = Exchange("valkyrie")
    exchange.reached("active", "active", "alice")
    for problem in problems:
        exchange.refused(problem)
    return RawExchange(
        time=1_700_000_000.25,
        duration=0.0031,
        method="GET",
        path="/valkyrie/players/p/balance",
        query_string=b"provider=evolution",
        headers=[(b"x-correlation-id", correlation.encode()), (b"x-player-token", b"t" * 40)],
        body=b"",
        body_complete=True,
        status=status,
        operation="getBalance",
        exchange=exchange,
    )
