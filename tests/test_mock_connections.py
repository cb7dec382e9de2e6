"""A real ``mockserver serve`` against hostile clients: oversized heads, idle and slow connections, floods of
connections, chunked bodies on the wire, forged proxy headers and log lines."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import (
    REPO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    LiveMock,
    assert_api_error,
    start_mock,
    valkyrie_headers,
    vip_headers,
)

pytestmark = [pytest.mark.live, pytest.mark.slow]

ALICE = VALKYRIE_BALANCE.format("73619e57b3bc4b4e9014132be3bd12a9")
# A generous bound that only stops a broken server from hanging the test.
HANG = 20.0


@pytest.fixture(scope="module")
def tight_mock() -> Iterator[LiveMock]:
    """A mock with short timeouts and a small connection limit, so the tests see them act within seconds."""
    mock = start_mock("--idle-timeout", "1", "--request-timeout", "2", "--max-connections", "64")
    try:
        yield mock
    finally:
        mock.stop()


def _address(mock: LiveMock) -> tuple[str, int]:
    host, port = mock.url.removeprefix("http://").split(":")
    return host, int(port)


def _connect(mock: LiveMock) -> socket.socket:
    return socket.create_connection(_address(mock), timeout=HANG)


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset after its answer counts as a close)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def _exchange(mock: LiveMock, request: bytes) -> bytes:
    with _connect(mock) as sock:
        sock.sendall(request)
        return _read_all(sock)


def _answers(raw: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """The HTTP/1.1 answers in ``raw``, in order (each with a Content-Length)."""
    answers = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        answers.append((int(status_line.split(" ")[1]), headers, rest[:length]))
        raw = rest[length:]
    return answers


class _Answer:
    """Just enough of a response for assert_api_error."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code, self.headers, self.text = status, headers, body.decode()

    def json(self) -> Any:
        return json.loads(self.text)


def _refused(raw: bytes, path: str, status: int) -> dict[str, Any]:
    answers = _answers(raw)
    assert len(answers) == 1, raw[:500]
    answer = _Answer(*answers[0])
    assert answer.status_code == status, raw[:500]
    assert answer.headers["connection"] == "close"
    return assert_api_error(answer, path)


def _get(path: str, *headers: bytes) -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: mock\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


def _vip_head(framing: bytes) -> bytes:
    """The head of an authenticated VIP lookup whose body is framed by ``framing`` (a Content-Length or chunked)."""
    headers = [f"{name}: {value}".encode() for name, value in vip_headers().items()]
    return (
        b"POST "
        + VIP_LOOKUP.encode()
        + b" HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        + framing
        + b"\r\n"
        + b"".join(h + b"\r\n" for h in headers)
        + b"\r\n"
    )


@pytest.mark.parametrize(
    ("request_bytes", "path", "status"),
    [
        (_get(ALICE + "?provider=" + "e" * 9000), ALICE, 414),
        (_get(VIP_LOOKUP + "/" + "x" * 20_000), VIP_LOOKUP, 414),
        (_get(ALICE, b"X-Big: " + b"a" * 9000), ALICE, 431),
        (_get("/paytronix/x", b"Authorization: Bearer " + b"t" * 9000), "/paytronix/x", 431),
        (_get(VIP_LOOKUP, *(b"X-%d: %s" % (index, b"a" * 1000) for index in range(40))), VIP_LOOKUP, 431),
        (_get("/healthz", *(b"X-%d: a" % index for index in range(101))), "/healthz", 431),
        (b"NOT HTTP AT ALL\r\n\r\n", "/", 400),
    ],
    ids=["long-query", "long-path", "long-header", "long-token", "large-head", "many-headers", "not-http"],
)
def test_a_head_over_a_limit_gets_the_apis_error_and_the_connection_closes(
    live_mock: LiveMock, request_bytes: bytes, path: str, status: int
) -> None:
    _refused(_exchange(live_mock, request_bytes), path, status)


def test_a_head_within_the_limits_is_served(live_mock: LiveMock) -> None:
    headers = [f"{name}: {value}".encode() for name, value in valkyrie_headers().items()]
    request = _get(ALICE + "?provider=evolution", *headers, b"X-Fill: " + b"f" * 8000, b"Connection: close")
    (status, _, body), *_ = _answers(_exchange(live_mock, request))
    assert status == 200 and json.loads(body)["status"] == "OK"


def test_a_refusal_after_a_pipelined_request_keeps_the_order(live_mock: LiveMock) -> None:
    headers = [f"{name}: {value}".encode() for name, value in valkyrie_headers().items()]
    first = _get(ALICE + "?provider=evolution", *headers)
    second = _get(ALICE, b"X-Big: " + b"a" * 9000)
    statuses = [status for status, _, _ in _answers(_exchange(live_mock, first + second))]
    assert statuses == [200, 431]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_an_endless_header_is_cut_off_and_costs_no_memory(live_mock: LiveMock) -> None:
    before = _rss_kib(live_mock.process.pid)
    for _ in range(4):
        with _connect(live_mock) as sock:
            sock.sendall(_get(ALICE)[:-2] + b"X-Endless: ")
            sent, chunk = 0, b"a" * 65536
            with pytest.raises(OSError):  # the server stops reading long before: reset or broken pipe
                while sent < 16 << 20:
                    sock.sendall(chunk)
                    sent += len(chunk)
    # On main, each of these 16 MiB headers was buffered (and copied as it grew) by the server.
    assert _rss_kib(live_mock.process.pid) - before < 16 * 1024
    assert httpx.get(f"{live_mock.url}/healthz", timeout=HANG).status_code == 200


def test_a_chunked_body_is_read_on_the_wire(live_mock: LiveMock) -> None:
    body = b'{"VipAccountNumber": "7210988860"}'
    request = _vip_head(b"Transfer-Encoding: chunked\r\nConnection: close")
    request += b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\n\r\n"
    (status, _, answer), *_ = _answers(_exchange(live_mock, request))
    assert status == 200, answer
    assert json.loads(answer)["vipCardNumber"] == "7210988860"


def _closed_by_server(sock: socket.socket) -> bool:
    """Waits (within HANG) for the server to close ``sock``; False if it is still open then."""
    sock.settimeout(HANG)
    try:
        while sock.recv(65536):
            pass  # the rest of an answer
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def test_a_connection_that_sends_nothing_is_closed(tight_mock: LiveMock) -> None:
    with _connect(tight_mock) as sock:
        assert _closed_by_server(sock)


def _dribble(sock: socket.socket, pieces: list[bytes]) -> bool:
    """Sends one piece every 0.2 s; True when the server stopped the connection before the last one."""
    for piece in pieces:
        try:
            sock.sendall(piece)
        except OSError:
            return True
        time.sleep(0.2)
    return False


def test_a_connection_that_dribbles_its_head_is_closed(tight_mock: LiveMock) -> None:
    # A byte at a time keeps an idle timer from firing; only a deadline on the whole request stops it. The head
    # takes about 20 s to dribble, the mock's request timeout is 2 s.
    request = _get(ALICE + "?provider=evolution", b"X-Correlation-ID: slow")[:-2]
    assert len(request) * 0.2 > 10
    with _connect(tight_mock) as sock:
        if not _dribble(sock, [bytes([byte]) for byte in request]):
            pytest.fail("the server kept reading a request for longer than its whole head takes to dribble")
        assert _closed_by_server(sock)


def test_a_connection_that_dribbles_its_body_is_closed(tight_mock: LiveMock) -> None:
    with _connect(tight_mock) as sock:
        sock.sendall(_vip_head(b"Content-Length: 100"))
        _dribble(sock, [b" "] * 100)
        assert _closed_by_server(sock)


def test_a_connection_answered_before_its_body_ended_is_closed_once_idle(tight_mock: LiveMock) -> None:
    # The body is refused (over 64 KiB) while it still arrives; once it has, the connection is idle like any other.
    with _connect(tight_mock) as sock:
        sock.sendall(_vip_head(b"Content-Length: 200000") + b" " * 100_000)
        assert _answers(sock.recv(65536).split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")[0][0] == 400
        sock.sendall(b" " * 100_000)
        assert _closed_by_server(sock)


def test_blank_lines_do_not_keep_a_connection_open(tight_mock: LiveMock) -> None:
    # The parser skips empty lines between requests without starting one: they must not count as a request.
    with _connect(tight_mock) as sock:
        if not _dribble(sock, [b"\r\n"] * 50):
            pytest.fail("the server kept a connection open on blank lines for 10 s")
        assert _closed_by_server(sock)


def test_an_idle_keep_alive_connection_is_closed(tight_mock: LiveMock) -> None:
    with _connect(tight_mock) as sock:
        sock.sendall(_get("/healthz"))
        status, _, _ = _answers(sock.recv(65536))[0]
        assert status == 200
        assert _closed_by_server(sock)


def test_beyond_the_connection_limit_the_longest_waiting_go_and_health_answers(tight_mock: LiveMock) -> None:
    idle = [_connect(tight_mock) for _ in range(300)]
    try:
        for _ in range(10):
            response = httpx.get(f"{tight_mock.url}/healthz", timeout=HANG)
            assert response.status_code == 200
        # The server holds at most its limit (and a few descriptors of its own), whatever clients open.
        descriptors = len(os.listdir(f"/proc/{tight_mock.process.pid}/fd"))
        assert descriptors < 64 + 40
        assert _closed_by_server(idle[0])
        assert tight_mock.wait_for_line("the limit is 64")
    finally:
        for sock in idle:
            sock.close()


def test_the_open_file_limit_is_raised_to_the_hard_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip("the hard limit leaves nothing to raise")
    # The mock inherits a low soft limit, as from a default shell.
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        mock = start_mock()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        limits = Path(f"/proc/{mock.process.pid}/limits").read_text()
    finally:
        mock.stop()
    line = next(line for line in limits.splitlines() if line.startswith("Max open files"))
    assert int(line.split()[3]) > 256


def _access_lines(mock: LiveMock, marker: str) -> list[str]:
    mock.wait_for_line(marker)
    return [line for line in mock.lines if marker in line]


def test_forwarded_headers_are_not_trusted_by_default(live_mock: LiveMock) -> None:
    headers = {**valkyrie_headers(), "X-Correlation-ID": "forwarded-default", "X-Forwarded-For": "203.0.113.9"}
    httpx.get(f"{live_mock.url}{ALICE}", params={"provider": "evolution"}, headers=headers, timeout=HANG)
    (line,) = _access_lines(live_mock, "correlation=forwarded-default")
    assert "203.0.113.9" not in line and " 127.0.0.1 " in line


def test_forwarded_headers_are_trusted_with_proxy_headers() -> None:
    mock = start_mock("--proxy-headers")
    try:
        headers = {**valkyrie_headers(), "X-Correlation-ID": "forwarded-on", "X-Forwarded-For": "203.0.113.9"}
        httpx.get(f"{mock.url}{ALICE}", params={"provider": "evolution"}, headers=headers, timeout=HANG)
        (line,) = _access_lines(mock, "correlation=forwarded-on")
        assert " 203.0.113.9 " in line
    finally:
        mock.stop()


def test_a_path_cannot_forge_a_log_line_or_reach_the_terminal(live_mock: LiveMock) -> None:
    forged = '%0a2026-01-01 00:00:00,000 INFO mockserver.access: 10.6.6.6 "GET /admin" 200 0.1ms%1b[2J'
    path = VALKYRIE_BALANCE.format("x" + forged.replace(" ", "%20").replace('"', "%22"))
    headers = [f"{name}: {value}".encode() for name, value in valkyrie_headers().items() if name != "X-Correlation-ID"]
    _exchange(
        live_mock, _get(path + "?provider=evolution", *headers, b"X-Correlation-ID: forge-1", b"Connection: close")
    )
    (line,) = _access_lines(live_mock, "correlation=forge-1")
    assert "\\x0a2026-01-01" in line and "\\x1b[2J" in line
    assert not any("10.6.6.6" in logged and "correlation=forge-1" not in logged for logged in live_mock.lines)
    assert all(logged.isascii() and "\x1b" not in logged for logged in live_mock.lines)


def test_the_soaks_hostile_requests_get_the_answers_it_expects(live_mock: LiveMock) -> None:
    # bench/soak.py judges the mock with these expectations; they must hold, or the soak measures nothing.
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import hostile
    finally:
        sys.path.remove(str(REPO / "bench"))
    port = _address(live_mock)[1]
    for case in hostile.build_hostile_cases():
        if case.kind == "answer":
            assert asyncio.run(hostile.run_case(port, case)) is None, case.name
