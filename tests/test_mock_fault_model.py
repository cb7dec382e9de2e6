"""The fault model: read from mappings, rules, fixture entities and Prefer headers, refused with the key named."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_state import fault_targets

from mockserver.errors import FixtureError
from mockserver.faults.model import (
    MAX_HANG_MS,
    Fault,
    FaultRule,
    InvalidFaultPreference,
    entity_rule,
    fault_from_mapping,
    preferred_fault,
    rule_from_mapping,
)

TARGETS = fault_targets()


@pytest.mark.parametrize(
    ("mapping", "fault"),
    [
        ({"kind": "delay", "ms": 2000}, Fault("delay", ms=2000)),
        ({"kind": "delay", "min_ms": 100, "max_ms": 300}, Fault("delay", min_ms=100, max_ms=300)),
        ({"kind": "error"}, Fault("error")),
        (
            {"kind": "error", "status": 503, "code": "PAM_ERR_TIMEOUT"},
            Fault("error", status=503, code="PAM_ERR_TIMEOUT"),
        ),
        ({"kind": "drop"}, Fault("drop")),
        ({"kind": "hang"}, Fault("hang")),
        ({"kind": "hang", "ms": 30000}, Fault("hang", ms=30000)),
        ({"kind": "trickle", "bytes_per_second": 50}, Fault("trickle", bytes_per_second=50)),
    ],
)
def test_a_fault_is_read_from_its_mapping(mapping: dict[str, Any], fault: Fault) -> None:
    assert fault_from_mapping(mapping, "fault", TARGETS["valkyrie"]) == fault
    assert fault.describe() == mapping


@pytest.mark.parametrize(
    ("mapping", "key", "expected", "found"),
    [
        ("drop", "fault", "a mapping with a kind", "str"),
        ({}, "fault.kind", "one of delay, error, drop, hang, trickle", "nothing"),
        ({"kind": "explode"}, "fault.kind", "one of delay, error, drop, hang, trickle", "'explode'"),
        ({"kind": "drop", "ms": 5}, "fault.ms", "no such key (a drop fault takes no parameters)", "one"),
        ({"kind": "delay"}, "fault", "either ms, or min_ms and max_ms", "neither"),
        ({"kind": "delay", "ms": 1, "min_ms": 1}, "fault", "either ms, or min_ms and max_ms", "min_ms, ms"),
        ({"kind": "delay", "min_ms": 1}, "fault", "either ms, or min_ms and max_ms", "min_ms"),
        ({"kind": "delay", "min_ms": 300, "max_ms": 100}, "fault.max_ms", "at least min_ms (300)", "100"),
        ({"kind": "delay", "ms": 60001}, "fault.ms", "an integer from 0 to 60000", "60001"),
        ({"kind": "delay", "ms": "2000"}, "fault.ms", "an integer from 0 to 60000", "'2000'"),
        ({"kind": "delay", "ms": True}, "fault.ms", "an integer from 0 to 60000", "True"),
        ({"kind": "hang", "ms": 0}, "fault.ms", f"an integer from 1 to {MAX_HANG_MS}", "0"),
        ({"kind": "error", "status": 302}, "fault.status", "an integer from 400 to 599", "302"),
        (
            {"kind": "error", "code": "PAM_ERR_NOPE"},
            "fault.code",
            "one of the seed's PAM_ERR_* codes",
            "'PAM_ERR_NOPE'",
        ),
        ({"kind": "error", "code": "a b"}, "fault.code", "a code of 1-64 letters, digits, '_', '.' or '-'", "'a b'"),
        ({"kind": "trickle"}, "fault.bytes_per_second", "a rate in bytes per second", "nothing"),
        ({"kind": "trickle", "bytes_per_second": 0}, "fault.bytes_per_second", "an integer from 1 to 1000000", "0"),
    ],
)
def test_a_bad_fault_names_the_key_what_was_expected_and_what_was_found(
    mapping: Any, key: str, expected: str, found: str
) -> None:
    with pytest.raises(FixtureError) as raised:
        fault_from_mapping(mapping, "fault", TARGETS["valkyrie"])
    assert (raised.value.key, raised.value.expected, raised.value.found) == (key, expected, found)


def test_a_delay_range_spans_its_bounds() -> None:
    fault = Fault("delay", min_ms=100, max_ms=300)
    assert [fault.delay_ms(unit) for unit in (0.0, 0.5, 0.999999)] == [100, 200, 300]
    assert Fault("delay", ms=7).delay_ms(0.9) == 7


def test_an_admin_rule_is_read_with_its_scope_and_chances() -> None:
    rule = rule_from_mapping(
        "flaky",
        {
            "api": "valkyrie",
            "operation": "getBalance",
            "entity": "active",
            "fault": {"kind": "drop"},
            "probability": 0.25,
            "seed": 7,
        },
        TARGETS,
    )
    assert rule == FaultRule("flaky", "valkyrie", Fault("drop"), "getBalance", "active", 0.25, 7, "rule")
    assert rule.counter == "valkyrie/rule/flaky/"


@pytest.mark.parametrize(
    ("name", "rule", "key", "found"),
    [
        ("Bad Name", {"api": "valkyrie", "fault": {"kind": "drop"}}, "name", "'Bad Name'"),
        ("r", ["api"], "(rule)", "list"),
        ("r", {"api": "valkyrie", "fault": {"kind": "drop"}, "when": 1}, "when", "one"),
        ("r", {"api": "nope", "fault": {"kind": "drop"}}, "api", "'nope'"),
        (
            "r",
            {"api": "valkyrie", "operation": "accountLookup", "fault": {"kind": "drop"}},
            "operation",
            "'accountLookup'",
        ),
        ("r", {"api": "valkyrie", "entity": "Alice!", "fault": {"kind": "drop"}}, "entity", "'Alice!'"),
        ("r", {"api": "valkyrie"}, "fault", "NoneType"),
        ("r", {"api": "valkyrie", "fault": {"kind": "drop"}, "probability": 1.5}, "probability", "1.5"),
        ("r", {"api": "valkyrie", "fault": {"kind": "drop"}, "seed": -1}, "seed", "-1"),
        ("r", {"api": "vip-connect", "fault": {"kind": "error", "code": "E12"}}, "fault.code", "'E12'"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_key(name: str, rule: Any, key: str, found: str) -> None:
    with pytest.raises(FixtureError) as raised:
        rule_from_mapping(name, rule, TARGETS)
    assert (raised.value.key, raised.value.found) == (key, found)


def test_a_fixture_entitys_fault_carries_its_chances_beside_its_kind() -> None:
    data = {"kind": "error", "status": 503, "probability": 0.5, "seed": 3}
    rule = entity_rule("valkyrie", "alice", data, "players.alice.fault", TARGETS["valkyrie"])
    assert (rule.entity, rule.fault, rule.probability, rule.seed, rule.source) == (
        "alice",
        Fault("error", status=503),
        0.5,
        3,
        "fixture",
    )
    with pytest.raises(FixtureError) as raised:
        entity_rule("valkyrie", "alice", {"kind": "delay"}, "players.alice.fault", TARGETS["valkyrie"])
    assert raised.value.key == "players.alice.fault"


@pytest.mark.parametrize(
    ("header", "fault", "probability", "seed"),
    [
        ("fault=delay; ms=2000", Fault("delay", ms=2000), 1.0, None),
        ("fault=delay; min-ms=100; max-ms=300", Fault("delay", min_ms=100, max_ms=300), 1.0, None),
        (
            'return=minimal, FAULT="error"; status=503; code=PAM_ERR_TIMEOUT',
            Fault("error", status=503, code="PAM_ERR_TIMEOUT"),
            1.0,
            None,
        ),
        ("example=closed, fault=drop", Fault("drop"), 1.0, None),
        ("fault=hang; ms=30000", Fault("hang", ms=30000), 1.0, None),
        ("fault=trickle; bytes-per-second=50", Fault("trickle", bytes_per_second=50), 1.0, None),
        ("fault=error; probability=0.5; seed=9", Fault("error"), 0.5, 9),
    ],
)
def test_prefer_asks_for_a_fault_in_rfc_7240_syntax(
    header: str, fault: Fault, probability: float, seed: int | None
) -> None:
    rule = preferred_fault(header, "valkyrie", TARGETS["valkyrie"])
    assert rule is not None
    assert (rule.fault, rule.probability, rule.seed, rule.source, rule.operation, rule.entity) == (
        fault,
        probability,
        seed,
        "prefer",
        None,
        None,
    )


def test_prefer_without_a_fault_asks_for_none() -> None:
    for header in (None, "", "example=closed", "return=minimal; handling=strict", "respond-async"):
        assert preferred_fault(header, "valkyrie") is None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("fault=explode", "fault.kind: expected one of delay, error, drop, hang, trickle, got 'explode'"),
        ("fault=delay; ms=abc", "fault.ms: expected an integer from 0 to 60000, got 'abc'"),
        ("fault=delay", "fault: expected either ms, or min_ms and max_ms, got neither"),
        ("fault=drop; colour=red", "fault.colour: expected no such key (a drop fault takes no parameters), got one"),
        ("fault=error; probability=2", "probability: expected a number from 0 to 1, got 2"),
    ],
)
def test_a_prefer_fault_that_cannot_be_acted_out_is_a_bad_request(header: str, message: str) -> None:
    with pytest.raises(InvalidFaultPreference) as raised:
        preferred_fault(header, "valkyrie", TARGETS["valkyrie"])
    assert raised.value.status_code == 400
    assert str(raised.value.detail) == f"Prefer: {header}: {message}"


def test_the_same_preference_shares_one_seeded_counter() -> None:
    first = preferred_fault("fault=error; probability=0.5; seed=9", "valkyrie")
    again = preferred_fault("fault=error;seed=9;probability=0.5", "valkyrie")
    other = preferred_fault("fault=error; status=503; probability=0.5; seed=9", "valkyrie")
    assert first is not None and again is not None and other is not None
    assert first.counter == again.counter != other.counter
