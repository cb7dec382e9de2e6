"""The generated requests bounded like the suite's own: urllib3 connections that keep each request's deadline and
read no answer past the body cap, installed in the schemathesis child only.

schemathesis sends through requests and urllib3, whose timeouts bound each socket operation on its own: a server
that trickles its headers or answers ``100 Continue`` forever holds a request for good. Here the sockets of every
connection wait at most what the request under way has left (its timeout from connect to last byte, cut at the
budget's end), and every answer, the capability probes' included, stops at ``MAX_BODY_BYTES`` once decoded.
"""

from __future__ import annotations

import math
import socket
import ssl
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from urllib3 import connectionpool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, ProtocolError
from urllib3.response import HTTPResponse

from conformance.decoding import PIECE_BYTES
from conformance.transport import MAX_BODY_BYTES

if TYPE_CHECKING:
    _Socket = socket.socket
    _Connection = HTTPConnection
else:
    _Socket = _Connection = object


@dataclass(frozen=True)
class _Limits:
    request_seconds: float
    ends_at: float  # time.monotonic() of the budget's end


class _Deadline:
    """The deadline of the request under way on one connection."""

    def __init__(self, limits: _Limits) -> None:
        self.limits = limits
        self.at = math.inf

    def start(self) -> None:
        self.at = min(time.monotonic() + self.limits.request_seconds, self.limits.ends_at)

    def cap(self, timeout: float | None) -> float:
        """``timeout`` cut to what the request has left; a socket timeout when nothing is left."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request's deadline passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineSocketMixin(_Socket):
    """Before each read and write, the socket's timeout becomes what the request has left, if that is less."""

    _deadline: _Deadline | None = None
    _operation_timeout: float | None = None

    def settimeout(self, value: float | None) -> None:
        self._operation_timeout = value
        super().settimeout(value)

    def _arm(self) -> None:
        if self._deadline is not None:
            super().settimeout(self._deadline.cap(self._operation_timeout))

    def recv(self, *args: Any) -> bytes:
        self._arm()
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        self._arm()
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        self._arm()
        return super().send(*args)

    def sendall(self, *args: Any) -> None:
        # A plain socket's sendall is bounded as a whole by its timeout; an SSL socket's calls send() in a loop.
        self._arm()
        super().sendall(*args)


class _DeadlineSocket(_DeadlineSocketMixin, socket.socket):
    pass


class _DeadlineSSLSocket(_DeadlineSocketMixin, ssl.SSLSocket):
    """What SSLContext.wrap_socket returns in the child; with no deadline attached it is a plain SSLSocket."""


def _adopt(sock: socket.socket, deadline: _Deadline) -> _DeadlineSocket:
    """The connected ``sock`` as a deadline-keeping socket, armed: a TLS handshake on it inherits what is left."""
    timeout = sock.gettimeout()
    adopted = _DeadlineSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    adopted.settimeout(timeout)
    adopted._deadline = deadline
    try:
        adopted._arm()
    except TimeoutError:
        adopted.close()
        raise
    return adopted


class _CappedResponse(HTTPResponse):
    """An answer whose decoded body is read no further than MAX_BODY_BYTES (urllib3 decodes in steps of ``amt``).

    The class is given after urllib3 built the answer, so a body preloaded in the constructor is not capped:
    requests, and so schemathesis, never preload; the child's memory cap stands behind it anyway.
    """

    _decoded_bytes = 0

    def _counted(self, data: bytes) -> bytes:
        self._decoded_bytes += len(data)
        if self._decoded_bytes > MAX_BODY_BYTES:
            self.close()
            raise ProtocolError(f"the body is larger than {MAX_BODY_BYTES} bytes; not read to the end")
        return data

    def read(self, amt: int | None = None, decode_content: bool | None = None, cache_content: bool = False) -> bytes:
        if amt is None or amt < 0:
            # All at once would decode a bomb whole before the cap is looked at: read it in bounded steps instead.
            # (cache_content is not honoured: nothing in the child reads a body twice.)
            return b"".join(self.stream(PIECE_BYTES, decode_content))
        return self._counted(super().read(amt, decode_content, cache_content))

    def read1(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        return self._counted(super().read1(amt, decode_content))

    def read_chunked(self, amt: int | None = None, decode_content: bool | None = None) -> Generator[bytes]:
        for data in super().read_chunked(amt, decode_content):
            yield self._counted(data)


class _DeadlineConnectionMixin(_Connection):
    """A connection whose every request starts a deadline its socket keeps, from connect to the body's end. The
    limits are those of the :func:`bounded` block that made the class."""

    limits: _Limits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = _Deadline(self.limits)
        self._connected_for_request = False

    def connect(self) -> None:
        # An HTTPS pool connects before request() (to verify the certificate): the deadline starts here then.
        self._deadline.start()
        self._connected_for_request = True
        super().connect()
        if isinstance(self.sock, _DeadlineSSLSocket):
            self.sock._deadline = self._deadline

    def request(self, *args: Any, **kwargs: Any) -> None:
        if not self._connected_for_request:
            self._deadline.start()
        try:
            super().request(*args, **kwargs)
        finally:
            self._connected_for_request = False

    def _new_conn(self) -> socket.socket:
        connect_timeout = self.timeout
        try:
            self.timeout = self._deadline.cap(connect_timeout if isinstance(connect_timeout, (int, float)) else None)
            return _adopt(super()._new_conn(), self._deadline)
        except TimeoutError:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out: the request's deadline passed"
            ) from None
        finally:
            self.timeout = connect_timeout

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        response = super().getresponse()
        # urllib3 builds its HTTPResponse itself, with no class to configure: give this one the capped reads.
        response.__class__ = _CappedResponse
        return response


class _DeadlineHTTPConnection(_DeadlineConnectionMixin, HTTPConnection):
    pass


class _DeadlineHTTPSConnection(_DeadlineConnectionMixin, HTTPSConnection):
    pass


@contextmanager
def bounded(request_seconds: float, ends_at: float) -> Iterator[None]:
    """Within this block every urllib3 request of the process keeps its deadline (``request_seconds`` from connect
    to last byte, cut at ``ends_at`` on time.monotonic) and the body cap.

    urllib3 has no hook for it, so the block swaps classes process-wide (urllib3's pools' connection classes, and
    SSLContext.sslsocket_class, a documented hook) and puts them back at its end: the schemathesis child switches
    it on around its run; the tests around theirs.
    """
    limits = {"limits": _Limits(request_seconds, ends_at)}
    http = type("BoundedHTTPConnection", (_DeadlineHTTPConnection,), limits)
    https = type("BoundedHTTPSConnection", (_DeadlineHTTPSConnection,), limits)
    saved = (connectionpool.HTTPConnectionPool.ConnectionCls, connectionpool.HTTPSConnectionPool.ConnectionCls)
    saved_ssl = ssl.SSLContext.sslsocket_class
    connectionpool.HTTPConnectionPool.ConnectionCls = http
    connectionpool.HTTPSConnectionPool.ConnectionCls = https
    ssl.SSLContext.sslsocket_class = _DeadlineSSLSocket
    try:
        yield
    finally:
        connectionpool.HTTPConnectionPool.ConnectionCls, connectionpool.HTTPSConnectionPool.ConnectionCls = saved
        ssl.SSLContext.sslsocket_class = saved_ssl
