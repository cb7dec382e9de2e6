"""The journal's tables in the SQLite store: a ring of small entries with the columns its filters use, and the
parts of their JSON, each distinct part kept once.

Under load most entries share their parts (a client repeats its request; answers of a kind say the same), so an
entry is a few numbers and two references: the ring's writes are a fraction of what whole entries would cost, and
with them the pages read and written back on each batch, which under load cost a request's worth of system calls.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

from mockserver.state.store import JournalQuery, JournalRow, journal_document

logger = logging.getLogger("mockserver.state")

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    duration REAL NOT NULL,
    api TEXT NOT NULL,
    operation TEXT,
    correlation TEXT,
    conformed INTEGER NOT NULL,
    worker INTEGER NOT NULL,
    outcome INTEGER NOT NULL,
    request INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_parts (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('journal_dropped', 0);
INSERT OR IGNORE INTO meta VALUES ('journal_trimmed', 0);
"""
_COLUMNS = ("seq", "time", "duration", "api", "operation", "correlation", "conformed", "worker", "outcome", "request")

# The row counts of the insert statements a batch is cut into (a writer's batches hold at most 256 rows).
ROWS_PER_INSERT = (256, 64, 16, 4, 1)
_INSERTS = {
    size: "INSERT INTO journal (time, duration, api, operation, correlation, conformed, worker, outcome, request) "
    "VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * size)
    for size in ROWS_PER_INSERT
}


def prepare(connection: sqlite3.Connection) -> None:
    """Makes a state file's journal the one this version writes. The journal of an older version (whole entries in
    one column) is dropped: it holds recent requests only, and no reader of this version could read it."""
    columns = tuple(row[1] for row in connection.execute("PRAGMA table_info(journal)"))
    if columns and columns != _COLUMNS:
        logger.warning("the state file's journal was written by another version of the sandbox; starting it empty")
        connection.execute("DROP TABLE journal")
        connection.execute("DROP TABLE IF EXISTS journal_parts")


def part_id(text: str) -> int:
    """The key of a part: its text's hash, 63 bits. Every writer computes the same key for the same text without
    asking the store, and two texts among the few thousand parts a ring holds share one with a chance under 1e-11."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest()) >> 1


class PartKeys:
    """A writer's memory of its parts' keys. The parts of a repeated request are the same string objects each time
    (the encoder remembers them), so a key is looked up, not hashed again. Bounded: forgotten when full."""

    def __init__(self, limit: int = 4096) -> None:
        self._keys: dict[str, int] = {}
        self._limit = limit

    def __call__(self, text: str) -> int:
        key = self._keys.get(text)
        if key is None:
            if len(self._keys) >= self._limit:
                self._keys.clear()
            key = self._keys[text] = part_id(text)
        return key


def append(
    connection: sqlite3.Connection, rows: Sequence[JournalRow], dropped: int, capacity: int, keys: PartKeys
) -> None:
    """Adds the rows and their parts; beyond ``capacity`` the oldest entries go, and now and then the parts no
    entry needs any more. Call inside a write transaction."""
    parts: dict[int, str] = {}
    values: list[Any] = []
    for row in rows:
        outcome, request = keys(row.outcome), keys(row.request)
        parts[outcome], parts[request] = row.outcome, row.request
        values += (
            row.time, row.duration, row.api, row.operation, row.correlation_id, int(row.conformed), row.worker,
            outcome, request,
        )  # fmt: skip
    # A part is written in the same transaction as the entries that need it: a part another writer's trim found
    # unneeded and removed is back before any entry refers to it.
    connection.executemany("INSERT OR IGNORE INTO journal_parts VALUES (?, ?)", parts.items())
    # A few statements for the whole batch, not executemany: the sqlite3 module lets go of the interpreter lock
    # around each step. The batch goes in parts of a few fixed sizes, so that each statement is parsed once.
    start = 0
    for size in ROWS_PER_INSERT:
        while len(rows) - start >= size:
            connection.execute(_INSERTS[size], values[start * 9 : (start + size) * 9])
            start += size
    # The sequence keeps growing (AUTOINCREMENT), so an entry's number is never reused, also after a clear.
    trimmed = connection.execute(
        "DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?", (capacity,)
    ).rowcount
    if trimmed:
        # Parts outlive their entries until a quarter of the ring has gone: a trim of the parts reads the ring.
        since = connection.execute(
            "UPDATE meta SET value = value + ? WHERE key = 'journal_trimmed' RETURNING value", (trimmed,)
        ).fetchone()[0]
        if since >= max(1, capacity // 4):
            _trim_parts(connection)
    if dropped:
        connection.execute("UPDATE meta SET value = value + ? WHERE key = 'journal_dropped'", (dropped,))


def _trim_parts(connection: sqlite3.Connection) -> None:
    connection.execute(
        "DELETE FROM journal_parts WHERE id NOT IN (SELECT outcome FROM journal UNION SELECT request FROM journal)"
    )
    connection.execute("UPDATE meta SET value = 0 WHERE key = 'journal_trimmed'")


def clear(connection: sqlite3.Connection) -> None:
    connection.execute("DELETE FROM journal")
    connection.execute("DELETE FROM journal_parts")
    connection.execute("UPDATE meta SET value = 0 WHERE key = 'journal_trimmed'")


def query(connection: sqlite3.Connection, filters: JournalQuery) -> list[dict[str, Any]]:
    """The matching entries in the order their requests arrived; with a limit, the most recent ones.

    Each worker writes its entries in batches of its own, so the order of writing (``seq``) mixes the workers'
    batches; the arrival time orders requests across workers.
    """
    clauses, parameters = _where(filters)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (
        "SELECT j.seq, j.time, j.duration, j.correlation, j.worker, o.text, r.text FROM journal AS j "
        "JOIN journal_parts AS o ON o.id = j.outcome JOIN journal_parts AS r ON r.id = j.request "
        f"{where} ORDER BY j.time DESC, j.seq DESC"
    )
    if filters.limit is not None:
        sql += " LIMIT ?"
        parameters.append(filters.limit)
    rows = connection.execute(sql, parameters).fetchall()
    return [{"seq": seq, **journal_document(*parts)} for seq, *parts in reversed(rows)]


def size_and_dropped(connection: sqlite3.Connection) -> tuple[int, int]:
    size = connection.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
    dropped = connection.execute("SELECT value FROM meta WHERE key = 'journal_dropped'").fetchone()[0]
    return size, dropped


def _where(filters: JournalQuery) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    parameters: list[Any] = []
    for column, value in (("j.api", filters.api), ("j.operation", filters.operation)):
        if value is not None:
            clauses.append(f"{column} = ?")
            parameters.append(value)
    if filters.since is not None:
        clauses.append("j.time >= ?")
        parameters.append(filters.since)
    if filters.until is not None:
        clauses.append("j.time < ?")
        parameters.append(filters.until)
    if filters.correlation_prefix is not None:
        # substr, not LIKE: a prefix holding '%' or '_' is taken literally.
        clauses.append("substr(j.correlation, 1, ?) = ?")
        parameters += [len(filters.correlation_prefix), filters.correlation_prefix]
    if filters.conformed is not None:
        clauses.append("j.conformed = ?")
        parameters.append(int(filters.conformed))
    return clauses, parameters
