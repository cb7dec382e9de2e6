"""The conformance suite certifies the bundled mock: the CLI against a live ``mockserver serve``, end to end.

The mock is the reference implementation of the three specs, so a run against it must pass every requirement,
and its three reports (JUnit XML, JSON, HTML certificate) must say so, with what is needed to reproduce the run:
the profile's and specs' hashes, the seed and the tool version.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import pytest
from headless_chromium import run_chromium
from support import API_NAMES, SPECS, LiveMock, mock_profile_at

from conformance import CATALOGUE, REQUIREMENTS
from conformance.near_miss import TRUNCATED

pytestmark = [pytest.mark.live, pytest.mark.slow]

# A fixed seed: the generated requests, and so the findings, are the same on every run.
SEED = 1
# A full run against the mock takes under 10 s; this only stops a hung run from hanging the test session.
RUN_TIMEOUT_SECONDS = 120
# A blank 1280x2000 page compresses to about 12 KB of PNG; the certificate, with its text and tables, to hundreds.
RENDERED_PNG_MIN_BYTES = 50_000


@dataclass(frozen=True)
class ProgressLine:
    text: str
    mock_lines: int  # how many lines the live mock had logged when the test read this one


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    progress: list[ProgressLine]

    @property
    def output(self) -> str:
        return self.stdout + "\n".join(line.text for line in self.progress)


def run_cli(profile: Path, *options: str, mock: LiveMock | None = None) -> CliRun:
    """``conformance run`` as a subprocess with the fixed seed; stderr is read line by line as it arrives, each line
    marked with how far the log of ``mock`` had come then."""
    command = [sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", str(SEED), *options]
    progress: list[ProgressLine] = []
    stdout: list[str] = []

    def read_progress(stream: IO[str]) -> None:
        for line in stream:
            progress.append(ProgressLine(line.rstrip("\n"), len(mock.lines) if mock is not None else 0))

    def read_stdout(stream: IO[str]) -> None:
        stdout.append(stream.read())

    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None and process.stderr is not None
        readers = [
            threading.Thread(target=read_progress, args=(process.stderr,), daemon=True),
            threading.Thread(target=read_stdout, args=(process.stdout,), daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            process.wait(timeout=RUN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"conformance run did not end within {RUN_TIMEOUT_SECONDS} s: {command}")
        finally:
            for reader in readers:
                reader.join(timeout=10)
    run = CliRun(process.returncode, "".join(stdout), progress)
    assert "Traceback" not in run.output, run.output[-6000:]
    return run


class Page(HTMLParser):
    """What the tests need from an HTML page: its tags and attributes, its text, its styles, the verdict's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.verdict: str | None = None
        self._inside = ""  # "verdict" or "style" while their text is being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if attributes.get("id") == "verdict":
            self._inside, self.verdict = "verdict", ""
        elif tag == "style":
            self._inside = "style"

    def handle_endtag(self, tag: str) -> None:
        self._inside = ""

    def handle_data(self, data: str) -> None:
        if self._inside == "style":
            self.styles.append(data)
            return
        self.text.append(data)
        if self._inside == "verdict":
            self.verdict = (self.verdict or "") + data


def parse_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def findings_of(report: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, bool, str, str]]]]:
    """Each requirement's outcome and findings, without what varies between runs of the same seed.

    The requests are left out: VIP tokens carry the time they were minted (iat, nbf, exp), so the curl lines
    differ from run to run even when the requests are otherwise the same. So may the answer to a token whose
    signature lost its last character: for most signatures that leaves malformed base64 (a token that is not
    well-formed), for some valid base64 that does not verify, and the signature changes with the second of minting.
    """
    return [
        (
            requirement["id"],
            requirement["outcome"],
            [
                (
                    finding["check"],
                    finding["passed"],
                    finding["documented"],
                    "(either answer)" if f"then {TRUNCATED}" in finding["request"] else finding["received"],
                )
                for finding in requirement["findings"]
            ],
        )
        for requirement in report["requirements"]
    ]


@dataclass(frozen=True)
class Certified:
    """The run of the whole suite against the live mock, with every report, shared by the tests below."""

    run: CliRun
    profile: Path
    junit: Path
    json: Path
    report: Path
    mock_log: list[str]  # what the mock logged during the run


@pytest.fixture(scope="module")
def certified(live_mock: LiveMock, tmp_path_factory: pytest.TempPathFactory) -> Certified:
    directory = tmp_path_factory.mktemp("certified")
    profile = mock_profile_at(directory, live_mock.url)
    outputs = directory / "reports"
    junit, report_json, report_html = outputs / "junit.xml", outputs / "results.json", outputs / "certificate.html"
    logged_before = len(live_mock.lines)
    options = ("--junit-xml", str(junit), "--json", str(report_json), "--report", str(report_html))
    run = run_cli(profile, *options, mock=live_mock)
    # Progress lines count the mock's lines from its start; the run's own begin after what was logged before it.
    progress = [ProgressLine(line.text, line.mock_lines - logged_before) for line in run.progress]
    return Certified(
        CliRun(run.exit_code, run.stdout, progress),
        profile,
        junit,
        report_json,
        report_html,
        live_mock.lines[logged_before:],
    )


def test_the_mock_passes_and_the_three_reports_are_written(certified: Certified) -> None:
    run = certified.run
    assert run.exit_code == 0, run.output[-6000:]
    assert "Verdict: PASSED" in run.stdout
    for path in (certified.junit, certified.json, certified.report):
        assert path.is_file() and path.stat().st_size > 0, path
        assert f"wrote {path}" in run.stdout


def test_the_junit_xml_has_one_passing_testcase_per_requirement(certified: Certified) -> None:
    root = ElementTree.parse(certified.junit).getroot()
    testcases = list(root.iter("testcase"))
    # Testcase names are "<id>: <title>"; CI systems list them by name, so the id must lead.
    ids = Counter(testcase.get("name", "").split(": ", 1)[0] for testcase in testcases)
    assert ids == Counter(requirement.id for requirement in REQUIREMENTS)
    assert [suite.get("name") for suite in root.iter("testsuite")] == list(API_NAMES)
    assert not list(root.iter("failure")) and not list(root.iter("error")) and not list(root.iter("skipped"))
    for suite in root.iter("testsuite"):
        assert (suite.get("failures"), suite.get("errors")) == ("0", "0"), suite.attrib


def test_the_json_records_the_verdict_and_how_to_reproduce_it(certified: Certified) -> None:
    report = json.loads(certified.json.read_text(encoding="utf-8"))
    assert report["verdict"]["exit_code"] == 0 and report["verdict"]["label"] == "PASSED", report["verdict"]
    assert [entry["id"] for entry in report["requirements"]] == [requirement.id for requirement in REQUIREMENTS]
    for requirement, entry in zip(REQUIREMENTS, report["requirements"], strict=True):
        assert entry["level"] == requirement.level.value
        assert entry["source"] == requirement.source
        assert entry["checks"] == [check.name for check in CATALOGUE.checks_for(requirement.id)]
        assert entry["checks"], f"{requirement.id}: no check verifies it"
        assert entry["outcome"] == "passed", entry
    # What a reader needs to trust and replay the certificate: exactly this profile, these specs, this seed.
    assert report["profile"]["sha256"] == sha256_of(certified.profile)
    assert report["specs"] == {api: sha256_of(SPECS / f"{api}.yaml") for api in API_NAMES}
    assert report["seed"] == SEED
    assert report["tool"]["version"] == metadata.version("balance-sandbox-kit")


def test_the_html_certificate_is_one_self_contained_page(certified: Certified) -> None:
    html = certified.report.read_text(encoding="utf-8")
    page = parse_page(html)
    # A certificate is handed to a partner as one file: nothing may load from elsewhere or run.
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for tag, attributes in page.tags:
        for name in ("src", "href", "srcset", "data", "poster", "action", "formaction", "background"):
            value = attributes.get(name)
            if value is None or (tag == "a" and name == "href"):
                continue
            assert value.startswith("data:"), f"<{tag} {name}={value!r}> loads a file from outside the page"
    for style in page.styles:
        assert "@import" not in style and not re.search(r"url\(\s*['\"]?(https?:)?//", style), style
    assert page.verdict == "PASSED"
    text = " ".join(page.text)
    for requirement in REQUIREMENTS:
        assert requirement.id in text, requirement.id
    assert sha256_of(certified.profile) in text
    assert f"--seed {SEED}" in text


def test_progress_shows_one_line_per_check_as_the_run_goes(certified: Certified) -> None:
    lines = [line.text for line in certified.run.progress]
    documented = [check for check in CATALOGUE.checks if check.run is not None]
    check_lines = []
    for check in documented:
        pattern = rf"\s+{re.escape(check.requirement)}\s+{re.escape(check.name)} \.\.\. (passed|FAILED|error)$"
        matching = [line for line in lines if re.fullmatch(pattern, line)]
        assert len(matching) == 1, (check, matching)
        assert matching[0].endswith("... passed"), matching[0]
        check_lines.append(next(line for line in certified.run.progress if line.text == matching[0]))
    # The generated requests are one schemathesis run per API, announced on a line of their own.
    for api in API_NAMES:
        assert f"{api}: generated requests (schemathesis, seed {SEED})" in lines
    # Streamed, not printed at the end: when the first check's line was read, the mock had logged no request of the
    # last API yet. Lines held back until the process exited would arrive after every request of the run.
    last_api = f" /{API_NAMES[-1]}/"
    assert any(last_api in line for line in certified.mock_log), "the mock logged no request of the last API"
    first = check_lines[0]
    assert not any(last_api in line for line in certified.mock_log[: first.mock_lines]), first


def test_the_same_seed_gives_the_same_findings(certified: Certified, tmp_path: Path) -> None:
    again = tmp_path / "again.json"
    run = run_cli(certified.profile, "--json", str(again), "--quiet")
    assert run.exit_code == 0, run.output[-6000:]
    # --quiet leaves only the summary: no progress lines.
    assert run.progress == []
    first = json.loads(certified.json.read_text(encoding="utf-8"))
    second = json.loads(again.read_text(encoding="utf-8"))
    assert second["seed"] == first["seed"] == SEED
    assert findings_of(second) == findings_of(first)


def test_one_api_certifies_only_that_api(certified: Certified, tmp_path: Path) -> None:
    output = tmp_path / "valkyrie.json"
    run = run_cli(certified.profile, "--api", "valkyrie", "--json", str(output))
    assert run.exit_code == 0, run.output[-6000:]
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["options"]["apis"] == ["valkyrie"]
    assert [entry["id"] for entry in report["requirements"]] == [
        requirement.id for requirement in REQUIREMENTS if requirement.api == "valkyrie"
    ]
    assert all(entry["id"].startswith("VALK-") for entry in report["requirements"])
    assert list(report["specs"]) == ["valkyrie"]
    assert not any(line.text.startswith(("vip-connect", "paytronix")) for line in run.progress)


def test_chromium_renders_the_verdict(certified: Certified, chromium: list[str], tmp_path: Path) -> None:
    result = run_chromium([*chromium, "--dump-dom", certified.report.as_uri()], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    page = parse_page(result.stdout)
    assert page.verdict == "PASSED", result.stdout[:3000]
    text = " ".join(page.text)
    assert all(requirement.id in text for requirement in REQUIREMENTS)


def test_chromium_takes_a_screenshot_of_the_page(certified: Certified, chromium: list[str], tmp_path: Path) -> None:
    screenshot = tmp_path / "cert.png"
    command = [*chromium, f"--screenshot={screenshot}", "--window-size=1280,2000", certified.report.as_uri()]
    result = run_chromium(command, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert screenshot.is_file(), result.stderr[-3000:]
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # IHDR, the first chunk, holds the width and height: the window size asked for.
    assert struct.unpack(">II", png[16:24]) == (1280, 2000)
    assert len(png) > RENDERED_PNG_MIN_BYTES, f"{len(png)} bytes: the page looks blank"
