"""Runs the checks of each API in the profile against the system, within a per-request timeout and a budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

import schemathesis

from conformance import paytronix_checks, valkyrie_checks, vip_checks
from conformance.checks import REGISTRY, ApiContext, Check, SystemDownError, guard
from conformance.generative import requirement_ids, run_generated
from conformance.profile import Profile
from conformance.requirements import BY_ID, REQUIREMENTS, SEED_APIS, UNTESTABLE, Untestable
from conformance.results import RequirementResult, Results, verdict
from conformance.specs import spec_sha256
from conformance.transport import BudgetSpentError, Client

CONTEXTS: dict[str, Callable[..., ApiContext]] = {
    "vip-connect": vip_checks.VipContext,
    "paytronix": paytronix_checks.PaytronixContext,
    "valkyrie": valkyrie_checks.ValkyrieContext,
}


@dataclass(frozen=True)
class Options:
    apis: list[str]
    seed: int
    max_examples: int = 25
    timeout: float = 10.0
    budget: float = 600.0
    strict: bool = False
    # Off only in the suite's own tests of documented cases, where the generated phase adds time and no signal.
    generated: bool = True


@dataclass
class Run:
    """Everything a report needs."""

    profile: Profile
    options: Options
    started: datetime
    duration: float
    results: list[RequirementResult]
    exit_code: int
    spec_hashes: dict[str, str]
    untestable: list[Untestable]
    systems_down: dict[str, str] = field(default_factory=dict)
    tool_version: str = ""
    schemathesis_version: str = schemathesis.__version__


def tool_version() -> str:
    try:
        return metadata.version("balance-sandbox-kit")
    except metadata.PackageNotFoundError:
        return "unknown"


def run(profile: Profile, options: Options, progress: Callable[[str], None] = lambda line: None) -> Run:
    started, clock = datetime.now(UTC), time.monotonic()
    deadline = clock + options.budget
    requirements = [requirement for requirement in REQUIREMENTS if requirement.api in options.apis]
    results = Results(requirements)
    # No request outlives the budget: each one's deadline is cut at its end.
    client = Client(options.timeout, ends_at=deadline)
    systems_down: dict[str, str] = {}
    try:
        for api in options.apis:
            section = profile.section(api)
            assert section is not None
            progress(f"{api}: {section.base_url}")
            context = CONTEXTS[api](section, client, results, options.seed)
            unfinished = _run_cases(api, context, results, deadline, progress)
            if context.down_reason:
                systems_down[api] = context.down_reason
                _leave_without_verdict(api, results, f"no verdict: the system stopped answering: {context.down_reason}")
            elif unfinished or time.monotonic() > deadline:
                spent = f"not run: the budget of {options.budget:g} s was spent"
                progress(f"{api}: the budget of {options.budget:g} s was spent; what did not run has no verdict")
                # A requirement some of whose checks did not run has no verdict, whatever the others found.
                for check in unfinished:
                    results.error(check.requirement, spent)
                _leave_without_verdict(api, results, spent)
            elif not options.generated:
                for requirement_id in requirement_ids(api):
                    results.not_tested(requirement_id, "generated requests were not run")
            else:
                progress(f"{api}: generated requests (schemathesis, seed {options.seed})")
                run_generated(
                    api,
                    section,
                    results,
                    seed=options.seed,
                    max_examples=options.max_examples,
                    timeout=options.timeout,
                    deadline=deadline,
                    progress=lambda line: progress(f"  {line}"),
                )
    finally:
        client.close()
    outcomes = results.all()
    return Run(
        profile=profile,
        options=options,
        started=started,
        duration=time.monotonic() - clock,
        results=outcomes,
        exit_code=verdict(outcomes, strict=options.strict),
        spec_hashes={api: spec_sha256(api) for api in options.apis},
        untestable=[item for item in UNTESTABLE if SEED_APIS[item.seed] in options.apis],
        systems_down=systems_down,
        tool_version=tool_version(),
    )


def _run_cases(
    api: str, context: ApiContext, results: Results, deadline: float, progress: Callable[[str], None]
) -> list[Check]:
    """Run the API's documented-case checks; return those that did not run to their end."""
    checks = [check for check in REGISTRY if check.run is not None and BY_ID[check.requirement].api == api]
    for index, check in enumerate(checks):
        if context.down_reason or time.monotonic() > deadline:
            return checks[index:]
        before = results.outcome(BY_ID[check.requirement]).failures
        assert check.run is not None
        try:
            guard(context, check.requirement, check.run)
        except SystemDownError:
            return checks[index:]
        except BudgetSpentError as spent:
            results.error(check.requirement, f"no verdict: {spent}, before this check could finish")
            progress(f"  {check.requirement:<30} {check.name} ... NO VERDICT: {spent}")
            return checks[index:]
        outcome = results.outcome(BY_ID[check.requirement])
        state = "FAILED" if len(outcome.failures) > len(before) else outcome.outcome.value
        progress(f"  {check.requirement:<30} {check.name} ... {state}")
    return []


def _leave_without_verdict(api: str, results: Results, reason: str) -> None:
    for requirement in REQUIREMENTS:
        if requirement.api == api and not results.has_findings(requirement.id):
            results.error(requirement.id, reason)
    for requirement_id in requirement_ids(api):
        results.error(requirement_id, reason)
