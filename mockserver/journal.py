"""The request journal's writer: raw hand-over on the request path, redacted batches written by a thread."""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from mockserver.exchange import Exchange
from mockserver.instants import rfc3339
from mockserver.redaction import ECHO_LIMIT, cut
from mockserver.request_facts import request_facts
from mockserver.state_store import JournalRow, StateStore

logger = logging.getLogger("mockserver.journal")

FLUSH_EVERY_SECONDS = 0.1  # a request shows in the journal within about this long
BATCH_ENTRIES = 256  # entries per write transaction; this many waiting wake the writer early
# What may wait for the writer, per process. Beyond, requests are answered as usual but not journaled, and the
# loss is counted (GET /__admin shows it): memory stays flat under any load.
MAX_PENDING_ENTRIES = 4096
MAX_PENDING_BYTES = 8 * 1024 * 1024
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


def journal_row(raw: RawExchange) -> JournalRow:
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
        "fault": exchange.fault,
        "status": raw.status,
        "correlation_id": correlation_id,
        "conformed": exchange.conformed,
        "validation_errors": [cut(problem, 4 * ECHO_LIMIT) for problem in exchange.problems[:MAX_PROBLEMS]],
        "request": request_facts(raw.method, raw.path, raw.query_string, raw.headers, raw.body, raw.body_complete),
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


class JournalWriter:
    """One per process: ``record`` is called on the request path and only appends to a bounded queue; a thread
    redacts what waits and writes it to the store every FLUSH_EVERY_SECONDS, or sooner when a batch is full.

    The request path takes no lock: its counters are written by it alone, and the writer's under the flush lock.
    """

    def __init__(
        self,
        store: StateStore,
        *,
        flush_every: float = FLUSH_EVERY_SECONDS,
        batch: int = BATCH_ENTRIES,
        max_pending_entries: int = MAX_PENDING_ENTRIES,
        max_pending_bytes: int = MAX_PENDING_BYTES,
        start: bool = True,
    ) -> None:
        self._store = store
        self._flush_every = flush_every
        self._batch = batch
        self._max_entries = max_pending_entries
        self._max_bytes = max_pending_bytes
        self._pending: deque[tuple[RawExchange, int]] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._flush_lock = threading.Lock()
        self.recorded = self.enqueued_bytes = self.dropped = 0  # written by the request path only
        self.written = self.written_bytes = 0  # written under the flush lock only
        self._lost = self._reported = 0  # entries that failed to be written; losses already counted in the store
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
            self._thread.start()

    def record(self, raw: RawExchange) -> None:
        """Queue a request for the journal; drop it (and count the loss) when too much waits already."""
        size = raw.size
        waiting = len(self._pending)
        if waiting >= self._max_entries or self.enqueued_bytes - self.written_bytes + size > self._max_bytes:
            self.dropped += 1
            return
        self._pending.append((raw, size))
        self.recorded += 1
        self.enqueued_bytes += size
        if waiting + 1 == self._batch:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self._flush_every)
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        """Write everything queued so far (also called by a journal read, so this process's requests are in it)."""
        with self._flush_lock:
            while True:
                batch = [self._pending.popleft() for _ in range(min(self._batch, len(self._pending)))]
                rows = []
                for raw, _ in batch:
                    try:
                        rows.append(journal_row(raw))
                    except Exception:  # a defect, never a client's doing: keep journaling the others
                        logger.exception("a request could not be journaled")
                        self._lost += 1
                unreported = self.dropped + self._lost - self._reported
                if rows or unreported:
                    try:
                        self._store.append_journal(rows, unreported)
                    except Exception:
                        logger.exception("%d journal entries could not be written", len(rows))
                        self._lost += len(rows)  # counted as lost with the next batch that is written
                    else:
                        self._reported += unreported
                self.written += len(batch)
                self.written_bytes += sum(size for _, size in batch)
                if not self._pending:
                    return

    def close(self, timeout: float = 5.0) -> None:
        """Write what waits and stop the thread."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.flush()
