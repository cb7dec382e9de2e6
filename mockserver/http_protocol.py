"""The HTTP/1.1 connection layer: uvicorn's httptools protocol, with limits on request heads, on slow and idle
clients, and on the number of open connections.

httptools has no limits of its own: it buffers a header of any size (in memory, re-copied as it grows), and uvicorn
starts its keep-alive timer only after a first answer, so a connection that sends nothing is held forever. This
protocol counts the bytes of each request head as they arrive, gives every connection a deadline from the moment it
opens (connection_registry.py enforces them), and, past the connection limit, has the connection that has waited
longest for a request closed. A refused request is answered by the app, in the owning API's error shape and with an
access-log line, through the scope extension ``request_guard.REFUSAL``. A request's scope also carries
``DROP_CONNECTION``, a callable with which the app closes the connection without any answer (a fault asked for).
An answer's head is written together with the first part of its body (_HeadWithBody).
"""

from __future__ import annotations

import asyncio
import functools
import urllib.parse
import weakref
from dataclasses import dataclass
from typing import Any, cast

import httptools
from uvicorn._types import HTTPScope
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from mockserver.connection_registry import registry_for
from mockserver.request_guard import REFUSAL

# The scope extension through which the app drops the connection of a request without answering it.
DROP_CONNECTION = "mockserver.drop_connection"


@dataclass(frozen=True)
class ConnectionLimits:
    """What one connection and one server process accept; SECURITY.md documents each value."""

    max_request_target: int = 8 * 1024  # bytes of the request line's target: 414 beyond
    max_header_line: int = 8 * 1024  # bytes of one header's name and value: 431 beyond
    max_header_count: int = 100  # 431 beyond
    max_head: int = 32 * 1024  # bytes of the request line and all headers: 431 beyond
    idle_timeout: float = 5.0  # seconds a connection may wait without a request under way
    request_timeout: float = 10.0  # seconds from a request's first byte to its last, head and body
    max_connections: int = 1024  # open connections per process; beyond, the longest-waiting one is closed


# After refusing a request, the answer is sent with a FIN and what the client still sends is read and dropped for
# a moment: closing a socket with unread data resets the connection, and the client could lose the answer.
LINGER_SECONDS = 2.0
LINGER_BYTES = 4 * 1024 * 1024


class _LimitError(Exception):
    """Raised in a parser callback to stop parsing a request that breaks a limit."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with :class:`ConnectionLimits`; pass it as ``uvicorn.Config(http=...)`` through
    :func:`protocol_factory`."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ConnectionLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self._registry = registry_for(server_state, self.loop, self.connections)
        self.deadline: float | None = None  # see connection_registry.Tracked
        self._reading = False  # between a request's first byte and its last
        self._in_head = True  # before the end of the head of the request being (or about to be) received
        self._head_budget = limits.max_head
        self._refused = False
        self._refusal: _LimitError | None = None
        self._discarded = 0

    # Connection life

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.deadline = self.loop.time() + self.limits.idle_timeout
        self._registry.opened(self, self.limits.max_connections)

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline = None
        self._registry.waiting.pop(self, None)
        super().connection_lost(exc)

    def close_for_timeout(self) -> None:
        # Idle, or too slow to send its request: no answer would reach a client that behaves like this.
        self.deadline = None
        self._registry.waiting.pop(self, None)
        if not self.transport.is_closing():
            self.transport.close()

    close_to_make_room = close_for_timeout

    # Bytes in: the head is counted as it arrives, before httptools buffers it.

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._discarded += len(data)
            if self._discarded > LINGER_BYTES:
                self.transport.abort()
            return
        if self._in_head and len(data) > self._head_budget:
            allowance, self._head_budget = self._head_budget, 0
            self._feed(data[:allowance])
            if self._refused or self.transport.is_closing() or self._refuse_unfinished_head():
                return
            # The head ended within the allowance; the rest is its body and maybe the next request (counted from
            # its next read on, so a limit holds to within one socket read).
            data = data[allowance:]
        elif self._in_head:
            self._head_budget -= len(data)
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        # uvicorn's data_received, without its warning for every bad request: the access line records each refusal.
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError:
            refusal = self._refusal or _LimitError(400, "The request is not valid HTTP/1.1.")
            self._refuse(refusal.status, refusal.detail)

    def _refuse_unfinished_head(self) -> bool:
        """Refuses the request when its head has not ended within the allowance; True if it did."""
        if self._in_head:
            if len(getattr(self, "url", b"")) > self.limits.max_request_target:
                self._refuse(*self._target_too_long())
            else:
                self._refuse(
                    431, f"The request's head (request line and headers) is over {self.limits.max_head} bytes."
                )
        return self._in_head

    def _target_too_long(self) -> tuple[int, str]:
        return 414, f"The request target is over {self.limits.max_request_target} bytes."

    # Parser callbacks. Limits on the target and on header lines are checked once the head is in: the byte count
    # above already bounds what it holds, and a check per header callback costs every request.

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading = True
        self.deadline = self.loop.time() + self.limits.request_timeout

    def on_headers_complete(self) -> None:
        limits = self.limits
        if len(self.url) > limits.max_request_target:
            self._stop(*self._target_too_long())
        if len(self.headers) > limits.max_header_count:
            self._stop(431, f"The request has more than {limits.max_header_count} headers.")
        for name, value in self.headers:
            if len(name) + len(value) > limits.max_header_line:
                self._stop(431, f"A header line is over {limits.max_header_line} bytes.")
        self._in_head = False
        self._registry.waiting.pop(self, None)
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope:  # an upgrade starts no cycle
            # ASGI types extensions as mappings; this one is a callable, read by the app only. It holds the cycle
            # weakly: the cycle holds the scope, and a cycle of references left every answered request's objects
            # to the cyclic garbage collector (under load, about 12 a request, freed only by its slower passes).
            drop = functools.partial(self._drop, weakref.ref(cycle))
            self.scope["extensions"] = {DROP_CONNECTION: drop}  # type: ignore[dict-item]
            if self.scope["method"] != "HEAD":  # a HEAD answer has no body for its head to wait for
                cycle.transport = _HeadWithBody(self.transport)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        self._reading = False
        self._in_head, self._head_budget = True, self.limits.max_head
        if self.cycle.response_complete:
            # Answered before the body ended (a body over its limit): from now on the connection is idle.
            self.deadline = self.loop.time() + self.limits.idle_timeout
        else:
            self.deadline = None  # the request is in; the app's answer has no deadline here
        super().on_message_complete()

    def on_response_complete(self) -> None:
        # uvicorn's own version, with the idle deadline in place of its keep-alive timer (see connection_registry).
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        elif not self._refused:
            self._registry.waiting[self] = None
            if not self._reading:
                self.deadline = self.loop.time() + self.limits.idle_timeout

    def _drop(self, answering: weakref.ref[RequestResponseCycle]) -> None:
        """Closes the connection without answering the request of the cycle ``answering`` refers to, nor any
        pipelined after it."""
        cycle = answering()
        if cycle is None:
            return  # that request is over and done with
        cycle.disconnected = True  # else uvicorn answers the app's silence with a 500 of its own
        self.pipeline.clear()
        if not self.transport.is_closing():
            self.transport.close()

    # Refusals

    def _stop(self, status: int, detail: str) -> None:
        self._refusal = _LimitError(status, detail)
        raise self._refusal  # httptools stops and raises HttpParserCallbackError; see _feed

    def _refuse(self, status: int, detail: str) -> None:
        if self._refused:
            return
        self._refused = True
        self.deadline = None
        self._registry.waiting.pop(self, None)
        if self.cycle is not None and not self.cycle.response_complete and not self._in_head:
            # The body of a request under way is broken: its handler is reading it, so no answer can follow.
            self.transport.close()
            return
        cycle = RequestResponseCycle(
            scope=cast(HTTPScope, self._refusal_scope(status, detail)),
            transport=_LingeringClose(self),  # type: ignore[arg-type]
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=False,
            keep_alive=False,
            on_response=lambda: None,
        )
        cycle.more_body = False
        if self.cycle is not None and not self.cycle.response_complete:
            self.pipeline.appendleft((cycle, self.app))  # answered after the request before it
        else:
            self.cycle = cycle
            self._start_asgi_task(cycle, self.app)
        self.flow.resume_reading()

    def _refusal_scope(self, status: int, detail: str) -> dict[str, Any]:
        """The scope of a refused request: its method and path as far as they came (the path names the API whose
        error shape answers), no headers, no body."""
        target = getattr(self, "url", b"")[: self.limits.max_request_target]
        try:
            raw_path = httptools.parse_url(target).path or b"/"
        except httptools.HttpParserInvalidURLError:
            raw_path = target.split(b"?", 1)[0] or b"/"
        method = "-"  # the parser reports a method even for bytes that never formed one
        if target:
            method = self.parser.get_method().decode("ascii", "replace")
        return {
            "type": "http",
            "asgi": {"version": self.asgi_version, "spec_version": "2.3"},
            "http_version": "1.1",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "method": method,
            "root_path": self.root_path,
            "path": urllib.parse.unquote(raw_path.decode("latin-1")),
            "raw_path": raw_path,
            "query_string": b"",
            "headers": [],
            "state": self.app_state.copy(),
            "extensions": {REFUSAL: (status, detail)},
        }

    def _linger(self) -> None:
        if self.transport.is_closing():
            return
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.deadline = self.loop.time() + LINGER_SECONDS


class _HeadWithBody:
    """The transport as one request's cycle sees it: the head of the answer waits for the body's first part, and
    both go out in one write. uvicorn writes them apart: two system calls and two packets for every answer, where
    sampled under load the head's write was the busiest line of the serving process (bench/README.md).

    The first write after the answer has started is its head; every answer but a HEAD's writes a body part after it,
    even an empty one, and a close sends what waits first. Writes before the answer starts (a ``100 Continue``)
    go out at once.
    """

    __slots__ = ("_answering", "_head", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None
        self._answering = False

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data)
        elif not self._answering and not data.startswith(_CONTINUE):
            self._answering = True
            self._head = data
        else:
            self._transport.write(data)

    def is_closing(self) -> bool:
        return bool(self._transport.is_closing())

    def close(self) -> None:
        if self._head is not None:
            self._transport.write(self._head)
            self._head = None
        self._transport.close()


_CONTINUE = b"HTTP/1.1 100 "


class _LingeringClose:
    """The transport as a refusal's answer sees it: closing it sends a FIN and lingers (see LINGER_SECONDS)."""

    def __init__(self, protocol: LimitedHttpToolsProtocol) -> None:
        self._protocol = protocol

    def write(self, data: bytes) -> None:
        self._protocol.transport.write(data)

    def is_closing(self) -> bool:
        return bool(self._protocol.transport.is_closing())

    def close(self) -> None:
        self._protocol._linger()


def protocol_factory(limits: ConnectionLimits) -> Any:
    """What ``uvicorn.Config(http=...)`` takes: the protocol class bound to ``limits`` (picklable, for workers)."""
    return functools.partial(LimitedHttpToolsProtocol, limits=limits)
