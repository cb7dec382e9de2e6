"""Faults on a live socket: no byte of answer on a drop or a hang, whole answers otherwise."""

from __future__ import annotations

import gc
import json
import logging
import socket
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_state import partner_layer
from starlette.types import Receive, Scope, Send
from support import serving_in_thread

from mockserver.http_protocol import ConnectionLimits, protocol_factory
from mockserver.journal.exchange import exchange_in, prefix_lookup

pytestmark = pytest.mark.live

# A generous bound that only stops a broken server from hanging the test.
HANG = 20.0
BODY = b'{"status": "OK"}\n'


async def balance(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands for the routed API: getBalance answers 200."""
    scope["extensions"]["connexion_routing"] = {"api_base_path": "/valkyrie", "operation_id": "getBalance"}
    exchange = exchange_in(scope)
    if exchange is not None:
        exchange.reached("active", "active", "alice")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def render(status: int | None, code: str | None, message: str) -> tuple[int, Any, dict[str, str]]:
    return status or 500, {"status": "ERROR", "error": {"code": code or "PAM_ERR_UNDEFINED", "message": message}}, {}


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    app = partner_layer(balance, renderers={"valkyrie": render}, api_of=prefix_lookup({"valkyrie": "/valkyrie"}))
    options = {"http": protocol_factory(ConnectionLimits()), "log_config": None, "lifespan": "off"}
    # log_config None: uvicorn's loggers then reach pytest's log capture.
    with serving_in_thread(app, **options) as url:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        yield host, int(port)


def _exchange(address: tuple[str, int], prefer: str | None = None) -> bytes:
    """Sends one balance request and reads until the server closes the connection."""
    head = "GET /valkyrie/players/p/balance HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n"
    if prefer:
        head += f"Prefer: {prefer}\r\n"
    with socket.create_connection(address, timeout=HANG) as sock:
        sock.sendall((head + "\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def _status_and_body(raw: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(b":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def test_without_a_fault_the_request_is_answered(address: tuple[str, int]) -> None:
    status, _, body = _status_and_body(_exchange(address))
    assert (status, body) == (200, BODY)


def test_a_dropped_connection_gets_no_byte_of_answer(
    address: tuple[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert _exchange(address, "fault=drop") == b""
        assert _status_and_body(_exchange(address))[0] == 200  # the server goes on serving
    # uvicorn knows the request was abandoned on purpose: it neither answers 500 nor reports a broken app.
    assert "ASGI callable" not in caplog.text


def test_a_hang_ends_with_the_connection_closed_unanswered(address: tuple[str, int]) -> None:
    assert _exchange(address, "fault=hang; ms=200") == b""


def test_a_dropped_connection_takes_the_requests_pipelined_after_it(address: tuple[str, int]) -> None:
    request = "GET /valkyrie/players/p/balance HTTP/1.1\r\nHost: sandbox\r\n{}\r\n"
    with socket.create_connection(address, timeout=HANG) as sock:
        sock.sendall((request.format("") + request.format("Prefer: fault=drop\r\n") + request.format("")).encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 ") == 1 and data.startswith(b"HTTP/1.1 200")


def test_error_delay_and_trickle_answers_arrive_whole(address: tuple[str, int]) -> None:
    status, headers, body = _status_and_body(_exchange(address, "fault=error; status=503; code=PAM_ERR_TIMEOUT"))
    assert status == 503 and json.loads(body)["error"]["code"] == "PAM_ERR_TIMEOUT"
    assert headers[b"preference-applied"] == b"fault=error"
    status, headers, body = _status_and_body(_exchange(address, "fault=delay; ms=50"))
    assert (status, body, headers[b"preference-applied"]) == (200, BODY, b"fault=delay")
    status, headers, body = _status_and_body(_exchange(address, "fault=trickle; bytes-per-second=100"))
    assert (status, body, int(headers[b"content-length"])) == (200, BODY, len(BODY))


def test_answered_requests_leave_no_reference_cycles(address: tuple[str, int]) -> None:
    """What a request's answering made is freed when it ends, not left to the cyclic garbage collector: the scope's
    drop callable once held the request's cycle, which holds the scope, and under load the collector's slower
    passes then freed about 12 objects a request (bench/README.md, the journal's cost, third pass)."""
    requests = 20
    request = b"GET /valkyrie/players/p/balance HTTP/1.1\r\nHost: sandbox\r\n\r\n"
    with socket.create_connection(address, timeout=HANG) as sock:

        def answered() -> None:
            sock.sendall(request)
            data = b""
            while not data.endswith(BODY):
                chunk = sock.recv(65536)
                assert chunk, "the server closed the connection"
                data += chunk

        answered()  # the first request on a connection sets up what the later ones reuse
        gc.collect()
        gc.disable()
        try:
            for _ in range(requests):
                answered()
            time.sleep(0.2)  # each request's task ends just after its answer's last byte is sent
            gc.set_debug(gc.DEBUG_SAVEALL)
            gc.collect()
            garbage = list(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    kinds = Counter(type(item).__name__ for item in garbage)
    assert "RequestResponseCycle" not in kinds and len(garbage) < requests, kinds.most_common(10)
