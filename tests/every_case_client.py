"""A small client of the three APIs, written as an integrator would, and the test run with which it meets every
documented case. The client verdict's tests judge it, and broken variants of it, from the sandbox's journal."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from support import PAYTRONIX_INFO, VALKYRIE_BALANCE, VIP_LOOKUP, fixture, paytronix_auth, vip_token

# What the client sends, from the fixtures as an integrator reads them in fixtures/README.md.
VIP = fixture("vip-connect")
PTX = fixture("paytronix")
VALK = fixture("valkyrie")
MERCHANT = PTX["merchants"][0]
ACTIVE_CARD = PTX["accounts"]["active"]["cards"][0]
SUSPENDED_CARD = PTX["accounts"]["suspended"]["cards"][0]
OAUTH = {
    "authentication": "oauth",
    "merchantId": MERCHANT,
    "access_token": PTX["accounts"]["active"]["access_tokens"][0]["access_token"],
}
CARD = {
    "authentication": "card",
    "merchantId": MERCHANT,
    "printedCardNumber": ACTIVE_CARD["printed_card_number"],
    "registrationCode": ACTIVE_CARD["registration_code"],
}
GUEST = {
    "authentication": "guest",
    "merchantId": MERCHANT,
    "username": PTX["accounts"]["active"]["username"],
    "password": PTX["accounts"]["active"]["password"],
}
ALICE = VALK["players"]["alice"]["player_id"]


@dataclass
class BalanceClient:
    """Sends each API's request with its credentials; every request carries an X-Correlation-ID that starts with
    ``run``, so that a report can select this test run among others."""

    http: httpx.Client
    run: str
    sent: int = 0  # correlation ids given out: the requests of the run that carry one

    def correlation(self) -> dict[str, str]:
        self.sent += 1
        return {"X-Correlation-ID": f"{self.run}{self.sent}"}

    def vip_lookup(self, body: Mapping[str, Any], *, token: str | None = None, **headers: str) -> httpx.Response:
        authorization = {"Authorization": f"Bearer {token if token is not None else vip_token()}"}
        return self.http.post(VIP_LOOKUP, json=dict(body), headers={**authorization, **self.correlation(), **headers})

    def paytronix(
        self, method: str, fields: Mapping[str, Any], *, auth: tuple[str, str] | None = None, **headers: str
    ) -> httpx.Response:
        credentials = auth or paytronix_auth()
        if method == "GET":
            return self.http.get(
                PAYTRONIX_INFO, params=dict(fields), auth=credentials, headers={**self.correlation(), **headers}
            )
        return self.http.post(
            PAYTRONIX_INFO, json=dict(fields), auth=credentials, headers={**self.correlation(), **headers}
        )

    def balance(
        self,
        player_id: str,
        *,
        session: str = "active",
        provider: str | None = None,
        token: str | None = None,
        api_token: str | None = None,
        **headers: str,
    ) -> httpx.Response:
        sent = {
            "Authorization": f"Bearer {api_token or VALK['api_token']}",
            "X-Player-Token": token or VALK["sessions"][session]["token"],
            **self.correlation(),
            **headers,
        }
        params = {"provider": provider or VALK["sessions"][session]["provider"]}
        return self.http.get(VALKYRIE_BALANCE.format(player_id), params=params, headers=sent)


def meet_every_documented_case(client: BalanceClient) -> None:
    """The test run of a client that meets every documented case it should, the guest style on GET aside (the vendor
    discourages it). Each answer is checked, as the client's own tests would."""
    number = VIP["accounts"]["preferred"]["vip_account_number"]
    assert client.vip_lookup({"VipAccountNumber": number}).status_code == 200
    assert client.vip_lookup({"VipAccountNumber": number, "ProductType": "online"}).status_code == 200
    assert client.vip_lookup(VIP["accounts"]["by-id"]["id_details"]).status_code == 200
    assert client.vip_lookup({"VipAccountNumber": VIP["unknown"]["vip_account_numbers"][0]}).status_code == 404
    closed = client.vip_lookup({"VipAccountNumber": VIP["accounts"]["closed"]["vip_account_number"]})
    assert closed.status_code == 400 and closed.json()["errorCode"] == "13"
    # A refused JWT, well formed: signed with a key the sandbox does not know.
    refused = vip_token(key=secrets.token_bytes(32))
    assert client.vip_lookup({"VipAccountNumber": number}, token=refused).status_code == 401

    for method in ("POST", "GET"):
        for fields in (OAUTH, CARD):
            assert client.paytronix(method, fields).json()["result"] == "success"
    assert client.paytronix("POST", GUEST).json()["result"] == "success"
    assert client.paytronix("POST", {**CARD, "registrationCode": "000000"}).json()["result"] == "failure"
    suspended = {**CARD, "printedCardNumber": SUSPENDED_CARD["printed_card_number"]}
    suspended["registrationCode"] = SUSPENDED_CARD["registration_code"]
    assert client.paytronix("POST", suspended).json()["result"] == "invalid_status"
    wrong_secret = (paytronix_auth()[0], "not-the-client-secret")
    assert client.paytronix("POST", OAUTH, auth=wrong_secret).status_code == 401

    assert client.balance(ALICE).json()["status"] == "OK"
    assert client.balance(VALK["unknown"]["player_ids"][0]).json()["error"]["code"] == "PAM_ERR_PLAYER_NOT_FOUND"
    assert client.balance(ALICE, session="expired").json()["error"]["code"] == "PAM_ERR_SESSION_EXPIRED"
    unknown_session = client.balance(ALICE, token=VALK["unknown"]["tokens"][0])
    assert unknown_session.status_code == 401
    assert client.balance(ALICE, api_token="not-the-pam-api-token").json()["error"]["code"] == "PAM_ERR_API_TOKEN"
    assert client.balance(ALICE, provider="no-such-provider").json()["error"]["code"] == "PAM_ERR_MISSING_PROVIDER"
    carol = VALK["players"]["carol"]["player_id"]
    assert client.balance(carol, session="no-account").json()["error"]["code"] == "PAM_ERR_ACC_NOT_FOUND"
