"""The HTTP layer writes an answer's head with the first part of its body: one write, one packet, for a whole answer;
and never holds back what a client is waiting for (a 100 Continue, a HEAD answer, the head before a close)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.server import ServerState

from mockserver.http_protocol import ConnectionLimits, protocol_factory

BODY = b'{"status": "OK"}\n'


class RecordingTransport(asyncio.Transport):
    """Keeps every write apart, as a socket would send it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def whole(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


async def in_parts(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"6")]})
    await send({"type": "http.response.body", "body": b"abc", "more_body": True})
    await asyncio.sleep(0)
    await send({"type": "http.response.body", "body": b"def"})


async def broken_after_start(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"6")]})
    raise RuntimeError("the app broke after starting its answer")


async def served(app: Any, request: bytes, *, until_closed: bool = False) -> RecordingTransport:
    """``request`` fed to the sandbox's HTTP protocol over a recording transport; returns once it is answered."""
    config = uvicorn.Config(app, lifespan="off", log_config=None)
    state = ServerState()
    protocol = protocol_factory(ConnectionLimits())(config, state, {})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(100):
        await asyncio.sleep(0)
        if (transport.closed if until_closed else state.total_requests) and not state.tasks:
            break
    protocol.connection_lost(None)
    return transport


def _request(method: str = "GET", extra: str = "", body: bytes = b"") -> bytes:
    head = f"{method} /valkyrie/players/p/balance HTTP/1.1\r\nHost: sandbox\r\n{extra}"
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


def test_a_whole_answer_is_one_write() -> None:
    transport = asyncio.run(served(whole, _request()))
    (answer,) = transport.writes
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b"\r\n\r\n" + BODY)


def test_a_body_in_parts_sends_the_head_with_the_first_part() -> None:
    transport = asyncio.run(served(in_parts, _request()))
    assert len(transport.writes) == 2
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b"\r\n\r\nabc")
    assert transport.writes[1] == b"def"


def test_a_head_answer_is_written_although_no_body_follows() -> None:
    transport = asyncio.run(served(whole, _request("HEAD")))
    (answer,) = transport.writes
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\n")


def test_a_100_continue_goes_out_before_the_answer_on_its_own() -> None:
    request = _request("POST", "Expect: 100-continue\r\n", b"{}")
    transport = asyncio.run(served(whole, request))
    assert transport.writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n"
    (answer,) = transport.writes[1:]
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(BODY)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_connection_closed_after_the_head_still_gets_the_head(caplog: pytest.LogCaptureFixture) -> None:
    transport = asyncio.run(served(broken_after_start, _request(), until_closed=True))
    assert transport.closed
    (answer,) = transport.writes
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\n")
