"""How a request's fault is acted out: its answer delayed, replaced, trickled or not sent at all."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.types import Message, Receive, Scope, Send

from mockserver.faults.book import AppliedFault, Draw
from mockserver.faults.model import (
    MAX_HANG_MS,
    MAX_TRICKLE_SECONDS,
    FaultRenderer,
    FaultRule,
    FaultTarget,
    InvalidFaultPreference,
    preferred_fault,
)
from mockserver.http_protocol import DROP_CONNECTION
from mockserver.journal.exchange import Exchange

logger = logging.getLogger("mockserver.faults")

# Waits the seconds given unless the client disconnects first; True when it did.
Pause = Callable[[float, Receive], Awaitable[bool]]

FAULT_MESSAGE = "Fault injected by the sandbox, as asked."
TRICKLE_STEP_SECONDS = 0.1  # a trickling body is sent in pieces this far apart


async def wait_for_disconnect(seconds: float, receive: Receive) -> bool:
    """Waits ``seconds``, or less if the client disconnects meanwhile; True when it did."""
    try:
        async with asyncio.timeout(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass  # the rest of a body already read, or a wake-up: keep waiting
    except TimeoutError:
        return False
    return True


class FaultActing:
    """What the sandbox's request layer (partner_layer.PartnerLayer) calls on to act out faults: it reads a
    request's ``Prefer: fault=``, and once the app has answered (into messages held back), sends what the fault
    makes of that answer."""

    def __init__(
        self,
        *,
        renderers: Mapping[str, FaultRenderer],
        targets: Mapping[str, FaultTarget],
        draw: Draw,
        pause: Pause = wait_for_disconnect,
    ) -> None:
        self._renderers = renderers
        self._targets = targets
        self.draw = draw
        self._pause = pause

    def preferred(self, prefer: str, api: str) -> FaultRule | None:
        """The fault a request's Prefer header asks of ``api``, if any; raises InvalidFaultPreference."""
        return preferred_fault(prefer, api, self._targets.get(api))

    async def refuse(self, send: Send, api: str, problem: InvalidFaultPreference) -> None:
        """Answers a Prefer fault that cannot be acted out, in the API's error shape."""
        await self._send_error(send, api, 400, None, str(problem.detail), {})

    async def act(
        self, applied: AppliedFault, exchange: Exchange, held: list[Message], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Acts out ``applied`` on the answer ``held`` back, and notes it in the exchange for the journal."""
        exchange.fault = applied.describe()
        fault = applied.fault
        confirm = {"preference-applied": f"fault={fault.kind}"} if applied.rule.source == "prefer" else {}
        if fault.kind == "delay":
            if not await self._pause(applied.wait_ms / 1000, receive):
                await _send_held(held, send, confirm)
        elif fault.kind == "error":
            await self._send_error(send, exchange.api, fault.status, fault.code, FAULT_MESSAGE, confirm)
        elif fault.kind == "drop":
            self._drop(scope)
        elif fault.kind == "hang":
            if not await self._pause((fault.ms or MAX_HANG_MS) / 1000, receive):
                self._drop(scope)
        else:
            await self._trickle(held, send, receive, fault.bytes_per_second or 1, confirm)

    async def _send_error(
        self, send: Send, api: str, status: int | None, code: str | None, message: str, extra: Mapping[str, str]
    ) -> None:
        status, body, headers = self._renderers[api](status, code, message)
        payload = (json.dumps(body) + "\n").encode()
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        raw += [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in {**headers, **extra}.items()
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    def _drop(scope: Scope) -> None:
        drop = scope.get("extensions", {}).get(DROP_CONNECTION)
        if drop is None:
            # Only the sandbox's HTTP layer can close a connection unanswered; under another server the app's
            # silence is answered by that server.
            logger.warning("a dropped connection was asked for, but the server offers no way to drop one")
            return
        drop()

    async def _trickle(
        self, held: list[Message], send: Send, receive: Receive, rate: int, extra: Mapping[str, str]
    ) -> None:
        start, body = _split(held)
        await send(_with_headers(start, extra))
        step = max(1, int(rate * TRICKLE_STEP_SECONDS))
        steps_left = int(MAX_TRICKLE_SECONDS / TRICKLE_STEP_SECONDS)
        while len(body) > step and steps_left > 0:
            await send({"type": "http.response.body", "body": body[:step], "more_body": True})
            body, steps_left = body[step:], steps_left - 1
            if await self._pause(TRICKLE_STEP_SECONDS, receive):
                return
        # What is left once the bound is reached goes at once.
        await send({"type": "http.response.body", "body": body})


def _split(held: list[Message]) -> tuple[Message, bytes]:
    start = held[0]
    body = b"".join(message.get("body", b"") for message in held[1:] if message["type"] == "http.response.body")
    return start, body


def _with_headers(start: Message, extra: Mapping[str, str]) -> Message:
    if not extra:
        return start
    headers = [*start.get("headers", []), *((k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items())]
    return {**start, "headers": headers}


async def _send_held(held: list[Message], send: Send, extra: Mapping[str, str]) -> None:
    await send(_with_headers(held[0], extra))
    for message in held[1:]:
        await send(message)
