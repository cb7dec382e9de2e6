"""The request journal's writer: raw hand-over on the request path, redacted batches written by a thread."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import deque

from mockserver.journal.entry import EntryEncoder, RawExchange
from mockserver.journal.facts import RequestFacts
from mockserver.state.store import StateStore

logger = logging.getLogger("mockserver.journal")

FLUSH_EVERY_SECONDS = 0.1  # without a reader waiting, a request shows in the journal within about this long
# How often a writer looks for a reader's flush ticket (a load from shared memory), and how long a reader waits for
# every writer to acknowledge it before it reads anyway (a worker stuck or killed never does).
WATCH_EVERY_SECONDS = 0.005
SYNC_TIMEOUT_SECONDS = 2.0
# While the serving loop writes the journal (JournalWriter.watch), the thread only looks every so often whether the
# loop still does.
IDLE_WAKE_SECONDS = 1.0
BATCH_ENTRIES = 256  # entries per write transaction; this many waiting wake the writer early
# What may wait for the writer, per process. Beyond, requests are answered as usual but not journaled, and the
# loss is counted (GET /__admin shows it): memory stays flat under any load.
MAX_PENDING_ENTRIES = 4096
MAX_PENDING_BYTES = 8 * 1024 * 1024


class JournalWriter:
    """One per process: ``record`` is called on the request path and only appends to a bounded queue; what waits is
    redacted and written to the store every FLUSH_EVERY_SECONDS, or sooner when a batch is full or a reader asked
    for a flush (:meth:`sync`, in any process).

    Who writes: the serving event loop, through :meth:`watch`, which the app runs for as long as it serves. A thread
    of the writer's own does it otherwise (an app called without its lifespan, a writer on its own), and idles while
    a loop does. On a thread, every batch had the thread and the loop hand the interpreter lock back and forth:
    thousands of context switches a second under load (bench/README.md, the journal's cost). On the loop, a
    batch of a few hundred entries holds it up for a millisecond or two every FLUSH_EVERY_SECONDS (longer only
    while another worker's write holds the state file, which is as short), and costs what the writing costs.

    The request path takes no lock: its counters are written by it alone, and the writer's under the flush lock.
    """

    def __init__(
        self,
        store: StateStore,
        *,
        facts: RequestFacts | None = None,
        name: str | None = None,
        flush_every: float = FLUSH_EVERY_SECONDS,
        watch_every: float = WATCH_EVERY_SECONDS,
        batch: int = BATCH_ENTRIES,
        max_pending_entries: int = MAX_PENDING_ENTRIES,
        max_pending_bytes: int = MAX_PENDING_BYTES,
        start: bool = True,
    ) -> None:
        self._store = store
        self._entry = EntryEncoder(facts)
        self.name = name or str(os.getpid())  # the store judges whether a writer still lives by its name
        self._flush_every = flush_every
        self._watch_every = watch_every
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
        self._acknowledged = 0
        self._last_flush = time.monotonic()
        self._loop_writes = False
        self._thread: threading.Thread | None = None
        if start:
            self._acknowledged = store.flush_wanted()
            store.register_writer(self.name)
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
        if waiting + 1 == self._batch and not self._loop_writes:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def watch(self) -> None:
        """Writes the journal on the running event loop until cancelled: every WATCH_EVERY_SECONDS, what is due (a
        reader's flush ticket to answer, a full batch, entries that waited FLUSH_EVERY_SECONDS). Looking costs a
        load from shared memory."""
        self._loop_writes = True
        try:
            while True:
                await asyncio.sleep(self._watch_every)
                self._write_due(woken=False, wait_for_lock=False)
        finally:
            self._loop_writes = False
            self._wake.set()  # the thread takes over

    def _run(self) -> None:
        while not self._stopping:
            woken = self._wake.wait(IDLE_WAKE_SECONDS if self._loop_writes else self._watch_every)
            self._wake.clear()
            if not self._loop_writes:
                self._write_due(woken=woken, wait_for_lock=True)

    def _write_due(self, *, woken: bool, wait_for_lock: bool) -> None:
        """Writes what is due; ``woken``: a full batch woke the thread. Without ``wait_for_lock``, does nothing while
        another thread is writing (a reader's :meth:`sync`, which writes everything anyway)."""
        try:
            ticket = self._store.flush_wanted()
            if ticket > self._acknowledged:
                self._flush_and_acknowledge(ticket, wait_for_lock)
            elif woken or len(self._pending) >= self._batch or time.monotonic() - self._last_flush >= self._flush_every:
                self.flush(wait_for_lock)
            else:
                return
        except Exception:  # the store failed (a full disk, say): keep serving, try again on the next round
            logger.exception("the journal writer could not reach the store")
        self._last_flush = time.monotonic()

    def _flush_and_acknowledge(self, ticket: int, wait_for_lock: bool = True) -> None:
        # The ticket was read before the flush: whatever was recorded before the reader asked is written by now.
        if not self.flush(wait_for_lock):
            return  # another thread is writing; the next look acknowledges
        self._store.acknowledge_flush(self.name, ticket)
        self._acknowledged = max(self._acknowledged, ticket)

    def sync(self, timeout: float = SYNC_TIMEOUT_SECONDS) -> list[str]:
        """Makes the store hold every request answered before this call, by any process: asks every writer to flush
        and waits, at most ``timeout`` seconds, until each has. Returns the writers that did not in time.

        A request is recorded before the last byte of its answer is sent, so a client that read its answer and then
        asked for the journal finds its request there.
        """
        ticket = self._store.want_flush()
        if self._thread is not None:
            self._flush_and_acknowledge(ticket)  # this process's own, at once
        else:
            self.flush()
        deadline = time.monotonic() + timeout
        while True:
            behind = self._store.writers_behind(ticket)
            if not behind or time.monotonic() >= deadline:
                if behind:
                    logger.warning("journal writers %s did not flush within %.1f s", ", ".join(behind), timeout)
                return behind
            time.sleep(self._watch_every)

    def flush(self, wait_for_lock: bool = True) -> bool:
        """Write everything queued so far; without ``wait_for_lock``, only if no other thread is writing. True when
        it wrote."""
        if not self._flush_lock.acquire(blocking=wait_for_lock):
            return False
        try:
            while True:
                batch = [self._pending.popleft() for _ in range(min(self._batch, len(self._pending)))]
                rows = []
                for raw, size in batch:
                    try:
                        rows.append(self._entry(raw, size))
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
                    return True
        finally:
            self._flush_lock.release()

    def close(self, timeout: float = 5.0) -> None:
        """Write what waits, stop the thread and leave the store's list of writers."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.flush()
        if self._thread is not None:
            self._store.retire_writer(self.name)
            self._thread = None
