"""schemathesis's results as findings (conformance/generated/findings.py and rules.py), from fabricated engine
events: failures kept and counted, legitimate answers left out, errors and the budget's end as no verdict."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from schemathesis.engine import events

from balancekit.specs import load_spec
from conformance import CATALOGUE
from conformance.generated.findings import KEPT_FAILURES, collect, conclude
from conformance.generated.requirements import requirement_ids
from conformance.generated.rules import Judge
from conformance.results import Finding, NotTested, NoVerdict

API = CATALOGUE.api("valkyrie")
JUDGE = Judge(
    prefix="VALK",
    seed_statuses=frozenset({200, 401}),
    declared_methods=frozenset({"GET"}),
    documented_statuses=frozenset({200, 400, 401}),
    other_status_schema="VALK-SCHEMA-OTHER-STATUS",
    other_status_content_type="VALK-CONTENT-TYPE-OTHER-STATUS",
)
IDS = requirement_ids(API)
FAR = float("inf")


def result(name: str, failed: bool = False) -> Any:
    info = None
    if failed:
        failure = SimpleNamespace(title=f"{name} failed", message="the answer\nbroke it")
        info = SimpleNamespace(failure=failure, code_sample=f"curl -X GET http://system/{name}")
    return SimpleNamespace(name=name, failure_info=info)


def scenario(method: str, status: int | None, *results: Any) -> Any:
    """A ScenarioFinished whose one case got ``status`` to ``method`` and these check results."""
    event: Any = object.__new__(events.ScenarioFinished)
    response = None if status is None else SimpleNamespace(status_code=status)
    interaction = SimpleNamespace(request=SimpleNamespace(method=method), response=response)
    event.recorder = SimpleNamespace(checks={"case": list(results)}, interactions={"case": interaction})
    return event


class Stream:
    """The engine's event stream: the events, and stop() recorded."""

    def __init__(self, *items: Any) -> None:
        self.items = items
        self.stopped = False

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def stop(self) -> None:
        self.stopped = True


def test_the_judge_of_an_api_is_read_from_its_spec() -> None:
    assert Judge.of(API, load_spec(API.spec_path)) == JUDGE


def test_passing_results_are_counted_and_concluded_as_one_passing_finding() -> None:
    collected = collect(
        Stream(scenario("GET", 200, result("not_a_server_error"), result("status_code_conformance"))), JUDGE, IDS, FAR
    )
    assert collected.items == [] and collected.passed == {"VALK-GEN-NO-5XX": 1, "VALK-GEN-STATUS": 1}
    concluded = conclude(collected, IDS)
    assert Finding("VALK-GEN-NO-5XX", "1 checks of generated requests", True, "no failure") in concluded
    assert NotTested("VALK-GEN-AUTH", "no generated request exercised this check") in concluded


def test_failures_are_kept_up_to_a_bound_and_the_rest_counted() -> None:
    failing = [scenario("GET", 500, result("not_a_server_error", failed=True)) for _ in range(KEPT_FAILURES + 2)]
    collected = collect(Stream(*failing), JUDGE, IDS, FAR)
    kept = [item for item in collected.items if isinstance(item, Finding)]
    assert len(kept) == KEPT_FAILURES and collected.failed["VALK-GEN-NO-5XX"] == KEPT_FAILURES + 2
    first = kept[0]
    assert (first.requirement, first.check, first.passed) == (
        "VALK-GEN-NO-5XX",
        "not_a_server_error: not_a_server_error failed",
        False,
    )
    # What a system sent arrives on one line; the request is kept as schemathesis printed it.
    assert first.received == "500: the answer broke it" and first.curl == "curl -X GET http://system/not_a_server_error"
    more = Finding(
        "VALK-GEN-NO-5XX", "generated requests", False, "no failure", "2 more failures of this kind not shown"
    )
    assert more in conclude(collected, IDS)


def test_legitimate_answers_say_nothing_or_pass() -> None:
    # A 404 where the spec documents none: a path the system does not serve; a 501 to an undeclared method.
    collected = collect(
        Stream(
            scenario("GET", 404, result("status_code_conformance", failed=True)),
            scenario(
                "TRACE", 501, result("unsupported_method", failed=True), result("not_a_server_error", failed=True)
            ),
        ),
        JUDGE,
        IDS,
        FAR,
    )
    assert collected.items == [] and not collected.failed
    assert collected.passed == {"VALK-GEN-METHODS": 1, "VALK-GEN-NO-5XX": 1}


def test_shape_and_media_type_at_a_status_the_seed_does_not_document_go_to_their_shoulds() -> None:
    collected = collect(
        Stream(
            scenario("GET", 400, result("response_schema_conformance", True), result("content_type_conformance", True))
        ),
        JUDGE,
        IDS,
        FAR,
    )
    assert [item.requirement for item in collected.items] == [
        "VALK-SCHEMA-OTHER-STATUS",
        "VALK-CONTENT-TYPE-OTHER-STATUS",
    ]


def test_an_engine_error_leaves_every_requirement_without_verdict() -> None:
    error = events.NonFatalError(
        error=RuntimeError("cannot\nreach"), phase=None, label="GET /x", related_to_operation=True
    )
    collected = collect(Stream(error), JUDGE, IDS, FAR)
    assert collected.items == [
        NoVerdict(requirement, "schemathesis could not run: cannot reach") for requirement in IDS
    ]


def test_the_budgets_end_stops_the_engine_and_leaves_no_verdict_even_for_what_passed() -> None:
    stream = Stream(scenario("GET", 200, result("not_a_server_error")))
    collected = collect(stream, JUDGE, IDS, deadline=0.0)
    assert stream.stopped and collected.stopped.startswith("no verdict: the overall budget ran out")
    assert conclude(collected, IDS) == [NoVerdict(requirement, collected.stopped) for requirement in IDS]
