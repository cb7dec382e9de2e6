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
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_settling_freezes_what_was_built_and_raises_the_young_threshold(restored: None) -> None:
    _, middle, old = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    collector.settle()
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, middle, old)
    assert gc.get_freeze_count() > 0  # every object alive at the call, the app's among them
