"""The state every worker shares: fixture documents, fault rules and the journal, seen through a live view."""

from mockserver.state.live_state import LiveState
from mockserver.state.sqlite_store import SqliteStateStore
from mockserver.state.store import (
    DEFAULT_JOURNAL_CAPACITY,
    Document,
    Draft,
    JournalQuery,
    JournalRow,
    JournalStatus,
    Snapshot,
    StateStore,
    UnstorableValueError,
)

__all__ = [
    "DEFAULT_JOURNAL_CAPACITY",
    "Document",
    "Draft",
    "JournalQuery",
    "JournalRow",
    "JournalStatus",
    "LiveState",
    "Snapshot",
    "SqliteStateStore",
    "StateStore",
    "UnstorableValueError",
]
