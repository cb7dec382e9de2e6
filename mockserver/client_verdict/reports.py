"""The client report as a terminal summary and as JUnit XML, written from its JSON document alone.

Every value that came from a request (a path, a correlation id, a claim) passes through safe_text on its way out:
a client cannot drive the reader's terminal, forge a report line or make the XML unparseable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from balancekit.junit import Failure, TestCase, TestSuite, junit_xml
from balancekit.safe_text import one_line, output_safe

Report = Mapping[str, Any]
# Findings listed per broken requirement in the terminal; the JSON and the HTML page show every one the report keeps.
TERMINAL_FINDINGS = 3


def requests_text(count: int) -> str:
    """``1 request``, ``2 requests``: a count of requests as the reports say it."""
    return f"{count} request" if count == 1 else f"{count} requests"


def counted(result: Mapping[str, Any], strict: bool) -> bool:
    """Whether a broken requirement fails the verdict: a MUST always, a SHOULD when strict."""
    return result["outcome"] == "failed" and (result["level"] == "MUST" or strict)


def outcome_word(result: Mapping[str, Any], strict: bool) -> str:
    """A requirement's outcome as reports show it: a SHOULD broken is a warning unless strict."""
    if result["outcome"] == "failed" and not counted(result, strict):
        return "warning"
    return str(result["outcome"])


def case_word(case: Mapping[str, Any]) -> str:
    if case["reached"]:
        return "forced" if case["forced"] else "reached"
    return "MISSED" if case["required"] else "missed"


def request_line(entry: Mapping[str, Any] | None) -> str:
    """One request on one line: its journal number, time, method, path, status and correlation id."""
    if not entry:
        return "(no request)"
    recorded = entry.get("request")
    request: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
    status = entry.get("status")
    answered = f"-> {status}" if status is not None else "-> no answer"
    correlation = entry.get("correlation_id")
    marks = f" [{correlation}]" if correlation else ""
    forced = " (forced with Prefer)" if entry.get("forced") else ""
    line = f"#{entry.get('seq')} {entry.get('time')} {request.get('method')} {request.get('path')} {answered}{marks}"
    return one_line(line + forced)


def entry_json(entry: Mapping[str, Any]) -> str:
    """A journal entry as indented JSON, every unsafe character escaped."""
    return output_safe(json.dumps(entry, indent=2, ensure_ascii=False))


def source_label(source: str) -> str:
    return source if not source.startswith("decision: ") else "project decision: " + source.removeprefix("decision: ")


def text_summary(report: Report, *, origin: str = "") -> str:
    strict = bool(report["selection"]["strict"])
    selection = report["selection"]
    window = ", ".join(
        f"{name} {selection[key]!r}"
        for key, name in (("correlation_prefix", "correlation prefix"), ("since", "since"), ("until", "until"))
        if selection[key]
    )
    lines = [
        f"Client report{f' of {origin}' if origin else ''}, {report['generated']}: {requests_text(report['requests'])}"
        f"{f' ({window})' if window else ' (the whole journal)'}"
    ]
    for api in report["apis"]:
        lines.append(
            f"\n{api['name']}  {requests_text(api['requests'])}, {api['nonconforming']} not conforming to the spec"
        )
        lines.append("  Requirements")
        for result in _of(report["requirements"], api["name"]):
            counts = f"  ({result['requests_broken']} of {result['requests_checked']} requests)"
            lines.append(
                f"    {result['level']:<6} {outcome_word(result, strict):<10} {result['id']:<28} {result['title'][:70]}"
                f"{counts if result['requests_broken'] else ''}"
            )
        lines.append("  Documented cases")
        for case in _of(report["cases"], api["name"]):
            required = "required" if case["required"] else "not required"
            lines.append(f"    {case_word(case):<8} {case['name']:<24} {case['title'][:70]}  ({required})")
    failed = [result for result in report["requirements"] if result["outcome"] == "failed"]
    if failed:
        lines.append("\nRequests that broke a requirement")
        for result in failed:
            lines.append(f"\n{result['id']} ({result['level']}, {source_label(result['source'])}): {result['title']}")
            for finding in result["findings"][:TERMINAL_FINDINGS]:
                lines.append(f"  {request_line(finding['entry'])}")
                lines.append(f"    {one_line(finding['problem'])}")
            more = result["requests_broken"] - min(len(result["findings"]), TERMINAL_FINDINGS)
            if more:
                lines.append(f"  ... and {more} more (the JSON and HTML reports list them)")
    missed = [case for case in report["cases"] if case["required"] and not case["reached"]]
    if missed:
        lines.append("\nRequired cases never reached: " + ", ".join(case["id"] for case in missed))
    lines.append(f"\nVerdict: {report['verdict']['summary']}")
    return output_safe("\n".join(lines))


def client_junit(report: Report) -> bytes:
    """One testsuite per API: a testcase per client requirement and per documented case. A MUST broken fails (a
    SHOULD too when strict, else it passes with a warning in system-out); a required case missed fails, a case not
    required and missed is skipped."""
    strict = bool(report["selection"]["strict"])
    suites = []
    for api in report["apis"]:
        cases = [_requirement_case(result, strict) for result in _of(report["requirements"], api["name"])]
        cases += [_coverage_case(case) for case in _of(report["cases"], api["name"])]
        selection = report["selection"]
        window = [(key, str(selection[key])) for key in ("correlation_prefix", "since", "until") if selection[key]]
        suites.append(TestSuite(api["name"], cases, window))
    return junit_xml("mockserver report", suites)


def _requirement_case(result: Mapping[str, Any], strict: bool) -> TestCase:
    name = f"{result['id']}: {result['title']}"
    classname = f"{result['api']}.requirements"
    if result["outcome"] == "not tested":
        return TestCase(classname, name, skipped="no request in the window is one it applies to")
    if result["outcome"] == "passed":
        return TestCase(classname, name)
    detail = "\n".join(
        f"{request_line(finding['entry'])}\n  {one_line(finding['problem'])}" for finding in result["findings"]
    )
    detail = f"{result['requests_broken']} of {result['requests_checked']} requests broke it\n{detail}"
    if counted(result, strict):
        message = one_line(result["findings"][0]["problem"])[:200] if result["findings"] else "broken"
        return TestCase(classname, name, failure=Failure(result["level"], message, detail))
    return TestCase(classname, name, system_out=f"WARNING (SHOULD not met)\n{detail}")


def _coverage_case(case: Mapping[str, Any]) -> TestCase:
    name = f"case {case['id']}: {case['title']}"
    classname = f"{case['api']}.cases"
    if case["reached"]:
        forced = " (forced with Prefer: example=)" if case["forced"] else ""
        return TestCase(classname, name, system_out=f"reached{forced} by {request_line(case['first'])}")
    if case["required"]:
        failure = Failure("MISSED", "no request of the window reached this documented case", case["title"])
        return TestCase(classname, name, failure=failure)
    return TestCase(classname, name, skipped="not reached, and not required")


def _of(items: list[Mapping[str, Any]], api: str) -> list[Mapping[str, Any]]:
    return [item for item in items if item["api"] == api]
