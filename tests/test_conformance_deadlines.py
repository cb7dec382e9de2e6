"""Every request the suite sends ends by its deadline, from connect to last byte, and no request outlives the budget.

A server that trickles its status line and headers, answers ``100 Continue`` forever or trickles its body never
trips a timeout that bounds each socket operation on its own. The suite gives each request one deadline (its
timeout, cut at the budget's end) that every connect, read and write keeps, in its own client and in the
schemathesis child alike; when the budget ends a check or the generated requests, the reports still come out, with
no verdict for what did not finish.

The first tests drive the suite's client over a scripted network on a fake clock and look at the timeout each
socket operation was given; the others run the CLI against raw-socket servers on 127.0.0.1, each under a guard
that only stops a hung run from hanging the tests.
"""

from __future__ import annotations

import itertools
import math
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpcore
import pytest
import requests
from hostile_servers import Handler, read_request, run_cli, send, serving
from support import mock_profile_at

from conformance.bounded_urllib3 import bounded
from conformance.deadline import DeadlineTransport
from conformance.generated.child import CHILD_WIND_DOWN_SECONDS
from conformance.transport import BudgetSpentError, Client, TransportError

# A run still going this long past the bound it should keep is hung, not slow.
GUARD_SLACK_SECONDS = 30.0
STATUS_LINE = b"HTTP/1.1 200 OK\r\n"
JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
INTERIM = b"HTTP/1.1 100 Continue\r\n\r\n"


# --- The suite's client over a scripted network, on a fake clock --------------------------------------------------

# Each read of the scripted network takes this long on the fake clock: the answer arrives in a trickle.
READ_SECONDS = 0.3

SCRIPTS: dict[str, Callable[[], Iterator[bytes]]] = {
    "header trickle": lambda: itertools.chain([STATUS_LINE + b"X-Slow: "], itertools.repeat(b"a")),
    "interim answers forever": lambda: itertools.repeat(INTERIM),
    "body trickle": lambda: itertools.chain([JSON_HEAD + b"\r\n["], itertools.repeat(b" ")),
}


class FakeClock:
    """time.monotonic for the test: it moves only when the scripted network says time passed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedNetwork(httpcore.NetworkBackend):
    """One connection that answers from a script, one piece per read, each read taking READ_SECONDS; a read given
    less time than that waits it out and times out. It records the timeout each operation was given."""

    def __init__(self, clock: FakeClock, script: Iterator[bytes]) -> None:
        self.clock = clock
        self.script = script
        self.timeouts: list[tuple[str, float | None]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        self.timeouts.append(("connect", timeout))
        return _ScriptedStream(self)


class _ScriptedStream(httpcore.NetworkStream):
    def __init__(self, network: ScriptedNetwork) -> None:
        self._network = network

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._network.timeouts.append(("read", timeout))
        if timeout is not None and timeout < READ_SECONDS:
            self._network.clock.now += timeout
            raise httpcore.ReadTimeout("the scripted network waited out the timeout")
        self._network.clock.now += READ_SECONDS
        return next(self._network.script)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._network.timeouts.append(("write", timeout))

    def close(self) -> None:
        pass

    def get_extra_info(self, info: str) -> Any:
        return None


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(time, "monotonic", fake)
    return fake


def _timeouts(network: ScriptedNetwork, operation: str) -> list[float | None]:
    return [timeout for name, timeout in network.timeouts if name == operation]


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_each_socket_operation_waits_only_what_the_request_has_left(clock: FakeClock, script: str) -> None:
    network = ScriptedNetwork(clock, SCRIPTS[script]())
    client = Client(1.0, transport=DeadlineTransport(network))
    with pytest.raises(TransportError, match=r"no answer within 1 s"):
        client.send("GET", "http://system.test/balance")
    # One deadline, a second after the request started: each read waits what is left of it, not a fresh second,
    # and the fourth read, given less than the trickle needs, ends the request.
    assert _timeouts(network, "connect") == [1.0]
    assert _timeouts(network, "write") == [1.0]
    assert _timeouts(network, "read") == pytest.approx([1.0, 0.7, 0.4, 0.1])


def test_the_budget_cuts_a_request_short_and_says_it_was_the_budget(clock: FakeClock) -> None:
    network = ScriptedNetwork(clock, SCRIPTS["interim answers forever"]())
    client = Client(10.0, ends_at=clock.now + 0.5, transport=DeadlineTransport(network))
    with pytest.raises(BudgetSpentError, match=r"the budget ran out during GET /balance"):
        client.send("GET", "http://system.test/balance")
    assert _timeouts(network, "connect") == [0.5]
    assert _timeouts(network, "read") == pytest.approx([0.5, 0.2])


def test_no_request_is_sent_once_the_budget_is_spent(clock: FakeClock) -> None:
    network = ScriptedNetwork(clock, SCRIPTS["header trickle"]())
    client = Client(10.0, ends_at=clock.now, transport=DeadlineTransport(network))
    with pytest.raises(BudgetSpentError, match=r"before GET /balance was sent"):
        client.send("GET", "http://system.test/balance")
    assert network.timeouts == []


# --- Raw-socket servers -----------------------------------------------------------------------------------------


def header_trickle(connection: socket.socket, stopping: threading.Event) -> None:
    """A status line, then one header byte every half second, forever."""
    if read_request(connection, stopping):
        _trickle_headers(connection, stopping)


def _trickle_headers(connection: socket.socket, stopping: threading.Event) -> None:
    send(connection, STATUS_LINE + b"X-Slow: ", stopping)
    while not stopping.is_set():
        send(connection, b"a", stopping)
        stopping.wait(0.5)


def interim_storm(connection: socket.socket, stopping: threading.Event) -> None:
    """``HTTP/1.1 100 Continue`` every half second, forever: never a final answer."""
    if read_request(connection, stopping):
        _interim_forever(connection, stopping)


def _interim_forever(connection: socket.socket, stopping: threading.Event) -> None:
    while not stopping.is_set():
        send(connection, INTERIM, stopping)
        stopping.wait(0.5)


def body_trickle(connection: socket.socket, stopping: threading.Event) -> None:
    """Valid headers, then one body byte every half second, forever."""
    if read_request(connection, stopping):
        send(connection, JSON_HEAD + b"\r\n[", stopping)
        while not stopping.is_set():
            send(connection, b" ", stopping)
            stopping.wait(0.5)


def fails_then_stalls() -> Handler:
    """A server whose first answer is an HTML page (a MUST failure) and whose later ones never come."""
    answers = itertools.count()

    def handler(connection: socket.socket, stopping: threading.Event) -> None:
        if not read_request(connection, stopping):
            return
        if next(answers) == 0:
            page = b"<html><body>It works!</body></html>"
            head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(page)}\r\nConnection: close"
            send(connection, head.encode() + b"\r\n\r\n" + page, stopping)
        else:
            _interim_forever(connection, stopping)

    return handler


def trickles_to_generated_requests(connection: socket.socket, stopping: threading.Event) -> None:
    """Answers the suite's own client at once (a JSON body no spec documents) and trickles its headers to the
    generated requests, which come from another client (schemathesis, through requests)."""
    head = read_request(connection, stopping)
    if b"user-agent: python-httpx" in head.lower():
        body = b'{"status": "OK"}'
        send(connection, JSON_HEAD + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body, stopping)
    elif head:
        _trickle_headers(connection, stopping)


# --- The CLI against them ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("handler", [header_trickle, interim_storm], ids=["header trickle", "interim storm"])
def test_a_system_that_never_completes_its_answers_gets_no_verdict_in_every_report(
    handler: Handler, tmp_path: Path
) -> None:
    budget = 40
    with serving(handler) as url:
        run = run_cli(
            mock_profile_at(tmp_path, url),
            *("--timeout", "1", "--budget", str(budget)),
            guard_seconds=budget + GUARD_SLACK_SECONDS,
            directory=tmp_path,
        )
    assert run.exit_code == 2, run.summary()
    assert "no answer within 1 s" in run.output, run.summary()
    assert {outcome for outcome, _ in run.outcomes.values()} == {"error"}, run.summary()
    assert set(run.junit_errors()) == set(run.outcomes), run.summary()


@pytest.mark.slow
def test_the_budget_ends_a_check_under_way_and_a_failure_found_before_stands(tmp_path: Path) -> None:
    budget = 6
    with serving(fails_then_stalls()) as url:
        # A request may take ten minutes: only the budget can end the second one.
        run = run_cli(
            mock_profile_at(tmp_path, url),
            *("--api", "vip-connect", "--timeout", "600", "--budget", str(budget)),
            guard_seconds=budget + GUARD_SLACK_SECONDS,
            directory=tmp_path,
        )
    assert run.exit_code == 1, run.summary()
    assert run.outcomes["VIP-200-PREFERRED"][0] == "failed", run.summary()
    without_verdict = {rid: reason for rid, (outcome, reason) in run.outcomes.items() if outcome == "error"}
    assert set(without_verdict) == set(run.outcomes) - {"VIP-200-PREFERRED"}, run.summary()
    assert all("budget" in reason for reason in without_verdict.values()), without_verdict
    assert any("before this check could finish" in reason for reason in without_verdict.values()), without_verdict
    assert set(run.junit_errors()) == set(without_verdict), run.summary()
    # The budget is not the system's fault: it is not reported as having stopped answering.
    assert run.report["systems"]["vip-connect"]["stopped_answering"] is None, run.summary()
    assert f"vip-connect: the budget of {budget} s was spent" in run.output, run.summary()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("timeout", "budget", "reason"),
    [
        # Each generated request ends at its own deadline: schemathesis reports the timeouts and gives up.
        ("1", 90, "timed out"),
        # A request may take ten minutes, so the budget's end is its deadline, and the child stops there.
        ("600", 15, "the overall budget ran out during the generated requests"),
    ],
    ids=["request deadline", "budget"],
)
def test_generated_requests_keep_their_deadlines_too(timeout: str, budget: int, reason: str, tmp_path: Path) -> None:
    with serving(trickles_to_generated_requests) as url:
        run = run_cli(
            mock_profile_at(tmp_path, url),
            *("--api", "valkyrie", "--max-examples", "1", "--timeout", timeout, "--budget", str(budget)),
            guard_seconds=budget + CHILD_WIND_DOWN_SECONDS + GUARD_SLACK_SECONDS,
            directory=tmp_path,
        )
    # The documented cases got quick answers no spec documents: failures, so exit 1 despite what has no verdict.
    assert run.exit_code == 1, run.summary()
    generated = {rid: result for rid, result in run.outcomes.items() if "-GEN-" in rid}
    assert generated and all(outcome == "error" for outcome, _ in generated.values()), generated
    # The child returned its own account of what happened: it was not killed for outliving the budget.
    assert all(reason in text for _, text in generated.values()), generated
    assert set(generated) <= set(run.junit_errors()), run.summary()


# --- The generated requests' transport (the schemathesis child's), in process -------------------------------------


def _tls_server_context(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a fresh self-signed certificate for 127.0.0.1, and that certificate (to trust it)."""
    key, certificate = directory / "key.pem", directory / "cert.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context, certificate


def _over_tls(context: ssl.SSLContext, handler: Handler) -> Handler:
    def serve(connection: socket.socket, stopping: threading.Event) -> None:
        with context.wrap_socket(connection, server_side=True) as tls:
            handler(tls, stopping)

    return serve


def _stall_handshake(connection: socket.socket, stopping: threading.Event) -> None:
    """Accept the connection and never start TLS."""
    stopping.wait()


def _outcome_within(seconds: float, call: Callable[[], object]) -> BaseException | None:
    """What ``call`` raised (None if nothing), failing the test if it is still going after ``seconds``."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as raised:  # the test looks at it
            outcome.append(raised)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"the request was still going after {seconds:g} s")
    return outcome[0]


URLLIB3_CASES = {
    "header trickle": (False, header_trickle),
    "interim storm": (False, interim_storm),
    "body trickle": (False, body_trickle),
    "header trickle over TLS": (True, header_trickle),
    "interim storm over TLS": (True, interim_storm),
    "TLS handshake never done": (True, None),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(URLLIB3_CASES))
@pytest.mark.parametrize("cut_by", ["request deadline", "budget"])
def test_the_generated_requests_transport_keeps_each_deadline(case: str, cut_by: str, tmp_path: Path) -> None:
    tls, handler = URLLIB3_CASES[case]
    context, certificate = _tls_server_context(tmp_path) if tls else (None, None)
    system: Handler = _stall_handshake if handler is None else handler
    if context is not None and handler is not None:
        system = _over_tls(context, handler)
    # Each operation may wait a minute: only the one-second deadline (or budget) can end the request in time.
    request_seconds, ends_at = (1.0, math.inf) if cut_by == "request deadline" else (600.0, time.monotonic() + 1.0)
    with serving(system) as url:
        url = url.replace("http://", "https://") if tls else url
        verify = str(certificate) if certificate else True
        with bounded(request_seconds, ends_at):
            raised = _outcome_within(GUARD_SLACK_SECONDS, lambda: requests.get(url, timeout=60, verify=verify))
    assert isinstance(raised, (requests.Timeout, requests.ConnectionError)), raised
    assert "timed out" in str(raised), raised
