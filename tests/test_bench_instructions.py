"""bench/instructions.py: the callgrind summary read, the measured process driven, the arguments checked."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import pytest
from support import REPO, bench_module


@pytest.fixture(scope="module")
def instructions() -> ModuleType:
    return bench_module("instructions")


def test_the_count_is_read_from_callgrinds_summary(instructions: ModuleType) -> None:
    output = (
        "==12== Callgrind, a call-graph generating cache profiler\n==12== Events : Ir\n==12== Collected : 466194600\n"
    )
    assert instructions.parse_collected(output) == 466194600
    assert instructions.parse_collected("==12== error: no such tool\n") is None


def test_the_driver_answers_the_benchmark_requests_through_the_app() -> None:
    # Natively (without valgrind), as the measured process runs: every answer must be 200.
    command = [sys.executable, "bench/instructions.py", "--drive", "valkyrie", "--requests", "3", "--warmup", "1"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "3 valkyrie requests answered 200 in the count" in result.stderr


@pytest.mark.parametrize("arguments", [["--kinds", "vip,soap"], ["--requests", "0"]])
def test_bad_arguments_are_refused(instructions: ModuleType, arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        instructions.parse_args(arguments)
    assert refused.value.code == 2
