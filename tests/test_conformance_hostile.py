"""Systems that misbehave at the transport level: the conformance run ends in bounded time with a clear message.

Each case is a small raw-socket server (threads on 127.0.0.1, a free port, stopped at the end of the test) that
the three base URLs of a profile point at. The CLI runs as a subprocess with ``--timeout 1 --budget 40``:

- no HTTP answer at all (hang, reset, a close without answer, garbage, a dribbling body, nothing listening) is no
  verdict: exit 2, after one request per API: a system that never answered is down at once, and no request waits
  past its timeout;
- answers that are HTTP but not what the specs document (an HTML page, a huge or endless JSON-looking body) are
  a verdict: the system fails, exit 1, each body read no further than the cap.

The bounds are held by their mechanism (the requests sent, the bytes read); the time a run takes on this machine
is asserted nowhere. A guard only stops a hung run from hanging the tests.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_servers import Handler, RawServer, read_request, send
from support import API_NAMES, mock_profile_at

pytestmark = pytest.mark.slow

# The suite's options for every case: one second per request, forty for the whole run.
TIMEOUT_SECONDS = 1
BUDGET_SECONDS = 40
# A run still going this long is hung, not slow: the budget, the generated requests' wind-down and a loaded
# machine's start-up all fit well within it.
GUARD_SECONDS = BUDGET_SECONDS + 120


# What the servers answer, once they have read the request.
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>"
NOT_HTTP = b"\x00\x01\x02 SSH-2.0-OpenSSH_9.2 this is not HTTP\r\n\r\n"
JSON_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
HUGE_BODY_BYTES = 50 * 1024 * 1024
JSON_CHUNK = b'{"availableAmount": 12.5, "status": "OK", "padding": "' + b"x" * 4000 + b'"},'


def hang(connection: socket.socket, stopping: threading.Event) -> None:
    """Accept, read, and never answer."""
    while read_request(connection, stopping):
        pass
    stopping.wait()


def reset(connection: socket.socket, stopping: threading.Event) -> None:
    """Close at once with a TCP reset: SO_LINGER on with a zero timeout makes close() send RST, not FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def close(connection: socket.socket, stopping: threading.Event) -> None:
    """Read the request, then close the connection without a byte of answer."""
    read_request(connection, stopping)


def garbage(connection: socket.socket, stopping: threading.Event) -> None:
    """Answer bytes that are not HTTP, then close."""
    if read_request(connection, stopping):
        send(connection, NOT_HTTP, stopping)


def html(connection: socket.socket, stopping: threading.Event) -> None:
    """A valid HTTP/1.1 200 text/html page for every request."""
    if read_request(connection, stopping):
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(HTML_PAGE)}\r\nConnection: close\r\n\r\n"
        )
        send(connection, head.encode() + HTML_PAGE, stopping)


def huge_body(connection: socket.socket, stopping: threading.Event) -> None:
    """A valid HTTP 200 application/json answer whose body is 50 MB of JSON-looking bytes."""
    if not read_request(connection, stopping):
        return
    send(connection, f"{JSON_HEAD}Content-Length: {HUGE_BODY_BYTES}\r\n\r\n[".encode(), stopping)
    sent = 1
    while sent < HUGE_BODY_BYTES and not stopping.is_set():
        chunk = JSON_CHUNK[: HUGE_BODY_BYTES - sent]
        send(connection, chunk, stopping)
        sent += len(chunk)


def endless_body(connection: socket.socket, stopping: threading.Event) -> None:
    """A valid HTTP 200 application/json answer whose body never ends: no Content-Length, never closed.

    About 2.5 MB/s: far more than a reader needs to see that it does not end, and slow enough that a reader which
    keeps all of it cannot exhaust the machine's memory before the test gives up on it.
    """
    if not read_request(connection, stopping):
        return
    send(connection, f"{JSON_HEAD}\r\n[".encode(), stopping)
    while not stopping.is_set():
        send(connection, JSON_CHUNK * 64, stopping)
        stopping.wait(0.1)


def dribble(connection: socket.socket, stopping: threading.Event) -> None:
    """Valid headers, then one body byte per second, forever."""
    if not read_request(connection, stopping):
        return
    send(connection, f"{JSON_HEAD}\r\n".encode(), stopping)
    while not stopping.is_set():
        send(connection, b" ", stopping)
        stopping.wait(1.0)


def closed_port() -> int:
    """A port nothing listens on: bound for a moment to get a free number, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class Case:
    handler: Handler | None  # None: nothing listens
    exit_code: int
    messages: tuple[str, ...]  # each must appear in the output


NO_VERDICT = ("Verdict: NO VERDICT", "the system stopped answering")
FAILED = ("Verdict: FAILED",)

CASES = {
    "hang": Case(hang, 2, (*NO_VERDICT, "no answer within 1 s")),
    "reset": Case(reset, 2, (*NO_VERDICT, "the connection broke")),
    "close": Case(close, 2, (*NO_VERDICT, "the connection broke")),
    "garbage": Case(garbage, 2, (*NO_VERDICT, "the answer is not valid HTTP")),
    "html": Case(html, 1, (*FAILED, "200 text/html")),
    "huge-body": Case(huge_body, 1, (*FAILED, "body over 1048576 bytes, not read to the end")),
    "endless-body": Case(endless_body, 1, (*FAILED, "body over 1048576 bytes, not read to the end")),
    "dribble": Case(dribble, 2, (*NO_VERDICT, "no answer within 1 s")),
    "nothing-listening": Case(None, 2, (*NO_VERDICT, "cannot connect to http://127.0.0.1:")),
}


@pytest.fixture
def system(case_name: str) -> Iterator[RawServer | None]:
    """The misbehaving system of the case, started for the test and stopped after it; None when nothing listens."""
    case = CASES[case_name]
    if case.handler is None:
        yield None
        return
    server = RawServer(case.handler)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("case_name", list(CASES))
def test_a_misbehaving_system_ends_the_run_in_bounded_time(
    case_name: str, system: RawServer | None, tmp_path: Path
) -> None:
    case = CASES[case_name]
    results = tmp_path / "results.json"
    url = system.url if system is not None else f"http://127.0.0.1:{closed_port()}"
    command = [
        sys.executable,
        "-m",
        "conformance",
        "run",
        "--profile",
        str(mock_profile_at(tmp_path, url)),
        "--timeout",
        str(TIMEOUT_SECONDS),
        "--budget",
        str(BUDGET_SECONDS),
        "--seed",
        "1",
        "--json",
        str(results),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=GUARD_SECONDS)
    except subprocess.TimeoutExpired as expired:
        partial = _text(expired.stdout) + _text(expired.stderr)
        pytest.fail(f"{case_name}: the run was still going after {GUARD_SECONDS:g} s, hung:\n{partial[-4000:]}")
    output = result.stdout + result.stderr
    summary = f"{case_name}: exit {result.returncode}\n{output[-4000:]}"
    assert "Traceback" not in output, summary
    assert result.returncode == case.exit_code, summary
    for message in case.messages:
        assert message in output, summary
    # The JSON says the same: with no answer, each of the three systems is marked down; with wrong answers, none.
    report = json.loads(results.read_text(encoding="utf-8"))
    down = {api: bool(entry["stopped_answering"]) for api, entry in report["systems"].items()}
    assert down == dict.fromkeys(API_NAMES, case.exit_code == 2), down
    assert report["options"]["timeout"] == TIMEOUT_SECONDS and report["options"]["budget"] == BUDGET_SECONDS
    if case.exit_code == 2 and system is not None:
        # A system that never answered is down after its first request: one connection per API, no retry.
        assert system.accepted == len(API_NAMES), summary


def _text(output: bytes | str | None) -> str:
    """What a killed run had written: TimeoutExpired carries bytes even for a run started with text=True."""
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""
