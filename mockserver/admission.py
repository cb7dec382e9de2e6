"""Admission: ``/healthz`` is answered at once, and a bounded number of API requests run at a time per process.

asyncio runs every ready task in turn, so with 64 requests under way each new request waits for a step of all the
others, again and again: a health probe behind a full load waited 120 ms at p99. Requests beyond the limit wait in
line before any work is done for them, so the ones running, and a probe, each wait for a few steps only. The server
stays CPU-bound; only the order of the waits changes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.request_guard import REFUSAL

HEALTH_PATH = "/healthz"
# Enough to keep the CPU busy while some requests wait for their bodies or for the socket to drain.
RUNNING_REQUESTS = 8


class Admission:
    """Answers ``/healthz`` itself; lets ``limit`` other requests at a time through to the app, the rest in line."""

    def __init__(self, app: ASGIApp, *, prefixes: Mapping[str, str], limit: int = RUNNING_REQUESTS) -> None:
        self.app = app
        self._health = (json.dumps({"status": "ok", "apis": dict(prefixes)}) + "\n").encode()
        self._limit = limit
        # One line per event loop: a semaphore belongs to the loop it first waited in (tests run apps in several).
        self._lines: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = REFUSAL in scope.get("extensions", {})  # the HTTP layer refused it: the app answers its error
        if scope["path"] == HEALTH_PATH and scope["method"] in ("GET", "HEAD") and not refused:
            await self._answer_health(scope, send)
            return
        loop = asyncio.get_running_loop()
        line = self._lines.get(loop)
        if line is None:
            line = self._lines[loop] = asyncio.Semaphore(self._limit)
        async with line:
            await self.app(scope, receive, send)

    async def _answer_health(self, scope: Scope, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(self._health)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else self._health})
