"""Headless Chromium for the tests that open a report page as a reader's browser does: the command line in a fresh
profile, and a run bounded in time whose every helper process is stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT_SECONDS = 60


def chromium_command(tmp_path: Path) -> list[str]:
    """The headless Chromium command line, isolated in a fresh profile directory, with no network of its own."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed: the Debian package `chromium` (apt-get install chromium)")
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ]


def run_chromium(command: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """Run Chromium in a session of its own, so that every helper process it starts can be stopped by its group."""
    environment = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_CACHE_HOME": str(home)}
    timed_out = False
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, start_new_session=True
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=CHROMIUM_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            timed_out, stdout, stderr = True, "", ""
        finally:
            # The group Chromium was started in (its id is Chromium's PID) holds only Chromium and its helpers.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if timed_out:
        pytest.fail(f"chromium did not finish within {CHROMIUM_TIMEOUT_SECONDS} s: {command}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
