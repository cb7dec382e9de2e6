"""The example client's test suite (examples/client), run as its README says: with the sandbox the plugin starts, and
against a sandbox already running with two workers."""

from __future__ import annotations

import subprocess
import sys

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
