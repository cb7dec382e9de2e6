"""Valkyrie PAM getBalance: every outcome, the token and session rules, and the correlation echo."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from support import VALKYRIE_BALANCE, assert_documented, fixture, valkyrie_headers, valkyrie_player


def balance(client: TestClient, player: str, *, provider: str | None = "evolution", **headers: Any) -> Any:
    session = headers.pop("session", "active")
    params = {"provider": provider} if provider is not None else {}
    response = client.get(VALKYRIE_BALANCE.format(player), params=params, headers=valkyrie_headers(session, **headers))
    return response, assert_documented(response)


def test_a_live_session_gets_the_balance(client: TestClient) -> None:
    response, body = balance(client, valkyrie_player("alice"))
    assert response.status_code == 200
    assert body == {"status": "OK", "balance": fixture("valkyrie")["players"]["alice"]["balance"]}


@pytest.mark.parametrize("provider", ["Evolution", "EVOLUTION", "evolution"])
def test_providers_match_in_any_case(client: TestClient, provider: str) -> None:
    _response, body = balance(client, valkyrie_player("alice"), provider=provider)
    assert body["status"] == "OK"


def test_the_shortest_allowed_token_works(client: TestClient) -> None:
    _response, body = balance(client, valkyrie_player("bob"), provider="redtiger", session="redtiger")
    assert len(fixture("valkyrie")["sessions"]["redtiger"]["token"]) == 32
    assert body == {"status": "OK", "balance": fixture("valkyrie")["players"]["bob"]["balance"]}


@pytest.mark.parametrize(
    ("player", "session", "code"),
    [
        ("does-not-exist", "active", "PAM_ERR_PLAYER_NOT_FOUND"),
        ("00000000000000000000000000000000", "active", "PAM_ERR_PLAYER_NOT_FOUND"),
        ("alice", "expired", "PAM_ERR_SESSION_EXPIRED"),
        ("carol", "no-account", "PAM_ERR_ACC_NOT_FOUND"),
    ],
)
def test_business_errors_are_http_200(client: TestClient, player: str, session: str, code: str) -> None:
    player_id = valkyrie_player(player) if player in fixture("valkyrie")["players"] else player
    response, body = balance(client, player_id, session=session)
    assert response.status_code == 200
    assert body["status"] == "ERROR"
    assert body["error"]["code"] == code


@pytest.mark.parametrize(
    "overrides",
    [
        {"X-Player-Token": fixture("valkyrie")["unknown"]["tokens"][0]},
        {"X-Player-Token": "x" * 31},
        {"X-Player-Token": "x" * 41},
        {"X-Player-Token": None},
    ],
    ids=["unknown", "31-chars", "41-chars", "missing"],
)
def test_an_unknown_session_is_a_401(client: TestClient, overrides: dict[str, Any]) -> None:
    response, body = balance(client, valkyrie_player("alice"), **overrides)
    assert response.status_code == 401
    assert body["error"]["code"] == "PAM_ERR_SESSION_NOT_FOUND"


def test_another_players_session_is_a_401(client: TestClient) -> None:
    response, body = balance(client, valkyrie_player("alice"), provider="redtiger", session="redtiger")
    assert response.status_code == 401
    assert body["error"]["code"] == "PAM_ERR_SESSION_NOT_FOUND"


def test_a_session_of_another_provider_is_a_401(client: TestClient) -> None:
    response, body = balance(client, valkyrie_player("alice"), provider="caleta")
    assert response.status_code == 401
    assert body["error"]["code"] == "PAM_ERR_SESSION_NOT_FOUND"


@pytest.mark.parametrize("authorization", ["Bearer wrong-token", "Basic dXNlcjpwYXNz", None])
def test_a_bad_api_token_is_a_401(client: TestClient, authorization: str | None) -> None:
    response, body = balance(client, valkyrie_player("alice"), Authorization=authorization)
    assert response.status_code == 401
    assert body["error"]["code"] == "PAM_ERR_API_TOKEN"


@pytest.mark.parametrize("provider", ["unknown-provider", None])
def test_a_missing_or_unknown_provider_is_a_400(client: TestClient, provider: str | None) -> None:
    response, body = balance(client, valkyrie_player("alice"), provider=provider)
    assert response.status_code == 400
    assert body["error"]["code"] == "PAM_ERR_MISSING_PROVIDER"


def test_a_missing_correlation_id_is_a_400(client: TestClient) -> None:
    response, body = balance(client, valkyrie_player("alice"), **{"X-Correlation-ID": None})
    assert response.status_code == 400
    assert body["error"]["code"] == "PAM_ERR_UNDEFINED"


def test_an_extra_query_parameter_is_a_400(client: TestClient) -> None:
    response = client.get(
        VALKYRIE_BALANCE.format(valkyrie_player("alice")),
        params={"provider": "evolution", "currency": "EUR"},
        headers=valkyrie_headers(),
    )
    assert assert_documented(response)["error"]["code"] == "PAM_ERR_UNDEFINED"


@pytest.mark.parametrize(
    "overrides",
    [{}, {"X-Player-Token": "short"}, {"Authorization": "Bearer wrong"}, {"session": "expired"}],
    ids=["ok", "401-session", "401-api-token", "200-error"],
)
def test_the_correlation_id_is_echoed_on_every_answer(client: TestClient, overrides: dict[str, Any]) -> None:
    response, _ = balance(client, valkyrie_player("alice"), **{**overrides, "X-Correlation-ID": "corr-42"})
    assert response.headers["x-correlation-id"] == "corr-42"


@pytest.mark.parametrize("traceparent", ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "garbage"])
def test_trace_context_headers_never_cause_a_rejection(client: TestClient, traceparent: str) -> None:
    _response, body = balance(client, valkyrie_player("alice"), traceparent=traceparent, tracestate="vendor=value")
    assert body["status"] == "OK"


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("expired", 200, "PAM_ERR_SESSION_EXPIRED"),
        ("no-account", 200, "PAM_ERR_ACC_NOT_FOUND"),
        ("player_not_found", 200, "PAM_ERR_PLAYER_NOT_FOUND"),
        ("session_not_found", 401, "PAM_ERR_SESSION_NOT_FOUND"),
        ("missing_provider", 400, "PAM_ERR_MISSING_PROVIDER"),
    ],
)
def test_prefer_forces_a_named_case(client: TestClient, case: str, status: int, code: str) -> None:
    response, body = balance(client, valkyrie_player("alice"), Prefer=f"example={case}")
    assert response.status_code == status
    assert body["error"]["code"] == code
    assert response.headers["preference-applied"] == f"example={case}"


def test_prefer_naming_a_live_session_answers_its_balance(client: TestClient) -> None:
    _, body = balance(client, "anyone", Prefer="example=redtiger")
    assert body == {"status": "OK", "balance": fixture("valkyrie")["players"]["bob"]["balance"]}


def test_prefer_with_an_unknown_case_is_a_400(client: TestClient) -> None:
    response, body = balance(client, valkyrie_player("alice"), Prefer="example=jackpot")
    assert response.status_code == 400
    assert body["error"]["code"] == "PAM_ERR_UNDEFINED"
    assert "player_not_found" in body["error"]["message"]
