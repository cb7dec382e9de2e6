"""Runs the checks of each API in the profile against the system, within a per-request timeout and a budget."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx

from balancekit.clock import Clock, wall_clock
from balancekit.specs import spec_sha256
from conformance.api import Check, ConformanceApi
from conformance.apis import APIS
from conformance.catalogue import Catalogue
from conformance.context import ApiContext, SystemDownError
from conformance.generated import run_generated
from conformance.generated.requirements import requirement_ids
from conformance.options import Options
from conformance.profile import Profile
from conformance.results import Results, Run, verdict
from conformance.transport import BudgetSpentError, Client, TransportError

Progress = Callable[[str], None]


def run(
    profile: Profile,
    options: Options,
    progress: Progress = lambda line: None,
    *,
    apis: Sequence[ConformanceApi] = APIS,
    transport: httpx.BaseTransport | None = None,
    clock: Clock = wall_clock,
) -> Run:
    """Certify the system of ``profile`` for ``options.apis`` of ``apis``. ``transport`` replaces the network of the
    suite's own requests (tests); ``clock`` gives the time that minted tokens and expiry windows start from."""
    started, began = datetime.now(UTC), time.monotonic()
    deadline = began + options.budget
    catalogue = Catalogue(apis)
    results = Results(requirement for requirement in catalogue.requirements if requirement.api in options.apis)
    # No request outlives the budget: each one's deadline is cut at its end.
    client = Client(options.timeout, ends_at=deadline, transport=transport)
    systems_down: dict[str, str] = {}
    try:
        for name in options.apis:
            api, section = catalogue.api(name), profile.section(name)
            assert section is not None
            progress(f"{name}: {section.base_url}")
            context = api.new_context(section, client, options.seed, clock)
            unfinished = _run_checks(api, context, results, deadline, progress)
            if context.down_reason:
                systems_down[name] = context.down_reason
                reason = f"no verdict: the system stopped answering: {context.down_reason}"
                _leave_without_verdict(api, catalogue, results, reason)
            elif unfinished or time.monotonic() > deadline:
                spent = f"not run: the budget of {options.budget:g} s was spent"
                progress(f"{name}: the budget of {options.budget:g} s was spent; what did not run has no verdict")
                # A requirement some of whose checks did not run has no verdict, whatever the others found.
                for check in unfinished:
                    results.error(check.requirement, spent)
                _leave_without_verdict(api, catalogue, results, spent)
            elif not options.generated:
                for requirement_id in requirement_ids(api):
                    results.not_tested(requirement_id, "generated requests were not run")
            else:
                progress(f"{name}: generated requests (schemathesis, seed {options.seed})")
                for item in run_generated(
                    api,
                    section,
                    options,
                    budget_left=deadline - time.monotonic(),
                    clock=clock,
                    progress=lambda line: progress(f"  {line}"),
                ):
                    results.record(item)
    finally:
        client.close()
    outcomes = results.all()
    return Run(
        profile=profile,
        options=options,
        catalogue=catalogue,
        started=started,
        duration=time.monotonic() - began,
        results=outcomes,
        exit_code=verdict(outcomes, strict=options.strict),
        spec_hashes={name: spec_sha256(catalogue.api(name).spec_path) for name in options.apis},
        untestable=[item for api in catalogue.apis if api.name in options.apis for item in api.untestable],
        systems_down=systems_down,
    )


def _run_checks(
    api: ConformanceApi, context: ApiContext, results: Results, deadline: float, progress: Progress
) -> list[Check]:
    """Run the API's documented-case checks, recording what each yields; return those that did not run to their
    end."""
    checks = [check for check in api.checks if check.run is not None]
    for index, check in enumerate(checks):
        if context.down_reason or time.monotonic() > deadline:
            return checks[index:]
        requirement = results.requirement(check.requirement)
        before = len(results.outcome(requirement).failures)
        assert check.run is not None
        try:
            for item in check.run(context):
                results.record(item)
        except SystemDownError:
            return checks[index:]
        except TransportError as problem:
            # A transport problem leaves the check's requirement without a verdict instead of ending the run.
            results.error(check.requirement, f"no verdict: {problem}")
        except BudgetSpentError as spent:
            results.error(check.requirement, f"no verdict: {spent}, before this check could finish")
            progress(f"  {check.requirement:<30} {check.name} ... NO VERDICT: {spent}")
            return checks[index:]
        outcome = results.outcome(requirement)
        state = "FAILED" if len(outcome.failures) > before else outcome.outcome.value
        progress(f"  {check.requirement:<30} {check.name} ... {state}")
    return []


def _leave_without_verdict(api: ConformanceApi, catalogue: Catalogue, results: Results, reason: str) -> None:
    for requirement in catalogue.requirements:
        if requirement.api == api.name and not results.has_findings(requirement.id):
            results.error(requirement.id, reason)
    for requirement_id in requirement_ids(api):
        results.error(requirement_id, reason)
