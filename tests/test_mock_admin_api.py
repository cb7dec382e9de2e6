"""The admin API in process: fixture data changed as start-up checks it, credentials, faults, journal, access."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from connexion.exceptions import OAuthProblem
from sandbox_state import admin_app, bundled_documents, check_document, new_store, raw
from starlette.testclient import TestClient

from mockserver.admin.access import AdminAccess, is_loopback
from mockserver.admin.secrets import without_secrets
from mockserver.apis.vip_connect.operator_jwt import OperatorJwtVerifier
from mockserver.journal.writer import JournalWriter
from mockserver.state.sqlite_store import SqliteStateStore

ADMIN = "/__admin"


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    store = new_store(tmp_path)
    yield store
    store.close()


@pytest.fixture
def client(store: SqliteStateStore) -> Iterator[TestClient]:
    with TestClient(admin_app(store), raise_server_exceptions=False) as client:
        yield client


def served(store: SqliteStateStore, api: str) -> Any:
    """The sandbox the API's handlers would serve from the store's current document."""
    return check_document(api, store.snapshot().documents[api])


def _error(response: Any) -> dict[str, str]:
    assert response.headers["content-type"] == "application/json"
    body: dict[str, dict[str, str]] = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    return body["error"]


def test_the_overview_names_the_apis_collections_state_and_journal(client: TestClient, store: SqliteStateStore) -> None:
    overview = client.get(ADMIN).json()
    assert overview["apis"]["valkyrie"] == {
        "prefix": "/valkyrie",
        "keys": ["api_token", "providers", "players", "sessions", "unknown"],
        "collections": {
            "players": ["alice", "bob", "carol"],
            "sessions": ["active", "redtiger", "expired", "no-account"],
        },
    }
    assert overview["apis"]["vip-connect"]["collections"].keys() == {"operators", "accounts"}
    assert overview["apis"]["paytronix"]["collections"].keys() == {"clients", "accounts"}
    assert overview["state"] == {"location": str(store.path), "temporary": False}
    assert overview["journal"] == {"size": 0, "capacity": 1000, "dropped": 0}
    assert overview["generation"] == store.generation()


def test_a_player_with_a_zero_balance_is_created_read_back_and_served(
    client: TestClient, store: SqliteStateStore
) -> None:
    zero = {"player_id": "zero-balance-player-1", "balance": {"cashAmount": 0, "bonusAmount": 0, "promoAmount": 0}}
    created = client.put(f"{ADMIN}/valkyrie/players/zero", json=zero)
    assert (created.status_code, created.json()) == (201, zero)
    assert client.get(f"{ADMIN}/valkyrie/players/zero").json() == zero
    session = client.post(f"{ADMIN}/valkyrie/sessions", json={"player": "zero", "provider": "evolution"}).json()
    outcome = served(store, "valkyrie").balance(zero["player_id"], "evolution", session["token"], now())
    assert (outcome.body, outcome.status) == ({"status": "OK", "balance": zero["balance"]}, 200)
    replaced = client.put(f"{ADMIN}/valkyrie/players/zero", json={**zero, "balance": None})
    assert replaced.status_code == 200
    outcome = served(store, "valkyrie").balance(zero["player_id"], "evolution", session["token"], now())
    assert outcome.body["error"]["code"] == "PAM_ERR_ACC_NOT_FOUND"


@pytest.mark.parametrize(
    ("path", "entity", "key", "expected", "found"),
    [
        (
            "valkyrie/players/zero",
            {"player_id": "z", "balance": {"cashAmount": 0.1234567, "bonusAmount": 0, "promoAmount": 0}},
            "players.zero.balance.cashAmount",
            "at most 6 decimal places",
            "0.1234567",
        ),
        (
            "valkyrie/players/bob",
            {"player_id": "73619e57b3bc4b4e9014132be3bd12a9", "balance": None},
            "players.bob.player_id",
            "an id no other player has",
            "'73619e57b3bc4b4e9014132be3bd12a9'",
        ),
        (
            "valkyrie/sessions/active",
            {"token": "short", "player": "alice", "provider": "evolution"},
            "sessions.active.token",
            "32-40 characters",
            "5",
        ),
    ],
)
def test_a_bad_entity_is_refused_as_a_bad_fixture_and_nothing_changes(
    client: TestClient, store: SqliteStateStore, path: str, entity: Any, key: str, expected: str, found: str
) -> None:
    generation = store.generation()
    response = client.put(f"{ADMIN}/{path}", json=entity)
    assert response.status_code == 400
    error = _error(response)
    assert (error["key"], error["expected"]) == (key, expected)
    assert error["found"] == found
    assert error["message"] == f"{key}: expected {expected}, got {error['found']}"
    assert store.generation() == generation and store.snapshot().documents == bundled_documents()


def test_deleting_refuses_what_the_rest_of_the_fixture_needs(client: TestClient, store: SqliteStateStore) -> None:
    refused = client.delete(f"{ADMIN}/valkyrie/players/alice")
    assert refused.status_code == 400 and _error(refused)["key"] == "sessions.active.player"
    assert client.delete(f"{ADMIN}/valkyrie/sessions/expired").status_code == 204
    assert "expired" not in store.snapshot().documents["valkyrie"]["sessions"]
    assert client.delete(f"{ADMIN}/valkyrie/sessions/expired").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["nope", "nope/players", "valkyrie/nope", "valkyrie/nope/x", "valkyrie/players/nobody", "valkyrie/unknown/x"],
)
def test_what_does_not_exist_is_a_404_in_the_admin_shape(client: TestClient, path: str) -> None:
    response = client.get(f"{ADMIN}/{path}")
    assert response.status_code == 404, response.text
    _error(response)


def test_a_top_level_key_is_read_and_replaced_as_a_whole(client: TestClient, store: SqliteStateStore) -> None:
    providers = ["evolution", "redtiger", "caleta", "pragmatic"]
    assert client.put(f"{ADMIN}/valkyrie/providers", json=providers).json() == providers
    assert client.get(f"{ADMIN}/valkyrie/providers").json() == providers
    assert client.put(f"{ADMIN}/valkyrie/api_token", json="rotated-api-token").status_code == 200
    assert served(store, "valkyrie").api_token == "rotated-api-token"
    refused = client.put(f"{ADMIN}/valkyrie/api_token", json="has a space")
    assert refused.status_code == 400 and _error(refused)["key"] == "api_token"
    assert client.put(f"{ADMIN}/valkyrie/colour", json="red").status_code == 404
    assert client.get(f"{ADMIN}/paytronix").json() == without_secrets(bundled_documents()["paytronix"])


def test_reset_restores_the_loaded_documents_and_removes_rules(client: TestClient, store: SqliteStateStore) -> None:
    client.put(f"{ADMIN}/valkyrie/api_token", json="rotated-api-token")
    client.put(f"{ADMIN}/vip-connect/audiences", json=["vip-api"])
    client.put(f"{ADMIN}/faults/v", json={"api": "valkyrie", "fault": {"kind": "drop"}})
    client.put(f"{ADMIN}/faults/p", json={"api": "paytronix", "fault": {"kind": "drop"}})
    one = client.post(f"{ADMIN}/valkyrie/reset").json()
    assert one == {"reset": ["valkyrie"], "generation": store.generation()}
    assert store.snapshot().documents["valkyrie"] == bundled_documents()["valkyrie"]
    assert store.snapshot().documents["vip-connect"]["audiences"] == ["vip-api"]
    assert list(store.snapshot().rules) == ["p"]
    everything = client.post(f"{ADMIN}/reset").json()
    assert everything["reset"] == ["vip-connect", "paytronix", "valkyrie"]
    assert store.snapshot().documents == bundled_documents() and store.snapshot().rules == {}


def test_fault_rules_are_declared_read_replaced_and_removed(client: TestClient, store: SqliteStateStore) -> None:
    rule = {"api": "valkyrie", "operation": "getBalance", "entity": "active", "fault": {"kind": "delay", "ms": 2000}}
    assert client.put(f"{ADMIN}/faults/slow", json=rule).status_code == 201
    assert client.put(f"{ADMIN}/faults/slow", json={**rule, "probability": 0.5, "seed": 1}).status_code == 200
    assert client.get(f"{ADMIN}/faults/slow").json() == {**rule, "probability": 0.5, "seed": 1}
    assert client.get(f"{ADMIN}/faults").json() == {"faults": {"slow": {**rule, "probability": 0.5, "seed": 1}}}
    assert client.delete(f"{ADMIN}/faults/slow").status_code == 204
    assert client.delete(f"{ADMIN}/faults/slow").status_code == 404
    assert client.get(f"{ADMIN}/faults/slow").status_code == 404


def test_a_bad_fault_rule_is_refused_naming_the_key(client: TestClient, store: SqliteStateStore) -> None:
    response = client.put(f"{ADMIN}/faults/bad", json={"api": "valkyrie", "fault": {"kind": "error", "code": "NOPE"}})
    assert response.status_code == 400
    assert _error(response) | {} == {
        "message": "fault.code: expected one of the seed's PAM_ERR_* codes, got 'NOPE'",
        "key": "fault.code",
        "expected": "one of the seed's PAM_ERR_* codes",
        "found": "'NOPE'",
    }
    by_schema = client.put(
        f"{ADMIN}/faults/bad", json={"api": "valkyrie", "fault": {"kind": "drop"}, "probability": "x"}
    )
    assert by_schema.status_code == 400 and "probability" in _error(by_schema)["message"]
    assert (
        client.put(f"{ADMIN}/faults/Bad%20Name", json={"api": "valkyrie", "fault": {"kind": "drop"}}).status_code == 400
    )
    assert store.snapshot().rules == {}


def test_the_journal_is_queried_with_filters_and_cleared(store: SqliteStateStore) -> None:
    # Another worker's writer, which would flush only in an hour unless a read asks it to.
    writer = JournalWriter(store, name="another-worker", flush_every=3600)
    with TestClient(admin_app(store)) as client:
        for correlation in ("run-1-a", "run-1-b", "run-2-a"):
            writer.record(raw(correlation))
        writer.record(raw("run-2-b", problems=["query parameter 'provider' is required"]))
        # Recorded a moment ago and not flushed yet: a read has every writer flush first.
        journal = client.get(f"{ADMIN}/journal", params={"correlation_prefix": "run-1"}).json()
        assert [entry["correlation_id"] for entry in journal["entries"]] == ["run-1-a", "run-1-b"]
        assert (journal["size"], journal["capacity"]) == (4, 1000)
        nonconforming = client.get(f"{ADMIN}/journal", params={"conformed": "false"}).json()["entries"]
        assert [entry["validation_errors"] for entry in nonconforming] == [["query parameter 'provider' is required"]]
        assert len(client.get(f"{ADMIN}/journal", params={"since": "2023-11-14T22:13:20Z"}).json()["entries"]) == 4
        assert client.get(f"{ADMIN}/journal", params={"until": "1700000000"}).json()["entries"] == []
        assert [e["correlation_id"] for e in client.get(f"{ADMIN}/journal?limit=1").json()["entries"]] == ["run-2-b"]
        assert client.get(f"{ADMIN}/journal", params={"api": "paytronix"}).json()["entries"] == []
        bad = client.get(f"{ADMIN}/journal", params={"since": "yesterday"})
        assert bad.status_code == 400 and _error(bad)["key"] == "since"
        assert client.delete(f"{ADMIN}/journal").status_code == 204
        assert client.get(f"{ADMIN}/journal").json()["entries"] == []
    writer.close()


def test_an_operator_token_is_minted_that_the_sandbox_accepts(client: TestClient, store: SqliteStateStore) -> None:
    vip = served(store, "vip-connect")
    verify = OperatorJwtVerifier(vip.operator_keys(), vip.audiences, clock=time.time)
    minted = client.post(f"{ADMIN}/vip-connect/operators/example-operator/token").json()
    assert verify(minted["token"])["operator"].name == "example-operator"
    assert minted["claims"]["aud"] == "vip-api" and minted["claims"]["exp"] - minted["claims"]["iat"] == 3600
    second_key = client.post(
        f"{ADMIN}/vip-connect/operators/example-operator/token", json={"key": 1, "lifetime_seconds": 60}
    )
    assert verify(second_key.json()["token"])["sub"] == minted["claims"]["iss"]
    no_exp = client.post(f"{ADMIN}/vip-connect/operators/example-operator/token", json={"claims": {"exp": None}}).json()
    assert no_exp["expires_at"] is None and "exp" not in no_exp["claims"]
    with pytest.raises(OAuthProblem, match="no 'exp' claim"):
        verify(no_exp["token"])
    one_key = client.post(f"{ADMIN}/vip-connect/operators/bank-accounts-operator/token", json={"key": 1})
    assert one_key.status_code == 400 and _error(one_key)["key"] == "key"
    assert client.post(f"{ADMIN}/vip-connect/operators/nobody/token").status_code == 404


def test_a_session_is_created_like_the_vendor_stubs_backdoor(client: TestClient, store: SqliteStateStore) -> None:
    player_id = bundled_documents()["valkyrie"]["players"]["bob"]["player_id"]
    created = client.post(
        f"{ADMIN}/valkyrie/sessions", json={"player": player_id, "provider": "caleta", "name": "bobs"}
    )
    assert created.status_code == 201
    session = created.json()
    assert (session["name"], session["player"], session["player_id"], session["provider"]) == (
        "bobs",
        "bob",
        player_id,
        "caleta",
    )
    assert len(session["token"]) == 40 and int(session["token"], 16) >= 0
    assert served(store, "valkyrie").balance(player_id, "caleta", session["token"], now()).body["status"] == "OK"
    # Only the call that minted it answers the token; a read withholds it.
    read_back = client.get(f"{ADMIN}/valkyrie/sessions/bobs").json()
    assert read_back["token"] == {"withheld": True, "type": "string", "length": 40} and read_back["player"] == "bob"
    taken = client.post(f"{ADMIN}/valkyrie/sessions", json={"player": "bob", "provider": "caleta", "name": "bobs"})
    assert taken.status_code == 409
    expired = client.post(
        f"{ADMIN}/valkyrie/sessions", json={"player": "alice", "provider": "evolution", "expires_in_seconds": 0}
    )
    token = expired.json()["token"]
    alice_id = bundled_documents()["valkyrie"]["players"]["alice"]["player_id"]
    assert (
        served(store, "valkyrie").balance(alice_id, "evolution", token, now()).body["error"]["code"]
        == "PAM_ERR_SESSION_EXPIRED"
    )


@pytest.mark.parametrize(
    ("request_body", "key"),
    [({"player": "nobody", "provider": "evolution"}, "player"), ({"player": "alice", "provider": "nope"}, "provider")],
)
def test_a_session_for_an_unknown_player_or_provider_is_refused(
    client: TestClient, store: SqliteStateStore, request_body: dict[str, str], key: str
) -> None:
    response = client.post(f"{ADMIN}/valkyrie/sessions", json=request_body)
    assert response.status_code == 400 and _error(response)["key"].endswith(key)
    assert store.snapshot().documents == bundled_documents()


def test_an_access_token_is_added_that_the_oauth_style_accepts(client: TestClient, store: SqliteStateStore) -> None:
    created = client.post(f"{ADMIN}/paytronix/accounts/gold/access_tokens")
    assert created.status_code == 201 and created.json()["account"] == "gold"
    sandbox = served(store, "paytronix")
    client_record = next(iter(sandbox.clients.values()))[0]
    fields = {"authentication": "oauth", "merchantId": 777777, "access_token": created.json()["access_token"]}
    assert sandbox.account_information(fields, client_record, now()).body["result"] == "success"
    expired = client.post(f"{ADMIN}/paytronix/accounts/gold/access_tokens", json={"expires_in_seconds": 0}).json()
    fields["access_token"] = expired["access_token"]
    assert served(store, "paytronix").account_information(fields, client_record, now()).body["result"] == "failure"
    assert client.post(f"{ADMIN}/paytronix/accounts/nobody/access_tokens").status_code == 404


def test_the_root_and_its_errors_answer_in_the_admin_shape(client: TestClient) -> None:
    assert client.get(ADMIN).status_code == client.get(f"{ADMIN}/").status_code == 200
    not_allowed = client.patch(f"{ADMIN}/valkyrie")
    assert not_allowed.status_code == 405 and "GET" in not_allowed.headers["allow"]
    _error(not_allowed)


def test_off_loopback_the_admin_api_needs_its_token(store: SqliteStateStore) -> None:
    with TestClient(admin_app(store, AdminAccess("s3cret-admin", required=True))) as client:
        missing = client.get(ADMIN)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert "admin token" in _error(missing)["message"] and "s3cret" not in missing.text
        assert client.get(ADMIN, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get(ADMIN, headers={"Authorization": "Bearer s3cret-admin"}).status_code == 200
        assert client.put(f"{ADMIN}/valkyrie/api_token", json="x" * 10).status_code == 401
    with TestClient(admin_app(store, AdminAccess.for_bind("0.0.0.0", None))) as client:
        refused = client.get(ADMIN, headers={"Authorization": "Bearer anything"})
        assert refused.status_code == 401 and "--admin-token" in _error(refused)["message"]
    with TestClient(admin_app(store, AdminAccess.for_bind("127.0.0.1", None))) as client:
        assert client.get(ADMIN).status_code == 200


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.4", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
