"""The pytest plugin (entry point ``mockserver``): the ``balance_sandbox`` fixture, a sandbox for each test."""

# pytest loads this module in every session of every project that has the kit installed. It registers options and
# fixtures and nothing else: the sandbox starts, and its client is imported, only when a test asks for the fixture.

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from mockserver.admin.location import ADMIN_TOKEN_ENV

if TYPE_CHECKING:
    from mockserver.testing.sandbox import BalanceSandbox

MAX_WORKERS = 64


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"expected a number of workers from 1 to {MAX_WORKERS}, got {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 and at most 3600, got {text!r}")
    return value


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or len(text.split("://", 1)[1].strip("/")) == 0:
        raise argparse.ArgumentTypeError(
            f"expected the sandbox's base URL, such as http://127.0.0.1:8000, got {text!r}"
        )
    return text.rstrip("/")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "balance-sandbox", "the balance sandbox for an integrator's tests (the balance_sandbox fixture)"
    )
    group.addoption(
        "--balance-sandbox-url",
        metavar="URL",
        type=_url,
        help="use the sandbox already running at URL (such as one started with `mockserver serve --workers 2`) "
        "instead of starting one for the session",
    )
    group.addoption(
        "--balance-sandbox-fixtures",
        metavar="DIR",
        help="fixture directory of the sandbox the session starts (default: the bundled fixtures)",
    )
    group.addoption(
        "--balance-sandbox-workers",
        metavar="N",
        type=_workers,
        default=1,
        help="worker processes of the sandbox the session starts (default: %(default)s)",
    )
    group.addoption(
        "--balance-sandbox-admin-token",
        metavar="TOKEN",
        help=f"the sandbox's admin token, when it needs one (default: the environment variable {ADMIN_TOKEN_ENV}, "
        "which keeps it out of process lists); given to the sandbox the session starts",
    )
    group.addoption(
        "--balance-sandbox-start-timeout",
        metavar="SECONDS",
        type=_seconds,
        default=30.0,
        help="how long the session waits for the sandbox it starts to answer (default: %(default)s)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("balance_sandbox_url") is None:
        return
    for option in ("fixtures", "workers"):
        if config.getoption(f"balance_sandbox_{option}") not in (None, 1):
            raise pytest.UsageError(
                f"--balance-sandbox-{option} sets up the sandbox the session starts; with --balance-sandbox-url, "
                "give it to that sandbox's `mockserver serve`"
            )


@pytest.fixture(scope="session")
def balance_sandbox_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BalanceSandbox]:
    """The sandbox of the whole session: ``mockserver serve`` on a free port of 127.0.0.1, started on first use and
    stopped by its PID at the end (also on a failure or Ctrl-C), or the one given with ``--balance-sandbox-url``."""
    # Imported here: only a session that uses the sandbox pays for its client.
    from mockserver.admin.remote import AdminCallError, AdminClient
    from mockserver.testing.correlation import run_prefix
    from mockserver.testing.process import SandboxProcess, SandboxStartError, log_tail
    from mockserver.testing.sandbox import BalanceSandbox

    token = pytestconfig.getoption("balance_sandbox_admin_token") or os.environ.get(ADMIN_TOKEN_ENV) or None
    url = pytestconfig.getoption("balance_sandbox_url")
    process = None
    if url is None:
        log = tmp_path_factory.mktemp("balance-sandbox") / "mockserver.log"
        try:
            process = SandboxProcess.start(
                log,
                fixtures=pytestconfig.getoption("balance_sandbox_fixtures"),
                workers=pytestconfig.getoption("balance_sandbox_workers"),
                admin_token=token,
                timeout=pytestconfig.getoption("balance_sandbox_start_timeout"),
            )
        except SandboxStartError as problem:
            pytest.fail(f"balance sandbox: {problem}", pytrace=False)
        url = process.url
    try:
        try:
            sandbox = BalanceSandbox.connect(
                AdminClient(url, admin_token=token), run_prefix(), pid=process.pid if process else None
            )
        except AdminCallError as problem:
            tail = log_tail(process.log) if process else ""
            pytest.fail(f"balance sandbox: {problem}{tail}", pytrace=False)
        yield sandbox
    finally:
        if process is not None:
            process.stop()


@pytest.fixture
def balance_sandbox(balance_sandbox_session: BalanceSandbox, request: pytest.FixtureRequest) -> BalanceSandbox:
    """The session's sandbox for one test: reset to its fixtures (no entity, fault rule or session another test made
    is left), with correlation ids of this test's own (``correlation_id()``) that its ``journal()`` finds."""
    sandbox = balance_sandbox_session.for_test(request.node.nodeid)
    sandbox.reset()
    return sandbox
