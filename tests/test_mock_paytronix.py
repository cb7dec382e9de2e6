"""Paytronix accountInformation: each authentication style on POST and GET, failures and invalid_status."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from support import PAYTRONIX_INFO, assert_documented, fixture, paytronix_auth, spec_example

PATH = "/rest/{release}/guest/accountInformation.json"
FAILURES = fixture("paytronix")["failures"]
ERRORS = fixture("paytronix")["errors"]
SEED_REQUEST = {
    "printedCardNumber": "6000301000418000",
    "merchantId": 777777,
    "authentication": "oauth",
    "access_token": "rIe7dgL5pthisisnotarealtokenqrFbA268pw5GP",
}


def call(client: TestClient, method: str, fields: dict[str, Any], *, auth: Any = None, headers: Any = None) -> Any:
    auth = paytronix_auth() if auth is None else auth
    if method == "POST":
        response = client.post(PAYTRONIX_INFO, json=fields, auth=auth, headers=headers)
    else:
        response = client.get(PAYTRONIX_INFO, params=fields, auth=auth, headers=headers)
    return response, assert_documented(response)


def test_the_seed_request_returns_the_seed_response(client: TestClient) -> None:
    response, body = call(client, "POST", SEED_REQUEST)
    assert response.status_code == 200
    assert body == spec_example("paytronix", PATH, "post", "200", "success")


def test_decimals_are_strings_and_codes_are_integers(client: TestClient) -> None:
    fields = {
        "authentication": "card",
        "merchantId": 777777,
        "printedCardNumber": "6000301000427001",
        "registrationCode": "427001",
    }
    _, body = call(client, "POST", fields)
    assert body["pointBalances"][1]["balance"] == "1475.50"
    assert all(isinstance(item["walletCode"], int) for item in body["pointBalances"])
    assert isinstance(body["tierCode"], int) and isinstance(body["cardTemplateCode"], int)


STYLES = {
    "oauth": {"access_token": "9f3KqL2mXvT7pR1sW8yZ4bN6cD0eF5gH"},
    "oauth-with-card": {"access_token": "9f3KqL2mXvT7pR1sW8yZ4bN6cD0eF5gH", "printedCardNumber": "6000301000427019"},
    "card": {"printedCardNumber": "6000301000427001", "registrationCode": "427001"},
    "card-additional": {"printedCardNumber": "6000301000427019", "registrationCode": "427019"},
    "guest": {"username": "GoldGuest", "password": "sandbox-gold-password"},
    "guest-any-case": {"username": "goldguest", "password": "sandbox-gold-password"},
}


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("style", STYLES)
def test_each_style_reaches_the_balance(client: TestClient, method: str, style: str) -> None:
    fields = {"authentication": style.split("-")[0], "merchantId": 777777, **STYLES[style]}
    response, body = call(client, method, fields)
    assert response.status_code == 200
    assert body["result"] == "success"
    assert body["username"] == "GoldGuest"
    assert body["primaryCard"]["printedCardNumber"] == "6000301000427001"
    assert body["additionalCards"] == [
        {"maskedCardNumber": "427019", "printedCardNumber": "6000301000427019", "status": "ACTIVE"}
    ]
    assert body["queryCardStatus"] == "ACTIVE"


MISMATCHES: dict[str, dict[str, Any]] = {
    "card_not_found": {"authentication": "card", "printedCardNumber": "6000301000000000", "registrationCode": "1"},
    "invalid_registration_code": {
        "authentication": "card",
        "printedCardNumber": "6000301000418000",
        "registrationCode": "000000",
    },
    "invalid_access_token": {"authentication": "oauth", "access_token": "not-a-token"},
    "expired_access_token": {"authentication": "oauth", "access_token": "HxRrgfDBE4by_p5rj8OU_NoV7UL9kEYC2WEbFg2Z"},
    "invalid_guest_credentials": {"authentication": "guest", "username": "GuestREST", "password": "wrong"},
    "unknown_guest": {"authentication": "guest", "username": "nobody", "password": "sandbox-guest-password"},
    "card_of_another_account": {
        "authentication": "oauth",
        "access_token": "9f3KqL2mXvT7pR1sW8yZ4bN6cD0eF5gH",
        "printedCardNumber": "6000301000418000",
    },
    "merchant_not_found": {
        "authentication": "card",
        "merchantId": 1,
        "printedCardNumber": "6000301000418000",
        "registrationCode": "418000",
    },
    "client_id_mismatch": {**SEED_REQUEST, "client_id": "someone-else"},
}
FAILURE_OF = {
    "expired_access_token": "invalid_access_token",
    "unknown_guest": "invalid_guest_credentials",
    "card_of_another_account": "card_not_found",
}


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("case", MISMATCHES)
def test_credentials_that_do_not_match_are_a_200_failure(client: TestClient, method: str, case: str) -> None:
    fields = {"merchantId": 777777, **MISMATCHES[case]}
    response, body = call(client, method, fields)
    assert response.status_code == 200
    assert body == {"result": "failure", **FAILURES[FAILURE_OF.get(case, case)]}


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(
    "fields",
    [
        {"authentication": "card", "printedCardNumber": "6000301000499001", "registrationCode": "499001"},
        {"authentication": "oauth", "access_token": "Zt8yW3vQ6nB1mK4jH7gF2dS5aP9oL0iU"},
        {"authentication": "guest", "username": "SuspendedGuest", "password": "sandbox-suspended-password"},
    ],
    ids=["card", "oauth", "guest"],
)
def test_a_suspended_card_is_invalid_status(client: TestClient, method: str, fields: dict[str, str]) -> None:
    response, body = call(client, method, {"merchantId": 777777, **fields})
    assert response.status_code == 200
    assert body == {"result": "invalid_status", **ERRORS["invalid_status"]}


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"authentication": "card", "printedCardNumber": "6000301000418000"},
            "card authentication needs registrationCode",
        ),
        ({"authentication": "oauth"}, "oauth authentication needs access_token"),
        ({"authentication": "guest", "username": "GuestREST"}, "guest authentication needs password"),
        # A made-up style: the vendor documents more than the seed names (B2B), so none of those stands for "unknown".
        ({"authentication": "no-such-style"}, "authentication"),
        ({"authentication": "card", "merchantId": "abc"}, "merchantId"),
    ],
    ids=["card-without-code", "oauth-without-token", "guest-without-password", "unknown-style", "merchant-not-integer"],
)
def test_a_malformed_request_is_a_400_failure(
    client: TestClient, method: str, fields: dict[str, Any], message: str
) -> None:
    response, body = call(client, method, {"merchantId": 777777, **fields})
    assert response.status_code == 400
    assert body["result"] == "failure"
    assert body["errorCode"] == ERRORS["invalid_inputs"]["errorCode"]
    assert message in body["errorMessage"]


def test_get_refuses_a_parameter_that_is_not_in_the_spec(client: TestClient) -> None:
    response, body = call(client, "GET", {**SEED_REQUEST, "pin": "1234"})
    assert response.status_code == 400
    assert "pin" in body["errorMessage"]


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(
    "auth", [("pxs-sandbox-integration", "wrong"), ("nobody", "secret"), None], ids=["secret", "client", "none"]
)
def test_bad_client_credentials_are_a_401(client: TestClient, method: str, auth: Any) -> None:
    response = (
        client.post(PAYTRONIX_INFO, json=SEED_REQUEST, auth=auth or httpx.Auth())
        if method == "POST"
        else client.get(PAYTRONIX_INFO, params=SEED_REQUEST, auth=auth or httpx.Auth())
    )
    assert response.status_code == 401
    assert response.json() == {"result": "failure", **ERRORS["invalid_client"]}
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("release", ["25.33", "19.23", "16.3"])
def test_any_release_is_served(client: TestClient, release: str) -> None:
    response = client.post(PAYTRONIX_INFO.replace("25.33", release), json=SEED_REQUEST, auth=paytronix_auth())
    assert response.status_code == 200


def test_a_release_that_is_not_a_version_is_a_400(client: TestClient) -> None:
    response = client.post(PAYTRONIX_INFO.replace("25.33", "latest"), json=SEED_REQUEST, auth=paytronix_auth())
    assert response.status_code == 400
    # The pattern as the spec writes it, not as a Python repr with doubled backslashes.
    assert (
        "path parameter 'release' is not valid: 'latest' does not match ^[0-9]+\\.[0-9]+$"
        in response.json()["errorMessage"]
    )


@pytest.mark.parametrize(
    ("case", "expected"),
    [("active", "success"), ("suspended", "invalid_status"), ("card_not_found", "failure")],
)
def test_prefer_forces_a_named_case(client: TestClient, case: str, expected: str) -> None:
    response, body = call(client, "GET", SEED_REQUEST, headers={"Prefer": f"example={case}"})
    assert body["result"] == expected
    assert response.headers["preference-applied"] == f"example={case}"


def test_prefer_with_an_unknown_case_is_a_400(client: TestClient) -> None:
    response, body = call(client, "POST", SEED_REQUEST, headers={"Prefer": "example=platinum"})
    assert response.status_code == 400
    assert body["errorCode"] == "request.unknown_example"
    assert "gold" in body["errorMessage"] and "card_not_found" in body["errorMessage"]
