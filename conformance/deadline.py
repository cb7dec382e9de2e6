"""One wall-clock deadline per request, from connect to last byte: an httpcore network backend that enforces it.

httpx's timeouts bound each socket operation on its own, so a server that sends one header byte every few seconds,
or ``100 Continue`` forever, never trips them. Here every connect, TLS handshake, read and write waits at most
what the request under way has left, and fails as a timeout once nothing is left.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

# The monotonic time by which the request under way must be over; None outside a request.
_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)
# Writes go out in slices, each bounded on its own: a server that reads slowly cannot stretch one write forever.
WRITE_SLICE_BYTES = 16 * 1024


@contextmanager
def request_deadline(at: float) -> Iterator[None]:
    """Every socket operation of the suite's client inside this block ends by ``at`` (time.monotonic)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left(timeout: float | None, expired: type[Exception]) -> float | None:
    """The timeout of one socket operation: ``timeout`` cut to what the request has left; ``expired`` when none."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes end by the deadline of the request under way."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        for start in range(0, len(buffer), WRITE_SLICE_BYTES):
            self._stream.write(buffer[start : start + WRITE_SLICE_BYTES], time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, time_left(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Opens connections that keep the deadline of the request under way (see ``request_deadline``)."""

    def __init__(self, backend: httpcore.NetworkBackend | None = None) -> None:
        self._backend = backend or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = time_left(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._backend.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        left = time_left(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._backend.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport over a ``DeadlineBackend``; ``backend`` is the network underneath (tests record it)."""

    def __init__(self, backend: httpcore.NetworkBackend | None = None) -> None:
        super().__init__(trust_env=False)
        # httpx 0.28 (pinned) builds its connection pool with no way to pass a network backend: build it again
        # with the same defaults, over the deadline-keeping backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=DeadlineBackend(backend),
        )
