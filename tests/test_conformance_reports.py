"""What a run found and how it is reported: outcomes, the verdict, the text summary, JUnit XML, JSON, the HTML
certificate, and the evidence of one exchange. Every run here is built by hand; nothing is sent anywhere."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from functools import cache
from html import escape
from xml.etree import ElementTree

import pytest
from support import MOCK_PROFILE

from balancekit.requirements import Requirement
from conformance import CATALOGUE, load_profile
from conformance.certificate import certificate_html
from conformance.options import Options
from conformance.profile import Profile
from conformance.report import json_bytes, junit_xml, text_summary, verdict_line
from conformance.results import Finding, Outcome, RequirementResult, Results, Run, verdict
from conformance.transport import MAX_BODY_BYTES, Exchange

STARTED = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)

MUST = CATALOGUE.by_id["VIP-400-NOT-BOTH"]
SHOULD = CATALOGUE.by_id["VIP-401-AUDIENCE"]
PASSED_MUST = CATALOGUE.by_id["VIP-200-PREFERRED"]
NOT_TESTED = CATALOGUE.by_id["VIP-200-ONLINE"]
ERROR = CATALOGUE.by_id["VALK-200-OK"]
PASSED_SHOULD = CATALOGUE.by_id["VALK-OTHER-PLAYER"]

# A system that answers both identification forms with 200 instead of the documented 400.
BOTH_FORMS = Exchange(
    method="POST",
    url="http://127.0.0.1:8000/vip-connect/api/patronsession/accountlookup",
    request_headers={
        "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
        "Content-Type": "application/json",
    },
    request_body=b'{"VipAccountNumber": "7210988860", "IdType": "SS", "IdNumber": "543083512"}',
    status=200,
    headers={"content-type": "application/json"},
    body=b'{"vipCardNumber": "7210988860", "availableAmount": 4500.0}',
)
MUST_FAILURE = Finding(
    MUST.id, "VIP number with ID details", False, "HTTP 400 with the VIP error body", BOTH_FORMS.received(), BOTH_FORMS
)
# A finding without an Exchange carries its own curl (as generated requests do).
SHOULD_FAILURE = Finding(
    SHOULD.id,
    "aud of another API",
    False,
    "HTTP 401",
    "200 application/json: {}",
    curl="curl -sS -X POST http://127.0.0.1:8000/vip-connect/api/patronsession/accountlookup",
)
NOT_TESTED_REASON = "the profile has no online account"
ERROR_REASON = "no verdict: no answer within 10 s (GET http://127.0.0.1:8000/valkyrie/players/x/balance)"


def passing(requirement: Requirement, check: str = "the documented case") -> Finding:
    return Finding(requirement.id, check, True, "as documented")


@cache
def profile() -> Profile:
    return load_profile(MOCK_PROFILE, environ={})


def build_run(results: list[RequirementResult], *, strict: bool = False) -> Run:
    """A run over VIP Connect and Valkyrie with the given outcomes; the verdict comes from ``verdict``."""
    return Run(
        profile=profile(),
        options=Options(apis=["vip-connect", "valkyrie"], seed=1234, strict=strict),
        catalogue=CATALOGUE,
        started=STARTED,
        duration=12.5,
        results=results,
        exit_code=verdict(results, strict=strict),
        spec_hashes={"vip-connect": "a" * 64, "valkyrie": "b" * 64},
        untestable=[CATALOGUE.untestable[0]],
        systems_down={"valkyrie": "no answer within 10 s"},
        tool_version="0.1.0",
    )


def every_outcome(*, strict: bool = False, received: str | None = None) -> Run:
    """One requirement per outcome: a MUST and a SHOULD failure, passes, not tested, no verdict."""
    must_failure = MUST_FAILURE if received is None else Finding(MUST.id, "check", False, "documented", received)
    return build_run(
        [
            RequirementResult(PASSED_MUST, Outcome.PASSED, [passing(PASSED_MUST)]),
            RequirementResult(MUST, Outcome.FAILED, [must_failure, passing(MUST, "neither form")]),
            RequirementResult(SHOULD, Outcome.FAILED, [SHOULD_FAILURE]),
            RequirementResult(NOT_TESTED, Outcome.NOT_TESTED, reason=NOT_TESTED_REASON),
            RequirementResult(ERROR, Outcome.ERROR, reason=ERROR_REASON),
            RequirementResult(PASSED_SHOULD, Outcome.PASSED, [passing(PASSED_SHOULD)]),
        ],
        strict=strict,
    )


# Results: the outcome of one requirement.


def outcome_of(*findings: Finding, error: str = "", not_tested: str = "") -> RequirementResult:
    results = Results([MUST])
    for finding in findings:
        results.add(finding)
    if error:
        results.error(MUST.id, error)
    if not_tested:
        results.not_tested(MUST.id, not_tested)
    return results.outcome(MUST)


def test_a_failed_finding_fails_the_requirement_whatever_else_happened() -> None:
    result = outcome_of(passing(MUST), MUST_FAILURE, error="the connection broke", not_tested="skipped")
    assert (result.outcome, result.failures, result.reason) == (Outcome.FAILED, [MUST_FAILURE], "")


def test_an_error_without_a_failure_leaves_the_requirement_without_verdict() -> None:
    # Passing findings do not outweigh an error: the part that did not run might have failed.
    result = outcome_of(passing(MUST), error="the connection broke", not_tested="skipped")
    assert (result.outcome, result.reason) == (Outcome.ERROR, "the connection broke")


def test_findings_that_all_pass_pass_the_requirement() -> None:
    result = outcome_of(passing(MUST), passing(MUST, "another"), not_tested="skipped")
    assert (result.outcome, len(result.findings), result.reason) == (Outcome.PASSED, 2, "")


def test_without_findings_the_requirement_is_not_tested_with_the_reason() -> None:
    result = outcome_of(not_tested="no online account")
    assert (result.outcome, result.reason) == (Outcome.NOT_TESTED, "no online account")
    assert (outcome_of().outcome, outcome_of().reason) == (Outcome.NOT_TESTED, "no check reached this requirement")


def test_the_first_reason_given_is_kept() -> None:
    results = Results([MUST])
    results.error(MUST.id, "first")
    results.error(MUST.id, "second")
    assert results.outcome(MUST).reason == "first"


# The verdict of a run.


def result(requirement: Requirement, outcome: Outcome) -> RequirementResult:
    return RequirementResult(requirement, outcome)


@pytest.mark.parametrize(
    ("outcomes", "strict", "exit_code"),
    [
        ([(MUST, Outcome.FAILED)], False, 1),
        ([(MUST, Outcome.FAILED)], True, 1),
        ([(SHOULD, Outcome.FAILED), (PASSED_MUST, Outcome.PASSED)], False, 0),
        ([(SHOULD, Outcome.FAILED), (PASSED_MUST, Outcome.PASSED)], True, 1),
        ([(ERROR, Outcome.ERROR), (PASSED_MUST, Outcome.PASSED)], False, 2),
        ([(MUST, Outcome.FAILED), (ERROR, Outcome.ERROR)], False, 1),
        # A warning does not hide a missing verdict; with --strict the SHOULD failure decides.
        ([(SHOULD, Outcome.FAILED), (ERROR, Outcome.ERROR)], False, 2),
        ([(SHOULD, Outcome.FAILED), (ERROR, Outcome.ERROR)], True, 1),
        ([(PASSED_MUST, Outcome.PASSED), (NOT_TESTED, Outcome.NOT_TESTED)], True, 0),
        ([], False, 0),
    ],
    ids=[
        "MUST failed",
        "MUST failed, strict",
        "only SHOULD failed",
        "only SHOULD failed, strict",
        "error, no failure",
        "MUST failed and error",
        "SHOULD failed and error",
        "SHOULD failed and error, strict",
        "passed and not tested",
        "nothing",
    ],
)
def test_verdict(outcomes: list[tuple[Requirement, Outcome]], strict: bool, exit_code: int) -> None:
    assert verdict([result(requirement, outcome) for requirement, outcome in outcomes], strict=strict) == exit_code


# The text summary.


def test_text_summary_explains_each_failure() -> None:
    lines = text_summary(every_outcome()).splitlines()
    assert lines[0] == (
        f"Conformance run of {MOCK_PROFILE} (sha256 {profile().sha256[:12]}), seed 1234, "
        "2025-03-04 05:06:07 UTC, 12.5 s"
    )
    # A seed source is named by its page's title and its file.
    failure = lines.index(
        f"{MUST.id} (MUST, VIP Connect: Patron Account Inquiry, 000_be245cba7e24ec14.txt): {MUST.title}"
    )
    received = lines.index(f"  Received:   {BOTH_FORMS.received()}", failure)
    assert lines[failure + 1] == "  Check:      VIP number with ID details"
    # The request is a script: the JWT is minted into a variable (its header and claims shown), then curl sends it.
    assert lines[failure + 2] == '  Request:    # VIP_JWT header: {"alg": "HS256"}'
    assert lines[received - 1].startswith(" " * 14 + 'curl -sS -X POST -H "Authorization: Bearer ${VIP_JWT}" ')
    assert lines[received + 1] == "  Documented: HTTP 400 with the VIP error body"
    # Only failing findings are evidence of a failure.
    assert "  Check:      neither form" not in lines
    warning = lines.index(f"{SHOULD.id} (SHOULD, {SHOULD.source}): {SHOULD.title}")
    assert lines[warning + 2] == f"  Request:    {SHOULD_FAILURE.curl}"
    assert lines[-1] == "Verdict: FAILED (1 MUST failed, 1 SHOULD warnings, 1 without a verdict), exit 1"


def test_text_summary_lists_every_requirement_with_why_it_was_not_tested() -> None:
    text = text_summary(every_outcome())
    assert f"{NOT_TESTED.id:<30} {NOT_TESTED.title[:70]}  ({NOT_TESTED_REASON})" in text
    assert f"MUST   error      {ERROR.id:<30} {ERROR.title[:70]}  ({ERROR_REASON})" in text
    assert "  no verdict, the system stopped answering: no answer within 10 s" in text
    assert "1 seed statements cannot be tested over HTTP; the reports list them." in text


def test_with_strict_a_should_failure_is_counted_as_failed() -> None:
    assert (
        verdict_line(every_outcome(strict=True))
        == "FAILED (1 MUST failed, 1 SHOULD failed, 1 without a verdict), exit 1"
    )


# JUnit XML.


def junit_cases(run: Run) -> tuple[dict[str, ElementTree.Element], dict[str, ElementTree.Element]]:
    """The testsuites by API and the testcases by requirement id."""
    root = ElementTree.fromstring(junit_xml(run))
    suites = {suite.get("name", ""): suite for suite in root.iter("testsuite")}
    cases = {case.get("name", "").split(":")[0]: case for case in root.iter("testcase")}
    return suites, cases


def test_junit_has_one_testcase_per_requirement() -> None:
    run = every_outcome()
    _, cases = junit_cases(run)
    assert list(cases) == [result.requirement.id for result in run.results]
    for result in run.results:
        requirement = result.requirement
        case = cases[requirement.id]
        assert (case.get("classname"), case.get("name")) == (requirement.api, f"{requirement.id}: {requirement.title}")
    assert [child.tag for child in cases[PASSED_MUST.id]] == []


def test_junit_must_failure_is_a_failure_with_the_evidence() -> None:
    _, cases = junit_cases(every_outcome())
    (failure,) = cases[MUST.id]
    assert (failure.tag, failure.get("type"), failure.get("message")) == ("failure", "MUST", BOTH_FORMS.received())
    assert failure.text is not None and 'curl -sS -X POST -H "Authorization: Bearer ${VIP_JWT}"' in failure.text


def test_junit_should_failure_is_a_warning_unless_strict() -> None:
    _, cases = junit_cases(every_outcome())
    (output,) = cases[SHOULD.id]
    assert output.tag == "system-out"
    assert output.text is not None and output.text.startswith(f"WARNING (SHOULD not met)\n{SHOULD.id} (SHOULD, ")
    _, strict_cases = junit_cases(every_outcome(strict=True))
    (failure,) = strict_cases[SHOULD.id]
    assert (failure.tag, failure.get("type")) == ("failure", "SHOULD")


def test_junit_not_tested_is_skipped_and_no_verdict_is_an_error() -> None:
    _, cases = junit_cases(every_outcome())
    assert [(child.tag, child.get("message")) for child in cases[NOT_TESTED.id]] == [("skipped", NOT_TESTED_REASON)]
    assert [(child.tag, child.get("message")) for child in cases[ERROR.id]] == [("error", ERROR_REASON)]


@pytest.mark.parametrize(("strict", "vip_failures"), [(False, "1"), (True, "2")])
def test_junit_suite_counts(strict: bool, vip_failures: str) -> None:
    suites, _ = junit_cases(every_outcome(strict=strict))
    counts = {
        name: {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
        for name, suite in suites.items()
    }
    assert counts == {
        "vip-connect": {"tests": "4", "failures": vip_failures, "errors": "0", "skipped": "1"},
        "valkyrie": {"tests": "2", "failures": "0", "errors": "1", "skipped": "0"},
    }


def test_junit_stays_well_formed_when_the_system_answers_control_characters() -> None:
    # A system under test may answer any bytes; Exchange.received() keeps NUL, ESC and BEL as they are, and
    # ElementTree writes them into attributes and text, where XML 1.0 forbids them.
    binary = Exchange("GET", "http://127.0.0.1:8000/x", {}, None, 500, {}, b"\x00\x1b[31mboom\x07")
    ElementTree.fromstring(junit_xml(every_outcome(received=binary.received())))


# JSON.


def test_json_carries_the_run() -> None:
    run = every_outcome()
    data = json.loads(json_bytes(run))
    assert data["verdict"] == {"exit_code": 1, "label": "FAILED", "summary": verdict_line(run)}
    assert data["profile"] == {"path": str(MOCK_PROFILE), "sha256": profile().sha256}
    assert (data["seed"], data["started"], data["duration_seconds"]) == (1234, "2025-03-04T05:06:07+00:00", 12.5)
    assert data["options"] == {
        "apis": ["vip-connect", "valkyrie"],
        "max_examples": 25,
        "timeout": 10.0,
        "budget": 600.0,
        "strict": False,
    }
    assert data["specs"] == {"vip-connect": "a" * 64, "valkyrie": "b" * 64}
    assert data["systems"]["valkyrie"] == {
        "base_url": "http://127.0.0.1:8000/valkyrie",
        "stopped_answering": "no answer within 10 s",
    }
    assert data["untestable"] == [
        {
            "seed": CATALOGUE.untestable[0].seed,
            "statement": CATALOGUE.untestable[0].quote,
            "reason": CATALOGUE.untestable[0].reason,
        }
    ]
    requirements = {entry["id"]: entry for entry in data["requirements"]}
    assert list(requirements) == [result.requirement.id for result in run.results]
    failed = requirements[MUST.id]
    assert {key: failed[key] for key in ("api", "level", "title", "source", "outcome", "reason")} == {
        "api": "vip-connect",
        "level": "MUST",
        "title": MUST.title,
        "source": MUST.source,
        "outcome": "failed",
        "reason": "",
    }
    assert failed["checks"] == [check.name for check in CATALOGUE.checks_for(MUST.id)]
    finding = failed["findings"][0]
    request = finding.pop("request")
    assert finding == {
        "check": "VIP number with ID details",
        "passed": False,
        "documented": "HTTP 400 with the VIP error body",
        "received": BOTH_FORMS.received(),
    }
    assert request.startswith("# VIP_JWT header: ")
    assert request.splitlines()[-1].startswith('curl -sS -X POST -H "Authorization: Bearer ${VIP_JWT}"')
    # Names, never values: each variable a request may use, and the profile key it stands for.
    assert {"name": "PTX_CLIENT_SECRET", "profile_key": "paytronix.client_secret"} in data["variables"]
    assert (requirements[NOT_TESTED.id]["outcome"], requirements[NOT_TESTED.id]["reason"]) == (
        "not tested",
        NOT_TESTED_REASON,
    )


# The HTML certificate.


def test_html_escapes_what_the_system_sent_and_shows_the_verdict() -> None:
    hostile = "200 text/html: <script>alert('certified')</script>"
    html = certificate_html(every_outcome(received=hostile))
    assert "<script" not in html.lower()
    # <wbr> marks where a long URL or text may break (after / ? &); the text itself is all there.
    assert escape(hostile) in html.replace("<wbr>", "")
    assert '<span class="verdict v1" id="verdict">FAILED</span>' in html
    assert escape(verdict_line(every_outcome(received=hostile))) in html


# The evidence of one exchange.


def test_curl_quotes_shell_characters_so_the_request_comes_back_unchanged() -> None:
    header = 'it\'s $HOME; `id` && echo "done" | tee /tmp/x'
    body = '{"name": "O\'Brien $(rm -rf ~)", "note": "line one\nline two"}'
    url = "http://127.0.0.1:8000/valkyrie/players/a%20b/balance?provider=evolution&x=1"
    exchange = Exchange("POST", url, {"X-Note": header, "Authorization": "Bearer a.b.c"}, body.encode(), 200, {}, b"")
    assert shlex.split(exchange.curl()) == [
        "curl",
        "-sS",
        "-X",
        "POST",
        "-H",
        f"X-Note: {header}",
        "-H",
        "Authorization: Bearer a.b.c",
        "--data-binary",
        body,
        url,
    ]


def test_curl_without_a_body_sends_none() -> None:
    exchange = Exchange("GET", "http://127.0.0.1:8000/x", {}, None, 200, {}, b"")
    assert shlex.split(exchange.curl()) == ["curl", "-sS", "-X", "GET", "http://127.0.0.1:8000/x"]


def test_received_says_when_the_body_was_not_read_to_the_end() -> None:
    truncated = Exchange("GET", "http://x/", {}, None, 200, {"content-type": "application/json"}, b"[1," * 300, True)
    assert truncated.received().startswith(
        f"200 application/json, body over {MAX_BODY_BYTES} bytes, not read to the end: [1,[1,"
    )
    assert truncated.received().endswith(" ...")
    assert truncated.json() is None
    complete = Exchange("GET", "http://x/", {}, None, 404, {}, b"gone")
    assert complete.received() == "404 (no content type): gone"


def test_a_failed_certificate_opens_with_what_failed_expanded() -> None:
    html = certificate_html(every_outcome())
    page = html.replace("<wbr>", "")
    what_failed = page.index("<h2>What failed</h2>")
    # Before the facts and the tables, outside any collapsed <details>: the MUST failure, its level, its source by
    # the seed page's title, the request, what was received and what is documented.
    assert what_failed < page.index('class="facts"') < page.index("<h2>Summary</h2>")
    box = page[what_failed : page.index("</section>", what_failed)]
    assert "<details" not in box
    for expected in (MUST.id, "MUST", "VIP Connect: Patron Account Inquiry (000_be245cba7e24ec14.txt)",
                     "Authorization: Bearer ${VIP_JWT}", escape(BOTH_FORMS.received()),
                     "HTTP 400 with the VIP error body"):  # fmt: skip
        assert expected in box, expected
    # The SHOULD not met is a warning of its own, after the failures.
    warnings = page.index("<h2>Warnings (SHOULD not met)</h2>")
    assert what_failed < warnings and SHOULD.id in page[warnings:]


def test_a_passed_certificate_has_no_failure_box_and_zero_counts_are_neutral() -> None:
    html = certificate_html(build_run([RequirementResult(PASSED_MUST, Outcome.PASSED, [passing(PASSED_MUST)])]))
    assert "What failed" not in html and "Warnings (SHOULD not met)" not in html
    # A zero is grey: neither the green of passed nor the red of failed.
    assert '<span class="zero">0 failed</span>' in html
    assert '<span class="passed">1 passed</span>' in html


def test_passed_evidence_shows_what_was_received() -> None:
    answer = Exchange("POST", BOTH_FORMS.url, {}, b"{}", 400, {"content-type": "application/json"}, b'{"x": 1}')
    finding = Finding(MUST.id, "neither form", True, "HTTP 400", answer.received(), answer)
    html = certificate_html(build_run([RequirementResult(MUST, Outcome.PASSED, [finding])]))
    assert escape(answer.received()) in html.replace("<wbr>", "")


def test_long_urls_break_after_slashes_never_inside_the_host() -> None:
    html = certificate_html(every_outcome())
    assert "127.0.0.1:8000/<wbr>vip-connect/<wbr>api/<wbr>patronsession/<wbr>accountlookup" in html
    assert "127.0.0.1<wbr>" not in html and "http:/<wbr>" not in html
