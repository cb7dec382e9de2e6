"""The journal: batches written off the request path, bounded memory, losses counted, every worker covered."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sandbox_state import new_store, partner_layer, raw
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope
from support import VALKYRIE_BALANCE, valkyrie_headers, valkyrie_player

from mockserver import create_app
from mockserver.journal.entry import MAX_ENTRY_BYTES, EntryEncoder, RawExchange
from mockserver.journal.exchange import exchange_in, prefix_lookup
from mockserver.journal.facts import RequestFacts
from mockserver.journal.writer import JournalWriter
from mockserver.state.sqlite_store import SqliteStateStore
from mockserver.state.store import JournalQuery, JournalRow

# A generous bound that only stops a broken writer from hanging the test.
HANG = 30.0


class CountingStore(SqliteStateStore):
    """Counts the journal's write transactions."""

    appends: list[int]

    def append_journal(self, rows: Sequence[JournalRow], dropped: int = 0) -> None:
        self.appends = [*getattr(self, "appends", []), len(rows)]
        super().append_journal(rows, dropped)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    new_store(tmp_path, capacity=10_000).close()
    store = CountingStore(tmp_path / "state.sqlite3", journal_capacity=10_000)
    store.appends = []
    yield store
    store.close()


def test_recording_writes_nothing_until_the_writer_flushes_in_batches(store: CountingStore) -> None:
    writer = JournalWriter(store, batch=100, start=False)
    for number in range(250):
        writer.record(raw(f"run-{number}"))
    assert store.appends == [] and store.journal_status().size == 0
    writer.flush()
    assert store.appends == [100, 100, 50]
    assert [entry["correlation_id"] for entry in store.query_journal(JournalQuery(limit=2))] == ["run-248", "run-249"]


def test_the_writers_thread_flushes_on_its_own(store: CountingStore) -> None:
    writer = JournalWriter(store, flush_every=0.01)
    for _ in range(10):
        writer.record(raw())
    deadline = time.monotonic() + HANG
    while store.journal_status().size < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    writer.close()
    assert store.journal_status().size == 10 and writer.pending == 0


def test_closing_writes_what_waits(store: CountingStore) -> None:
    writer = JournalWriter(store, flush_every=3600)
    writer.record(raw())
    writer.close()
    assert store.journal_status().size == 1


def test_beyond_its_bounds_the_writer_drops_and_counts_the_loss(store: CountingStore) -> None:
    writer = JournalWriter(store, max_pending_entries=3, start=False)
    for _ in range(5):
        writer.record(raw())
    assert (writer.pending, writer.dropped) == (3, 2)
    writer.flush()
    assert (store.journal_status().size, store.journal_status().dropped) == (3, 2)
    writer.flush()  # a loss is counted once
    assert store.journal_status().dropped == 2
    by_bytes = JournalWriter(store, max_pending_bytes=raw().size * 2, start=False)
    for _ in range(4):
        by_bytes.record(raw())
    assert (by_bytes.pending, by_bytes.dropped) == (2, 2)


def test_an_entry_records_the_exchange() -> None:
    row = EntryEncoder(RequestFacts())(raw(status=None, problems=["header parameter 'X-Correlation-ID' is required"]))
    entry = json.loads(row.entry)
    assert entry["time"] == "2023-11-14T22:13:20.250000Z"
    assert (entry["api"], entry["operation"], entry["case"], entry["forced"]) == (
        "valkyrie",
        "getBalance",
        "active",
        False,
    )
    assert entry["status"] is None and entry["duration_ms"] == 3.1
    assert entry["conformed"] is False and row.conformed is False
    assert entry["validation_errors"] == ["header parameter 'X-Correlation-ID' is required"]
    assert entry["error_kind"] == "parameter"
    assert entry["request"]["headers"]["x-player-token"] == {"withheld": True, "type": "string", "length": 40}
    assert "t" * 40 not in row.entry
    assert entry["worker"] == os.getpid()
    assert (row.correlation_id, row.api, row.operation, row.time) == (
        "run-1",
        "valkyrie",
        "getBalance",
        1_700_000_000.25,
    )


def test_an_entry_is_bounded_in_size() -> None:
    big = raw()
    big.headers = [(f"x-h{i}".encode(), b"v" * 8000) for i in range(100)]
    big.query_string = "&".join(f"q{i}={'v' * 500}" for i in range(2000)).encode()
    big.body = json.dumps({f"k{i}": "v" * 500 for i in range(1000)}).encode()
    assert len(EntryEncoder(RequestFacts())(big).entry) <= MAX_ENTRY_BYTES + 1024


def _run(app: Any, path: str, body: bytes = b"", headers: Sequence[tuple[bytes, bytes]] = ()) -> list[RawExchange]:
    recorded: list[RawExchange] = []
    layer = partner_layer(app, record=recorded.append, api_of=prefix_lookup({"valkyrie": "/valkyrie"}))
    scope = {"type": "http", "method": "POST", "path": path, "query_string": b"a=1", "headers": list(headers)}
    chunks = [body[:3], body[3:]]

    async def receive() -> Message:
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Message) -> None:
        pass

    asyncio.run(layer(scope, receive, send))
    return recorded


async def answering(scope: Scope, receive: Receive, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    scope.setdefault("extensions", {})["connexion_routing"] = {"operation_id": "getBalance"}
    exchange = exchange_in(scope)
    if exchange is not None:
        exchange.reached("active", "active", "alice", forced=True)
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def test_the_middleware_records_what_the_app_learned_and_answered() -> None:
    (recorded,) = _run(answering, "/valkyrie/x", b'{"a": 1}', [(b"x-correlation-id", b"c")])
    assert (recorded.status, recorded.operation, recorded.body, recorded.query_string) == (
        201,
        "getBalance",
        b'{"a": 1}',
        b"a=1",
    )
    assert (recorded.exchange.case, recorded.exchange.forced, recorded.exchange.entities) == (
        "active",
        True,
        ("active", "alice"),
    )
    assert recorded.duration >= 0 and recorded.time > 1_700_000_000


def test_a_request_is_recorded_before_the_last_part_of_its_answer_is_sent() -> None:
    # A client that read its whole answer and then reads the journal must find its request there.
    recorded: list[RawExchange] = []
    seen_at_each_send: list[tuple[str, bool, int]] = []
    layer = partner_layer(answering, record=recorded.append, api_of=prefix_lookup({"valkyrie": "/valkyrie"}))

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        seen_at_each_send.append((message["type"], message.get("more_body", False), len(recorded)))

    asyncio.run(layer({"type": "http", "method": "GET", "path": "/valkyrie/x", "headers": []}, receive, send))
    assert seen_at_each_send == [("http.response.start", False, 0), ("http.response.body", False, 1)]
    assert len(recorded) == 1 and recorded[0].status == 201


def test_an_unanswered_request_has_no_status_and_paths_outside_the_apis_are_not_journaled() -> None:
    async def silent(scope: Scope, receive: Receive, send: Any) -> None:
        await receive()

    (recorded,) = _run(silent, "/valkyrie/x")
    assert recorded.status is None and recorded.operation is None
    assert _run(answering, "/__admin/journal") == [] and _run(answering, "/healthz") == []


def test_a_body_larger_than_the_journal_keeps_is_marked_cut() -> None:
    (recorded,) = _run(answering, "/valkyrie/x", b"x" * 40_000)
    assert not recorded.body_complete and len(recorded.body) <= 40_000


def test_in_the_mock_the_journal_shows_the_operation_connexion_routed_to() -> None:
    # The layer sits outside connexion's stack; the operation is learned from connexion's routing.
    with TestClient(create_app()) as client:
        alice = VALKYRIE_BALANCE.format(valkyrie_player("alice"))
        assert client.get(alice, params={"provider": "evolution"}, headers=valkyrie_headers()).status_code == 200
        assert client.get(alice, headers=valkyrie_headers()).status_code == 400
        assert client.get("/valkyrie/nowhere").status_code == 404
        assert client.get("/healthz").status_code == 200
        entries = client.get("/__admin/journal").json()["entries"]
    assert [(e["status"], e["operation"], e["api"]) for e in entries] == [
        (200, "getBalance", "valkyrie"),
        (400, "getBalance", "valkyrie"),
        (404, None, "valkyrie"),
    ]


def _write_from_a_worker(path: str, prefix: str, count: int) -> None:
    store = SqliteStateStore(path, journal_capacity=10_000)
    writer = JournalWriter(store, flush_every=0.01, batch=16)
    for number in range(count):
        writer.record(raw(f"{prefix}-{number}"))
    writer.close()
    store.close()


def _read_from_a_third_process(path: str, queue: multiprocessing.Queue[list[str]]) -> None:
    store = SqliteStateStore(path, journal_capacity=10_000)
    queue.put([entry["correlation_id"] for entry in store.query_journal(JournalQuery())])
    store.close()


def test_the_journal_covers_every_worker_process(tmp_path: Path) -> None:
    new_store(tmp_path, capacity=10_000).close()
    path = str(tmp_path / "state.sqlite3")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_from_a_worker, args=(path, name, 300)) for name in ("w1", "w2")]
    for process in writers:
        process.start()
    for process in writers:
        process.join(HANG * 2)
        assert process.exitcode == 0
    queue: multiprocessing.Queue[list[str]] = context.Queue()
    reader = context.Process(target=_read_from_a_third_process, args=(path, queue))
    reader.start()
    seen = queue.get(timeout=HANG * 2)
    reader.join(HANG)
    assert sorted(seen) == sorted(f"{name}-{n}" for name in ("w1", "w2") for n in range(300))
    for name in ("w1", "w2"):  # each writer's entries in the order it recorded them
        own = [entry for entry in seen if entry.startswith(name)]
        assert own == [f"{name}-{n}" for n in range(300)]


def _hold_entries_in_another_worker(path: str, count: int, ready: Any, stop: Any) -> None:
    store = SqliteStateStore(path, journal_capacity=10_000)
    writer = JournalWriter(store, flush_every=3600)  # on its own, it would write nothing for an hour
    for number in range(count):
        writer.record(raw(f"held-{number}"))
    ready.set()
    stop.wait(HANG * 2)
    writer.close()
    store.close()


def test_a_read_has_every_writer_flush_what_it_holds_first(tmp_path: Path) -> None:
    new_store(tmp_path, capacity=10_000).close()
    path = str(tmp_path / "state.sqlite3")
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    worker = context.Process(target=_hold_entries_in_another_worker, args=(path, 50, ready, stop))
    worker.start()
    store = SqliteStateStore(path, journal_capacity=10_000)
    reader = JournalWriter(store)
    try:
        assert ready.wait(HANG * 2)
        assert store.journal_status().size == 0
        assert reader.sync(timeout=HANG) == []  # every writer acknowledged
        seen = [entry["correlation_id"] for entry in store.query_journal(JournalQuery())]
        assert seen == [f"held-{n}" for n in range(50)]
    finally:
        stop.set()
        worker.join(HANG * 2)
        reader.close()
        store.close()


def test_a_read_waits_for_a_silent_writer_only_as_long_as_its_bound(store: CountingStore) -> None:
    store.register_writer("a-worker-that-never-answers")
    reader = JournalWriter(store, watch_every=0.001)
    try:
        assert reader.sync(timeout=0.05) == ["a-worker-that-never-answers"]
    finally:
        reader.close()


def test_a_serving_loop_writes_the_journal_and_the_thread_takes_over_after_it(
    store: CountingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[int] = []  # the thread of each write
    append = store.append_journal

    def noting_the_thread(rows: Sequence[JournalRow], dropped: int = 0) -> None:
        writers.append(threading.get_ident())
        append(rows, dropped)

    monkeypatch.setattr(store, "append_journal", noting_the_thread)
    writer = JournalWriter(store, flush_every=0.01)

    async def serve_a_while() -> int:
        watching = asyncio.create_task(writer.watch())
        await asyncio.sleep(0.05)
        for _ in range(10):
            writer.record(raw())
        deadline = time.monotonic() + HANG
        while store.journal_status().size < 10 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # written while this loop runs, with no reader asking
        watching.cancel()
        return threading.get_ident()

    try:
        loop_thread = asyncio.run(serve_a_while())
        assert store.journal_status().size == 10 and writers and set(writers) == {loop_thread}
        writer.record(raw())  # no loop writes any more: the writer's own thread does
        deadline = time.monotonic() + HANG
        while store.journal_status().size < 11 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert store.journal_status().size == 11 and writers[-1] != loop_thread
    finally:
        writer.close()
