"""`pytest --conformance-profile` reaches the verdict of `conformance run` on the same profile and seed, requirement by
requirement and with the same failure messages, and its JUnit XML has one testcase per requirement and no secret.

Each system is certified by the CLI (--json) and by pytest in a fresh process (--junit-xml, with warnings as errors as
a strict project runs it): the bundled mock, which passes; the reference server with a MUST fault, a SHOULD fault and
an entry left out of the profile (pytest with and without --conformance-strict); and a server that echoes every
request back, with a profile of planted secrets.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from junit_reports import junit_cases, outcome
from planted_secrets import echo_serving, leaks, planted_environ, planted_keys, secret_values, write_planted_profile
from reference_server import NO_FAULT, profile_data, serve
from support import LiveMock, mock_profile_at

from conformance import REQUIREMENTS

pytest_plugins = ("pytester",)
pytestmark = [pytest.mark.live, pytest.mark.slow]

SEED = 7
MAX_EXAMPLES = 5
# A run takes about ten seconds; this only stops a hung run from hanging the test session.
RUN_TIMEOUT_SECONDS = 300
MUST_FAULT = ("vip-unknown-wrong-message", "VIP-404-UNKNOWN")
SHOULD_FAULT = ("valk-correlation-id-text-400", "VALK-400-CORRELATION-ID")
# The profile leaves out valkyrie.players.other, so this requirement is not tested.
LEFT_OUT = "VALK-OTHER-PLAYER"
# The minted JWTs of a request carry the time (iat, nbf, exp): the only text two runs of one seed do not share.
UNIX_TIME = re.compile(r"\b\d{10}\b")
T = TypeVar("T")


def cli_run(profile: Path, directory: Path, *options: str) -> tuple[dict[str, Any], str]:
    """`conformance run` with the seed: its JSON results and its terminal summary."""
    report = directory / "cli.json"
    command = [
        sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", str(SEED),
        "--max-examples", str(MAX_EXAMPLES), "--quiet", "--json", str(report), *options,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS)
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data, result.stdout


def pytest_run(pytester: pytest.Pytester, profile: Path, *options: str) -> pytest.RunResult:
    """pytest certifying ``profile`` in a fresh process with the seed, JUnit XML in out.xml."""
    return pytester.runpytest_subprocess(
        f"--conformance-profile={profile}",
        f"--conformance-seed={SEED}",
        f"--conformance-max-examples={MAX_EXAMPLES}",
        "--junit-xml=out.xml",
        "-W",
        "error",
        "-p",
        "no:cacheprovider",
        *options,
        timeout=RUN_TIMEOUT_SECONDS,
    )


def expected_outcomes(data: dict[str, Any], *, strict: bool = False) -> dict[str, str]:
    """What pytest (with --conformance-strict or not) should make of each requirement of the CLI's JSON results."""
    expected = {}
    for requirement in data["requirements"]:
        found = requirement["outcome"]
        if found == "failed":
            found = "failed" if requirement["level"] == "MUST" or strict else "xfailed"
        expected[requirement["id"]] = {"not tested": "skipped"}.get(found, found)
    return expected


def failure_blocks(summary: str) -> dict[str, str]:
    """Requirement id: what the CLI's summary prints for it under Failures."""
    section = summary.split("\nFailures\n", 1)[1].split("\nRequests name each secret", 1)[0]
    blocks = [block.strip() for block in section.split("\n\n") if block.strip()]
    return {block.split(" ", 1)[0]: block for block in blocks}


def requests_answered(mock: LiveMock, action: Callable[[], T]) -> tuple[T, int]:
    """What ``action`` returns, and how many requests the mock answered meanwhile (its access-log lines)."""
    before = len(mock.lines)
    outcome = action()
    # A last request, marked: once its line is logged, so are those of every request answered before it.
    marker = f"count-{uuid.uuid4().hex}"
    httpx.get(f"{mock.url}/valkyrie/players/marker/balance", headers={"X-Correlation-ID": marker}, timeout=10)
    mock.wait_for_line(marker)
    lines = mock.lines[before:]
    return outcome, sum("mockserver.access" in line and marker not in line for line in lines)


def test_on_the_mock_every_requirement_is_one_passing_test_as_conformance_run_finds(
    pytester: pytest.Pytester, live_mock: LiveMock
) -> None:
    profile = mock_profile_at(pytester.path, live_mock.url)
    (data, _), sent_by_cli = requests_answered(live_mock, lambda: cli_run(profile, pytester.path))
    result, sent_by_pytest = requests_answered(live_mock, lambda: pytest_run(pytester, profile))
    result.assert_outcomes(passed=len(REQUIREMENTS))
    found = {name: outcome(case) for name, case in junit_cases(pytester.path / "out.xml").items()}
    assert found == expected_outcomes(data)
    assert set(found.values()) == {"passed"} and data["verdict"]["exit_code"] == 0
    assert "Verdict: PASSED" in result.stdout.str()
    # One run for the session, the very requests of `conformance run` with this seed: not a run per test.
    assert sent_by_pytest == sent_by_cli > 0


@dataclass(frozen=True)
class FaultySystem:
    url: str
    profile: Path
    results: dict[str, Any]  # the CLI's JSON results
    summary: str  # the CLI's terminal summary


@pytest.fixture(scope="module")
def faulty_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultySystem]:
    """The reference server with a MUST fault and a SHOULD fault, its profile without valkyrie.players.other, and what
    `conformance run` found (once: --strict changes its verdict, not what it found)."""
    directory = tmp_path_factory.mktemp("faulty")
    with serve() as server:
        data = profile_data(server.url, NO_FAULT)
        for api, fault in (("vip-connect", MUST_FAULT[0]), ("valkyrie", SHOULD_FAULT[0])):
            data[api]["base_url"] = f"{server.url}/{fault}/{api}"
        del data["valkyrie"]["players"]["other"]
        profile = directory / "faulty.yaml"
        profile.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        results, summary = cli_run(profile, directory)
        yield FaultySystem(server.url, profile, results, summary)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_on_a_faulty_system_the_same_requirements_fail_with_the_same_messages(
    pytester: pytest.Pytester, faulty_system: FaultySystem, strict: bool
) -> None:
    result = pytest_run(pytester, faulty_system.profile, *(["--conformance-strict"] * strict), "-ra")
    cases = junit_cases(pytester.path / "out.xml")
    found = {name: outcome(case) for name, case in cases.items()}
    expected = expected_outcomes(faulty_system.results, strict=strict)
    assert found == expected
    assert found[MUST_FAULT[1]] == "failed"
    assert found[SHOULD_FAULT[1]] == ("failed" if strict else "xfailed")
    assert found[LEFT_OUT] == "skipped"
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert f"conformance::{MUST_FAULT[1]}" in result.stdout.str()
    # Each failure, or warning, says what `conformance run` prints for it.
    printed = failure_blocks(faulty_system.summary)
    assert set(printed) == {name for name, outcome in expected.items() if outcome in ("failed", "xfailed")}
    for name, block in printed.items():
        (element,) = [child for child in cases[name] if child.tag in ("failure", "skipped")]
        text = element.text if element.tag == "failure" else element.get("message", "").split("\n", 1)[1]
        assert UNIX_TIME.sub("T", text or "") == UNIX_TIME.sub("T", block), name


def test_the_junit_xml_has_one_testcase_per_requirement_and_no_secret(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = planted_environ()
    for name, value in environ.items():
        if name.startswith("PLANTED_"):
            monkeypatch.setenv(name, value)
    with echo_serving() as url:
        data = write_planted_profile(pytester.path / "planted.yaml", url)
        # -v and -rA: every test's line and every outcome's summary line, besides the failures.
        result = pytest_run(pytester, pytester.path / "planted.yaml", "-v", "-rA")
    junit = (pytester.path / "out.xml").read_text(encoding="utf-8")
    cases = junit_cases(pytester.path / "out.xml")
    assert len(cases) == len(REQUIREMENTS) == junit.count("<testcase ")
    assert set(cases) == {requirement.id for requirement in REQUIREMENTS}
    assert "failed" in {outcome(case) for case in cases.values()}
    texts = {"stdout": result.stdout.str(), "stderr": result.stderr.str(), "junit": junit}
    found = leaks(texts, secret_values(data, environ), planted_keys())
    assert not found, "\n".join(found[:40])
    # The echoes were seen and are named instead of shown.
    assert "${PLANTED_PAM_TOKEN}" in junit
