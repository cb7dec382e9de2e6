"""The ASGI layer that hands every API request and its answer's status to the journal's writer."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from balancekit.clock import Clock, wall_clock
from mockserver.journal.entry import MAX_CAPTURED_BODY, RawExchange
from mockserver.journal.exchange import ApiOf, open_exchange, operation_of


class JournalMiddleware:
    """Sits outside the fault layer, so an entry shows the answer the client got (none, for a dropped connection)
    and how long it took. Requests outside the APIs (health, admin, docs) are not journaled.

    A request is recorded just before the last part of its answer is sent: a client that has read its answer and
    then reads the journal (admin.SandboxAdmin.journal waits for every writer's flush) finds the request there.
    """

    def __init__(
        self, app: ASGIApp, *, record: Callable[[RawExchange], None], api_of: ApiOf, clock: Clock = wall_clock
    ) -> None:
        self.app = app
        self._record = record
        self._api_of = api_of
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = open_exchange(scope, self._api_of) if scope["type"] == "http" else None
        if exchange is None:
            await self.app(scope, receive, send)
            return
        arrived, started = self._clock(), time.perf_counter()
        chunks: list[bytes] = []
        kept, complete = 0, True
        answered: int | None = None
        recorded = False

        def record() -> None:
            nonlocal recorded
            recorded = True
            self._record(
                RawExchange(
                    time=arrived,
                    duration=time.perf_counter() - started,
                    method=scope.get("method", "-"),
                    path=scope.get("path", ""),
                    query_string=scope.get("query_string", b""),
                    headers=scope.get("headers", []),
                    body=b"".join(chunks),
                    body_complete=complete,
                    status=answered,
                    operation=operation_of(scope),
                    exchange=exchange,
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
            await self.app(scope, receive_keeping, send_noting)
        finally:
            if not recorded:
                record()  # no answer (a dropped connection), or one that broke off
