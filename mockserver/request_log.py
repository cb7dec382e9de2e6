"""One access-log line per request, the ``X-Correlation-ID`` echo, and a log format no client value can forge."""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from balancekit.safe_text import printable
from mockserver.redaction import ECHO_LIMIT, loggable

logger = logging.getLogger("mockserver.access")

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class EscapingFormatter(logging.Formatter):
    """Every record on one line of printable ASCII; a traceback's own lines follow, indented.

    Messages are built from request data (paths, headers, exception messages), so a value holding a line break or
    a terminal control code could otherwise write a fake line or clear the screen. Continuation lines (tracebacks)
    are indented, so none of them can pass for a record of its own.
    """

    def format(self, record: logging.LogRecord) -> str:
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg, safe.args = printable(record.getMessage()), None
        first, *rest = super().format(safe).split("\n")
        return "\n".join([first, *("  " + printable(line) for line in rest)])


def configure_logging(level: str) -> None:
    """Log lines to stderr; ``info`` writes one access line per request."""
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter(_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    # connexion logs every rejected request at INFO; the access line already records it.
    logging.getLogger("connexion").setLevel(logging.WARNING)


_CORRELATION = b"x-correlation-id"
_HEADER_UNSAFE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def correlation_echo(value: bytes) -> bytes | None:
    """The ``X-Correlation-ID`` to send back: its first ECHO_LIMIT bytes, or none if it holds control bytes."""
    echo = value[:ECHO_LIMIT]
    return None if _HEADER_UNSAFE.search(echo) else echo


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
        echo = correlation_echo(correlation) if correlation is not None else None
        status: dict[str, Any] = {"code": 500}

        async def send_echoing(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                if echo is not None and not any(name.lower() == _CORRELATION for name, _ in headers):
                    headers.append((_CORRELATION, echo))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_echoing)
        finally:
            if logger.isEnabledFor(logging.INFO):
                client = scope.get("client")
                # The path only: query strings can carry passwords. Each client value is cut and escaped. The process
                # id tells the workers of `serve --workers N` apart; the client's correlation id comes last.
                logger.info(
                    '%s "%s %s" %d %.1fms pid=%d correlation=%s',
                    client[0] if client else "-",
                    loggable(scope["method"]),
                    loggable(scope.get("path", ""), 2 * ECHO_LIMIT),
                    status["code"],
                    (time.perf_counter() - started) * 1000,
                    os.getpid(),
                    loggable(correlation),
                )
