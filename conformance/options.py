"""What a run is asked to do: which APIs, the seed, the bounds, strictness."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    apis: list[str]
    seed: int
    max_examples: int = 25
    timeout: float = 10.0
    budget: float = 600.0
    strict: bool = False
    # Off only in the suite's own tests of documented cases, where the generated phase adds time and no signal.
    generated: bool = True
