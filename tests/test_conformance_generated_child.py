"""The generated requests' child process (conformance/generated/child.py) with fake targets: what it returns
crosses back, its deadline is the budget's, and a failing, overrunning, hoarding or vanishing child gives a reason
instead of a result."""

from __future__ import annotations

import child_targets
import pytest

from conformance.generated.child import run_in_child

pytestmark = pytest.mark.slow  # each test spawns a Python process


def test_what_the_target_returns_crosses_back_with_the_budget_as_its_deadline() -> None:
    (payload, left), problem = run_in_child(child_targets.echo, {"seed": 7}, budget=300.0)
    assert problem == "" and payload == {"seed": 7}
    # The child's start-up counts against the budget: what is left is at most the budget, and not far below it.
    assert 0 < left <= 300.0


def test_a_target_that_raises_gives_its_error_as_the_reason() -> None:
    assert run_in_child(child_targets.fail, "x", budget=60.0) == (None, "schemathesis failed: ValueError: cannot run x")


def test_a_target_that_ignores_the_deadline_is_killed_after_the_wind_down() -> None:
    result, problem = run_in_child(child_targets.overrun, None, budget=0.5, wind_down=0.5)
    assert (result, problem) == (None, "the generated requests did not finish within the budget")


def test_a_target_that_asks_for_too_much_memory_is_refused_it() -> None:
    result, problem = run_in_child(child_targets.hoard, 2 << 30, budget=60.0, memory_bytes=1 << 30)
    assert (result, problem) == (None, "schemathesis ran out of its 1 GiB of memory reading an answer")


def test_a_target_that_dies_leaves_its_exit_code() -> None:
    result, problem = run_in_child(child_targets.vanish, 3, budget=60.0)
    assert result is None
    assert problem == "schemathesis stopped without a result (exit code 3), for instance out of memory"
