"""``mockserver report`` against a sandbox served on a free port: the verdict as the exit code, the terminal summary,
the three files, and a clear one-line reason whenever there is no verdict (exit 2). Then one live run with
``--workers 2``, in which the journal covers both workers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from every_case_client import ALICE, BalanceClient, meet_every_documented_case
from headless_chromium import run_chromium
from support import serving_in_thread, start_mock

from mockserver import create_app
from mockserver.admin.access import AdminAccess
from mockserver.admin.location import ADMIN_TOKEN_ENV
from mockserver.cli import main

pytestmark = pytest.mark.slow
ADMIN_TOKEN = "report-test-admin-token-4f1c"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    """A sandbox whose admin API needs a token, as on a non-loopback address."""
    with serving_in_thread(create_app(access=AdminAccess(ADMIN_TOKEN, required=True))) as url:
        yield url


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(["report", *arguments])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_passing_client_gets_exit_0_and_three_reports(
    sandbox: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_TOKEN_ENV, ADMIN_TOKEN)
    with httpx.Client(base_url=sandbox) as http:
        meet_every_documented_case(BalanceClient(http, "cli-pass-"))
    files = {kind: tmp_path / "reports" / f"client.{kind}" for kind in ("json", "xml", "html")}
    code, out, err = run(
        capsys, "--url", sandbox, "--correlation-prefix", "cli-pass-",
        "--json", str(files["json"]), "--junit", str(files["xml"]), "--html", str(files["html"]),
    )  # fmt: skip
    assert (code, err) == (0, ""), out
    assert out.rstrip().endswith("exit 0") and "Verdict: PASSED" in out
    assert json.loads(files["json"].read_text())["verdict"]["exit_code"] == 0
    assert ElementTree.parse(files["xml"]).getroot().tag == "testsuites"
    assert files["html"].read_text().startswith("<!DOCTYPE html>")
    assert ADMIN_TOKEN not in out + files["json"].read_text() + files["html"].read_text()


def test_a_client_that_broke_a_must_gets_exit_1(
    sandbox: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_TOKEN_ENV, ADMIN_TOKEN)
    with httpx.Client(base_url=sandbox) as http:
        BalanceClient(http, "cli-fail-").balance(ALICE, token="too-short")
    code, out, _ = run(capsys, "--url", sandbox, "--correlation-prefix", "cli-fail-", "--require", "none")
    assert code == 1
    assert "CLIENT-VALK-PLAYER-TOKEN (MUST" in out and "the X-Player-Token is 9 characters long" in out


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (("--admin-token", "wrong-token"), "answered 401"),
        (("--admin-token", ADMIN_TOKEN, "--require", "valkyrie:nothing"), "require: expected"),
        (("--admin-token", ADMIN_TOKEN, "--since", "not-a-time"), "since"),
    ],
)
def test_no_verdict_when_the_sandbox_refuses(
    sandbox: str, capsys: pytest.CaptureFixture[str], arguments: tuple[str, ...], reason: str
) -> None:
    code, out, err = run(capsys, "--url", sandbox, *arguments)
    assert (code, out) == (2, "")
    assert err.startswith("mockserver: report: ") and reason in err and err.count("\n") == 1
    assert ADMIN_TOKEN not in err


def test_no_verdict_when_the_sandbox_is_unreachable_or_the_window_is_empty(
    sandbox: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--url", f"http://127.0.0.1:{_closed_port()}")
    assert (code, out) == (2, "") and "cannot reach the sandbox" in err
    code, out, _ = run(capsys, "--url", sandbox, "--admin-token", ADMIN_TOKEN, "--correlation-prefix", "never-")
    assert code == 2 and "NO VERDICT (no request of the selected APIs in the window), exit 2" in out


def test_a_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--api", "no-such-api"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.live
def test_the_report_covers_every_worker_of_a_live_sandbox(tmp_path: Path, chromium: list[str]) -> None:
    mock = start_mock("--workers", "2")
    try:
        with httpx.Client(base_url=mock.url) as http:
            client = BalanceClient(http, "workers-")
            meet_every_documented_case(client)
        report_file = tmp_path / "client.json"
        command = [sys.executable, "-m", "mockserver", "report", "--url", mock.url, "--correlation-prefix", "workers-"]
        command += ["--json", str(report_file), "--html", str(tmp_path / "client.html")]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(report_file.read_text())
        # Every request the client sent is judged, whichever worker answered it.
        assert report["requests"] == client.sent
        workers = {case["first"]["worker"] for case in report["cases"] if case["first"]}
        assert workers and all(isinstance(worker, int) for worker in workers)
    finally:
        mock.stop()
    # A reader's browser shows the verdict and every documented case.
    page = tmp_path / "client.html"
    shown = run_chromium([*chromium, "--dump-dom", page.as_uri()], tmp_path)
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert 'id="verdict">PASSED</span>' in shown.stdout
    assert all(f">{case['name']}<" in shown.stdout for case in report["cases"])
