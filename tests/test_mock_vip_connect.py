"""VIP Connect account lookup: every documented case, the JWT matrix, and the data rules."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient
from support import (
    VENDOR_SAMPLE_TOKEN,
    VIP_LOOKUP,
    assert_documented,
    fixture,
    operator_secrets,
    spec_example,
    vip_headers,
    vip_token,
)

from mockserver import create_app

PATH = "/api/patronsession/accountlookup"


def lookup(client: TestClient, body: Any, headers: dict[str, str] | None = None) -> Any:
    response = client.post(VIP_LOOKUP, json=body, headers=headers if headers is not None else vip_headers())
    return response, assert_documented(response)


def seed_example(status: str, name: str) -> Any:
    return spec_example("vip-connect", PATH, "post", status, name)


def test_the_seed_request_returns_the_seed_response(client: TestClient) -> None:
    # The seed's example shows bankAccounts, so it is the answer to an operator with the toggle on.
    response, body = lookup(client, {"VipAccountNumber": "7210988860"}, vip_headers("bank-accounts-operator"))
    assert response.status_code == 200
    assert body == seed_example("200", "vipPreferred")


def test_bank_accounts_are_absent_unless_the_operator_toggle_is_on(client: TestClient) -> None:
    _, body = lookup(client, {"VipAccountNumber": "7210988860"}, vip_headers("example-operator"))
    expected = {k: v for k, v in seed_example("200", "vipPreferred").items() if k != "bankAccounts"}
    assert body == expected


def test_vip_online_carries_amounts_per_bank_account(client: TestClient) -> None:
    request = {"VipAccountNumber": "7210988860", "ProductType": "online"}
    _, body = lookup(client, request, vip_headers("bank-accounts-operator"))
    assert "availableAmount" not in body
    assert all("availableAmount" in account and "availableLimit" not in account for account in body["bankAccounts"])
    assert body == seed_example("200", "vipOnline")


def test_product_type_defaults_to_preferred(client: TestClient) -> None:
    _, default = lookup(client, {"VipAccountNumber": "7210988860"})
    _, preferred = lookup(client, {"VipAccountNumber": "7210988860", "ProductType": "preferred"})
    assert default == preferred
    assert "availableAmount" in default


@pytest.mark.parametrize(
    "request_body",
    [
        {"IdType": "SS", "IdNumber": "543083512"},
        {"IdType": "SS", "IdNumber": "543083512", "IdState": ""},
        {"IdType": "SS", "IdNumber": "543083512", "IdState": "NV", "ProductType": "preferred"},
    ],
    ids=["ss-without-state", "ss-with-empty-state", "ss-with-state"],
)
def test_an_account_is_found_by_social_security_number(client: TestClient, request_body: dict[str, str]) -> None:
    response, body = lookup(client, request_body)
    assert response.status_code == 200
    assert body["vipCardNumber"] == "7210695258"
    assert body["idType"] == "SS"


def test_an_account_is_found_by_licence_and_state_in_any_case(client: TestClient) -> None:
    response, body = lookup(client, {"IdType": "DL", "IdNumber": "ga054983545", "IdState": "ga"})
    assert response.status_code == 200
    assert body["vipCardNumber"] == "7210988860"


def test_the_full_id_number_and_ssn_never_appear(client: TestClient) -> None:
    for request_body, secret in [
        ({"IdType": "SS", "IdNumber": "543083512"}, "543083512"),
        ({"IdType": "DL", "IdNumber": "GA054983545", "IdState": "GA"}, "GA054983545"),
    ]:
        response, body = lookup(client, request_body)
        assert secret not in response.text
        assert body["idNumber"] == "****" + secret[-4:]


def test_a_closed_account_is_a_400_with_error_code_13(client: TestClient) -> None:
    response, body = lookup(client, {"VipAccountNumber": "7210806973"})
    assert response.status_code == 400
    assert body == seed_example("400", "accountClosed")


@pytest.mark.parametrize(
    "request_body",
    [{"VipAccountNumber": number} for number in fixture("vip-connect")["unknown"]["vip_account_numbers"]]
    + fixture("vip-connect")["unknown"]["id_details"]
    + [{"VipAccountNumber": "7210695258", "ProductType": "online"}],
)
def test_an_unknown_account_is_a_404_with_error_code_12(client: TestClient, request_body: dict[str, str]) -> None:
    response, body = lookup(client, request_body)
    assert response.status_code == 404
    assert body == seed_example("404", "accountNotFound")


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"VipAccountNumber": "7210988860", "IdType": "DL", "IdNumber": "GA054983545", "IdState": "GA"}, "not both"),
        ({"VipAccountNumber": "7210988860", "IdState": "GA"}, "not both"),
        ({}, "Send ID details"),
        ({"ProductType": "preferred"}, "Send ID details"),
        ({"IdType": "DL", "IdNumber": "GA054983545"}, "IdState is required unless IdType is SS"),
        ({"VipAccountNumber": "72109888"}, "VipAccountNumber"),
        ({"IdType": "XX", "IdNumber": "123456", "IdState": "GA"}, "IdType"),
        ({"IdType": "DL", "IdNumber": "12345", "IdState": "GA"}, "IdNumber"),
        ({"VipAccountNumber": "7210988860", "ProductType": "gold"}, "ProductType"),
        ({"VipAccountNumber": 7210988860}, "VipAccountNumber"),
        ([], "object"),
    ],
    ids=[
        "both",
        "number-and-state",
        "neither",
        "product-only",
        "no-state",
        "short-number",
        "bad-id-type",
        "short-id-number",
        "bad-product",
        "number-as-integer",
        "array",
    ],
)
def test_a_malformed_lookup_is_a_400_that_says_why(client: TestClient, request_body: Any, message: str) -> None:
    response, body = lookup(client, request_body)
    assert response.status_code == 400
    assert body["errorCode"] == "400"
    assert message in body["operatorDeclineDescription"]


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"VipAccountNumber": "123"}, "VipAccountNumber: the value (str, withheld) does not match ^[0-9]{10}$"),
        ({"VipAccountNumber": "7210988860", "ProductType": 1}, "ProductType: 1 is not of type 'string'"),
        ({"IdType": "SS", "IdNumber": "12"}, "IdNumber: the value (str, withheld) is too short"),
        (
            {"IdType": "XX", "IdNumber": "543083545", "IdState": "GA"},
            "IdType: 'XX' is not one of ['DL', 'ST', 'MI', 'PP', 'SS']",
        ),
        (
            {"IdType": "SS", "IdNumber": "543083545", "ProductType": "x"},
            "ProductType: 'x' is not one of ['preferred', 'online']",
        ),
        ({"IdType": "DL", "IdNumber": "12", "IdState": "G"}, "IdState: 'G' is too short"),
    ],
)
def test_a_wrong_field_is_named_although_each_form_types_its_fields(
    client: TestClient, request_body: Any, message: str
) -> None:
    """The forms repeat the field types for generated clients; the message still names the field, not the forms."""
    response, body = lookup(client, request_body)
    assert response.status_code == 400
    assert body["operatorDeclineDescription"] == message


def _unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


NOW = int(time.time())
ISSUER = fixture("vip-connect")["operators"]["example-operator"]["operator_id"]
BAD_TOKENS = {
    "malformed": ("not.a.jwt", "well-formed"),
    "expired": (vip_token(exp=NOW - 3600), "expired"),
    "not-yet-valid": (vip_token(nbf=NOW + 3600), "not valid yet"),
    "bad-signature": (vip_token(key=b"k" * 32), "signature"),
    "undecoded-secret": (
        vip_token(key=operator_secrets()[0].encode()),
        "signature",
    ),
    "alg-none": (_unsigned({"iss": ISSUER, "aud": "vip-api", "exp": NOW + 86400}), "HS256"),
    "unknown-issuer": (vip_token(iss="8ad4812a-178f-4e13-8d82-81bddc322da7"), "not a known operator"),
    "wrong-audience": (vip_token(aud="someone-else"), "audience"),
    "no-exp": (vip_token(exp=None), "'exp'"),
    "exp-not-a-number": (vip_token(exp="soon"), "not a NumericDate"),
    "vendor-sample": (VENDOR_SAMPLE_TOKEN, "expired"),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_an_invalid_jwt_is_a_401(client: TestClient, case: str) -> None:
    token, reason = BAD_TOKENS[case]
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert reason in response.json()["operatorDeclineDescription"]
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("key", [0, 1], ids=["first key", "second key"])
def test_a_token_signed_with_either_key_of_the_operator_is_accepted(client: TestClient, key: int) -> None:
    token = vip_token(key=base64.b64decode(operator_secrets()[key]))
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text


def test_a_token_signed_with_the_second_key_of_another_operator_is_refused(client: TestClient) -> None:
    # The keys belong to their operator: the example operator's second key does not sign for another issuer.
    token = vip_token("bank-accounts-operator", key=base64.b64decode(operator_secrets()[1]))
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert "signature" in response.json()["operatorDeclineDescription"]


@pytest.mark.parametrize("authorization", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer "])
def test_a_missing_bearer_token_is_a_401(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "401"


def test_the_vendor_sample_token_verifies_with_the_decoded_secret_only() -> None:
    secret = operator_secrets()[0]
    options: jwt.types.Options = {"verify_exp": False}
    claims = jwt.decode(
        VENDOR_SAMPLE_TOKEN, base64.b64decode(secret), algorithms=["HS256"], audience="vip-api", options=options
    )
    assert claims["iss"] == ISSUER
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(VENDOR_SAMPLE_TOKEN, secret.encode(), algorithms=["HS256"], audience="vip-api", options=options)


# Claims as functions of the current time: a token is minted when its test runs, not when the module loads.
ACCEPTED_CLAIMS: dict[str, Any] = {
    "env-audience": lambda now: {"aud": "vip-api-cert"},
    "audience-list": lambda now: {"aud": ["other", "vip-api"]},
    "expired-within-leeway": lambda now: {"exp": now - 30},
    "nbf-within-leeway": lambda now: {"nbf": now + 30},
    "issuer-upper-case": lambda now: {"iss": ISSUER.upper()},
}


@pytest.mark.parametrize("case", ACCEPTED_CLAIMS)
def test_tokens_within_the_rules_are_accepted(client: TestClient, case: str) -> None:
    token = vip_token(**ACCEPTED_CLAIMS[case](int(time.time())))
    response, _ = lookup(client, {"VipAccountNumber": "7210988860"}, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_prefer_forces_a_named_case(client: TestClient) -> None:
    response, body = lookup(client, {"VipAccountNumber": "7210988860"}, {**vip_headers(), "Prefer": "example=closed"})
    assert response.status_code == 400
    assert body["errorCode"] == "13"
    assert response.headers["preference-applied"] == "example=closed"
    response, body = lookup(
        client, {"VipAccountNumber": "7210988860"}, {**vip_headers(), "Prefer": "example=account_not_found"}
    )
    assert response.status_code == 404
    response, body = lookup(
        client, {"IdType": "SS", "IdNumber": "000000001"}, {**vip_headers(), "Prefer": "example=by-id"}
    )
    assert body["vipCardNumber"] == "7210695258"


def test_prefer_with_an_unknown_case_lists_the_known_ones(client: TestClient) -> None:
    response, body = lookup(client, {"VipAccountNumber": "7210988860"}, {**vip_headers(), "Prefer": "example=gold"})
    assert response.status_code == 400
    for name in [*fixture("vip-connect")["accounts"], "account_not_found"]:
        assert name in body["operatorDeclineDescription"]


def test_authentication_comes_before_the_forced_case(client: TestClient) -> None:
    response = client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Prefer": "example=preferred"})
    assert response.status_code == 401


def test_a_token_that_verified_once_is_refused_once_it_expires() -> None:
    # Verified tokens are kept; later uses must still meet exp (with the 60 s leeway) against the app's clock.
    now = [time.time()]
    token = vip_token(exp=int(now[0]) + 5)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(clock=lambda: now[0]), raise_server_exceptions=False) as client:
        first, _ = lookup(client, {"VipAccountNumber": "7210988860"}, headers)
        assert first.status_code == 200
        now[0] += 120
        response = client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["operatorDeclineDescription"]
