"""The default state store: one SQLite file (WAL mode) shared by the worker processes, and its generation counter."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mockserver.state import sqlite_journal
from mockserver.state.shared_counter import SharedCounter
from mockserver.state.sqlite_connections import SqliteConnections
from mockserver.state.store import (
    DEFAULT_JOURNAL_CAPACITY,
    Document,
    Draft,
    JournalQuery,
    JournalRow,
    JournalStatus,
    Snapshot,
    T,
    stored_text,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
CREATE TABLE IF NOT EXISTS documents (api TEXT PRIMARY KEY, current TEXT NOT NULL, loaded TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rules (name TEXT PRIMARY KEY, rule TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS journal_writers (writer TEXT PRIMARY KEY, acknowledged INTEGER NOT NULL);
"""


class SqliteStateStore:
    """The state in ``path`` (created if missing), shared by every process that opens the same path.

    Changes run in ``BEGIN IMMEDIATE`` transactions under the generation counter's write lock, so generations are
    published in commit order; reads run in one transaction each and so see whole changes only. Beside the file, two
    shared counters: the generation (``<path>.generation``) and the journal's flush tickets (``<path>.flush``).
    Journal writers are the processes of this host, named by their process id.
    """

    def __init__(
        self, path: Path | str, *, journal_capacity: int = DEFAULT_JOURNAL_CAPACITY, temporary: bool = False
    ) -> None:
        if journal_capacity < 1:
            raise ValueError(f"journal capacity must be at least 1, got {journal_capacity}")
        self.path = Path(path)
        self.location = str(self.path)
        self.temporary = temporary
        self.journal_capacity = journal_capacity
        self._counter = SharedCounter(self.path.with_name(self.path.name + ".generation"))
        # The generation is read on every request's path: the counter's own read, with no call around it.
        self.generation: Callable[[], int] = self._counter.read
        self._flushes = SharedCounter(self.path.with_name(self.path.name + ".flush"))
        self._db = SqliteConnections(
            self.path, _SCHEMA + sqlite_journal.SCHEMA, durable=not temporary, prepare=sqlite_journal.prepare
        )
        self._part_keys = sqlite_journal.PartKeys()
        self._owned_directory: Path | None = None
        self._closed = False

    @classmethod
    def in_temporary_directory(cls, *, journal_capacity: int = DEFAULT_JOURNAL_CAPACITY) -> SqliteStateStore:
        """A store in a new temporary directory, removed by :meth:`close`."""
        directory = Path(tempfile.mkdtemp(prefix="mockserver-state-"))
        store = cls(directory / "state.sqlite3", journal_capacity=journal_capacity, temporary=True)
        store._owned_directory = directory
        return store

    @staticmethod
    def _generation_in(connection: sqlite3.Connection) -> int:
        value: int = connection.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        return value

    # The served state

    def snapshot(self) -> Snapshot:
        with self._db.transaction() as connection:
            generation = self._generation_in(connection)
            documents = {
                api: json.loads(text) for api, text in connection.execute("SELECT api, current FROM documents")
            }
            rules = {name: json.loads(text) for name, text in connection.execute("SELECT name, rule FROM rules")}
        return Snapshot(generation, documents, rules)

    def seed(self, documents: Mapping[str, Document], *, resume: bool = False) -> None:
        encoded = {api: stored_text(document) for api, document in documents.items()}

        def write(connection: sqlite3.Connection) -> None:
            if not resume:
                connection.execute("DELETE FROM documents")
                connection.execute("DELETE FROM rules")
                connection.execute("DELETE FROM counters")
            connection.execute(f"DELETE FROM documents WHERE api NOT IN ({','.join('?' * len(encoded))})", [*encoded])
            for api, text in encoded.items():
                connection.execute(
                    "INSERT INTO documents VALUES (?, ?, ?) ON CONFLICT (api) DO UPDATE SET loaded = excluded.loaded",
                    (api, text, text),
                )

        self._commit(write)

    def change(self, edit: Callable[[Draft], T]) -> tuple[T, int]:
        outcome: list[T] = []

        def write(connection: sqlite3.Connection) -> bool:
            rows = connection.execute("SELECT api, current, loaded FROM documents").fetchall()
            current = {api: text for api, text, _ in rows}
            loaded = {api: text for api, _, text in rows}
            rules = dict(connection.execute("SELECT name, rule FROM rules").fetchall())
            draft = Draft(
                documents={api: json.loads(text) for api, text in current.items()},
                rules={name: json.loads(text) for name, text in rules.items()},
                loaded={api: json.loads(text) for api, text in loaded.items()},
            )
            outcome.append(edit(draft))
            return self._write_back(connection, draft, current, loaded, rules)

        generation = self._commit(write)
        return outcome[0], generation

    def _write_back(
        self,
        connection: sqlite3.Connection,
        draft: Draft,
        documents: dict[str, str],
        loaded: dict[str, str],
        rules: dict[str, str],
    ) -> bool:
        """Writes what the draft changed; True when anything did."""
        changed = False
        for column, drafted, stored in (("current", draft.documents, documents), ("loaded", draft.loaded, loaded)):
            for api, document in drafted.items():
                text = stored_text(document)
                if stored.get(api) != text:
                    if api not in stored:
                        raise KeyError(f"no document of an API named {api!r} was seeded")
                    # The column's name is one of the two above, never a caller's value.
                    connection.execute(f"UPDATE documents SET {column} = ? WHERE api = ?", (text, api))
                    changed = True
        for name in rules.keys() - draft.rules.keys():
            connection.execute("DELETE FROM rules WHERE name = ?", (name,))
            changed = True
        for name, rule in draft.rules.items():
            text = stored_text(rule)
            if rules.get(name) != text:
                connection.execute("INSERT OR REPLACE INTO rules VALUES (?, ?)", (name, text))
                changed = True
        for prefix in draft.restarted_counters:
            connection.execute("DELETE FROM counters WHERE substr(name, 1, ?) = ?", (len(prefix), prefix))
        return changed or bool(draft.restarted_counters)

    def _commit(self, write: Callable[[sqlite3.Connection], object]) -> int:
        """Runs ``write`` in a write transaction; a write that returns anything but False moves the generation,
        which is published once committed."""
        with self._counter.writing():
            with self._db.transaction(immediate=True) as connection:
                generation = self._generation_in(connection)
                if write(connection) is not False:
                    generation += 1
                    connection.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (generation,))
            self._counter.publish(generation)
        return generation

    def draw(self, counter: str) -> int:
        with self._db.transaction(immediate=True) as connection:
            row = connection.execute(
                "INSERT INTO counters VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET next = next + 1 RETURNING next",
                (counter,),
            ).fetchone()
        return int(row[0]) - 1

    # The journal

    def append_journal(self, rows: Sequence[JournalRow], dropped: int = 0) -> None:
        with self._db.transaction(immediate=True) as connection:
            sqlite_journal.append(connection, rows, dropped, self.journal_capacity, self._part_keys)

    def query_journal(self, query: JournalQuery) -> list[dict[str, Any]]:
        with self._db.transaction() as connection:
            return sqlite_journal.query(connection, query)

    def clear_journal(self) -> None:
        with self._db.transaction(immediate=True) as connection:
            sqlite_journal.clear(connection)

    def journal_status(self) -> JournalStatus:
        with self._db.transaction() as connection:
            size, dropped = sqlite_journal.size_and_dropped(connection)
        return JournalStatus(size=size, capacity=self.journal_capacity, dropped=dropped)

    # Flushes of every process's journal writer

    def register_writer(self, writer: str) -> None:
        with self._db.transaction(immediate=True) as connection:
            # A new writer holds nothing a reader that asked before it came could be waiting for.
            connection.execute("INSERT OR REPLACE INTO journal_writers VALUES (?, ?)", (writer, self._flushes.read()))

    def retire_writer(self, writer: str) -> None:
        with self._db.transaction(immediate=True) as connection:
            connection.execute("DELETE FROM journal_writers WHERE writer = ?", (writer,))

    def flush_wanted(self) -> int:
        return self._flushes.read()

    def want_flush(self) -> int:
        return self._flushes.increment()

    def acknowledge_flush(self, writer: str, ticket: int) -> None:
        with self._db.transaction(immediate=True) as connection:
            connection.execute(
                "UPDATE journal_writers SET acknowledged = MAX(acknowledged, ?) WHERE writer = ?", (ticket, writer)
            )

    def writers_behind(self, ticket: int) -> list[str]:
        with self._db.transaction() as connection:
            rows = connection.execute("SELECT writer FROM journal_writers WHERE acknowledged < ?", (ticket,)).fetchall()
        behind = [writer for (writer,) in rows]
        gone = [writer for writer in behind if not _process_lives(writer)]
        if gone:
            # A worker that died never acknowledges; a reader must not wait for it (its last entries are lost).
            with self._db.transaction(immediate=True) as connection:
                connection.executemany("DELETE FROM journal_writers WHERE writer = ?", [(writer,) for writer in gone])
        return [writer for writer in behind if writer not in gone]

    def close(self) -> None:
        """Closes the store (once; later calls do nothing), and removes its directory if it made one."""
        if self._closed:
            return
        self._closed = True
        self._db.close()
        self._counter.close()
        self._flushes.close()
        if self._owned_directory is not None:
            shutil.rmtree(self._owned_directory, ignore_errors=True)


def _process_lives(writer: str) -> bool:
    """True when the process a writer is named after still runs on this host."""
    try:
        os.kill(int(writer), 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError, OverflowError):
        return True  # not a process id of ours to judge, or another user's process: treated as alive
    return True
