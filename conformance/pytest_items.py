"""The certification's pytest nodes: a collector of the profile's requirements, and an item per requirement."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest

from balancekit.requirements import Requirement
from conformance.errors import NoVerdictError


class Judgement(Enum):
    """What a requirement's outcome is to pytest."""

    PASSED = "passed"
    FAILED = "failed"  # a MUST not met, or a SHOULD with --conformance-strict: the test fails
    WARNING = "warning"  # a SHOULD not met without --conformance-strict: xfail
    NOT_TESTED = "not tested"  # skipped
    NO_VERDICT = "no verdict"  # an error at setup


@dataclass(frozen=True)
class Verdict:
    judgement: Judgement
    text: str = ""  # the failure, the warning or the reason, already cleaned of secrets


class RequirementNotMetError(Exception):
    """The system does not meet a requirement; the message is what `conformance run` prints for it."""


class CertificationCollector(pytest.Collector):
    """Collects one item per requirement of the APIs to certify, or a collection error naming why there are none."""

    def __init__(self, *, requirements: Callable[[], Sequence[Requirement]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._requirements = requirements

    def collect(self) -> Iterator[RequirementItem]:
        try:
            requirements = self._requirements()
        except NoVerdictError as problem:
            # Shown as it stands (no traceback): the file, the key, what was expected and what was found.
            raise self.CollectError(f"conformance: no verdict: {problem}") from None
        for requirement in requirements:
            yield RequirementItem.from_parent(self, name=requirement.id, requirement=requirement)


class RequirementItem(pytest.Item):
    """One requirement: passes, fails, xfails, skips or errors as the session's run judged it (:meth:`judge`)."""

    def __init__(self, *, requirement: Requirement, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requirement = requirement
        self.verdict: Verdict | None = None
        for marker in ("conformance", requirement.level.value.lower(), requirement.api):
            self.add_marker(marker)

    def judge(self, verdict: Verdict) -> None:
        """Take the run's verdict on this requirement; called before the item is set up."""
        self.verdict = verdict
        if verdict.judgement is Judgement.NOT_TESTED:
            # A mark, not pytest.skip(): pytest then reports the skip at the item's location (the profile), not at a
            # line of this module.
            self.add_marker(pytest.mark.skip(reason=verdict.text))

    def setup(self) -> None:
        if self.verdict is None:
            pytest.fail("no verdict: the certification did not run", pytrace=False)
        if self.verdict.judgement is Judgement.NO_VERDICT:
            # Raised at setup, so pytest reports an error, not a failure: as `conformance run` tells them apart.
            pytest.fail(self.verdict.text, pytrace=False)

    def runtest(self) -> None:
        assert self.verdict is not None
        if self.verdict.judgement is Judgement.FAILED:
            raise RequirementNotMetError(self.verdict.text)
        if self.verdict.judgement is Judgement.WARNING:
            pytest.xfail(self.verdict.text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RequirementNotMetError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, self.requirement.id
