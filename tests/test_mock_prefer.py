"""``Prefer`` read once into preferences, for the forced example case and for the faults alike."""

from __future__ import annotations

import pytest

from mockserver.faults import preferred_fault
from mockserver.prefer import Preference, applied, preferences, requested_example


def test_a_header_is_read_into_its_preferences_in_order() -> None:
    header = 'Example="expired" ; Q=1, fault=delay; MS=500;min-ms="5", respond-async'
    assert list(preferences(header)) == [
        Preference("example", "expired", (("q", "1"),), 'Example="expired" ; Q=1'),
        Preference("fault", "delay", (("ms", "500"), ("min-ms", "5")), 'fault=delay; MS=500;min-ms="5"'),
        Preference("respond-async", "", (), "respond-async"),
    ]


@pytest.mark.parametrize(
    ("header", "case"),
    [
        ("example=expired", "expired"),
        ('EXAMPLE="no-account"; q=0.5', "no-account"),
        ("respond-async, example=closed", "closed"),
        ("example=first, example=second", "first"),
        ('example="", example=second', "second"),
        ("example", None),
        ("fault=drop", None),
        ("", None),
    ],
)
def test_the_example_preference_names_the_forced_case(header: str, case: str | None) -> None:
    assert requested_example({"prefer": header}) == case
    assert applied(case) == ({"Preference-Applied": f"example={case}"} if case else {})


def test_one_header_forces_a_case_and_asks_for_a_fault() -> None:
    header = "example=expired, fault=delay; ms=500"
    assert requested_example({"prefer": header}) == "expired"
    rule = preferred_fault(header, "valkyrie")
    assert rule is not None
    assert rule.fault.describe() == {"kind": "delay", "ms": 500}
