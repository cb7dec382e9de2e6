"""Targets for the generated requests' child process in tests: importable by name, as a spawned child needs."""

from __future__ import annotations

import os
import time
from typing import Any


def echo(payload: Any, deadline: float) -> Any:
    """What the child was given, and how much of the budget it had left when it started."""
    return payload, deadline - time.monotonic()


def fail(payload: Any, deadline: float) -> Any:
    raise ValueError(f"cannot run {payload}")


def overrun(payload: Any, deadline: float) -> Any:
    """Ignores the deadline: the parent must kill it."""
    time.sleep(600)


def hoard(payload: Any, deadline: float) -> Any:
    """Asks for more memory than the child may have."""
    return bytearray(payload)


def vanish(payload: Any, deadline: float) -> Any:
    """Dies without a word, as the kernel's out-of-memory killer would leave it."""
    os._exit(payload)
