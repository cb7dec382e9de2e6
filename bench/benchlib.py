"""What ``bench/run.py`` and ``bench/soak.py`` share: the virtualenv, processes stopped by PID, RSS, credentials."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SPECS = ROOT / "specs"
FIXTURES = ROOT / "fixtures"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
NEEDED_MODULES = ("httpx", "jwt", "yaml", "starlette", "uvicorn", "mockserver")
ANNOUNCEMENT = re.compile(r"serving .*on http://(?P<host>[0-9.]+):(?P<port>\d+)")

# The benchmark requests' identities (fixtures/README.md sections 4.3 and 6.3).
VIP_OPERATOR = "example-operator"
VIP_ACCOUNT_NUMBER = "7210988860"
VALKYRIE_PLAYER = "73619e57b3bc4b4e9014132be3bd12a9"
VALKYRIE_SESSION = "active"
VALKYRIE_PROVIDER = "evolution"


def ensure_venv_python() -> None:
    """Re-runs this script with the project's virtualenv Python when the current one lacks the needed packages."""
    if all(importlib.util.find_spec(name) is not None for name in NEEDED_MODULES):
        return
    # The virtualenv's python is a symlink to the same binary: compare prefixes, not resolved executables.
    if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
        print(f"bench: re-running with {VENV_PYTHON} (this Python lacks the project's packages)", file=sys.stderr)
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    missing = [name for name in NEEDED_MODULES if importlib.util.find_spec(name) is None]
    fail(
        f"missing Python packages {missing}; create the dev virtualenv first: python3.11 -m venv .venv && "
        ".venv/bin/pip install -e ."
    )


def ensure_debian_tool(command: str, package: str | None = None) -> str:
    """The path of ``command``; installs its Debian package (``command`` by default) first when it is missing and
    this is root, and stops with a message otherwise."""
    package = package or command
    found = shutil.which(command)
    if found:
        return found
    if os.geteuid() != 0:
        fail(
            f"{command} is not installed and this is not root: install it "
            f"(`sudo apt-get install -y {package}`) and rerun"
        )
    print(f"bench: installing {package} from Debian (apt-get install -y {package})", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", package]
    if subprocess.run(install, env=env, timeout=600, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, timeout=600, check=False)
        subprocess.run(install, env=env, timeout=600, check=True)
    found = shutil.which(command)
    if not found:
        fail(f"apt-get install {package} finished but {command} is still not on PATH")
    return found


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"bench: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every ``finally`` that stops a started process runs."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)


def free_port() -> int:
    """A port that was free a moment ago (for servers that cannot report the port they bound themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mockserver_command() -> list[str]:
    """The mock's real CLI: the virtualenv's console script, or ``python -m mockserver`` without one."""
    script = Path(sys.executable).parent / "mockserver"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mockserver"]


def children(pid: int) -> list[int]:
    """All descendants of ``pid`` (from /proc/<pid>/task/<tid>/children), depth first."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
        except OSError:
            continue
        for child in text.split():
            found.append(int(child))
            found.extend(children(int(child)))
    return found


def vm_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mib(pid: int) -> float:
    """VmRSS of ``pid`` plus all its descendants, in MiB."""
    return round(sum(vm_rss_kib(p) for p in [pid, *children(pid)]) / 1024, 1)


@dataclass
class Managed:
    """A server process this harness started; ``stop()`` ends it and its descendants, by PID only."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if not self.alive():
            return
        descendants = children(self.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        for pid in descendants:  # workers a server may have forked and not reaped
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def spawn(
    name: str, command: Sequence[str], log_path: Path, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> Managed:
    """Starts a server in its own session (Ctrl-C reaches the harness only; the harness stops it by PID)."""
    log = log_path.open("wb")
    try:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    finally:
        log.close()
    return Managed(name, process, log_path)


def wait_for_announcement(managed: Managed, timeout: float = 60.0) -> int:
    """The port from the ``serving ... on http://HOST:PORT`` line the server prints once it really serves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = ANNOUNCEMENT.search(managed.log_path.read_text(errors="replace"))
        if match:
            managed.port = int(match["port"])
            return managed.port
        if not managed.alive():
            fail(f"{managed.name} exited with {managed.process.returncode} before serving:\n{managed.log_tail()}")
        time.sleep(0.02)
    fail(f"{managed.name} did not announce its port within {timeout:.0f} s:\n{managed.log_tail()}")


def stop_all(started: list[Managed]) -> None:
    for managed in reversed(started):
        try:
            managed.stop()
        except Exception as error:  # keep stopping the others
            print(f"bench: could not stop {managed.name} (pid {managed.pid}): {error}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------------------------
# Credentials from the bundled fixtures


def load_fixture(name: str, directory: Path = FIXTURES) -> dict[str, Any]:
    import yaml

    with (directory / f"{name}.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def vip_jwt(
    operator: str = VIP_OPERATOR,
    *,
    lifetime: int = 10 * 365 * 24 * 3600,
    key_as_text: bool = False,
    directory: Path = FIXTURES,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """An HS256 operator JWT: key = the operator's base64-DECODED secret, iss = operator_id, aud = first audience."""
    import jwt

    fixture = load_fixture("vip-connect", directory)
    entry = fixture["operators"][operator]
    # An operator may have two keys; the first signs.
    secrets = entry["secret_base64"]
    secret = secrets if isinstance(secrets, str) else secrets[0]
    key: bytes | str = secret if key_as_text else base64.b64decode(secret)
    claims = {"iss": entry["operator_id"], "aud": fixture["audiences"][0], "exp": int(time.time()) + lifetime}
    return jwt.encode({**claims, **(extra_claims or {})}, key, algorithm="HS256")


def valkyrie_credentials(directory: Path = FIXTURES) -> tuple[str, dict[str, str]]:
    """The PAM api token and the session tokens by case name."""
    fixture = load_fixture("valkyrie", directory)
    return fixture["api_token"], {name: entry["token"] for name, entry in fixture["sessions"].items()}


def paytronix_basic(directory: Path = FIXTURES) -> tuple[str, str]:
    fixture = load_fixture("paytronix", directory)
    client = next(iter(fixture["clients"].values()))
    return client["client_id"], client["client_secret"]
