"""One access-log line per request, and the ``X-Correlation-ID`` echo, error responses included."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("mockserver.access")


def configure_logging(level: str) -> None:
    """Log lines to stderr; ``info`` writes one access line per request."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # connexion logs every rejected request at INFO; the access line already records it.
    logging.getLogger("connexion").setLevel(logging.WARNING)


_CORRELATION = b"x-correlation-id"


class RequestLogMiddleware:
    """Sits outside connexion's exception handling, so it sees every response, whatever produced it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        correlation = next((value for name, value in scope["headers"] if name == _CORRELATION), None)
        status: dict[str, Any] = {"code": 500}

        async def send_echoing(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                if correlation is not None and not any(name.lower() == _CORRELATION for name, _ in headers):
                    headers.append((_CORRELATION, correlation))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_echoing)
        finally:
            client = scope.get("client")
            # The path only: query strings can carry Paytronix passwords.
            logger.info(
                '%s "%s %s" %d %.1fms correlation=%s',
                client[0] if client else "-",
                scope["method"],
                scope.get("path", ""),
                status["code"],
                (time.perf_counter() - started) * 1000,
                correlation.decode("latin-1") if correlation else "-",
            )
