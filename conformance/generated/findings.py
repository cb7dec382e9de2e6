"""schemathesis's results as findings: the engine's events consumed in the child, then concluded in the parent.

Each failing check result is a finding of the requirement it speaks for (conformance.generated.rules), the first
few per requirement in full; every passing result is counted. A requirement whose checks all passed gets one passing
finding; one no generated request exercised is not tested; a run cut short by the budget leaves no verdict.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schemathesis.engine import events

from balancekit.safe_text import one_line
from conformance.generated.rules import Judge
from conformance.results import Finding, Item, NotTested, NoVerdict

# At most this many failures are kept per requirement; the rest are counted.
KEPT_FAILURES = 3


@dataclass
class Collected:
    """What the child found: failures and errors as items, passing and failing results counted per requirement."""

    items: list[Item] = field(default_factory=list)
    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    stopped: str = ""  # why the run stopped before its end, if it did


def collect(stream: Any, judge: Judge, requirement_ids: Iterable[str], deadline: float) -> Collected:
    """Consume the engine's events (``stream`` has ``stop()``): count passing checks, keep the first failures, stop
    at the deadline (time.monotonic)."""
    collected = Collected()
    ids = list(requirement_ids)
    for event in stream:
        if time.monotonic() > deadline and not collected.stopped:
            collected.stopped = "no verdict: the overall budget ran out during the generated requests"
            stream.stop()
        if isinstance(event, events.ScenarioFinished):
            _scenario(event, judge, collected)
        elif isinstance(event, (events.NonFatalError, events.FatalError)) and not collected.stopped:
            # After the budget's end every request fails at once: those errors say nothing about the system.
            reason = f"schemathesis could not run: {_error_text(event)}"
            collected.items += [NoVerdict(requirement, reason) for requirement in ids]
    return collected


def _scenario(event: Any, judge: Judge, collected: Collected) -> None:
    for case_id, checks in event.recorder.checks.items():
        interaction = event.recorder.interactions.get(case_id)
        response = getattr(interaction, "response", None)
        method = str(getattr(getattr(interaction, "request", None), "method", ""))
        status = getattr(response, "status_code", None)
        for check in checks:
            judged = judge.judge(check.name, method, status, check.failure_info is not None)
            if judged is None:
                continue
            requirement, failed = judged
            if not failed:
                collected.passed[requirement] += 1
                continue
            collected.failed[requirement] += 1
            if collected.failed[requirement] <= KEPT_FAILURES:
                collected.items.append(_failure(requirement, check.name, check.failure_info, interaction))


def _failure(requirement: str, check: str, info: Any, interaction: Any) -> Finding:
    response = getattr(interaction, "response", None) if interaction is not None else None
    received = f"{response.status_code}: " if response is not None else ""
    # What schemathesis says quotes the answer: it is made safe like any other text a system sent.
    received += one_line(" ".join(str(info.failure.message).split())[:500])
    return Finding(
        requirement,
        f"{check}: {info.failure.title}",
        False,
        f"schemathesis {check} holds",
        received,
        curl=info.code_sample,
    )


def _error_text(event: Any) -> str:
    value = getattr(event, "value", None) or getattr(event, "exception", None) or event
    return " ".join(str(value).split())[:300]


def conclude(collected: Collected, requirement_ids: Iterable[str]) -> list[Item]:
    """The child's items, then per requirement: the failures not shown, a passing finding, or why there is none."""
    items = list(collected.items)
    for requirement in requirement_ids:
        failed = collected.failed[requirement]
        if failed > KEPT_FAILURES:
            more = f"{failed - KEPT_FAILURES} more failures of this kind not shown"
            items.append(Finding(requirement, "generated requests", False, "no failure", more))
        if failed:
            continue
        if collected.stopped:
            # Cut short, the generated requests have not shown that a requirement holds, whatever passed so far.
            items.append(NoVerdict(requirement, collected.stopped))
        elif collected.passed[requirement]:
            checks = f"{collected.passed[requirement]} checks of generated requests"
            items.append(Finding(requirement, checks, True, "no failure"))
        else:
            items.append(NotTested(requirement, "no generated request exercised this check"))
    return items
