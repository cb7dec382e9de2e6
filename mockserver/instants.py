"""Times as the sandbox writes and reads them: RFC 3339 in UTC, or seconds since the epoch."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from mockserver.errors import FixtureError

_EXPECTED = "an RFC 3339 time with an offset or seconds since the epoch"


def rfc3339(epoch: float, *, microseconds: bool = False) -> str:
    """A time as the fixtures write it (whole seconds), or as the journal does (``microseconds``)."""
    moment = datetime.fromtimestamp(epoch if microseconds else int(epoch), UTC)
    return moment.isoformat(timespec="microseconds" if microseconds else "seconds").replace("+00:00", "Z")


def parse_instant(value: str, key: str) -> float:
    """Seconds since the epoch of an RFC 3339 time with an offset, or of a number of seconds; FixtureError else."""
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if math.isfinite(seconds):
            return seconds
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FixtureError(key, _EXPECTED, repr(value[:64]))
    return moment.timestamp()
