"""Generated requests: schemathesis over an API's spec with the profile's credentials and test data, in a bounded
child process; each schemathesis check verifies one requirement (``<PREFIX>-GEN-*``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import from_schema

from balancekit.clock import Clock
from conformance.api import ConformanceApi, Section
from conformance.bounded_urllib3 import bounded
from conformance.generated.child import run_in_child
from conformance.generated.config import schemathesis_config, spec_with_examples
from conformance.generated.findings import Collected, collect, conclude
from conformance.generated.requirements import requirement_ids
from conformance.generated.rules import Judge
from conformance.options import Options
from conformance.results import Item, NoVerdict


@dataclass(frozen=True)
class _Payload:
    """Everything the child needs, as plain data."""

    config: dict[str, Any]
    spec: dict[str, Any]
    judge: Judge
    requirement_ids: list[str]
    timeout: float


def run_generated(
    api: ConformanceApi,
    section: Section,
    options: Options,
    *,
    budget_left: float,
    clock: Clock,
    progress: Callable[[str], None],
) -> list[Item]:
    """schemathesis over ``api``: a finding per failure, and a passing one per requirement that held.

    schemathesis runs in a child process, whose requests keep the suite's bounds (``bounded_urllib3``: a deadline
    from connect to last byte, cut at the budget's end, and the body cap) and whose memory is capped besides. It
    stops itself at the budget's end, and is killed if it has not shortly after.
    """
    ids = requirement_ids(api)
    spec = spec_with_examples(api, section)
    config = schemathesis_config(api, section, options, budget_left=budget_left, clock=clock)
    payload = _Payload(config, spec, Judge.of(api, spec), ids, options.timeout)
    collected, problem = run_in_child(_schemathesis, payload, budget_left)
    if problem:
        progress(f"generated requests stopped: {problem}")
        return [NoVerdict(requirement, f"no verdict: {problem}") for requirement in ids]
    assert isinstance(collected, Collected)
    passed, failed = sum(collected.passed.values()), sum(collected.failed.values())
    progress(f"{passed} checks of generated requests passed, {failed} failed")
    if collected.stopped:
        progress(collected.stopped)
    return conclude(collected, ids)


def _schemathesis(payload: _Payload, deadline: float) -> Collected:
    """In the child: schemathesis's engine over the spec, its requests bounded like the suite's own."""
    schema = schemathesis.openapi.from_dict(payload.spec, config=SchemathesisConfig.from_dict(payload.config))
    with bounded(payload.timeout, deadline):
        return collect(from_schema(schema).execute(), payload.judge, payload.requirement_ids, deadline)
