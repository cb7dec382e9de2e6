"""A system that never answers says so once per API: exit 2, one clear line each, and every report still written."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from support import API_NAMES, mock_profile_at

from conformance import REQUIREMENTS

pytestmark = pytest.mark.slow

RUN_TIMEOUT_SECONDS = 120


def closed_port() -> int:
    """A port nothing listens on: bound for a moment to get a free number, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_dead_port_gives_one_line_per_api_and_no_verdict(tmp_path: Path) -> None:
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    reports = {"json": tmp_path / "r.json", "junit": tmp_path / "r.xml", "html": tmp_path / "r.html"}
    command = [
        sys.executable, "-m", "conformance", "run", "--profile", str(mock_profile_at(tmp_path, base)), "--quiet",
        "--json", str(reports["json"]), "--junit-xml", str(reports["junit"]), "--report", str(reports["html"]),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    refused = [line for line in lines if f"cannot connect to {base}: connection refused" in line]
    assert len(refused) == len(API_NAMES), result.stdout
    # Not a line per requirement: no requirement id is listed.
    listed = [line for line in lines if any(f" {requirement.id} " in line for requirement in REQUIREMENTS)]
    assert not listed, listed
    assert lines[-len(reports) - 1].startswith("Verdict: NO VERDICT"), result.stdout
    # The reports are written all the same, and say the same.
    systems = json.loads(reports["json"].read_text(encoding="utf-8"))["systems"]
    assert all(f"{base}: connection refused" in systems[api]["stopped_answering"] for api in API_NAMES), systems
    assert list(ElementTree.parse(reports["junit"]).getroot().iter("error"))
    assert "connection refused" in reports["html"].read_text(encoding="utf-8")
