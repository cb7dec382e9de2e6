"""The terminal summary, JSON and JUnit XML reports of a run."""

from __future__ import annotations

import json
from typing import Any

from balancekit.junit import Failure, TestCase, TestSuite
from balancekit.junit import junit_xml as write_junit
from balancekit.requirements import Level
from balancekit.verdicts import VERDICTS
from conformance.evidence import Evidence, clean_data
from conformance.results import Outcome, RequirementResult, Run


def verdict_line(run: Run) -> str:
    failed = [result for result in run.results if result.outcome is Outcome.FAILED]
    must = sum(result.requirement.level is Level.MUST for result in failed)
    should = len(failed) - must
    errors = sum(result.outcome is Outcome.ERROR for result in run.results)
    parts = [f"{must} MUST failed", f"{should} SHOULD {'failed' if run.options.strict else 'warnings'}"]
    if errors:
        parts.append(f"{errors} without a verdict")
    return f"{VERDICTS[run.exit_code]} ({', '.join(parts)}), exit {run.exit_code}"


def never_answered(run: Run, api: str) -> bool:
    """Whether the system of ``api`` stopped answering before any requirement got a verdict."""
    results = [result for result in run.results if result.requirement.api == api]
    return api in run.systems_down and not any(result.findings for result in results)


def heading(run: Run) -> str:
    """The first line of a run's summary: the profile, the seed, when and how long."""
    return (
        f"Conformance run of {run.profile.path} (sha256 {run.profile.sha256[:12]}), seed {run.options.seed}, "
        f"{run.started:%Y-%m-%d %H:%M:%S} UTC, {run.duration:.1f} s"
    )


def text_summary(run: Run) -> str:
    evidence = Evidence(run)
    lines = [heading(run)]
    for api in run.options.apis:
        section = run.profile.section(api)
        results = [result for result in run.results if result.requirement.api == api]
        lines.append(f"\n{api}  {section.base_url if section else ''}")
        if never_answered(run, api):
            # One line says it all; a line per requirement would repeat it.
            lines.append(
                f"  no verdict for any of its {len(results)} requirements, the system stopped answering: "
                f"{run.systems_down[api]}"
            )
            continue
        if api in run.systems_down:
            lines.append(f"  no verdict, the system stopped answering: {run.systems_down[api]}")
        for result in results:
            reason = f"  ({result.reason})" if result.reason and result.outcome is not Outcome.PASSED else ""
            lines.append(
                f"  {result.requirement.level.value:<6} {result.outcome.value:<10} {result.requirement.id:<30} "
                f"{result.requirement.title[:70]}{reason}"
            )
    failed = [result for result in run.results if result.outcome is Outcome.FAILED]
    if failed:
        lines.append("\nFailures")
        for result in failed:
            lines.extend(failure_lines(result, evidence))
        lines.append("")
        lines.extend(evidence.how_to_run())
    lines.append(f"\n{len(run.untestable)} seed statements cannot be tested over HTTP; the reports list them.")
    lines.append(f"Verdict: {verdict_line(run)}")
    return evidence.clean("\n".join(lines))


def failure_lines(result: RequirementResult, evidence: Evidence) -> list[str]:
    requirement = result.requirement
    label = evidence.source_label(requirement.source)
    lines = [f"\n{requirement.id} ({requirement.level.value}, {label}): {requirement.title}"]
    for finding in result.failures:
        lines.append(f"  Check:      {finding.check}")
        request = evidence.request(finding)
        if request:
            lines.append("  Request:    " + request.replace("\n", "\n" + " " * 14))
        lines.append(f"  Received:   {finding.received}")
        lines.append(f"  Documented: {finding.documented}")
    return lines


def failure_text(result: RequirementResult, evidence: Evidence) -> str:
    """A failed requirement as the terminal summary shows it, cleaned: what failed, each request, received and
    documented."""
    return evidence.clean("\n".join(failure_lines(result, evidence)).strip())


def as_json(run: Run) -> dict[str, Any]:
    evidence = Evidence(run)
    return clean_data(_json_data(run, evidence), evidence)


def _json_data(run: Run, evidence: Evidence) -> dict[str, Any]:
    return {
        "tool": {
            "name": "balance-sandbox-kit conformance",
            "version": run.tool_version,
            "schemathesis": run.schemathesis_version,
        },
        "profile": {"path": run.profile.path, "sha256": run.profile.sha256},
        "specs": run.spec_hashes,
        "seed": run.options.seed,
        "options": {
            "apis": run.options.apis,
            "max_examples": run.options.max_examples,
            "timeout": run.options.timeout,
            "budget": run.options.budget,
            "strict": run.options.strict,
        },
        "started": run.started.isoformat(),
        "duration_seconds": round(run.duration, 3),
        "verdict": {"exit_code": run.exit_code, "label": VERDICTS[run.exit_code], "summary": verdict_line(run)},
        "systems": {
            api: {
                "base_url": getattr(run.profile.section(api), "base_url", ""),
                "stopped_answering": run.systems_down.get(api),
            }
            for api in run.options.apis
        },
        "requirements": [
            {
                "id": result.requirement.id,
                "api": result.requirement.api,
                "level": result.requirement.level.value,
                "title": result.requirement.title,
                "source": result.requirement.source,
                "checks": evidence.checks_of(result.requirement.id),
                "outcome": result.outcome.value,
                "reason": result.reason,
                "findings": [
                    {
                        "check": finding.check,
                        "passed": finding.passed,
                        "documented": finding.documented,
                        "received": finding.received,
                        "request": evidence.request(finding),
                    }
                    for finding in result.findings
                ],
            }
            for result in run.results
        ],
        "untestable": [{"seed": item.seed, "statement": item.quote, "reason": item.reason} for item in run.untestable],
        "variables": [{"name": variable.name, "profile_key": variable.key} for variable in evidence.variables],
        "how_to_run_requests": "\n".join(evidence.how_to_run()),
    }


def junit_xml(run: Run) -> bytes:
    """One testsuite per API, one testcase per requirement. A SHOULD failure is a failure only with --strict;
    otherwise the testcase passes and carries the warning in system-out."""
    evidence = Evidence(run)
    clean = evidence.clean
    # How to run the requests of the failures: which variable stands for which profile key (names only).
    properties = [(f"variable {variable.name}", variable.key) for variable in evidence.variables]
    suites = []
    for api in run.options.apis:
        cases = []
        for result in (result for result in run.results if result.requirement.api == api):
            requirement = result.requirement
            name = f"{requirement.id}: {requirement.title}"
            detail = failure_text(result, evidence)
            if result.outcome is Outcome.FAILED and (requirement.level is Level.MUST or run.options.strict):
                failure = Failure(requirement.level.value, clean(result.failures[0].received[:200]), detail)
                cases.append(TestCase(api, name, failure=failure))
            elif result.outcome is Outcome.FAILED:
                cases.append(TestCase(api, name, system_out=f"WARNING (SHOULD not met)\n{detail}"))
            elif result.outcome is Outcome.ERROR:
                cases.append(TestCase(api, name, error=clean(result.reason)))
            elif result.outcome is Outcome.NOT_TESTED:
                cases.append(TestCase(api, name, skipped=clean(result.reason)))
            else:
                cases.append(TestCase(api, name))
        suites.append(TestSuite(api, cases, properties))
    return write_junit("conformance", suites, time=run.duration)


def json_bytes(run: Run) -> bytes:
    return json.dumps(as_json(run), indent=2).encode()
