"""A worker's view of the shared state: no query while nothing changed, one rebuild per change, whole changes only."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sandbox_state import check_document, new_store

from mockserver.state.live_state import LiveState
from mockserver.state.sqlite_store import SqliteStateStore
from mockserver.state.store import Draft, Snapshot


class CountingStore(SqliteStateStore):
    """Counts the snapshots read, i.e. the queries a worker makes."""

    snapshots = 0

    def snapshot(self) -> Snapshot:
        self.snapshots += 1
        return super().snapshot()


@pytest.fixture
def store(tmp_path: Path) -> Any:
    new_store(tmp_path).close()
    store = CountingStore(tmp_path / "state.sqlite3")
    yield store
    store.close()


def _token(snapshot: Snapshot) -> str:
    token: str = snapshot.documents["valkyrie"]["api_token"]
    return token


def test_without_changes_no_request_reads_the_store(store: CountingStore) -> None:
    live = LiveState(store, _token)
    assert store.snapshots == 1
    for _ in range(1000):
        assert live.current() == "pam-sandbox-api-token-56193593875a2cb08daa"
    assert store.snapshots == 1
    assert live.rebuilds == 0


def test_a_change_is_seen_on_the_next_request_and_rebuilt_once(store: CountingStore) -> None:
    live = LiveState(store, _token)
    store.change(lambda draft: draft.documents["valkyrie"].update(api_token="rotated"))
    assert [live.current() for _ in range(100)] == ["rotated"] * 100
    assert live.rebuilds == 1
    assert store.snapshots == 2


def test_a_state_that_cannot_be_built_leaves_the_last_good_one_served(
    store: CountingStore, caplog: pytest.LogCaptureFixture
) -> None:
    def build(snapshot: Snapshot) -> object:
        return check_document("valkyrie", snapshot.documents["valkyrie"])

    live = LiveState(store, build)
    good = live.current()
    # Written behind the admin API's back: a session naming no player.
    store.change(lambda draft: draft.documents["valkyrie"]["sessions"]["active"].update(player="nobody"))
    with caplog.at_level(logging.ERROR, logger="mockserver.state"):
        assert live.current() is good
        assert live.current() is good
    assert store.snapshots == 2  # logged and not retried on every request
    assert len(caplog.records) == 1


def test_a_reader_never_sees_half_of_a_change(store: CountingStore) -> None:
    # Each change sets two places of a document to the same new value; every snapshot must show them equal.
    def both(number: int) -> Any:
        def edit(draft: Draft) -> None:
            draft.documents["valkyrie"]["api_token"] = f"token-{number}"
            draft.documents["valkyrie"]["providers"][0] = f"token-{number}"

        return edit

    seen: set[str] = set()
    mixed: list[tuple[str, str]] = []
    writing_done = threading.Event()
    reader = SqliteStateStore(store.path)  # opening writes the schema if missing: done before the changes begin

    def read() -> None:
        reader.snapshot()
        last_read = False
        while not last_read:  # until a read that began after the last change
            last_read = writing_done.is_set()
            document = reader.snapshot().documents["valkyrie"]
            if document["providers"][0] != "evolution":
                seen.add(document["api_token"])
                if document["api_token"] != document["providers"][0]:
                    mixed.append((document["api_token"], document["providers"][0]))
        reader.close()

    thread = threading.Thread(target=read)
    thread.start()
    for number in range(150):
        store.change(both(number))
        time.sleep(0.001)  # hands the interpreter to the reader between changes too
    writing_done.set()
    thread.join(60)
    assert not mixed
    assert "token-149" in seen and len(seen) > 1  # it also read while changes were being made
