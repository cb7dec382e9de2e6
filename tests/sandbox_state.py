"""Helpers for the tests of the shared state, the admin API, the journal and the faults."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from starlette.types import ASGIApp
from support import API_NAMES, fixture

from mockserver import APIS, create_app
from mockserver.admin.access import AdminAccess
from mockserver.admin.operations import SandboxAdmin
from mockserver.faults.acting import FaultActing, Pause, wait_for_disconnect
from mockserver.faults.book import FaultBook
from mockserver.faults.model import FaultRenderer, FaultRule, FaultTarget
from mockserver.fixtures import check_document as check_fixture_document
from mockserver.journal.entry import RawExchange
from mockserver.journal.exchange import ApiOf, Exchange, prefix_lookup
from mockserver.partner_layer import PartnerLayer
from mockserver.served import Served
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
    """A Valkyrie balance request as the partner layer hands it to the journal, with this correlation id."""
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


def partner_layer(
    app: ASGIApp,
    rules: Sequence[FaultRule] = (),
    *,
    record: Callable[[RawExchange], None] = lambda raw: None,
    renderers: Mapping[str, FaultRenderer] | None = None,
    pause: Pause = wait_for_disconnect,
    api_of: ApiOf | None = None,
) -> PartnerLayer:
    """The sandbox's request layer around ``app``, with these fault rules in force and no fixture data: draws are
    always 0, and the APIs are served under /<API name>."""
    return PartnerLayer(
        app,
        state=lambda: Served(0, {}, {}, {}, FaultBook(rules)),
        faults=FaultActing(renderers=renderers or {}, targets=fault_targets(), draw=lambda counter: 0, pause=pause),
        record=record,
        api_of=api_of or prefix_lookup({api: f"/{api}" for api in API_NAMES}),
    )
