"""A ``mockserver serve`` process on a free port of 127.0.0.1, for a test session: started, awaited, stopped by PID."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from mockserver.admin.location import ADMIN_TOKEN_ENV

# The start-up line `mockserver serve` prints once it listens: "mockserver: serving ... on http://127.0.0.1:PORT".
_SERVING = re.compile(r"^mockserver: serving .* on (http://[^\s]+)", re.MULTILINE)
_POLL_SECONDS = 0.05
_TAIL_LINES = 20
_STOP_SECONDS = 10.0


class SandboxStartError(Exception):
    """The sandbox did not come up, or cannot be reached; the message says why and ends with its log's tail."""


class SandboxProcess:
    """A sandbox this session started; ``stop()`` ends it (and its workers) by its PID."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, url: str) -> None:
        self.process = process
        self.log = log
        self.url = url

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    def start(
        cls,
        log: Path,
        *,
        fixtures: str | None = None,
        workers: int = 1,
        admin_token: str | None = None,
        timeout: float = 30.0,
        command: Sequence[str] | None = None,
    ) -> SandboxProcess:
        """Starts ``mockserver serve`` (or ``command``, which must print the same start-up line) with its output in
        ``log``, and returns once its ``/healthz`` answers. SandboxStartError when it exits or is not up within
        ``timeout`` seconds; the process is stopped then."""
        if command is None:
            command = [sys.executable, "-m", "mockserver", "serve", "--host", "127.0.0.1", "--port", "0"]
            command += ["--workers", str(workers)] + (["--fixtures", fixtures] if fixtures else [])
        environment = dict(os.environ)
        if admin_token:
            environment[ADMIN_TOKEN_ENV] = admin_token  # never on the command line, where the process list shows it
        deadline = time.monotonic() + timeout
        with log.open("wb") as output:
            # The log is a file, not a pipe: a pipe nobody drains would stall the sandbox once it filled.
            process = subprocess.Popen(
                list(command), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=environment
            )
        try:
            url = _announced_url(process, log, deadline, timeout)
            _wait_healthy(process, log, url, deadline, timeout)
        except BaseException:  # a start-up problem, or Ctrl-C while waiting: no process is left behind
            _stop(process)
            raise
        return cls(process, log, url)

    def stop(self) -> None:
        """Ends the sandbox by its PID: SIGTERM (it stops its workers), then SIGKILL if it has not ended in time."""
        _stop(self.process)


def _announced_url(process: subprocess.Popen[bytes], log: Path, deadline: float, timeout: float) -> str:
    while True:
        match = _SERVING.search(log.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1)
        _raise_if_gone_or_late(process, log, deadline, timeout)
        time.sleep(_POLL_SECONDS)


def _wait_healthy(process: subprocess.Popen[bytes], log: Path, url: str, deadline: float, timeout: float) -> None:
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=max(deadline - time.monotonic(), _POLL_SECONDS)).status_code == 200:
                return
        except httpx.HTTPError:
            pass  # workers still starting: the socket listens, its queue waits
        _raise_if_gone_or_late(process, log, deadline, timeout)
        time.sleep(_POLL_SECONDS)


def _raise_if_gone_or_late(process: subprocess.Popen[bytes], log: Path, deadline: float, timeout: float) -> None:
    code = process.poll()
    if code is not None:
        raise SandboxStartError(
            f"the sandbox (PID {process.pid}) exited with code {code} before it served{log_tail(log)}"
        )
    if time.monotonic() >= deadline:
        raise SandboxStartError(f"the sandbox (PID {process.pid}) did not come up within {timeout:g} s{log_tail(log)}")


def log_tail(log: Path) -> str:
    """The last lines of the sandbox's log, to end an error message with (empty when there are none)."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-_TAIL_LINES:]
    except OSError:
        return ""
    shown = "\n".join(f"  | {line}" for line in lines) if lines else "  | (empty)"
    return f"; the last lines of its log ({log}):\n{shown}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=_STOP_SECONDS)
