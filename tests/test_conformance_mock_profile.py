"""The conformance profile shipped for the mock: each identity in it reaches the case it stands for."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import yaml
from starlette.testclient import TestClient
from support import PAYTRONIX_INFO, REPO, VALKYRIE_BALANCE, VIP_LOOKUP

PROFILE: dict[str, Any] = yaml.safe_load((REPO / "conformance" / "profiles" / "mock.yaml").read_text(encoding="utf-8"))


def test_the_profile_names_the_three_apis_on_the_default_port() -> None:
    assert set(PROFILE) == {"vip-connect", "paytronix", "valkyrie"}
    for api, section in PROFILE.items():
        assert section["base_url"] == f"http://127.0.0.1:8000/{api}"


def test_the_vip_accounts_reach_their_cases(client: TestClient) -> None:
    vip = PROFILE["vip-connect"]
    now = int(time.time())
    claims = {"iss": vip["operator_id"], "aud": vip["audience"], "exp": now + 600}
    expected = {"preferred": 200, "online": 200, "by_id": 200, "closed": 400, "unknown": 404}
    # The profile gives the operator's two keys: a token signed with either reaches every case.
    for secret in vip["secret_base64"]:
        token = jwt.encode(claims, base64.b64decode(secret), algorithm="HS256")
        for case, status in expected.items():
            headers = {"Authorization": f"Bearer {token}"}
            response = client.post(VIP_LOOKUP, json=vip["accounts"][case], headers=headers)
            assert response.status_code == status, case
            assert ("bankAccounts" in response.json()) is (status == 200 and vip["bank_accounts_toggle"])


def test_the_paytronix_cards_reach_their_results(client: TestClient) -> None:
    ptx = PROFILE["paytronix"]
    base = {"merchantId": ptx["merchant_id"]}
    active, guest = ptx["cards"]["active"], ptx["cards"]["guest"]
    requests = {
        "success": [
            {
                **base,
                "authentication": "card",
                "printedCardNumber": active["printedCardNumber"],
                "registrationCode": active["registrationCode"],
            },
            {**base, "authentication": "oauth", "access_token": active["access_token"]},
            {**base, "authentication": "guest", **guest},
        ],
        "invalid_status": [{**base, "authentication": "card", **ptx["cards"]["invalid_status"]}],
        "failure": [{**base, "authentication": "card", "registrationCode": "1", **ptx["cards"]["unknown"]}],
    }
    url = PAYTRONIX_INFO.replace("25.33", ptx["release"])
    for result, bodies in requests.items():
        for body in bodies:
            for method in ptx["methods"]:
                auth = (ptx["client_id"], ptx["client_secret"])
                kwargs: dict[str, Any] = {"json": body} if method == "POST" else {"params": body}
                response = client.request(method, url, auth=auth, **kwargs)
                assert (response.status_code, response.json()["result"]) == (200, result), (method, body)


def test_the_valkyrie_players_reach_their_outcomes(client: TestClient) -> None:
    valk = PROFILE["valkyrie"]
    players = valk["players"]
    expected = {
        "active": "OK",
        "expired": "PAM_ERR_SESSION_EXPIRED",
        "no_account": "PAM_ERR_ACC_NOT_FOUND",
        "unknown": "PAM_ERR_PLAYER_NOT_FOUND",
    }
    for case, outcome in expected.items():
        token = players[case].get("token", players["active"]["token"])
        headers = {"Authorization": f"Bearer {valk['api_token']}", "X-Player-Token": token, "X-Correlation-ID": case}
        response = client.get(
            VALKYRIE_BALANCE.format(players[case]["playerId"]), params={"provider": valk["provider"]}, headers=headers
        )
        body = response.json()
        assert response.status_code == 200, case
        assert (body["status"] if outcome == "OK" else body["error"]["code"]) == outcome, case
