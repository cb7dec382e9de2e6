"""One SQLite file shared by threads and processes: a connection per thread, explicit transactions, WAL mode."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# A writer waits this long for another one's transaction (a journal batch, an admin change) before it fails.
BUSY_TIMEOUT_MS = 5_000
# Each connection's page cache, in KiB (SQLite's default is 2,000): a thread's connection keeps it for good, and the
# store's reads and writes are small (the journal's appends, a snapshot of the fixture documents).
PAGE_CACHE_KIB = 512
# The write-ahead log is cut back to this size after a checkpoint, so a burst of journal writes leaves no large file.
WAL_SIZE_LIMIT = 4 * 1024 * 1024


class SqliteConnections:
    """The connections of one process to one SQLite file.

    Each thread gets its own connection (a connection must not be used by two threads at once), in autocommit
    mode: transactions are explicit, so that a read of several tables is one snapshot. In WAL mode readers see the
    last commit and never wait for a writer; writers wait for each other up to BUSY_TIMEOUT_MS.
    """

    def __init__(
        self,
        path: Path,
        schema: str,
        *,
        durable: bool = True,
        prepare: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """``prepare`` runs first, in the transaction that creates the ``schema``'s missing tables: for a file of
        another version, say."""
        self.path = path
        self._durable = durable
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        connection = self.connection()
        connection.execute("PRAGMA journal_mode=WAL")  # persistent: recorded in the file
        with self.transaction(immediate=True):
            if prepare is not None:
                prepare(connection)
            # One statement at a time: executescript would commit the transaction first.
            for statement in schema.split(";"):
                if statement.strip():
                    connection.execute(statement)

    def connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # With WAL, NORMAL survives a crash of the process; only a power loss may lose the last changes. A file
            # removed at exit needs no syncing at all (OFF), which saves the journal's writer a third of its writes.
            connection.execute("PRAGMA synchronous=NORMAL" if self._durable else "PRAGMA synchronous=OFF")
            connection.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            connection.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            self._local.connection = connection
            with self._all_lock:
                self._all.append(connection)
        return connection

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """A transaction of this thread's connection; ``immediate`` takes the write lock at once."""
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def close(self) -> None:
        with self._all_lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
        self._local = threading.local()
