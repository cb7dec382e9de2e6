"""bench/run.py's arithmetic: the paired ratio, which keeps the machine's drift between rounds out."""

from __future__ import annotations

from types import ModuleType

import pytest
from support import bench_module


@pytest.fixture(scope="module")
def run() -> ModuleType:
    return bench_module("run")


def _runs(*rps: float) -> list[dict[str, float]]:
    return [{"round": number, "rps": value} for number, value in enumerate(rps, start=1)]


def test_the_paired_ratio_is_the_median_of_each_rounds_ratio(run: ModuleType) -> None:
    # The machine slows down from round to round; the mock is 10 % slower than the baseline in each round.
    assert run.paired_ratio(_runs(900, 450, 270), _runs(1000, 500, 300)) == 0.9
    # A round disturbed for one target alone is outvoted by the others.
    assert run.paired_ratio(_runs(900, 250, 270), _runs(1000, 500, 300)) == 0.9


def test_a_round_without_its_pair_is_left_out(run: ModuleType) -> None:
    assert run.paired_ratio(_runs(900, 450), [{"round": 1, "rps": 1000}]) == 0.9
    assert run.paired_ratio(_runs(900), [{"round": 1, "rps": 0}]) is None
