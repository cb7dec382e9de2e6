"""The example client's test suite (examples/client), run as its README says: with the sandbox the plugin starts, and
against a sandbox already running with two workers, then judged by `mockserver report` from that sandbox's journal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, start_mock

pytestmark = [pytest.mark.live, pytest.mark.slow]

EXAMPLE = "examples/client"
TESTS = 5


def run_example(*options: str) -> subprocess.CompletedProcess[str]:
    """``pytest examples/client`` from the repository's root, with its configuration (warnings are errors)."""
    command = [sys.executable, "-m", "pytest", EXAMPLE, "-p", "no:cacheprovider", "-q", *options]
    # A generous bound that only stops a hung run from hanging the suite.
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_the_example_suite_passes_with_the_sandbox_the_plugin_starts() -> None:
    result = run_example()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{TESTS} passed" in result.stdout


def test_the_example_suite_passes_against_a_running_sandbox_with_two_workers() -> None:
    mock = start_mock("--workers", "2")
    try:
        result = run_example(f"--balance-sandbox-url={mock.url}")
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{TESTS} passed" in result.stdout
        assert mock.process.poll() is None
    finally:
        mock.stop()


def test_the_report_on_the_example_client_shows_the_cases_it_reached_and_those_it_missed(tmp_path: Path) -> None:
    mock = start_mock("--workers", "2")
    try:
        assert run_example(f"--balance-sandbox-url={mock.url}").returncode == 0
        command = [sys.executable, "-m", "mockserver", "report", "--url", mock.url]
        files = ["--json", str(tmp_path / "report.json"), "--html", str(tmp_path / "report.html")]
        report = subprocess.run([*command, *files], capture_output=True, text=True, timeout=60)
    finally:
        mock.stop()
    # The example client is a realistic one: it meets some documented cases, not all, and breaks no requirement.
    assert report.returncode == 1, report.stdout + report.stderr
    verdict = json.loads((tmp_path / "report.json").read_text())
    reached = {case["id"] for case in verdict["cases"] if case["reached"]}
    assert {"valkyrie:ok", "valkyrie:session_expired", "vip-connect:preferred", "vip-connect:account_closed"} <= reached
    assert "valkyrie:api_token" not in reached
    assert verdict["verdict"]["must_broken"] == 0
    page = (tmp_path / "report.html").read_text()
    assert "Required cases never reached" in page and "valkyrie:api_token" in page
