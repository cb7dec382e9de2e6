"""Hostile systems under test for the suite's own tests: raw-socket servers on 127.0.0.1, and the CLI run against
them with a guard and a watch on its memory.

A raw socket can do what no web framework lets a server do: trickle a status line, answer ``100 Continue`` forever,
send a compressed bomb with any ``Content-Encoding``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

Handler = Callable[[socket.socket, threading.Event], None]


class RawServer:
    """A TCP server on 127.0.0.1 that runs ``handler`` in a thread per connection, until ``stop``."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        # accept() wakes up regularly to see whether the server is stopping.
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.accepted = 0  # connections accepted so far
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name=f"raw-server-{self.port}", daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        # Reads and writes wake up regularly too, so a handler waiting on a client notices the stop.
        connection.settimeout(0.2)
        # The suite giving up on a connection (timeout, body cap) and closing it is what these servers provoke.
        with connection, contextlib.suppress(OSError):
            self._handler(connection, self._stopping)

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)
        alive = [thread for thread in [self._acceptor, *self._threads] if thread.is_alive()]
        assert not alive, f"server threads still running: {alive}"


@contextlib.contextmanager
def serving(handler: Handler) -> Iterator[str]:
    """The base URL of a RawServer running ``handler``, stopped when the block ends."""
    server = RawServer(handler)
    try:
        yield server.url
    finally:
        server.stop()


def read_request(connection: socket.socket, stopping: threading.Event) -> bytes:
    """Read one request (head and Content-Length body); its head, or b"" when the client closed or the server is
    stopping.

    Reading the whole request before answering matters: closing a socket with unread data sends a reset, which
    would turn every case into the reset case.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = receive(connection, stopping)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    remaining = int(match.group(1)) - len(body) if match else 0
    while remaining > 0:
        chunk = receive(connection, stopping)
        if not chunk:
            return b""
        remaining -= len(chunk)
    return head


def receive(connection: socket.socket, stopping: threading.Event) -> bytes:
    """The next bytes from the client; b"" when it closed or the server is stopping."""
    while not stopping.is_set():
        try:
            return connection.recv(65536)
        except TimeoutError:
            continue
    return b""


def send(connection: socket.socket, data: bytes, stopping: threading.Event) -> None:
    """Send all of ``data``, waiting for a client that is slow to read (sendall gives up at the socket timeout)."""
    view = memoryview(data)
    while view and not stopping.is_set():
        try:
            view = view[connection.send(view) :]
        except TimeoutError:
            continue


@dataclass
class CliRun:
    """A finished ``conformance run``: its exit code, output, reports and the peak memory of its processes."""

    exit_code: int
    output: str
    report: dict[str, Any]
    junit: ElementTree.Element
    # Peak resident memory (VmHWM) of the run's own process, and the highest of its children (schemathesis).
    peak_bytes: int = 0
    child_peak_bytes: int = 0
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)  # requirement id: (outcome, reason)

    def junit_errors(self) -> dict[str, str]:
        """Requirement id: message of each JUnit testcase that is an error (no verdict)."""
        return {
            testcase.get("name", "").split(":", 1)[0]: error.get("message", "")
            for testcase in self.junit.iter("testcase")
            if (error := testcase.find("error")) is not None
        }

    def summary(self) -> str:
        return (
            f"exit {self.exit_code}, peak {self.peak_bytes >> 20} MiB, child {self.child_peak_bytes >> 20} MiB\n"
            + (self.output[-4000:])
        )


def run_cli(profile: Path, *options: str, guard_seconds: float, directory: Path) -> CliRun:
    """Run ``conformance run`` against ``profile``; fail the test if it is still going after ``guard_seconds``.

    The guard only stops a hung run from hanging the tests: it is far past any bound the run keeps.
    """
    results, junit = directory / "results.json", directory / "junit.xml"
    command = [sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", "1"]
    command += [*options, "--json", str(results), "--junit-xml", str(junit)]
    # A session of its own: on the guard, the run and its schemathesis child go together (an orphaned child would
    # keep the output pipe open, and the test waiting).
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    peaks: dict[int, int] = {}
    watcher = threading.Thread(target=_watch_memory, args=(process, peaks), daemon=True)
    watcher.start()
    try:
        output, _ = process.communicate(timeout=guard_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"the run was still going after {guard_seconds:g} s, killed:\n{output[-4000:]}")
    watcher.join(timeout=5)
    report = json.loads(results.read_text(encoding="utf-8"))
    return CliRun(
        exit_code=process.returncode,
        output=output,
        report=report,
        junit=ElementTree.parse(junit).getroot(),
        peak_bytes=peaks.pop(process.pid, 0),
        child_peak_bytes=max(peaks.values(), default=0),
        outcomes={entry["id"]: (entry["outcome"], entry["reason"]) for entry in report["requirements"]},
    )


def _watch_memory(process: subprocess.Popen[str], peaks: dict[int, int]) -> None:
    """Sample the peak resident memory of ``process`` and its descendants until it ends (Linux /proc)."""
    while process.poll() is None:
        pending = [process.pid]
        while pending:
            pid = pending.pop()
            peaks[pid] = max(peaks.get(pid, 0), _peak_resident_bytes(pid))
            pending += _children(pid)
        time.sleep(0.05)


def _peak_resident_bytes(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _children(pid: int) -> list[int]:
    children: list[int] = []
    with contextlib.suppress(OSError):
        for thread in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{thread}/children", encoding="ascii") as listing:
                children += [int(child) for child in listing.read().split()]
    return children
