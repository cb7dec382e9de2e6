"""The sandbox as a test partner, in process: admin changes served on the next request, each request journaled with
the case it reached, faults from rules, fixtures and Prefer acted out in each API's own shape."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sandbox_state import new_store
from starlette.testclient import TestClient
from support import (
    FIXTURES,
    PAYTRONIX_INFO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    assert_documented,
    fixture,
    paytronix_auth,
    paytronix_headers,
    valkyrie_headers,
    valkyrie_player,
    vip_headers,
    vip_token,
)

from mockserver import APIS, create_app, load_fixtures
from mockserver.state.sqlite_store import SqliteStateStore
from mockserver.state.store import Snapshot

ADMIN = "/__admin"
ALICE = VALKYRIE_BALANCE.format(valkyrie_player("alice"))
BOB = VALKYRIE_BALANCE.format(valkyrie_player("bob"))
ZERO = {"player_id": "zero-balance-player-1", "balance": {"cashAmount": 0, "bonusAmount": 0, "promoAmount": 0}}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def journal(client: TestClient, **filters: Any) -> list[dict[str, Any]]:
    answer = client.get(f"{ADMIN}/journal", params=filters)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def balance(client: TestClient, path: str = ALICE, session: str = "active", **headers: str) -> Any:
    """A balance request of a fixture session, for its own provider."""
    provider = fixture("valkyrie")["sessions"][session]["provider"]
    return client.get(path, params={"provider": provider}, headers={**valkyrie_headers(session), **headers})


def test_a_player_created_through_the_admin_api_is_answered_on_the_next_request(client: TestClient) -> None:
    assert client.put(f"{ADMIN}/valkyrie/players/zero", json=ZERO).status_code == 201
    session = client.post(f"{ADMIN}/valkyrie/sessions", json={"player": "zero", "provider": "evolution"}).json()
    answer = client.get(
        VALKYRIE_BALANCE.format(ZERO["player_id"]),
        params={"provider": "evolution"},
        headers={**valkyrie_headers(), "X-Player-Token": session["token"]},
    )
    assert assert_documented(answer) == {"status": "OK", "balance": ZERO["balance"]}
    # Reset: the fixtures as loaded, the player and its session gone.
    assert client.post(f"{ADMIN}/reset").status_code == 200
    gone = client.get(
        VALKYRIE_BALANCE.format(ZERO["player_id"]),
        params={"provider": "evolution"},
        headers={**valkyrie_headers(), "X-Player-Token": session["token"]},
    )
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "PAM_ERR_SESSION_NOT_FOUND"


def test_credentials_are_checked_against_the_data_in_force(client: TestClient) -> None:
    assert balance(client).status_code == 200
    assert client.put(f"{ADMIN}/valkyrie/api_token", json="rotated-pam-api-token").status_code == 200
    refused = balance(client)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "PAM_ERR_API_TOKEN"
    assert balance(client, Authorization="Bearer rotated-pam-api-token").status_code == 200
    # A Paytronix client removed, a VIP operator's key replaced: their credentials stop working at once.
    client_id, _ = paytronix_auth()
    name = next(name for name, entry in fixture("paytronix")["clients"].items() if entry["client_id"] == client_id)
    other = {"client_id": "another-client", "client_secret": "another-secret"}
    assert client.put(f"{ADMIN}/paytronix/clients/other", json=other).status_code == 201
    assert client.delete(f"{ADMIN}/paytronix/clients/{name}").status_code == 204
    lookup = {"authentication": "card", "merchantId": 777777, "printedCardNumber": "6000301000418000"}
    assert client.post(PAYTRONIX_INFO, json=lookup, headers=paytronix_headers()).status_code == 401
    operator = fixture("vip-connect")["operators"]["example-operator"]
    rotated = {**operator, "secret_base64": operator["secret_base64"][-1:]}
    assert client.put(f"{ADMIN}/vip-connect/operators/example-operator", json=rotated).status_code == 200
    vip = client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers=vip_headers())
    assert vip.status_code == 401  # signed with the first key, which the operator no longer holds


def test_each_request_is_journaled_with_the_case_it_reached(client: TestClient) -> None:
    correlation = {"X-Correlation-ID": "case-run-1"}
    client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={**vip_headers(), **correlation})
    client.post(VIP_LOOKUP, json={"VipAccountNumber": "0000000000"}, headers={**vip_headers(), **correlation})
    lookup = {
        "authentication": "card",
        "merchantId": 777777,
        "printedCardNumber": fixture("paytronix")["accounts"]["active"]["cards"][0]["printed_card_number"],
        "registrationCode": fixture("paytronix")["accounts"]["active"]["cards"][0]["registration_code"],
    }
    client.post(PAYTRONIX_INFO, json=lookup, headers={**paytronix_headers(), **correlation})
    balance(client, **{"X-Correlation-ID": "case-run-1"})
    balance(client, **{"X-Correlation-ID": "case-run-1", "Prefer": "example=expired"})
    entries = journal(client, correlation_prefix="case-run-")
    reached = [(e["api"], e["operation"], e["case"], e["forced"], e["status"]) for e in entries]
    assert reached == [
        ("vip-connect", "accountLookup", "preferred", False, 200),
        ("vip-connect", "accountLookup", "account_not_found", False, 404),
        ("paytronix", "postAccountInformation", "active", False, 200),
        ("valkyrie", "getBalance", "active", False, 200),
        ("valkyrie", "getBalance", "expired", True, 200),
    ]
    assert all(entry["conformed"] and entry["fault"] is None and entry["error_kind"] is None for entry in entries)
    assert all(isinstance(entry["worker"], int) for entry in entries)


def test_a_nonconforming_request_is_journaled_with_why_and_a_refused_credential_as_conforming(
    client: TestClient,
) -> None:
    without = {name: value for name, value in valkyrie_headers().items() if name != "X-Correlation-ID"}
    no_correlation = client.get(ALICE, params={"provider": "evolution"}, headers=without)
    assert no_correlation.status_code == 400
    wrong_key = balance(client, Authorization="Bearer wrong", **{"X-Correlation-ID": "refused-1"})
    assert wrong_key.status_code == 401
    first, second = journal(client, api="valkyrie")
    assert (first["conformed"], first["error_kind"], first["case"]) == (False, "parameter", None)
    assert "X-Correlation-ID" in first["validation_errors"][0]
    assert (second["conformed"], second["error_kind"], second["status"]) == (True, "auth", 401)
    assert [entry["correlation_id"] for entry in journal(client, conformed="false")] == [None]


def test_the_journal_keeps_no_secret_a_request_carried(client: TestClient) -> None:
    token = vip_token()
    client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"})
    query = {
        "authentication": "guest",
        "merchantId": 777777,
        "username": "GuestREST",
        "password": "sandbox-guest-password",
    }
    client.get(PAYTRONIX_INFO, params=query, headers=paytronix_headers())
    balance(client)
    text = json.dumps(journal(client))
    secrets = [
        token,
        token.rsplit(".", 1)[1],
        paytronix_headers()["Authorization"].split()[1],
        paytronix_auth()[1],
        "sandbox-guest-password",
        fixture("valkyrie")["sessions"]["active"]["token"],
        fixture("valkyrie")["api_token"],
        "7210988860",
    ]
    assert [secret for secret in secrets if secret in text] == []


def test_an_error_fault_answers_in_each_apis_own_shape_and_is_journaled(client: TestClient) -> None:
    rules = {
        "vip-down": {"api": "vip-connect", "fault": {"kind": "error", "status": 503}},
        "ptx-down": {"api": "paytronix", "fault": {"kind": "error", "code": "system.unavailable"}},
        "pam-timeout": {"api": "valkyrie", "entity": "alice", "fault": {"kind": "error", "code": "PAM_ERR_TIMEOUT"}},
    }
    for name, rule in rules.items():
        assert client.put(f"{ADMIN}/faults/{name}", json=rule).status_code == 201
    vip = client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers=vip_headers())
    assert vip.status_code == 503 and set(vip.json()) == {
        "errorCode",
        "transactionStage",
        "operatorErrorMessage",
        "operatorDeclineDescription",
        "patronErrorMessage",
    }
    assert vip.json()["errorCode"] == "503"
    ptx = client.post(
        PAYTRONIX_INFO,
        json={"authentication": "oauth", "merchantId": 777777, "access_token": "x"},
        headers=paytronix_headers(),
    )
    assert ptx.status_code == 500
    assert (ptx.json()["result"], ptx.json()["errorCode"]) == ("failure", "system.unavailable")
    alice = balance(client, **{"X-Correlation-ID": "fault-alice"})
    assert alice.status_code == 500 and alice.json()["error"]["code"] == "PAM_ERR_TIMEOUT"
    assert alice.headers["x-correlation-id"] == "fault-alice"  # the echo holds for a fault's answer too
    bob = balance(client, BOB, "redtiger")
    assert bob.status_code == 200  # the rule names alice only
    entries = journal(client)
    assert [entry["fault"] for entry in entries] == [
        {"kind": "error", "status": 503, "source": "rule", "rule": "vip-down"},
        {"kind": "error", "code": "system.unavailable", "source": "rule", "rule": "ptx-down"},
        {"kind": "error", "code": "PAM_ERR_TIMEOUT", "source": "rule", "rule": "pam-timeout"},
        None,
    ]
    assert [entry["status"] for entry in entries] == [503, 500, 500, 200]
    client.post(f"{ADMIN}/reset")
    assert client.get(f"{ADMIN}/faults").json() == {"faults": {}}
    assert balance(client).status_code == 200


def test_a_prefer_fault_acts_on_its_request_only_and_says_so(client: TestClient) -> None:
    failed = balance(client, Prefer="fault=error; status=503; code=PAM_ERR_UNDEFINED")
    assert failed.status_code == 503 and failed.headers["preference-applied"] == "fault=error"
    assert balance(client).status_code == 200
    refused = balance(client, Prefer="fault=delay; ms=999999")
    assert refused.status_code == 400 and "fault.ms" in refused.json()["error"]["message"]
    first, second, third = journal(client)
    assert first["fault"] == {"kind": "error", "status": 503, "code": "PAM_ERR_UNDEFINED", "source": "prefer"}
    assert second["fault"] is None and third["status"] == 400


def test_a_fault_declared_on_a_fixture_entity_acts_on_the_requests_that_reach_it(tmp_path: Path) -> None:
    directory = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, directory)
    valkyrie = yaml.safe_load((directory / "valkyrie.yaml").read_text(encoding="utf-8"))
    valkyrie["players"]["bob"]["fault"] = {"kind": "error", "status": 504, "code": "PAM_ERR_TIMEOUT"}
    (directory / "valkyrie.yaml").write_text(yaml.safe_dump(valkyrie), encoding="utf-8")
    with TestClient(create_app(load_fixtures(directory)), raise_server_exceptions=False) as client:
        assert balance(client).status_code == 200
        bob = balance(client, BOB, "redtiger")
        assert bob.status_code == 504 and bob.json()["error"]["code"] == "PAM_ERR_TIMEOUT"
        assert journal(client)[-1]["fault"] == {
            "kind": "error",
            "status": 504,
            "code": "PAM_ERR_TIMEOUT",
            "source": "fixture",
            "rule": "players.bob.fault",
        }
        # Through the admin API, the same key is checked in the same words.
        broken = {**valkyrie["players"]["alice"], "fault": {"kind": "delay", "ms": 999999}}
        refused = client.put(f"{ADMIN}/valkyrie/players/alice", json=broken)
        assert refused.status_code == 400
        assert (
            refused.json()["error"]["message"]
            == "players.alice.fault.ms: expected an integer from 0 to 60000, got 999999"
        )


def test_no_bundled_fixture_declares_a_fault() -> None:
    # Faults never fire by accident: the bundled data serves every documented case as documented.
    for api in APIS:
        document = load_fixtures().documents[api.name]
        for collection in api.collections:
            assert [name for name, entity in document[collection].items() if "fault" in entity] == []


class CountingStore(SqliteStateStore):
    snapshots = 0

    def snapshot(self) -> Snapshot:
        self.snapshots += 1
        return super().snapshot()


def test_without_admin_changes_requests_read_no_state(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    store = CountingStore(tmp_path / "state.sqlite3")
    with TestClient(create_app(state=store), raise_server_exceptions=False) as client:
        before = store.snapshots
        for _ in range(50):
            assert balance(client).status_code == 200
        assert store.snapshots == before
        client.put(f"{ADMIN}/valkyrie/players/zero", json=ZERO)
        after_change = store.snapshots
        for _ in range(50):
            assert balance(client).status_code == 200
        assert store.snapshots == after_change + 1  # one rebuild, on the first request after the change
    store.close()


def test_the_admin_api_has_its_swagger_ui_and_spec(client: TestClient) -> None:
    ui = client.get(f"{ADMIN}/ui/")
    assert ui.status_code == 200 and "text/html" in ui.headers["content-type"]
    assert client.get(f"{ADMIN}/openapi.json").json()["info"]["title"] == "Balance sandbox admin API"
