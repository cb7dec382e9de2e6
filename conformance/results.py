"""What a run found: findings per requirement, each requirement's outcome, the verdict and the run itself.

The runner fills these; the reports read them and nothing else of the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from balancekit.requirements import Level, Requirement, Untestable
from balancekit.verdicts import EXIT_FAILED, EXIT_NO_VERDICT, EXIT_PASSED, distribution_version
from conformance.options import Options
from conformance.transport import Exchange

if TYPE_CHECKING:
    from conformance.catalogue import Catalogue
    from conformance.profile import Profile


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_TESTED = "not tested"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One check's observation about one requirement."""

    requirement: str
    check: str
    passed: bool
    documented: str
    received: str = ""
    exchange: Exchange | None = None
    curl: str = ""  # for findings whose request is not an Exchange (generated requests): the command as sent


@dataclass(frozen=True)
class NotTested:
    """A check could not test ``requirement``: the profile lacks what it needs, say."""

    requirement: str
    reason: str


@dataclass(frozen=True)
class NoVerdict:
    """What a check or the generated requests were for has no verdict: they could not run to their end."""

    requirement: str
    reason: str


# What a check yields.
Item = Finding | NotTested | NoVerdict


@dataclass
class RequirementResult:
    requirement: Requirement
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""

    @property
    def failures(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.passed]


class Results:
    """Collects findings, untested requirements and errors for the requirements of a run."""

    def __init__(self, requirements: Iterable[Requirement]) -> None:
        self.requirements = list(requirements)
        self._by_id = {requirement.id: requirement for requirement in self.requirements}
        self._findings: dict[str, list[Finding]] = {requirement.id: [] for requirement in self.requirements}
        self._not_tested: dict[str, str] = {}
        self._errors: dict[str, str] = {}

    def record(self, item: Item) -> None:
        if isinstance(item, Finding):
            self.add(item)
        elif isinstance(item, NotTested):
            self.not_tested(item.requirement, item.reason)
        else:
            self.error(item.requirement, item.reason)

    def requirement(self, requirement_id: str) -> Requirement:
        return self._by_id[requirement_id]

    def add(self, finding: Finding) -> None:
        self._findings[finding.requirement].append(finding)

    def has_findings(self, requirement: str) -> bool:
        return bool(self._findings[requirement])

    def not_tested(self, requirement: str, reason: str) -> None:
        self._not_tested.setdefault(requirement, reason)

    def error(self, requirement: str, reason: str) -> None:
        self._errors.setdefault(requirement, reason)

    def outcome(self, requirement: Requirement) -> RequirementResult:
        findings = self._findings[requirement.id]
        if any(not finding.passed for finding in findings):
            return RequirementResult(requirement, Outcome.FAILED, findings)
        if requirement.id in self._errors:
            return RequirementResult(requirement, Outcome.ERROR, findings, self._errors[requirement.id])
        if findings:
            return RequirementResult(requirement, Outcome.PASSED, findings)
        reason = self._not_tested.get(requirement.id, "no check reached this requirement")
        return RequirementResult(requirement, Outcome.NOT_TESTED, findings, reason)

    def all(self) -> list[RequirementResult]:
        return [self.outcome(requirement) for requirement in self.requirements]


def verdict(results: list[RequirementResult], *, strict: bool) -> int:
    """0 when every MUST holds (and every SHOULD with ``strict``); 1 when one fails; 2 when one has no verdict."""
    failed = [result for result in results if result.outcome is Outcome.FAILED]
    if any(result.requirement.level is Level.MUST or strict for result in failed):
        return EXIT_FAILED
    if any(result.outcome is Outcome.ERROR for result in results):
        return EXIT_NO_VERDICT
    return EXIT_PASSED


@dataclass
class Run:
    """Everything a report needs: the profile and options, what each requirement came to, the catalogue it was
    judged by (titles of the seeds, the checks of each requirement) and what makes the run reproducible."""

    profile: Profile
    options: Options
    catalogue: Catalogue
    started: datetime
    duration: float
    results: list[RequirementResult]
    exit_code: int
    spec_hashes: dict[str, str]
    untestable: list[Untestable]
    systems_down: dict[str, str] = field(default_factory=dict)
    tool_version: str = field(default_factory=lambda: distribution_version("balance-sandbox-kit"))
    schemathesis_version: str = field(default_factory=lambda: distribution_version("schemathesis"))
