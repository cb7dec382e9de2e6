"""The connexion AsyncApp serving every API on one port, each under its own prefix, and the admin API beside them."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from balancekit.clock import Clock, wall_clock
from mockserver import collector, security
from mockserver.admin.access import AdminAccess
from mockserver.admin.handlers import add_admin_api, admin_handlers, admin_problem, admin_spec
from mockserver.admin.location import ADMIN_PREFIX, ADMIN_TOKEN_ENV
from mockserver.admin.operations import SandboxAdmin
from mockserver.admission import Admission
from mockserver.api import MockApi
from mockserver.apis import APIS
from mockserver.connexion_stack import sandbox_middlewares
from mockserver.dispatch import HandlerDispatch, Operation
from mockserver.error_bodies import ErrorBodies, Problem, Renderer
from mockserver.faults.acting import FaultActing
from mockserver.faults.model import FaultRenderer
from mockserver.fixtures import Fixtures, load_fixtures
from mockserver.journal.exchange import prefix_lookup
from mockserver.journal.facts import RequestFacts
from mockserver.journal.writer import JournalWriter
from mockserver.partner_layer import PartnerLayer
from mockserver.request_guard import RequestGuard
from mockserver.request_log import RequestLogMiddleware, configure_logging
from mockserver.routes import HTTP_METHODS, RouteTable
from mockserver.security import CredentialCheck
from mockserver.served import IN_FORCE, Served, ServedBuilder
from mockserver.state.live_state import LiveState
from mockserver.state.sqlite_store import SqliteStateStore
from mockserver.state.store import DEFAULT_JOURNAL_CAPACITY, StateStore
from mockserver.validators import ValidationMemory, validator_map


def _operations(apis: Sequence[MockApi], served: Served) -> dict[tuple[str, str], Operation]:
    operations = {}
    for api in apis:
        for item in api.spec["paths"].values():
            for method in HTTP_METHODS:
                if method in item:
                    key = (api.prefix, item[method]["operationId"])
                    operations[key] = Operation.for_handler(served.handlers[key], item[method], item)
    return operations


# How `mockserver serve --workers N` tells its worker processes what to serve: the parent checked the fixtures and
# seeded the shared state; each worker opens the state. The admin token, if any, is in ADMIN_TOKEN_ENV.
# Threads that run admin calls: two, so that a journal read waiting for every worker's flush holds up no other call.
ADMIN_THREADS = 2
LOG_LEVEL_ENV = "MOCKSERVER_LOG_LEVEL"
STATE_ENV = "MOCKSERVER_STATE"
JOURNAL_SIZE_ENV = "MOCKSERVER_JOURNAL_SIZE"
ADMIN_REQUIRED_ENV = "MOCKSERVER_ADMIN_REQUIRED"


def app_for_worker() -> AsyncApp:
    """The app of one worker process of ``mockserver serve --workers N``."""
    configure_logging(os.environ.get(LOG_LEVEL_ENV, "info"))
    state = SqliteStateStore(os.environ[STATE_ENV], journal_capacity=int(os.environ[JOURNAL_SIZE_ENV]))
    access = AdminAccess(os.environ.get(ADMIN_TOKEN_ENV) or None, required=os.environ[ADMIN_REQUIRED_ENV] == "1")
    app = create_app(state=state, access=access)
    collector.settle()  # as `mockserver serve` does for its one process
    return app


def create_app(
    fixtures: Fixtures | None = None,
    *,
    apis: Sequence[MockApi] = APIS,
    clock: Clock = wall_clock,
    state: StateStore | None = None,
    access: AdminAccess | None = None,
) -> AsyncApp:
    """The mock server of ``apis``, with validation both ways, the admin API, faults and the journal.

    It serves the shared ``state`` (seeded already, as ``mockserver serve`` does from the fixtures it checked); by
    default a temporary state seeded from ``fixtures`` (the bundled fixtures by default), removed when the app shuts
    down. ``clock`` gives the time that token and session expiry are compared with; ``access`` says who may call the
    admin API (by default anyone: the rule of a loopback address).
    """
    owned = state is None
    if state is None:
        fixtures = fixtures if fixtures is not None else load_fixtures(apis=apis)
        state = SqliteStateStore.in_temporary_directory(journal_capacity=DEFAULT_JOURNAL_CAPACITY)
        state.seed(fixtures.documents)
    live = LiveState(state, ServedBuilder(apis, clock))
    identity_fields = frozenset().union(*(api.identity_fields for api in apis))
    journal = JournalWriter(state, facts=RequestFacts(identity_fields))
    admin = SandboxAdmin(state, apis, sync_journal=journal.sync, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        # The journal is written on the serving loop (see JournalWriter).
        watching = asyncio.create_task(journal.watch())
        try:
            yield
        finally:
            watching.cancel()
            close()

    served = live.current()

    def in_force() -> Served:
        # The state the partner layer pinned for the request being answered; read afresh for anything outside it
        # (none of the APIs' requests, but an error body must never fail for want of a pin).
        pinned = IN_FORCE.get()
        return pinned if pinned is not None else live.current()

    dispatch = functools.partial(
        HandlerDispatch, operations=_operations(apis, served), handlers=lambda: in_force().handlers
    )
    # The request guard sits inside the error handling, so that what it refuses gets the API's error body, and
    # before any routing; then connexion's whole stack (connexion_stack: two of its layers quicker on an API
    # request), and the direct call of our handlers at its centre.
    routes = RouteTable({**{api.prefix: api.spec for api in apis}, ADMIN_PREFIX: admin_spec()})
    guard = functools.partial(RequestGuard, routes=routes)
    app = AsyncApp(__name__, middlewares=sandbox_middlewares(before_docs=[guard], centre=dispatch), lifespan=lifespan)
    # Run once, at shut-down; an app never started (a test client without its context) closes when collected.
    # The admin API's calls run on threads of their own, few of them: each thread opens its own connection to the
    # store, with its own page cache, and memory must stay flat however many admin calls come.
    admin_threads = ThreadPoolExecutor(max_workers=ADMIN_THREADS, thread_name_prefix="mockserver-admin")
    close = weakref.finalize(app, _close, journal, state, owned, admin_threads)
    memory = ValidationMemory()
    for api in apis:
        service = served.services[api.name]
        app.add_api(
            api.spec,
            base_path=api.prefix,
            name=api.name,
            resolver=Resolver(function_resolver=service.handlers.__getitem__),
            strict_validation=True,
            validate_responses=True,
            validator_map=validator_map(api.body_validator, memory, api.identity_fields),
            security_map=security.connexion_security_map(service.security_map, _checks_in_force(in_force, api.name)),
            swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        )
    add_admin_api(app, admin_handlers(admin, access or AdminAccess(None, required=False), apis, admin_threads), memory)
    renderers = {api.prefix: _renderer_in_force(in_force, api.name) for api in apis}
    cases = {api.prefix: api.error_case for api in apis}
    handle_error = ErrorBodies({**renderers, ADMIN_PREFIX: admin_problem}, routes, listed=list(renderers), cases=cases)
    # Starlette picks a handler by the exception's MRO, so connexion's own handlers must be replaced one by one.
    for exception_class in (ProblemException, HTTPException, Exception):
        app.add_error_handler(exception_class, handle_error)

    # Outside connexion's error handling, outermost first: the access log sees every answer as the client got it;
    # the partner layer records the fault's answer (or none), and its faults wait outside the admission line,
    # holding no running slot; admission lets a bounded number of requests run and answers /healthz at once.
    prefixes = {api.name: api.prefix for api in apis}
    app.add_middleware(RequestLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    faults = FaultActing(
        renderers={api.name: _fault_renderer(api, in_force) for api in apis},
        targets={api.name: api.fault_target for api in apis},
        draw=state.draw,
    )
    app.add_middleware(
        PartnerLayer,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        state=live.current,
        faults=faults,
        record=journal.record,
        api_of=prefix_lookup(prefixes),
        clock=clock,
    )
    app.add_middleware(Admission, position=MiddlewarePosition.BEFORE_EXCEPTION, prefixes=prefixes)
    return app


def _checks_in_force(in_force: Callable[[], Served], api: str) -> Callable[[], Mapping[str, CredentialCheck]]:
    return lambda: in_force().services[api].security_map


def _renderer_in_force(in_force: Callable[[], Served], api: str) -> Renderer:
    return lambda problem: in_force().services[api].render_error(problem)


def _fault_renderer(api: MockApi, in_force: Callable[[], Served]) -> FaultRenderer:
    if api.render_fault is not None:
        return api.render_fault

    def render(status: int | None, code: str | None, message: str) -> tuple[int, Any, Mapping[str, str]]:
        # An API without a fault body of its own answers as it does for a failure of the sandbox.
        return in_force().services[api.name].render_error(Problem(status or 500, "server", message))

    return render


def _close(journal: JournalWriter, state: StateStore, owned: bool, admin_threads: ThreadPoolExecutor) -> None:
    admin_threads.shutdown(wait=False, cancel_futures=True)
    journal.close()
    if owned:
        state.close()
