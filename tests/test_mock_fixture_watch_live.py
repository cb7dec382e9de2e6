"""``mockserver serve --fixtures DIR --watch`` as a real process: edits served, bad ones refused while the last good
data is served, with one worker and with two; the start-up line names the fixtures served."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
from fixture_edits import ALICE_CASH, BROKEN_EDIT_CASES, alice_cash, edit, fixture_copy, set_alice_cash
from support import FIXTURES, LiveMock, start_mock, until_every_worker_answered

pytestmark = [pytest.mark.live, pytest.mark.slow]

# Only stops a mock that never reloads from hanging the test.
DEADLINE = 20.0


def served_within_deadline(mock: LiveMock, cash: float) -> None:
    """Polls the API until it answers ``cash``; the deadline only bounds a reload that never comes."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if alice_cash(mock.url) == cash:
            return
        time.sleep(0.05)
    raise AssertionError(f"{cash} not served within {DEADLINE} s:\n" + "".join(mock.lines))


def count(mock: LiveMock, text: str) -> int:
    return sum(text in line for line in mock.lines)


def test_a_watched_directory_serves_each_good_edit_and_keeps_the_last_good_data_on_a_bad_one(tmp_path: Path) -> None:
    directory = fixture_copy(tmp_path / "fixtures")
    mock = start_mock("--fixtures", str(directory), "--watch")
    try:
        mock.wait_for_line(rf"\(fixtures: {re.escape(str(directory))}, reloaded when a file changes\)")
        assert alice_cash(mock.url) == ALICE_CASH
        set_alice_cash(directory, 321.5)
        served_within_deadline(mock, 321.5)
        mock.wait_for_line(r"fixtures reloaded from .*: valkyrie\.yaml changed: valkyrie reset to it")
        for refused, (_, api, old, new, key) in enumerate(BROKEN_EDIT_CASES, start=1):
            edit(directory, api, old, new)
            line = mock.wait_for_line(
                rf"fixtures reload refused.*{re.escape(str(directory / f'{api}.yaml'))}: {re.escape(key)}"
            )
            assert ": expected " in line and ", got " in line
            assert count(mock, "fixtures reload refused") == refused
            assert alice_cash(mock.url) == 321.5  # the last good data
            edit(directory, api, new, old)
        set_alice_cash(directory, 654.25)
        served_within_deadline(mock, 654.25)
    finally:
        mock.stop()
    # A graceful stop: uvicorn re-raised SIGTERM once shut down; a watch that held the process would have had it
    # killed instead.
    assert mock.process.returncode == -signal.SIGTERM
    assert "Traceback" not in "".join(mock.lines)


def test_with_two_workers_every_worker_serves_the_reloaded_data(tmp_path: Path) -> None:
    directory = fixture_copy(tmp_path / "fixtures")
    mock = start_mock("--fixtures", str(directory), "--watch", "--workers", "2")
    try:
        assert alice_cash(mock.url) == ALICE_CASH
        set_alice_cash(directory, 11.5, atomic=True)
        mock.wait_for_line("fixtures reloaded from")
        # The reload is committed before its line is logged: from now on, every worker answers the new value.

        def send(correlation: str) -> None:
            assert alice_cash(mock.url, correlation=correlation) == 11.5

        workers = until_every_worker_answered(mock, send)
    finally:
        mock.stop()
    # The watcher stopped with the server (the supervisor returned and the process ended by itself), and the
    # workers with it.
    assert mock.process.returncode == 0
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


def test_the_start_up_line_says_the_bundled_copy_is_served_without_fixtures() -> None:
    mock = start_mock()
    try:
        line = mock.wait_for_line(r"serving .* on http://")
        assert f"(fixtures: the bundled copy, {FIXTURES})" in line
        hint = mock.wait_for_line("mockserver fixtures init DIR")
        assert "mockserver serve --fixtures DIR --watch" in hint
    finally:
        mock.stop()


def test_the_start_up_line_says_a_directory_is_read_once_without_watch(tmp_path: Path) -> None:
    directory = fixture_copy(tmp_path / "fixtures")
    mock = start_mock("--fixtures", str(directory))
    try:
        mock.wait_for_line(rf"\(fixtures: {re.escape(str(directory))}, read once \(--watch reloads\)\)")
        assert not any("mockserver fixtures init" in line for line in mock.lines)
    finally:
        mock.stop()
