"""The fixture directory watched from a thread, without a server: saves of every kind reloaded, bad ones refused and
logged, the thread gone after a stop."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import watchfiles
from fixture_edits import ALICE_CASH, BROKEN_EDITS, edit, fixture_copy, quoted_token_edit, set_alice_cash
from sandbox_state import bundled_documents

from mockserver.fixture_watch import FixtureWatcher
from mockserver.state.sqlite_store import SqliteStateStore

pytestmark = pytest.mark.slow

# Only stops a broken watch from hanging the test; a reload takes a fraction of it.
DEADLINE = 20.0


def eventually(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {DEADLINE} s: {what}")


class Watched:
    def __init__(self, directory: Path, store: SqliteStateStore, caplog: pytest.LogCaptureFixture) -> None:
        self.directory = directory
        self.store = store
        self.caplog = caplog
        self.watcher = FixtureWatcher(directory, store)

    def cash(self) -> Any:
        return self.store.snapshot().documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"]

    def lines(self, level: int | None = None) -> list[str]:
        return [
            record.getMessage()
            for record in self.caplog.records
            if record.name == "mockserver.fixtures" and (level is None or record.levelno == level)
        ]

    def wait_for_line(self, text: str, count: int = 1) -> str:
        found = eventually(lambda: len([line for line in self.lines() if text in line]) >= count, f"log line {text!r}")
        assert found
        return [line for line in self.lines() if text in line][-1]


@pytest.fixture
def watched(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Watched]:
    caplog.set_level(logging.INFO, logger="mockserver.fixtures")
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.seed(bundled_documents())
    watched = Watched(fixture_copy(tmp_path / "fixtures"), store, caplog)
    watched.watcher.start()
    yield watched
    watched.watcher.stop()
    store.close()


def test_a_save_is_reloaded_and_logged(watched: Watched) -> None:
    set_alice_cash(watched.directory, 100.5)
    eventually(lambda: watched.cash() == 100.5, "the edited value in the state")
    line = watched.wait_for_line("fixtures reloaded")
    assert line == (
        f"fixtures reloaded from {watched.directory}: valkyrie.yaml changed: valkyrie reset to it (its admin changes "
        f"and fault rules dropped); generation {watched.store.generation()}"
    )


def test_a_save_made_as_an_editor_does_with_a_renamed_temporary_file_is_reloaded(watched: Watched) -> None:
    set_alice_cash(watched.directory, 200.25, atomic=True)
    eventually(lambda: watched.cash() == 200.25, "the edited value in the state")


@pytest.mark.parametrize(("api", "old", "new", "key"), BROKEN_EDITS)
def test_a_bad_save_is_logged_with_file_and_key_the_last_good_data_kept_and_a_fix_loaded(
    watched: Watched, api: str, old: str, new: str, key: str
) -> None:
    set_alice_cash(watched.directory, 1.5)
    eventually(lambda: watched.cash() == 1.5, "the first edit in the state")
    generation = watched.store.generation()
    edit(watched.directory, api, old, new)
    line = watched.wait_for_line("fixtures reload refused")
    assert line.startswith(
        f"fixtures reload refused, still serving the last good data: {watched.directory / f'{api}.yaml'}: {key}"
    ), line
    assert ": expected " in line and ", got " in line
    assert watched.store.generation() == generation and watched.cash() == 1.5
    edit(watched.directory, api, new, old)
    set_alice_cash(watched.directory, 2.5)
    eventually(lambda: watched.cash() == 2.5, "the fixed file in the state")


def test_a_refused_reload_withholds_a_secret_it_would_quote(watched: Watched) -> None:
    token = quoted_token_edit(watched.directory)
    line = watched.wait_for_line("fixtures reload refused")
    assert line.endswith("valkyrie.yaml: unknown.tokens[0]: expected a token no session has, got (withheld)")
    assert token not in watched.caplog.text


def test_a_deleted_file_is_refused_and_its_return_loads(watched: Watched) -> None:
    kept = (watched.directory / "valkyrie.yaml").read_text(encoding="utf-8")
    (watched.directory / "valkyrie.yaml").unlink()
    line = watched.wait_for_line("fixtures reload refused")
    assert "valkyrie.yaml: (file): expected a YAML fixture file, got no such file" in line
    assert watched.cash() == ALICE_CASH
    (watched.directory / "valkyrie.yaml").write_text(kept.replace(str(ALICE_CASH), "77.5", 1), encoding="utf-8")
    eventually(lambda: watched.cash() == 77.5, "the file back, edited")


def test_a_burst_of_saves_ends_with_the_last_one_served(watched: Watched) -> None:
    for cash in range(1, 21):
        set_alice_cash(watched.directory, cash)
    eventually(lambda: watched.cash() == 20, "the last save in the state")

    def reloaded() -> list[str]:
        return [line for line in watched.lines(logging.INFO) if "fixtures reloaded" in line]

    # Each reload moved the generation once (the seed made generation 1), and there were never more than the saves.
    eventually(lambda: watched.store.generation() == 1 + len(reloaded()), "one log line per reload")
    assert 1 <= len(reloaded()) <= 20


def test_only_the_fixture_files_count() -> None:
    watcher = FixtureWatcher(Path("/srv/fixtures"), store=None)  # type: ignore[arg-type]  # the store is not used
    counted = [
        "/srv/fixtures/valkyrie.yaml",
        "/srv/fixtures/vip-connect.yaml",
        "/srv/fixtures/paytronix.yaml",
        "/srv/fixtures",
    ]
    ignored = [
        "/srv/fixtures/.valkyrie.yaml.swp",
        "/srv/fixtures/valkyrie.yaml~",
        "/srv/fixtures/4913",
        "/srv/fixtures/.#valkyrie.yaml",
        "/srv/fixtures/valkyrie.yaml.tmp",
        "/srv/fixtures/valkyrie.schema.json",
        "/srv/fixtures/README.md",
    ]
    assert all(watcher.is_fixture_file(watchfiles.Change.modified, path) for path in counted)
    assert not any(watcher.is_fixture_file(watchfiles.Change.modified, path) for path in ignored)


def test_a_save_before_the_watch_was_in_place_is_loaded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.seed(bundled_documents())
    directory = fixture_copy(tmp_path / "fixtures")
    set_alice_cash(directory, 31.5)  # after the load, before the watch
    watcher = FixtureWatcher(directory, store)
    watcher.start()
    try:
        eventually(
            lambda: store.snapshot().documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] == 31.5,
            "the save made before the watch",
        )
    finally:
        watcher.stop()
        store.close()


def test_a_removed_directory_is_logged_and_ends_the_watch(watched: Watched) -> None:
    shutil.rmtree(watched.directory)
    line = watched.wait_for_line("no longer watched")
    assert line.startswith(f"{watched.directory} was removed or renamed")
    eventually(lambda: "mockserver-fixture-watch" not in _thread_names(), "the watch thread ended")
    assert watched.cash() == ALICE_CASH


def test_a_stop_leaves_no_thread_behind(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.seed(bundled_documents())
    threads_before = _os_threads()
    watcher = FixtureWatcher(fixture_copy(tmp_path / "fixtures"), store)
    watcher.start()
    assert "mockserver-fixture-watch" in _thread_names()
    watcher.stop()
    store.close()
    assert "mockserver-fixture-watch" not in _thread_names()
    # The watch's own operating-system thread (the notification reader) goes too.
    eventually(lambda: _os_threads() <= threads_before, "as many threads as before the watch")


def _thread_names() -> list[str]:
    return [thread.name for thread in threading.enumerate()]


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))
