"""No secret of a profile reaches any output of a run, in any form, whether the run passes or fails.

Two full runs of the CLI (all three APIs, generated requests included): one that passes (the reference server),
one that fails everything (a server that echoes each request back: headers, query, body, also in base64). Every
output is searched: stdout, stderr, the JSON, the JUnit XML and the HTML certificate. The forms searched for are
computed here, not by the suite: each secret and each near miss the suite derives from it, as sent, JSON-escaped,
HTML-escaped, URL-encoded, inside any base64 text (decoded at every alignment), the decoded VIP keys in hex, and
any JWT at all.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from planted_secrets import echo_serving, leaks, planted_environ, planted_keys, secret_values, write_planted_profile
from reference_server import NO_FAULT, serve, write_profile
from reference_server import profile_data as reference_profile

pytestmark = [pytest.mark.live, pytest.mark.slow]

RUN_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def echo_server() -> Iterator[str]:
    with echo_serving() as url:
        yield url


@dataclass(frozen=True)
class Outputs:
    exit_code: int
    texts: dict[str, str]  # output name -> its text


def run_cli(profile: Path, directory: Path, environ: dict[str, str], *options: str) -> Outputs:
    reports = {"json": directory / "out.json", "junit": directory / "out.xml", "html": directory / "out.html"}
    command = [
        sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", "3", "--max-examples", "5",
        "--json", str(reports["json"]), "--junit-xml", str(reports["junit"]), "--report", str(reports["html"]),
        *options,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, env=environ)
    texts = {"stdout": result.stdout, "stderr": result.stderr}
    texts.update({name: path.read_text(encoding="utf-8") for name, path in reports.items()})
    return Outputs(result.returncode, texts)


def test_a_failing_run_against_an_echoing_server_shows_no_secret(echo_server: str, tmp_path: Path) -> None:
    environ = planted_environ()
    profile = tmp_path / "planted.yaml"
    data = write_planted_profile(profile, echo_server)
    outputs = run_cli(profile, tmp_path, environ)
    assert outputs.exit_code == 1, outputs.texts["stdout"][-3000:]
    assert "Traceback" not in outputs.texts["stderr"], outputs.texts["stderr"][-3000:]
    found = leaks(outputs.texts, secret_values(data, environ), planted_keys())
    assert not found, "\n".join(found[:40])
    # The echoes were seen (the run did look at what came back) and are named instead of shown.
    # Values from ${NAME} keep the profile's own variable names.
    assert "${PLANTED_PTX_SECRET}" in outputs.texts["json"]
    assert "Authorization: Bearer ${PLANTED_PAM_TOKEN}" in outputs.texts["stdout"]
    # Values that are not secret stay readable: an authentication type, a card number.
    assert '\\"authentication\\": \\"card\\"' in outputs.texts["json"]
    assert "6000300000739164" in outputs.texts["json"]


def test_a_passing_run_shows_no_secret(tmp_path: Path) -> None:
    environ = dict(os.environ)
    with serve() as server:
        profile = write_profile(tmp_path / "profile.yaml", server.url, NO_FAULT)
        outputs = run_cli(profile, tmp_path, environ, "--strict")
        data = reference_profile(server.url, NO_FAULT)
    assert outputs.exit_code == 0, outputs.texts["stdout"][-3000:]
    keys = [base64.b64decode(key) for key in data["vip-connect"]["secret_base64"]]
    found = leaks(outputs.texts, secret_values(data, environ), keys)
    assert not found, "\n".join(found[:40])
    # Passed evidence shows what was received, requests included, with the secrets named.
    assert "${VALKYRIE_API_TOKEN}" in outputs.texts["html"]
