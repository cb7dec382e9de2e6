"""The SQLite state store: atomic changes, generations in commit order, draw counters, the journal's ring."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sandbox_state import bundled_documents, new_store

from mockserver.state.shared_counter import SharedCounter
from mockserver.state.sqlite_store import SqliteStateStore
from mockserver.state.store import CORRELATION_SLOT, Draft, JournalQuery, JournalRow, UnstorableValueError


@pytest.fixture
def store(tmp_path: Path) -> Any:
    store = new_store(tmp_path, capacity=5)
    yield store
    store.close()


def _row(time: float, api: str = "valkyrie", *, correlation: str | None = None, conformed: bool = True) -> JournalRow:
    outcome = json.dumps({"api": api, "conformed": conformed}, separators=(",", ":"))[1:-1]
    return JournalRow(time, 0.001, api, "getBalance", correlation, conformed, 1, outcome, '{"method":"GET"}')


def _seconds(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["time"]).timestamp()


def test_a_seeded_store_serves_the_documents_at_generation_one(store: SqliteStateStore) -> None:
    snapshot = store.snapshot()
    assert snapshot.documents == bundled_documents()
    assert snapshot.rules == {}
    assert snapshot.generation == store.generation() == 1


def test_a_change_is_committed_whole_and_moves_the_generation(store: SqliteStateStore) -> None:
    def zero_alice(draft: Draft) -> str:
        draft.documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] = 0
        draft.rules["slow"] = {"api": "valkyrie", "fault": {"kind": "drop"}}
        return "done"

    result, generation = store.change(zero_alice)
    assert (result, generation, store.generation()) == ("done", 2, 2)
    snapshot = store.snapshot()
    assert snapshot.documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] == 0
    assert snapshot.rules == {"slow": {"api": "valkyrie", "fault": {"kind": "drop"}}}
    assert snapshot.documents["vip-connect"] == bundled_documents()["vip-connect"]


def test_a_change_that_raises_changes_nothing(store: SqliteStateStore) -> None:
    def half_then_fail(draft: Draft) -> None:
        draft.documents["valkyrie"]["api_token"] = "changed"
        draft.rules["slow"] = {"api": "valkyrie"}
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        store.change(half_then_fail)
    assert store.snapshot().documents == bundled_documents()
    assert store.snapshot().rules == {}
    assert store.generation() == 1


def test_a_change_that_changes_nothing_keeps_the_generation(store: SqliteStateStore) -> None:
    _, generation = store.change(lambda draft: None)
    assert generation == store.generation() == 1


def test_a_value_json_cannot_hold_is_refused(store: SqliteStateStore) -> None:
    def nan(draft: Draft) -> None:
        draft.documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] = float("nan")

    with pytest.raises(UnstorableValueError):
        store.change(nan)
    assert store.generation() == 1


def test_resuming_keeps_what_was_served_and_replaces_what_was_loaded(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    store.change(lambda draft: draft.documents["valkyrie"].update(api_token="changed-at-runtime"))
    store.change(lambda draft: draft.rules.update(slow={"api": "valkyrie"}))
    store.close()
    reopened = SqliteStateStore(tmp_path / "state.sqlite3")
    loaded = bundled_documents()
    loaded["valkyrie"]["api_token"] = "edited-in-the-file"
    reopened.seed(loaded, resume=True)
    snapshot = reopened.snapshot()
    assert snapshot.documents["valkyrie"]["api_token"] == "changed-at-runtime"
    assert snapshot.rules == {"slow": {"api": "valkyrie"}}
    reopened.change(lambda draft: draft.documents.update(valkyrie=draft.loaded["valkyrie"]))
    assert reopened.snapshot().documents["valkyrie"]["api_token"] == "edited-in-the-file"
    reopened.seed(loaded)  # without resume: the loaded documents, no rules
    assert reopened.snapshot().rules == {}
    reopened.close()


def test_draw_counters_count_from_zero_and_restart_by_prefix(store: SqliteStateStore) -> None:
    assert [store.draw("valkyrie/rule/a/") for _ in range(3)] == [0, 1, 2]
    assert store.draw("valkyrie/rule/ab/") == 0
    store.change(lambda draft: draft.restart_counters("valkyrie/rule/a/"))
    assert store.draw("valkyrie/rule/a/") == 0
    assert store.draw("valkyrie/rule/ab/") == 1  # another rule whose name merely starts the same
    store.change(lambda draft: draft.restart_counters())
    assert store.draw("valkyrie/rule/ab/") == 0


def test_the_journal_is_a_ring_of_its_capacity_with_numbers_never_reused(store: SqliteStateStore) -> None:
    store.append_journal([_row(float(t)) for t in range(8)])
    entries = store.query_journal(JournalQuery())
    assert [_seconds(entry) for entry in entries] == [3.0, 4.0, 5.0, 6.0, 7.0]
    assert [entry["seq"] for entry in entries] == [4, 5, 6, 7, 8]
    store.clear_journal()
    assert store.journal_status().size == 0
    store.append_journal([_row(9.0)])
    assert store.query_journal(JournalQuery())[0]["seq"] == 9


def test_journal_filters_combine_and_limit_keeps_the_latest(store: SqliteStateStore) -> None:
    store.append_journal(
        [
            _row(1.0, correlation="run-1-a"),
            _row(2.0, "paytronix", correlation="run-1-b", conformed=False),
            _row(3.0, correlation="run-2-a"),
            _row(4.0, correlation="run_1%"),
        ]
    )

    def times(**filters: Any) -> list[float]:
        return [_seconds(entry) for entry in store.query_journal(JournalQuery(**filters))]

    assert times(api="valkyrie") == [1.0, 3.0, 4.0]
    assert times(correlation_prefix="run-1") == [1.0, 2.0]
    assert times(correlation_prefix="run_") == [4.0]  # '_' and '%' are no wildcards
    assert times(conformed=False) == [2.0]
    assert times(since=2.0, until=4.0) == [2.0, 3.0]
    assert times(limit=2) == [3.0, 4.0]
    assert times(api="valkyrie", since=2.0, limit=1) == [4.0]


def test_dropped_entries_are_counted(store: SqliteStateStore) -> None:
    store.append_journal([], dropped=3)
    store.append_journal([_row(1.0)], dropped=2)
    status = store.journal_status()
    assert (status.size, status.capacity, status.dropped) == (1, 5, 5)


def test_the_store_runs_in_wal_mode(store: SqliteStateStore) -> None:
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_temporary_store_removes_its_directory(tmp_path: Path) -> None:
    store = SqliteStateStore.in_temporary_directory()
    directory = store.path.parent
    store.seed(bundled_documents())
    assert store.temporary and directory.is_dir()
    store.close()
    assert not directory.exists()


def test_the_counter_is_shared_by_every_mapping_of_its_file(tmp_path: Path) -> None:
    writer, reader = SharedCounter(tmp_path / "g"), SharedCounter(tmp_path / "g")
    assert reader.read() == 0
    with writer.writing():
        writer.publish(41)
    assert reader.read() == 41
    assert writer.increment() == 42 and reader.read() == 42
    writer.close()
    reader.close()


def test_a_flush_ticket_waits_for_every_live_writer_that_has_not_acknowledged_it(store: SqliteStateStore) -> None:
    store.register_writer(str(os.getpid()))
    store.register_writer("another-host-writer")  # not a process id: judged alive
    ticket = store.want_flush()
    assert store.flush_wanted() == ticket
    assert sorted(store.writers_behind(ticket)) == sorted([str(os.getpid()), "another-host-writer"])
    store.acknowledge_flush(str(os.getpid()), ticket)
    assert store.writers_behind(ticket) == ["another-host-writer"]
    store.acknowledge_flush("another-host-writer", ticket + 5)
    store.acknowledge_flush("another-host-writer", ticket)  # never moves back
    assert store.writers_behind(ticket + 5) == [str(os.getpid())]
    store.retire_writer(str(os.getpid()))
    assert store.writers_behind(ticket + 5) == []


def test_a_writer_whose_process_is_gone_is_not_waited_for(store: SqliteStateStore) -> None:
    process = multiprocessing.get_context("spawn").Process(target=int)
    process.start()
    process.join(60)
    store.register_writer(str(process.pid))  # a process id no process has any more
    assert store.writers_behind(store.want_flush()) == []


def test_a_new_writer_owes_nothing_to_the_tickets_asked_before_it_came(store: SqliteStateStore) -> None:
    earlier = store.want_flush()
    store.register_writer(str(os.getpid()))
    assert store.writers_behind(earlier) == []
    assert store.writers_behind(store.want_flush()) == [str(os.getpid())]


def _change_in_another_process(path: str) -> None:
    store = SqliteStateStore(path)
    store.change(lambda draft: draft.documents["valkyrie"].update(api_token="from-another-process"))
    store.close()


def test_a_change_in_another_process_moves_the_generation_seen_here(store: SqliteStateStore) -> None:
    before = store.generation()
    process = multiprocessing.get_context("spawn").Process(target=_change_in_another_process, args=(str(store.path),))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    assert store.generation() == before + 1  # read from the shared counter, no query
    assert store.snapshot().documents["valkyrie"]["api_token"] == "from-another-process"


def _parts(store: SqliteStateStore) -> int:
    with store._db.transaction() as connection:
        return int(connection.execute("SELECT COUNT(*) FROM journal_parts").fetchone()[0])


def test_entries_share_their_parts_and_parts_no_entry_needs_go(tmp_path: Path) -> None:
    store = new_store(tmp_path, capacity=8)
    try:
        store.append_journal([_row(float(t)) for t in range(8)])
        assert _parts(store) == 2  # eight entries, one outcome and one request between them
        other = [JournalRow(10.0 + t, 0.0, "paytronix", None, None, True, 2, f'"n":{t}', "{}") for t in range(8)]
        store.append_journal(other)  # the ring wraps: the first eight go, and with them their parts
        assert [entry["n"] for entry in store.query_journal(JournalQuery())] == list(range(8))
        assert _parts(store) == 9
        store.clear_journal()
        assert _parts(store) == 0
    finally:
        store.close()


def test_an_entry_gets_its_correlation_id_back_in_its_request(store: SqliteStateStore) -> None:
    request = f'{{"headers":{{{CORRELATION_SLOT},"host":"h"}}}}'
    store.append_journal([JournalRow(1.0, 0.5, "valkyrie", None, "run-7", True, 3, '"api":"valkyrie"', request)])
    (entry,) = store.query_journal(JournalQuery())
    assert entry["request"] == {"headers": {"x-correlation-id": "run-7", "host": "h"}}
    assert (entry["correlation_id"], entry["duration_ms"], entry["worker"]) == ("run-7", 500.0, 3)
    assert entry["time"] == "1970-01-01T00:00:01.000000Z"


def test_a_journal_written_by_another_version_is_started_afresh(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    new_store(tmp_path).close()
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE journal")
        connection.execute("CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, time REAL, entry TEXT)")
        connection.execute("INSERT INTO journal (time, entry) VALUES (1.0, '{}')")
    with caplog.at_level("WARNING", logger="mockserver.state"):
        reopened = SqliteStateStore(path)
    try:
        assert "another version" in caplog.text
        assert reopened.journal_status().size == 0
        assert reopened.snapshot().documents == bundled_documents()  # the rest of the state is kept
        reopened.append_journal([_row(2.0)])
        assert reopened.journal_status().size == 1
    finally:
        reopened.close()
