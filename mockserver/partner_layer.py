"""The sandbox's one layer for its test-partner features: each API request's state pinned, fault acted out and
journal entry handed over; ``GET /__admin`` served as ``/__admin/``.

One layer rather than one per feature: they all open the same exchange, read the same headers and wrap the same
send, and every layer and wrapper is paid on each request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from balancekit.clock import Clock, wall_clock
from mockserver.admin.location import ADMIN_PREFIX
from mockserver.faults.acting import FaultActing
from mockserver.faults.book import AppliedFault
from mockserver.faults.model import InvalidFaultPreference
from mockserver.journal.entry import MAX_CAPTURED_BODY, RawExchange
from mockserver.journal.exchange import ApiOf, Exchange, close_exchange, open_exchange, operation_of
from mockserver.served import IN_FORCE, Served

_ADMIN_ROOT = ADMIN_PREFIX + "/"


class PartnerLayer:
    """Sits outside the app's admission line, so that a fault that waits holds no running slot, and records what
    the client got: the fault's answer, or none for a dropped connection. Requests outside the APIs (health,
    admin, docs) pass through, neither journaled nor faulted.

    ``state()`` gives the state in force (state.LiveState.current); it is asked once per request and pinned in
    served.IN_FORCE. A request's fault is chosen when its answer starts: routing has then named the operation and
    the handler the fixture entities reached. A request is recorded just before the last part of its answer is
    sent: a client that has read its answer and then reads the journal finds its request there.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        state: Callable[[], Served],
        faults: FaultActing,
        record: Callable[[RawExchange], None],
        api_of: ApiOf,
        clock: Clock = wall_clock,
    ) -> None:
        self.app = app
        self._state = state
        self._faults = faults
        self._record = record
        self._api_of = api_of
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        api = self._api_of(path)
        if api is None:
            if path == ADMIN_PREFIX:  # Starlette's trailing-slash redirects are off in the sandbox
                scope = {**scope, "path": _ADMIN_ROOT, "raw_path": _ADMIN_ROOT.encode()}
            await self.app(scope, receive, send)
            return
        served = self._state()
        pinned = IN_FORCE.set(served)
        exchange, opened = open_exchange(scope, api)
        arrived, started = self._clock(), time.perf_counter()
        chunks: list[bytes] = []
        kept, complete = 0, True
        answered: int | None = None
        recorded = False

        def record() -> None:
            nonlocal recorded
            recorded = True
            # Positional: this runs on every request.
            self._record(
                RawExchange(
                    arrived,
                    time.perf_counter() - started,
                    scope.get("method", "-"),
                    path,
                    scope.get("query_string", b""),
                    scope.get("headers", []),
                    b"".join(chunks),
                    complete,
                    answered,
                    operation_of(scope),
                    exchange,
                )
            )

        async def receive_keeping() -> Message:
            nonlocal kept, complete
            message = await receive()
            body = message.get("body", b"") if message["type"] == "http.request" else b""
            if body:
                if kept + len(body) <= MAX_CAPTURED_BODY:
                    chunks.append(body)
                    kept += len(body)
                else:
                    complete = False
            return message

        async def send_noting(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False) and not recorded:
                record()
            await send(message)

        try:
            prefer = None
            for name, value in scope["headers"]:
                if name == b"prefer":
                    prefer = value.decode("latin-1")
                    break
            if prefer is None and api not in served.faults.apis:
                # Most requests: no Prefer header, and no fault rule for their API.
                await self.app(scope, receive_keeping, send_noting)
            else:
                await self._faulted(scope, receive_keeping, send_noting, served, exchange, prefer)
        finally:
            if not recorded:
                record()  # no answer (a dropped connection), or one that broke off
            close_exchange(opened)
            IN_FORCE.reset(pinned)

    async def _faulted(
        self, scope: Scope, receive: Receive, send: Send, served: Served, exchange: Exchange, prefer: str | None
    ) -> None:
        """The app's answer, or what a fault makes of it."""
        try:
            preferred = self._faults.preferred(prefer, exchange.api) if prefer is not None else None
        except InvalidFaultPreference as problem:
            await self._faults.refuse(send, exchange.api, problem)
            return
        book, draw = served.faults, self._faults.draw
        if preferred is None and exchange.api not in book.apis:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        chosen: list[AppliedFault] = []

        async def send_or_hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                applied = book.decide(exchange.api, operation_of(scope), exchange.entities, preferred, draw)
                if applied is not None:
                    chosen.append(applied)
            if chosen:
                held.append(message)
            else:
                await send(message)

        await self.app(scope, receive, send_or_hold)
        if chosen:
            await self._faults.act(chosen[0], exchange, held, scope, receive, send)
