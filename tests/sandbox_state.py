"""Helpers for the tests of the shared state, the admin API, the journal and the faults."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from support import API_NAMES, fixture

from mockserver import APIS, create_app
from mockserver.admin.access import AdminAccess
from mockserver.admin.operations import SandboxAdmin
from mockserver.faults.model import FaultTarget
from mockserver.fixtures import check_document as check_fixture_document
from mockserver.journal.entry import RawExchange
from mockserver.journal.exchange import Exchange
from mockserver.state.sqlite_store import SqliteStateStore

API_BY_NAME = {api.name: api for api in APIS}


def bundled_documents() -> dict[str, dict[str, Any]]:
    """Fresh copies of the bundled fixture documents."""
    return {api: json.loads(json.dumps(fixture(api))) for api in API_NAMES}


def check_document(api: str, document: dict[str, Any]) -> Any:
    """The sandbox of a fixture document of ``api``, checked exactly as at start-up."""
    return check_fixture_document(API_BY_NAME[api], document)


def fault_targets() -> dict[str, FaultTarget]:
    return {api.name: api.fault_target for api in APIS}


def new_store(directory: Path, capacity: int = 1000) -> SqliteStateStore:
    """A store in ``directory`` seeded with the bundled fixtures."""
    store = SqliteStateStore(directory / "state.sqlite3", journal_capacity=capacity)
    store.seed(bundled_documents())
    return store


def sandbox_admin(store: SqliteStateStore, **options: Any) -> SandboxAdmin:
    return SandboxAdmin(store, APIS, **options)


def admin_app(store: SqliteStateStore, access: AdminAccess | None = None) -> AsyncApp:
    """The whole mock, serving the state in ``store``: the APIs and the admin API."""
    return create_app(state=store, access=access)


def raw(correlation: str = "run-1", *, status: int | None = 200, problems: Sequence[str] = ()) -> RawExchange:
    """A Valkyrie balance request as the journal's layer hands it over, with this correlation id."""
    exchange = Exchange("valkyrie")
    exchange.reached("active", "active", "alice")
    for problem in problems:
        exchange.answered_error("parameter", problem)
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
