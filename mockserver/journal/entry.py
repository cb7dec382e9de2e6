"""A journal entry: a request and its answer as the request path hands them over, and as the store keeps them."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from typing import Any

from mockserver.instants import rfc3339
from mockserver.journal.exchange import Exchange
from mockserver.journal.facts import RequestFacts
from mockserver.redaction import ECHO_LIMIT, cut
from mockserver.state.store import JournalRow

MAX_CAPTURED_BODY = 16 * 1024  # bytes of a request body kept for its record; sandbox requests are far smaller
MAX_PROBLEMS = 8
MAX_ENTRY_BYTES = 16 * 1024  # a stored entry; a sandbox request's is 1-2 KiB

# One encoder for every entry: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode


@dataclass(slots=True)
class RawExchange:
    """A request and its answer as the request path hands them over: references only, no work done yet."""

    time: float  # seconds since the epoch, when the request arrived
    duration: float  # seconds until its answer ended
    method: str
    path: str
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    body_complete: bool
    status: int | None  # None: no answer was sent (a dropped connection)
    operation: str | None
    exchange: Exchange

    @property
    def size(self) -> int:
        """About the bytes it holds, for the pending bound."""
        head = sum(map(len, itertools.chain.from_iterable(self.headers)))
        return 256 + len(self.body) + len(self.path) + len(self.query_string) + head


def journal_row(raw: RawExchange, facts: RequestFacts) -> JournalRow:
    """The redacted entry of a request, ready for the store."""
    exchange = raw.exchange
    correlation = next((value for name, value in raw.headers if name == b"x-correlation-id"), None)
    correlation_id = cut(correlation.decode("latin-1"), ECHO_LIMIT) if correlation is not None else None
    entry: dict[str, Any] = {
        "time": rfc3339(raw.time, microseconds=True),
        "duration_ms": round(raw.duration * 1000, 3),
        "api": exchange.api,
        "operation": raw.operation,
        "case": exchange.case,
        "forced": exchange.forced,
        "documented_case": exchange.documented,
        "fault": exchange.fault,
        "status": raw.status,
        "correlation_id": correlation_id,
        "conformed": exchange.conformed,
        "validation_errors": [cut(problem, 4 * ECHO_LIMIT) for problem in exchange.problems[:MAX_PROBLEMS]],
        "error_kind": exchange.error_kind,
        "request": facts(raw.method, raw.path, raw.query_string, raw.headers, raw.body, raw.body_complete),
        "worker": os.getpid(),
    }
    return JournalRow(
        time=raw.time,
        api=exchange.api,
        operation=raw.operation,
        correlation_id=correlation_id,
        conformed=exchange.conformed,
        entry=_bounded(entry),
    )


def _bounded(entry: dict[str, Any]) -> str:
    """The entry as JSON, at most about MAX_ENTRY_BYTES: the largest parts of the request give way first."""
    text = _encode(entry)
    request = entry["request"]
    for part in ("body", "query", "headers", "credentials", "body_fields", "query_fields"):
        if len(text) <= MAX_ENTRY_BYTES:
            break
        request[part] = {"omitted": f"the entry would be over {MAX_ENTRY_BYTES} bytes"}
        text = _encode(entry)
    return text
