"""A reload of the fixture files into the shared state, without a server: what is reset, what is kept, what is
refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_edits import ALICE_CASH, BROKEN_EDITS, alice_cash, edit, fixture_copy, set_alice_cash
from sandbox_state import admin_app, bundled_documents, sandbox_admin
from starlette.testclient import TestClient
from support import VALKYRIE_BALANCE, valkyrie_headers, valkyrie_player

from mockserver.errors import FixtureError
from mockserver.fixture_reload import Reload, reload_fixtures
from mockserver.state.sqlite_store import SqliteStateStore

DROP = {"kind": "drop"}


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return fixture_copy(tmp_path / "fixtures")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.seed(bundled_documents())
    yield store
    store.close()


def test_files_saved_with_the_same_data_change_nothing(directory: Path, store: SqliteStateStore) -> None:
    edit(directory, "valkyrie", "# Players, keyed by name.", "# Players (a comment edited), keyed by name.")
    before = store.generation()
    assert reload_fixtures(store, directory) == Reload(reset=(), generation=before)
    assert store.generation() == before


def test_an_edited_file_is_served_and_becomes_what_a_reset_restores(directory: Path, store: SqliteStateStore) -> None:
    set_alice_cash(directory, 42.5)
    before = store.generation()
    assert reload_fixtures(store, directory) == Reload(reset=("valkyrie",), generation=before + 1)
    assert store.snapshot().documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] == 42.5
    admin = sandbox_admin(store)
    admin.put_key("valkyrie", "providers", ["evolution", "redtiger"])
    admin.reset("valkyrie")
    assert store.snapshot().documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] == 42.5
    assert store.snapshot().documents["valkyrie"]["providers"] == ["evolution", "redtiger", "caleta"]


def test_a_reload_resets_the_changed_api_and_keeps_the_others_admin_changes(
    directory: Path, store: SqliteStateStore
) -> None:
    admin = sandbox_admin(store)
    admin.put_key("valkyrie", "providers", ["evolution", "redtiger"])
    admin.put_key("vip-connect", "audiences", ["vip-api"])
    admin.put_fault("valkyrie-drop", {"api": "valkyrie", "fault": DROP})
    admin.put_fault("vip-drop", {"api": "vip-connect", "fault": DROP})
    set_alice_cash(directory, 7)
    assert reload_fixtures(store, directory).reset == ("valkyrie",)
    snapshot = store.snapshot()
    assert snapshot.documents["valkyrie"]["providers"] == ["evolution", "redtiger", "caleta"]
    assert snapshot.documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] == 7
    assert snapshot.documents["vip-connect"]["audiences"] == ["vip-api"]
    assert list(snapshot.rules) == ["vip-drop"]


def test_several_files_changed_are_swapped_in_one_generation(directory: Path, store: SqliteStateStore) -> None:
    set_alice_cash(directory, 1)
    edit(directory, "paytronix", "username: GuestREST", "username: GuestRESTed")
    before = store.generation()
    assert reload_fixtures(store, directory) == Reload(reset=("paytronix", "valkyrie"), generation=before + 1)


def test_a_number_written_another_way_is_a_change(directory: Path, store: SqliteStateStore) -> None:
    # 0 and 0.0 are equal in Python, but the mock answers them differently: the edit is a change, served as such.
    def promo_amount(client: TestClient) -> str:
        response = client.get(
            VALKYRIE_BALANCE.format(valkyrie_player("alice")),
            params={"provider": "evolution"},
            headers=valkyrie_headers("active"),
        )
        # The text, not the parsed JSON, in which 0 and 0.0 are equal.
        match = re.search(r'"promoAmount":\s*([-0-9.e]+)', response.text)
        assert match, response.text
        return match.group(1)

    with TestClient(admin_app(store), base_url="http://mock") as client:
        assert promo_amount(client) == "0"
        edit(directory, "valkyrie", "promoAmount: 0}\n  bob", "promoAmount: 0.0}\n  bob")
        assert reload_fixtures(store, directory).reset == ("valkyrie",)
        assert promo_amount(client) == "0.0"


@pytest.mark.parametrize(("api", "old", "new", "key"), BROKEN_EDITS)
def test_a_bad_edit_is_refused_whole_naming_the_file_and_the_key(
    directory: Path, store: SqliteStateStore, api: str, old: str, new: str, key: str
) -> None:
    set_alice_cash(directory, 99)  # a good edit beside the bad one: not loaded either
    edit(directory, api, old, new)
    before = store.snapshot()
    with pytest.raises(FixtureError) as refused:
        reload_fixtures(store, directory)
    assert refused.value.file == str(directory / f"{api}.yaml")
    assert refused.value.key.startswith(key), refused.value
    assert store.snapshot() == before


def test_a_deleted_file_is_refused_and_its_return_loads(directory: Path, store: SqliteStateStore) -> None:
    kept = (directory / "valkyrie.yaml").read_text(encoding="utf-8")
    (directory / "valkyrie.yaml").unlink()
    before = store.snapshot()
    with pytest.raises(FixtureError, match=r"valkyrie\.yaml: \(file\): expected a YAML fixture file, got no such file"):
        reload_fixtures(store, directory)
    assert store.snapshot() == before
    (directory / "valkyrie.yaml").write_text(kept, encoding="utf-8")
    set_alice_cash(directory, 3)
    assert reload_fixtures(store, directory).reset == ("valkyrie",)


def test_a_reload_is_kept_in_a_state_file(directory: Path, tmp_path: Path) -> None:
    # `--state PATH`: the reloaded data is what the file holds for the next start.
    path = tmp_path / "kept.sqlite3"
    store = SqliteStateStore(path)
    store.seed(bundled_documents())
    set_alice_cash(directory, 12)
    reload_fixtures(store, directory)
    store.close()
    reopened = SqliteStateStore(path)
    try:
        assert reopened.snapshot().documents["valkyrie"]["players"]["alice"]["balance"]["cashAmount"] == 12
    finally:
        reopened.close()


def test_the_app_serves_the_reloaded_data_on_its_next_request(directory: Path, store: SqliteStateStore) -> None:
    with TestClient(admin_app(store), base_url="http://mock") as client:
        assert alice_cash("", client) == ALICE_CASH
        set_alice_cash(directory, 5.25)
        reload_fixtures(store, directory)
        assert alice_cash("", client) == 5.25
