"""The collector as a serving process runs it (see mockserver/collector.py; its effect under load is measured in
bench/README.md, the journal's cost)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from mockserver import collector


@pytest.fixture
def restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_settling_freezes_what_was_built_and_raises_the_young_threshold(restored: None) -> None:
    _, middle, old = gc.get_threshold()
    built: list[list[int]] = [[] for _ in range(100)]
    collector.settle()
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, middle, old)
    assert gc.get_freeze_count() >= len(built)
