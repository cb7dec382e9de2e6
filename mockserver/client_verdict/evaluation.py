"""The client verdict of a window of the journal: each client requirement judged on every request it applies to, each
documented case reached or missed, one JSON document every report is written from (admin spec ``ClientReport``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from balancekit.requirements import Level
from balancekit.verdicts import EXIT_FAILED, EXIT_NO_VERDICT, EXIT_PASSED, VERDICTS, distribution_version
from mockserver.api import MockApi
from mockserver.client_verdict.catalogue import ClientRequirement, DocumentedCase, Entry, answered_by_fault
from mockserver.client_verdict.selection import Selection

# Requests shown per broken requirement: the first ones, with the count of all. A client that breaks a requirement on
# every request would otherwise make a report as large as the journal.
MAX_FINDINGS = 20
PASSED, FAILED, NOT_TESTED = "passed", "failed", "not tested"


def evaluate(
    entries: Sequence[Entry],
    apis: Sequence[MockApi],
    selection: Selection,
    *,
    generated: str,
    journal: Mapping[str, int],
) -> dict[str, Any]:
    """The report of ``entries`` (the journal's, in arrival order, already filtered by the window), ``apis`` being
    those the sandbox serves; ``generated`` is the report's time, ``journal`` the journal's fill."""
    by_api: dict[str, list[Entry]] = {api.name: [] for api in apis}
    for entry in entries:
        if entry.get("api") in by_api:
            by_api[str(entry["api"])].append(entry)
    reported = [api for api in apis if _reported(api, selection, by_api[api.name])]
    requirements = [
        _judged(requirement, by_api[api.name]) for api in reported for requirement in api.client_requirements
    ]
    cases = [
        _coverage(api.name, case, by_api[api.name], case.name in required)
        for api in reported
        for required in [selection.required(api)]
        for case in api.documented_cases
    ]
    requests = sum(len(by_api[api.name]) for api in reported)
    return {
        "tool": {
            "name": "balance-sandbox-kit mockserver report",
            "version": distribution_version("balance-sandbox-kit"),
        },
        "generated": generated,
        "selection": {
            "apis": [api.name for api in reported],
            "since": selection.since,
            "until": selection.until,
            "correlation_prefix": selection.correlation_prefix,
            "require": selection.require,
            "strict": selection.strict,
        },
        "journal": dict(journal),
        "requests": requests,
        "apis": [
            {
                "name": api.name,
                "requests": len(by_api[api.name]),
                "nonconforming": sum(entry.get("conformed") is False for entry in by_api[api.name]),
            }
            for api in reported
        ],
        "verdict": _verdict(requests, requirements, cases, strict=selection.strict),
        "requirements": requirements,
        "cases": cases,
    }


def _reported(api: MockApi, selection: Selection, entries: list[Entry]) -> bool:
    if selection.apis:
        return api.name in selection.apis
    # Without --api: the APIs the client used, and any whose case the report is told to require.
    return bool(entries) or any(named.startswith(f"{api.name}:") for named in selection.named_cases())


def _judged(client_requirement: ClientRequirement, entries: list[Entry]) -> dict[str, Any]:
    requirement = client_requirement.requirement
    checked = broken = 0
    findings: list[dict[str, Any]] = []
    for entry in entries:
        problems = client_requirement.check(entry)
        if problems is None:
            continue
        checked += 1
        if problems:
            broken += 1
            if len(findings) < MAX_FINDINGS:
                findings.append({"problem": "; ".join(problems), "entry": dict(entry)})
    return {
        "id": requirement.id,
        "api": requirement.api,
        "level": requirement.level.value,
        "title": requirement.title,
        "source": requirement.source,
        "outcome": FAILED if broken else PASSED if checked else NOT_TESTED,
        "requests_checked": checked,
        "requests_broken": broken,
        "findings": findings,
    }


def _coverage(api: str, case: DocumentedCase, entries: list[Entry], required: bool) -> dict[str, Any]:
    # Reached: the client got an answer that is the case; a fault that replaced the answer hid it.
    reaching = [
        entry
        for entry in entries
        if entry.get("documented_case") == case.name
        and entry.get("status") is not None
        and not answered_by_fault(entry)
    ]
    # A case forced with `Prefer: example=` counts; it is marked forced unless a request also reached it unforced.
    unforced = [entry for entry in reaching if not entry.get("forced")]
    shown = unforced or reaching
    first = shown[0] if shown else None
    return {
        "id": f"{api}:{case.name}",
        "api": api,
        "name": case.name,
        "title": case.title,
        "required": required,
        "reached": bool(reaching),
        "forced": bool(reaching) and not unforced,
        "requests": len(reaching),
        "first": dict(first) if first is not None else None,
    }


def _verdict(
    requests: int, requirements: list[dict[str, Any]], cases: list[dict[str, Any]], *, strict: bool
) -> dict[str, Any]:
    failed = [result for result in requirements if result["outcome"] == FAILED]
    must = sum(result["level"] == Level.MUST.value for result in failed)
    should = len(failed) - must
    required = [case for case in cases if case["required"]]
    missed = sum(not case["reached"] for case in required)
    if not requests:
        code, summary = EXIT_NO_VERDICT, "no request of the selected APIs in the window"
    else:
        fails = must or missed or (strict and should)
        code = EXIT_FAILED if fails else EXIT_PASSED
        summary = (
            f"{must} MUST broken, {should} SHOULD {'broken' if strict else 'warnings'}, "
            f"{len(required) - missed} of {len(required)} required cases reached"
        )
    return {
        "exit_code": code,
        "label": VERDICTS[code],
        "summary": f"{VERDICTS[code]} ({summary}), exit {code}",
        "must_broken": must,
        "should_broken": should,
        "required_cases": len(required),
        "required_cases_missed": missed,
    }
