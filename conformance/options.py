"""What a run is asked to do (which APIs, the seed, the bounds, strictness), and the options that ask for it."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_TIMEOUT = 10.0
DEFAULT_BUDGET = 600.0


@dataclass(frozen=True)
class Options:
    apis: list[str]
    seed: int
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = DEFAULT_TIMEOUT
    budget: float = DEFAULT_BUDGET
    strict: bool = False
    # Off only in the suite's own tests of documented cases, where the generated phase adds time and no signal.
    generated: bool = True


def positive_number(kind: type[int] | type[float], limit: float) -> Callable[[str], int | float]:
    """A parser of numbers above 0 and at most ``limit`` (nan and inf are not numbers a run can wait for)."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and 0 < value <= limit):
            raise argparse.ArgumentTypeError(f"expected a number above 0 and at most {limit:g}, got {text}")
        return value

    return parse


# The options `conformance run` and the pytest plugin share, as argparse arguments: the option's name (the CLI's
# `--NAME`, the plugin's `--conformance-NAME`) and its keyword arguments. This module stays light on purpose: the
# plugin reads it in every pytest session.
RUN_ARGUMENTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("seed", {"type": int, "metavar": "SEED", "help": "seed of the generated requests (default: random, printed)"}),
    (
        "max-examples",
        {
            "type": positive_number(int, 10_000),
            "default": DEFAULT_MAX_EXAMPLES,
            "metavar": "N",
            "help": "generated examples per operation and phase (default: %(default)s)",
        },
    ),
    ("strict", {"action": "store_true", "help": "a SHOULD not met fails the run too"}),
    (
        "timeout",
        {
            "type": positive_number(float, 3600),
            "default": DEFAULT_TIMEOUT,
            "metavar": "SECONDS",
            "help": "per-request timeout (default: %(default)s)",
        },
    ),
    (
        "budget",
        {
            "type": positive_number(float, 86_400),
            "default": DEFAULT_BUDGET,
            "metavar": "SECONDS",
            "help": "overall time budget; what is left unrun has no verdict (default: %(default)s)",
        },
    ),
)
