"""Generated requests: schemathesis over each spec, with the profile's credentials and test data as examples.

Each schemathesis check verifies one requirement (``<API>-GEN-*``). The profile's identities replace the spec's
examples, so the examples phase reaches the system's real success paths; the coverage and fuzzing phases then
send positive and negative variations. A correct server gets no failure: statuses a spec documents for valid
input (a closed account's 400, an unknown provider's 400) are accepted for valid input.
"""

from __future__ import annotations

import copy
import multiprocessing
import resource
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from conformance.bounded_urllib3 import bounded
from conformance.generated_rules import judge, requirement_ids
from conformance.profile import PaytronixProfile, ValkyrieProfile, VipProfile
from conformance.requirements import BY_ID
from conformance.results import Finding, Results
from conformance.safe_text import one_line
from conformance.specs import load_spec
from conformance.vip_checks import operator_token

# schemathesis's defaults for valid input, plus 400: each spec documents a 400 that valid input can meet.
ACCEPTED_VALID = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
# Paytronix answers what it cannot use with HTTP 200 and result failure; that is a rejection too.
PAYTRONIX_REJECTIONS = ["200", "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429"]
# At most this many failures are kept per requirement; the rest are counted.
KEPT_FAILURES = 3
# The generated requests run in a child process whose address space is capped.
CHILD_MEMORY_BYTES = 2 << 30
# Past the budget's end the child's requests fail at once and it stops itself; past this too, it is killed.
CHILD_WIND_DOWN_SECONDS = 10.0

Section = VipProfile | PaytronixProfile | ValkyrieProfile


def run_generated(
    api: str,
    section: Section,
    results: Results,
    *,
    seed: int,
    max_examples: int,
    timeout: float,
    deadline: float,
    progress: Callable[[str], None],
) -> None:
    """Run schemathesis over ``api`` and record a finding per failure, and a passing one per clean requirement.

    schemathesis runs in a child process, whose requests keep the suite's bounds (``bounded_urllib3``: a deadline
    from connect to last byte, cut at the budget's end, and the body cap) and whose memory is capped besides. It
    stops itself at the budget's end, and is killed if it has not shortly after.
    """
    outcome = _run_in_child(api, section, seed, max_examples, timeout, deadline - time.monotonic())
    if isinstance(outcome, str):
        for requirement in requirement_ids(api):
            results.error(requirement, f"no verdict: {outcome}")
        progress(f"generated requests stopped: {outcome}")
        return
    found, passed, kept, stopped = outcome
    results.merge(found)
    for requirement in requirement_ids(api):
        if kept[requirement] > KEPT_FAILURES:
            more = f"{kept[requirement] - KEPT_FAILURES} more failures of this kind not shown"
            results.add(Finding(requirement, "generated requests", False, "no failure", more))
        if kept[requirement]:
            continue
        if stopped:
            # Cut short, the generated requests have not shown that a requirement holds, whatever passed so far.
            results.error(requirement, stopped)
        elif passed[requirement]:
            results.add(Finding(requirement, f"{passed[requirement]} checks of generated requests", True, "no failure"))
        else:
            results.not_tested(requirement, "no generated request exercised this check")
    progress(f"{sum(passed.values())} checks of generated requests passed, {sum(kept.values())} failed")
    if stopped:
        progress(stopped)


ChildOutcome = tuple[Results, Counter[str], Counter[str], str]


def _run_in_child(api: str, section: Section, seed: int, max_examples: int, timeout: float,
                  budget: float) -> ChildOutcome | str:  # fmt: skip
    """The child's outcome, or why there is none."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    # The child's start-up counts against the budget: it gets the deadline on the wall clock both processes share.
    ends_at = time.time() + budget
    child = context.Process(target=_child_main, args=(api, section, seed, max_examples, timeout, ends_at, sender),
                            daemon=True)  # fmt: skip
    child.start()
    sender.close()
    try:
        # The child stops itself at the deadline, which its requests keep too: it needs only time to wind down.
        if not receiver.poll(max(budget, 0) + CHILD_WIND_DOWN_SECONDS):
            return "the generated requests did not finish within the budget"
        outcome: ChildOutcome | str = receiver.recv()
        return outcome
    except EOFError:
        child.join(5)
        return f"schemathesis stopped without a result (exit code {child.exitcode}), for instance out of memory"
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()


def _child_main(api: str, section: Section, seed: int, max_examples: int, timeout: float, ends_at: float,
                sender: Any) -> None:  # fmt: skip
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    deadline = time.monotonic() + (ends_at - time.time())
    found = Results([BY_ID[requirement] for requirement in requirement_ids(api)])
    try:
        config = SchemathesisConfig.from_dict(_config(api, section, seed, max_examples, timeout, deadline))
        schema = schemathesis.openapi.from_dict(_spec_with_examples(api, section), config=config)
        with bounded(timeout, deadline):
            passed, kept, stopped = _collect(api, from_schema(schema).execute(), found, deadline)
        sender.send((found, passed, kept, stopped))
    except MemoryError:
        sender.send(f"schemathesis ran out of its {CHILD_MEMORY_BYTES >> 30} GiB of memory reading an answer")
    except Exception as exc:  # the parent reports it; a traceback would only clutter the run's output
        sender.send(f"schemathesis failed: {type(exc).__name__}: {exc}")
    finally:
        sender.close()


def _collect(api: str, stream: Any, results: Results, deadline: float) -> tuple[Counter[str], Counter[str], str]:
    """Consume the engine's events: count passing checks, keep the first failures, stop at the deadline."""
    passed: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    stopped = ""
    for event in stream:
        if time.monotonic() > deadline and not stopped:
            stopped = "no verdict: the overall budget ran out during the generated requests"
            stream.stop()
        if isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                interaction = event.recorder.interactions.get(case_id)
                response = getattr(interaction, "response", None)
                method = str(getattr(getattr(interaction, "request", None), "method", ""))
                status = getattr(response, "status_code", None)
                for check in checks:
                    judged = judge(api, check.name, method, status, check.failure_info is not None)
                    if judged is None:
                        continue
                    requirement, failed = judged
                    if not failed:
                        passed[requirement] += 1
                        continue
                    kept[requirement] += 1
                    if kept[requirement] <= KEPT_FAILURES:
                        results.add(_failure(requirement, check.name, check.failure_info, interaction))
        elif isinstance(event, (events.NonFatalError, events.FatalError)) and not stopped:
            # After the budget's end every request fails at once: those errors say nothing about the system.
            for requirement in requirement_ids(api):
                results.error(requirement, f"schemathesis could not run: {_error_text(event)}")
    return passed, kept, stopped


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


def _config(
    api: str, section: Section, seed: int, max_examples: int, timeout: float, deadline: float
) -> dict[str, Any]:
    checks: dict[str, Any] = {"positive_data_acceptance": {"expected-statuses": ACCEPTED_VALID}}
    if api == "paytronix":
        checks["negative_data_rejection"] = {"expected-statuses": PAYTRONIX_REJECTIONS}
    return {
        "seed": seed,
        "base-url": section.base_url,
        "request-timeout": timeout,
        "suppress-health-check": ["all"],
        # A check failing on a legitimate answer (a 501 to a method the API does not declare, judged afterwards
        # by conformance.generated_rules) must not stop the operation's other requests.
        "continue-on-failure": True,
        # Code samples keep their real values: the suite's own redaction names every secret of the profile (and
        # a value schemathesis would mask, "[Filtered]", makes a request nobody can run).
        "output": {"sanitization": {"enabled": False}},
        "generation": {"mode": "all", "max-examples": max_examples, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "checks": checks,
        "auth": {"openapi": _auth(api, section, deadline)},
    }


def _auth(api: str, section: Section, deadline: float) -> dict[str, Any]:
    if isinstance(section, VipProfile):
        # Valid for the whole run: the generated requests may be the last thing the budget allows.
        token = operator_token(section, lifetime=int(deadline - time.monotonic()) + 600)
        return {"operatorJwt": {"bearer": token}}
    if isinstance(section, PaytronixProfile):
        return {"clientCredentials": {"username": section.client_id, "password": section.client_secret}}
    return {"pamApiToken": {"bearer": section.api_token}}


def _spec_with_examples(api: str, section: Section) -> dict[str, Any]:
    """The spec with its request examples replaced by the profile's identities."""
    spec = copy.deepcopy(load_spec(api))
    if isinstance(section, VipProfile):
        body = spec["paths"]["/api/patronsession/accountlookup"]["post"]["requestBody"]["content"]["application/json"]
        body["examples"] = {name: {"value": dict(account)} for name, account in section.accounts.items()}
    elif isinstance(section, PaytronixProfile):
        item = spec["paths"]["/rest/{release}/guest/accountInformation.json"]
        card = section.cards["active"]
        card_fields = {
            "authentication": "card",
            "merchantId": section.merchant_id,
            "printedCardNumber": card["printedCardNumber"],
            "registrationCode": card["registrationCode"],
        }
        oauth_fields = {
            "authentication": "oauth",
            "merchantId": section.merchant_id,
            "access_token": card["access_token"],
        }
        body = item["post"]["requestBody"]["content"]["application/json"]
        body["examples"] = {"card": {"value": card_fields}, "oauth": {"value": oauth_fields}}
        # schemathesis prefers a schema's example to the parameter's; the profile's release must win in both.
        item["parameters"][0]["example"] = section.release
        item["parameters"][0]["schema"] = {**item["parameters"][0]["schema"], "example": section.release}
        for parameter in item["get"]["parameters"]:
            if parameter["name"] in card_fields:
                parameter["example"] = card_fields[parameter["name"]]
    else:
        active = section.players["active"]
        values = {
            "playerId": active["playerId"],
            "provider": section.provider,
            "X-Player-Token": active["token"],
            "X-Correlation-ID": "conformance-examples",
        }
        for parameter in spec["paths"]["/players/{playerId}/balance"]["get"]["parameters"]:
            if parameter["name"] in values:
                parameter["schema"] = {**parameter["schema"], "example": values[parameter["name"]]}
    return spec
