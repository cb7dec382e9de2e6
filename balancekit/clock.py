"""The clock that time-dependent verdicts read, passed as a parameter so that tests can fix it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

# Seconds since the epoch, as time.time() gives them.
Clock = Callable[[], float]
wall_clock: Clock = time.time


def utc_now(clock: Clock) -> datetime:
    """The clock's time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock(), UTC)
