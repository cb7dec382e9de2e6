"""Expiry is judged against the app's clock: a Paytronix access token and a Valkyrie session expire at the time their
fixture gives (2024-01-01T00:00:00Z), not a second before, whatever the time of the machine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient
from support import PAYTRONIX_INFO, VALKYRIE_BALANCE, fixture, paytronix_auth, valkyrie_headers, valkyrie_player

from mockserver import create_app

EXPIRY = datetime(2024, 1, 1, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clocked() -> Iterator[tuple[TestClient, Clock]]:
    clock = Clock()
    with TestClient(create_app(clock=clock), raise_server_exceptions=False) as client:
        yield client, clock


def expired_token_result(client: TestClient) -> str:
    token = fixture("paytronix")["accounts"]["active"]["access_tokens"][1]["access_token"]
    body = {"authentication": "oauth", "merchantId": 777777, "access_token": token}
    response = client.post(PAYTRONIX_INFO, json=body, auth=paytronix_auth())
    return str(response.json()["result"])


def expired_session_status(client: TestClient) -> str:
    response = client.get(
        VALKYRIE_BALANCE.format(valkyrie_player("alice")),
        params={"provider": "evolution"},
        headers=valkyrie_headers("expired"),
    )
    body = response.json()
    return str(body["status"] if body["status"] == "OK" else body["error"]["code"])


def test_an_access_token_is_valid_until_its_expiry(clocked: tuple[TestClient, Clock]) -> None:
    client, clock = clocked
    clock.now = EXPIRY - 1
    assert expired_token_result(client) == "success"
    clock.now = EXPIRY
    assert expired_token_result(client) == "failure"


def test_a_session_is_live_until_its_expiry(clocked: tuple[TestClient, Clock]) -> None:
    client, clock = clocked
    clock.now = EXPIRY - 1
    assert expired_session_status(client) == "OK"
    clock.now = EXPIRY
    assert expired_session_status(client) == "PAM_ERR_SESSION_EXPIRED"
