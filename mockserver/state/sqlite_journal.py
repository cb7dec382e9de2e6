"""The journal's table in the SQLite store: a ring of entries with the columns its filters use."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from mockserver.state.store import JournalQuery, JournalRow

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    api TEXT NOT NULL,
    operation TEXT,
    correlation TEXT,
    conformed INTEGER NOT NULL,
    entry TEXT NOT NULL
);
INSERT OR IGNORE INTO meta VALUES ('journal_dropped', 0);
"""


# The row counts of the insert statements a batch is cut into (a writer's batches hold at most 256 rows).
ROWS_PER_INSERT = (256, 64, 16, 4, 1)
_INSERTS = {
    size: "INSERT INTO journal (time, api, operation, correlation, conformed, entry) VALUES "
    + ", ".join(["(?, ?, ?, ?, ?, ?)"] * size)
    for size in ROWS_PER_INSERT
}


def append(connection: sqlite3.Connection, rows: Sequence[JournalRow], dropped: int, capacity: int) -> None:
    """Adds the rows; beyond ``capacity`` the oldest entries go. Call inside a write transaction."""
    # A few statements for the whole batch, not executemany: the sqlite3 module lets go of the interpreter lock
    # around each step, and under load getting it back costs the writer thread a switch interval (5 ms) per row. The
    # batch goes in parts of a few fixed sizes, so that each statement is parsed once and then reused.
    start = 0
    for size in ROWS_PER_INSERT:
        while len(rows) - start >= size:
            part = rows[start : start + size]
            values = [
                v for r in part for v in (r.time, r.api, r.operation, r.correlation_id, int(r.conformed), r.entry)
            ]
            connection.execute(_INSERTS[size], values)
            start += size
    # The sequence keeps growing (AUTOINCREMENT), so an entry's number is never reused, also after a clear.
    connection.execute("DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?", (capacity,))
    if dropped:
        connection.execute("UPDATE meta SET value = value + ? WHERE key = 'journal_dropped'", (dropped,))


def query(connection: sqlite3.Connection, filters: JournalQuery) -> list[dict[str, Any]]:
    """The matching entries in the order their requests arrived; with a limit, the most recent ones.

    Each worker writes its entries in batches of its own, so the order of writing (``seq``) mixes the workers'
    batches; the arrival time orders requests across workers.
    """
    clauses, parameters = _where(filters)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT seq, entry FROM journal {where} ORDER BY time DESC, seq DESC"
    if filters.limit is not None:
        sql += " LIMIT ?"
        parameters.append(filters.limit)
    rows = connection.execute(sql, parameters).fetchall()
    return [{"seq": seq, **json.loads(entry)} for seq, entry in reversed(rows)]


def size_and_dropped(connection: sqlite3.Connection) -> tuple[int, int]:
    size = connection.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
    dropped = connection.execute("SELECT value FROM meta WHERE key = 'journal_dropped'").fetchone()[0]
    return size, dropped


def _where(filters: JournalQuery) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    parameters: list[Any] = []
    for column, value in (("api", filters.api), ("operation", filters.operation)):
        if value is not None:
            clauses.append(f"{column} = ?")
            parameters.append(value)
    if filters.since is not None:
        clauses.append("time >= ?")
        parameters.append(filters.since)
    if filters.until is not None:
        clauses.append("time < ?")
        parameters.append(filters.until)
    if filters.correlation_prefix is not None:
        # substr, not LIKE: a prefix holding '%' or '_' is taken literally.
        clauses.append("substr(correlation, 1, ?) = ?")
        parameters += [len(filters.correlation_prefix), filters.correlation_prefix]
    if filters.conformed is not None:
        clauses.append("conformed = ?")
        parameters.append(int(filters.conformed))
    return clauses, parameters
