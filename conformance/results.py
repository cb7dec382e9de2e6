"""What a run found: findings per requirement, each requirement's outcome, and the verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from conformance.requirements import Level, Requirement
from conformance.transport import Exchange

EXIT_PASSED, EXIT_FAILED, EXIT_NO_VERDICT = 0, 1, 2


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
        self._findings: dict[str, list[Finding]] = {requirement.id: [] for requirement in self.requirements}
        self._not_tested: dict[str, str] = {}
        self._errors: dict[str, str] = {}

    def add(self, finding: Finding) -> None:
        self._findings[finding.requirement].append(finding)

    def merge(self, other: Results) -> None:
        """Take the findings, untested reasons and errors of ``other`` (a run in another process)."""
        for findings in other._findings.values():
            for finding in findings:
                self.add(finding)
        for requirement, reason in other._not_tested.items():
            self.not_tested(requirement, reason)
        for requirement, reason in other._errors.items():
            self.error(requirement, reason)

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
