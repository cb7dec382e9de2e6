"""The choice of a request's fault: Prefer first, then the most specific rule; repeatable across processes."""

from __future__ import annotations

import itertools
import multiprocessing
from collections import Counter
from pathlib import Path

import pytest
from sandbox_state import bundled_documents, fault_targets, new_store

from mockserver.faults.book import FaultBook, choose
from mockserver.faults.model import Fault, FaultRule, preferred_fault
from mockserver.state.sqlite_store import SqliteStateStore

TARGETS = fault_targets()


class Counters:
    """An in-memory stand-in for the store's shared draw counters, counting the draws."""

    def __init__(self) -> None:
        self.next: Counter[str] = Counter()

    def __call__(self, counter: str) -> int:
        number = self.next[counter]
        self.next[counter] += 1
        return number


def _rule(name: str, **fields: object) -> FaultRule:
    return FaultRule(name=name, api="valkyrie", fault=Fault("drop"), **fields)  # type: ignore[arg-type]


def test_no_rule_and_no_preference_means_no_fault_and_no_draw() -> None:
    draws = Counters()
    assert FaultBook().decide("valkyrie", "getBalance", ("active",), None, draws) is None
    book = FaultBook([_rule("other", operation="getBalance"), FaultRule("vip", "vip-connect", Fault("drop"))])
    assert book.decide("paytronix", "getAccountInformation", (), None, draws) is None
    assert not draws.next
    assert not FaultBook() and book


def test_a_request_routed_to_no_operation_gets_no_fault() -> None:
    preferred = preferred_fault("fault=drop", "valkyrie")
    assert FaultBook([_rule("all")]).decide("valkyrie", None, (), preferred, Counters()) is None


def test_rules_match_on_operation_and_entity_the_most_specific_first() -> None:
    book = FaultBook(
        [
            _rule("a-api-wide"),
            _rule("b-operation", operation="getBalance"),
            _rule("c-entity", entity="alice"),
            _rule("d-entity-and-operation", entity="active", operation="getBalance"),
        ]
    )

    def chosen(operation: str, *entities: str) -> str | None:
        applied = book.decide("valkyrie", operation, entities, None, Counters())
        return applied.rule.name if applied else None

    assert chosen("getBalance", "active", "alice") == "d-entity-and-operation"
    assert chosen("getBalance", "expired", "alice") == "c-entity"
    assert chosen("getBalance", "expired", "bob") == "b-operation"
    assert chosen("somethingElse") == "a-api-wide"


def test_prefer_overrides_the_rules_for_its_request() -> None:
    preferred = preferred_fault("fault=delay; ms=5", "valkyrie")
    applied = FaultBook([_rule("all")]).decide("valkyrie", "getBalance", (), preferred, Counters())
    assert applied is not None and applied.fault == Fault("delay", ms=5)
    assert applied.describe() == {"kind": "delay", "ms": 5, "source": "prefer"}


def test_a_rule_that_does_not_fire_lets_the_next_one_try() -> None:
    book = FaultBook([_rule("a-never", probability=0.0), _rule("b-always")])
    applied = book.decide("valkyrie", "getBalance", (), None, Counters())
    assert applied is not None and applied.rule.name == "b-always"


def test_a_certain_fixed_fault_costs_no_draw() -> None:
    draws = Counters()
    assert choose(_rule("always"), draws) is not None
    assert not draws.next


def test_a_seeded_rule_gives_the_same_verdicts_and_delays_in_every_run() -> None:
    rule = FaultRule("jitter", "valkyrie", Fault("delay", min_ms=100, max_ms=300), probability=0.3, seed=42)

    def run() -> list[int | None]:
        draws = Counters()
        picks = [choose(rule, draws) for _ in range(400)]
        return [pick.delay_ms if pick else None for pick in picks]

    first = run()
    assert first == run()
    fired = [delay for delay in first if delay is not None]
    assert 80 < len(fired) < 160  # about 30 % of 400
    assert all(100 <= delay <= 300 for delay in fired) and len(set(fired)) > 20
    other_seed = FaultRule("jitter", "valkyrie", rule.fault, probability=0.3, seed=43)
    draws = Counters()
    assert [bool(choose(other_seed, draws)) for _ in range(400)] != [delay is not None for delay in first]


def test_an_unseeded_rule_draws_no_shared_number() -> None:
    draws = Counters()
    rule = FaultRule("coin", "valkyrie", Fault("drop"), probability=0.5)
    verdicts = [choose(rule, draws) is not None for _ in range(200)]
    assert not draws.next
    assert 40 < sum(verdicts) < 160


def test_the_book_of_a_snapshot_holds_admin_rules_and_fixture_entities_faults() -> None:
    documents = bundled_documents()
    documents["valkyrie"]["players"]["alice"]["fault"] = {"kind": "delay", "ms": 2000}
    rules = {"flaky": {"api": "vip-connect", "fault": {"kind": "error", "status": 503}, "probability": 0.5, "seed": 1}}
    collections = {"valkyrie": ("players", "sessions"), "vip-connect": ("operators", "accounts")}
    book = FaultBook.from_state(rules, documents, collections, TARGETS)
    alice = book.decide("valkyrie", "getBalance", ("active", "alice"), None, Counters())
    assert alice is not None
    assert alice.describe() == {"kind": "delay", "ms": 2000, "source": "fixture", "rule": "players.alice.fault"}
    assert book.decide("valkyrie", "getBalance", ("redtiger", "bob"), None, Counters()) is None
    verdicts = [book.decide("vip-connect", "accountLookup", (), None, Counters()) for _ in range(3)]
    assert all(verdict == verdicts[0] for verdict in verdicts)  # fresh counters: the first draw every time


def _draw_verdicts(path: str, count: int, queue: multiprocessing.Queue[list[tuple[int, bool]]]) -> None:
    store = SqliteStateStore(path)
    rule = FaultRule("flaky", "valkyrie", Fault("drop"), probability=0.5, seed=11)
    verdicts = []
    for _ in range(count):
        number = store.draw(rule.counter)
        verdicts.append((number, choose(rule, lambda counter: number) is not None))  # noqa: B023 (used at once)
    store.close()
    queue.put(verdicts)


def test_seeded_verdicts_are_shared_by_worker_processes(tmp_path: Path) -> None:
    # Two processes draw from one store: together they take each number once, and the n-th matching request gets
    # the verdict a single process would give it.
    new_store(tmp_path).close()
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[tuple[int, bool]]] = context.Queue()
    path = str(tmp_path / "state.sqlite3")
    workers = [context.Process(target=_draw_verdicts, args=(path, 60, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    drawn = sorted(itertools.chain(queue.get(timeout=60), queue.get(timeout=60)))
    for worker in workers:
        worker.join(60)
    assert [number for number, _ in drawn] == list(range(120))
    single = Counters()
    rule = FaultRule("flaky", "valkyrie", Fault("drop"), probability=0.5, seed=11)
    assert [fired for _, fired in drawn] == [choose(rule, single) is not None for _ in range(120)]


@pytest.mark.parametrize("probability", [0.0, 1.0])
def test_certain_probabilities_need_no_seed(probability: float) -> None:
    rule = FaultRule("x", "valkyrie", Fault("drop"), probability=probability, seed=5)
    draws = Counters()
    assert all((choose(rule, draws) is not None) == bool(probability) for _ in range(20))
    assert not draws.next
