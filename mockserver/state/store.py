"""The shared state's interface: fixture documents, fault rules, draw counters and the journal, for every worker."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

from mockserver.instants import rfc3339

T = TypeVar("T")

Document = dict[str, Any]
DEFAULT_JOURNAL_CAPACITY = 10_000


class UnstorableValueError(ValueError):
    """A change holds a value the store cannot keep as JSON (NaN, Infinity, a non-JSON type)."""


def stored_text(value: Any) -> str:
    """``value`` as a store keeps it: compact JSON, keys in their order. Two values are the same data to a store
    when their texts are equal (``1`` and ``1.0`` are not: the mock would answer them differently)."""
    try:
        # NaN and Infinity are not JSON; a document holding one would be served as invalid JSON.
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as problem:
        raise UnstorableValueError(str(problem)) from None


@dataclass(frozen=True)
class Snapshot:
    """Everything a worker serves from, read in one transaction: never half of a change."""

    generation: int
    documents: Mapping[str, Document]  # API name -> its current fixture document
    rules: Mapping[str, dict[str, Any]]  # fault rule name -> the rule, as declared


@dataclass
class Draft:
    """What a change may edit: copies of the current documents and rules, which the store writes back if the change
    returns normally. ``loaded`` holds the documents of the fixture files, what a reset restores: read at start, and
    replaced when a watched fixture file is reloaded."""

    documents: dict[str, Document]
    rules: dict[str, dict[str, Any]]
    loaded: dict[str, Document]
    restarted_counters: set[str] = field(default_factory=set)  # name prefixes

    def restart_counters(self, prefix: str = "") -> None:
        """Start the draw counters whose names begin with ``prefix`` (all of them by default) from zero again once the
        change commits, so that a re-declared seeded rule repeats its sequence from the start."""
        self.restarted_counters.add(prefix)


# In a journal entry's ``request`` part, the member that stands for the request's X-Correlation-ID header: a client
# sends a new id with every request, and with the id held apart the part is the same text for every repeat of a
# request. (A NUL, which no HTTP header can hold.)
CORRELATION_SLOT = '"x-correlation-id":"\\u0000"'


class JournalRow(NamedTuple):
    """One journal entry as the store keeps it: the columns filters use, and the entry's redacted JSON in two parts
    that many entries share, which a store may keep once each: ``outcome``, the members saying what became of the
    request (no braces), and ``request``, its record (an object), in which CORRELATION_SLOT, if there, stands for
    the ``correlation_id``.

    A named tuple: a writer makes one for every request, and a tuple is made in a fraction of the time a frozen
    dataclass's nine attribute assignments take."""

    time: float  # seconds since the epoch, when the request arrived
    duration: float  # seconds until its answer ended
    api: str
    operation: str | None
    correlation_id: str | None
    conformed: bool
    worker: int  # the process that answered it
    outcome: str
    request: str

    def document(self) -> dict[str, Any]:
        """The entry, as the journal shows it."""
        return journal_document(
            self.time, self.duration, self.correlation_id, self.worker, self.outcome, self.request
        )  # fmt: skip

    @property
    def entry(self) -> str:
        """The entry as compact JSON."""
        return json.dumps(self.document(), separators=(",", ":"))


def journal_document(
    time: float, duration: float, correlation_id: str | None, worker: int, outcome: str, request: str
) -> dict[str, Any]:
    """A journal entry put together from its stored parts."""
    if CORRELATION_SLOT in request:
        request = request.replace(CORRELATION_SLOT, f'"x-correlation-id":{json.dumps(correlation_id)}', 1)
    return {
        "time": rfc3339(time, microseconds=True),
        "duration_ms": round(duration * 1000, 3),
        "correlation_id": correlation_id,
        **json.loads(f"{{{outcome}}}"),
        "request": json.loads(request),
        "worker": worker,
    }


@dataclass(frozen=True)
class JournalQuery:
    """Filters of a journal read; None leaves a filter out. With ``limit``, the most recent entries."""

    api: str | None = None
    operation: str | None = None
    since: float | None = None
    until: float | None = None
    correlation_prefix: str | None = None
    conformed: bool | None = None
    limit: int | None = None


@dataclass(frozen=True)
class JournalStatus:
    size: int
    capacity: int
    dropped: int  # entries never written: the writers' queues were full


class StateStore(Protocol):
    """One state for every worker process (and, with a networked implementation, for several sandbox hosts).

    ``generation`` is on every request's path and must not query anything; the rest is called on admin changes,
    on a rebuild after the generation moved, by the journal's writers, and for seeded fault draws.
    """

    location: str
    temporary: bool

    def generation(self) -> int:
        """The generation last committed (or a moment older): cheap enough for every request."""
        ...

    def snapshot(self) -> Snapshot: ...

    def seed(self, documents: Mapping[str, Document], *, resume: bool = False) -> None:
        """The documents loaded at start. Without ``resume`` they are also what is served, and the rules are
        cleared; with it, the documents and rules already stored for an API are kept."""
        ...

    def change(self, edit: Callable[[Draft], T]) -> tuple[T, int]:
        """Applies ``edit`` atomically and returns its result and the generation after it. If ``edit`` raises, nothing
        changes. An implementation may call ``edit`` more than once (optimistic concurrency), so it must only
        read and change the draft."""
        ...

    def draw(self, counter: str) -> int:
        """The next number (0, 1, 2, ...) of a counter shared by every worker process."""
        ...

    def append_journal(self, rows: Sequence[JournalRow], dropped: int = 0) -> None:
        """Adds entries (the oldest go beyond the capacity) and counts ``dropped`` entries that were never written."""
        ...

    def query_journal(self, query: JournalQuery) -> list[dict[str, Any]]: ...

    def clear_journal(self) -> None: ...

    def journal_status(self) -> JournalStatus: ...

    # A journal read sees every request answered before it began, whichever process answered it: the reader asks
    # for a flush (a ticket), and each process's writer, which watches for tickets, writes what it holds and
    # acknowledges the ticket.

    def register_writer(self, writer: str) -> None:
        """Enrols a process's journal writer, so that readers wait for it."""
        ...

    def retire_writer(self, writer: str) -> None: ...

    def flush_wanted(self) -> int:
        """The last ticket asked for: cheap enough for a writer to watch every few milliseconds."""
        ...

    def want_flush(self) -> int:
        """Asks every writer to flush; returns the ticket to wait for."""
        ...

    def acknowledge_flush(self, writer: str, ticket: int) -> None:
        """``writer`` has written everything it held when it saw ``ticket``."""
        ...

    def writers_behind(self, ticket: int) -> list[str]:
        """The live writers that have not acknowledged ``ticket`` yet."""
        ...

    def close(self) -> None: ...
