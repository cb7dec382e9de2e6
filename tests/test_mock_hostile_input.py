"""Input no client should send: lone surrogates, bytes that are not UTF-8, numbers in other scripts, JWT time
claims that are not numbers. Each gets the API's documented 400 or 401, never a 500 or a logged traceback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from support import (
    PAYTRONIX_INFO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    assert_api_error,
    assert_documented,
    fixture,
    operator_secrets,
    paytronix_headers,
    valkyrie_headers,
    vip_headers,
    vip_token,
)

JSON = {"Content-Type": "application/json"}
ALICE = VALKYRIE_BALANCE.format("73619e57b3bc4b4e9014132be3bd12a9")
OAUTH_QUERY = "authentication=oauth&access_token=rIe7dgL5pthisisnotarealtokenqrFbA268pw5GP"

# The six characters of a JSON escape, as a client writes them: json.loads turns each into a lone surrogate.
SURROGATE_BODIES = {
    "vip value": (VIP_LOOKUP, r'{"VipAccountNumber": "\ud800"}'),
    "vip low surrogate": (VIP_LOOKUP, r'{"VipAccountNumber": "72109\udfff88860"}'),
    "vip key": (VIP_LOOKUP, r'{"\ud800": "7210988860"}'),
    "vip product type": (VIP_LOOKUP, r'{"VipAccountNumber": "7210988860", "ProductType": "\udbff"}'),
    "vip id number": (VIP_LOOKUP, r'{"IdType": "SS", "IdNumber": "54308\uDC003512"}'),
    "vip nested": (VIP_LOOKUP, r'{"VipAccountNumber": "7210988860", "x": [{"y": ["\ud83d"]}]}'),
    "vip reversed pair": (VIP_LOOKUP, r'{"VipAccountNumber": "\ude00\ud83d"}'),
    "paytronix authentication": (PAYTRONIX_INFO, r'{"authentication": "\ud800", "merchantId": 777777}'),
    "paytronix password": (
        PAYTRONIX_INFO,
        r'{"authentication": "guest", "merchantId": 777777, "username": "GuestREST", "password": "\ud800"}',
    ),
    "paytronix key": (PAYTRONIX_INFO, r'{"authentication": "oauth", "merchantId": 777777, "\udc00": 1}'),
}


def _auth(path: str) -> dict[str, str]:
    return vip_headers() if path == VIP_LOOKUP else paytronix_headers()


@pytest.mark.parametrize("case", SURROGATE_BODIES)
def test_a_lone_surrogate_in_a_body_is_the_apis_400(
    client: TestClient, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    path, text = SURROGATE_BODIES[case]
    with caplog.at_level(logging.ERROR):
        response = client.post(path, content=text.encode(), headers={**_auth(path), **JSON})
    assert response.status_code == 400, response.text
    assert "surrogate" in str(assert_api_error(response, path))
    assert assert_documented(response)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_surrogate_pair_is_a_character_and_passes(client: TestClient) -> None:
    # U+1F600 written as its escaped pair: valid JSON text, so only the schema decides (an unknown product type).
    text = r'{"VipAccountNumber": "7210988860", "ProductType": "\ud83d\ude00"}'
    response = client.post(VIP_LOOKUP, content=text.encode(), headers={**vip_headers(), **JSON})
    assert response.status_code == 400
    assert "ProductType" in assert_api_error(response, VIP_LOOKUP)["operatorDeclineDescription"]


@pytest.mark.parametrize("charset", ["utf-16", "raw-unicode-escape"])
def test_a_surrogate_decoded_from_another_charset_is_a_400(client: TestClient, charset: str) -> None:
    text = '{"VipAccountNumber": "\\ud800"}' if charset == "raw-unicode-escape" else '{"VipAccountNumber": "7"}'
    content = text.encode("utf-16") if charset == "utf-16" else text.encode("latin-1")
    headers = {**vip_headers(), "Content-Type": f"application/json; charset={charset}"}
    response = client.post(VIP_LOOKUP, content=content, headers=headers)
    assert response.status_code == 400
    assert_api_error(response, VIP_LOOKUP)


# Any escape a client can write: BMP code units (surrogates among them) and plain characters.
escapes = st.integers(min_value=0, max_value=0xFFFF).map(lambda unit: f"\\u{unit:04x}")
json_strings = st.lists(st.one_of(escapes, st.sampled_from(["a", "7", " ", "\\n", "\\\\"])), max_size=6).map(
    lambda parts: '"' + "".join(parts) + '"'
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=json_strings, value=json_strings, path=st.sampled_from([VIP_LOOKUP, PAYTRONIX_INFO]))
def test_no_escape_in_a_body_makes_the_server_fail(client: TestClient, key: str, value: str, path: str) -> None:
    for text in (f"{{{key}: {value}}}", f'{{"VipAccountNumber": {value}, "authentication": {value}}}'):
        response = client.post(path, content=text.encode(), headers={**_auth(path), **JSON})
        assert response.status_code < 500, (text, response.text)


# Percent escapes that decode to bytes no UTF-8 text holds: a stray continuation byte, an overlong slash, an
# encoded surrogate, a truncated sequence.
NOT_UTF8 = ["%ff", "%80abc", "%c0%af", "%ed%a0%80", "%e2%82"]


@pytest.mark.parametrize("escape", NOT_UTF8)
@pytest.mark.parametrize(
    ("target", "owner"),
    [
        (VALKYRIE_BALANCE.format("{}") + "?provider=evolution", ALICE),
        (ALICE + "?provider={}", ALICE),
        (PAYTRONIX_INFO + "?merchantId=777777&" + OAUTH_QUERY + "&client_id={}", PAYTRONIX_INFO),
        (PAYTRONIX_INFO + "?authentication=guest&merchantId=777777&username=GuestREST&password={}", PAYTRONIX_INFO),
        (PAYTRONIX_INFO.replace("25.33", "25.{}"), PAYTRONIX_INFO),
    ],
    ids=["valkyrie-path", "valkyrie-query", "paytronix-query", "paytronix-password", "paytronix-path"],
)
def test_percent_escapes_that_are_not_utf8_are_the_apis_400(
    client: TestClient, target: str, owner: str, escape: str
) -> None:
    headers = valkyrie_headers() if owner == ALICE else paytronix_headers()
    response = client.get(target.format(escape), headers=headers)
    assert response.status_code == 400, response.text
    assert "UTF-8" in str(assert_api_error(response, owner))


def test_percent_escaped_utf8_still_reaches_the_api(client: TestClient) -> None:
    # 'é' and a CJK character, encoded as UTF-8: a player id nobody has, so a documented PAM business error.
    response = client.get(
        VALKYRIE_BALANCE.format("%C3%A9%E4%B8%AD") + "?provider=evolution", headers=valkyrie_headers()
    )
    assert response.status_code == 200
    assert response.json()["error"]["code"] == "PAM_ERR_PLAYER_NOT_FOUND"


# int() accepts all of these; the spec's integer is ASCII digits.
NOT_ASCII_INTEGERS = [
    "٧٧٧٧٧٧",  # Arabic-Indic digits
    "７７７７７７",  # fullwidth digits
    "777_777",
    " 777777 ",
    "777777\n",
    "+777777",
    "0x777",
    "7.77e5",
]


@pytest.mark.parametrize("merchant", NOT_ASCII_INTEGERS)
def test_a_merchant_id_is_ascii_digits_only(client: TestClient, merchant: str) -> None:
    response = client.get(
        PAYTRONIX_INFO, params={"merchantId": merchant, **_query(OAUTH_QUERY)}, headers=paytronix_headers()
    )
    assert response.status_code == 400, response.text
    assert "merchantId" in assert_api_error(response, PAYTRONIX_INFO)["errorMessage"]
    assert_documented(response)


def test_a_repeated_merchant_id_is_checked_in_each_value(client: TestClient) -> None:
    target = f"{PAYTRONIX_INFO}?{OAUTH_QUERY}&merchantId=%D9%A7&merchantId=777777"
    response = client.get(target, headers=paytronix_headers())
    assert response.status_code == 400


def test_an_ascii_merchant_id_is_served(client: TestClient) -> None:
    response = client.get(
        PAYTRONIX_INFO, params={"merchantId": "777777", **_query(OAUTH_QUERY)}, headers=paytronix_headers()
    )
    assert response.status_code == 200 and response.json()["result"] == "success"


def _query(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split("&"))


def _signed(claims_json: str) -> str:
    """A token for the example operator whose claims are ``claims_json`` exactly (PyJWT would re-encode them)."""

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signing_input = part(b'{"alg":"HS256","typ":"JWT"}') + b"." + part(claims_json.encode())
    key = base64.b64decode(operator_secrets()[0])
    signature = part(hmac.new(key, signing_input, hashlib.sha256).digest())
    return (signing_input + b"." + signature).decode()


def _claims(**times: str) -> str:
    issuer = fixture("vip-connect")["operators"]["example-operator"]["operator_id"]
    fields = {"iss": json.dumps(issuer), "aud": '"vip-api"', "exp": str(int(time.time()) + 3600), **times}
    return "{" + ", ".join(f'"{name}": {value}' for name, value in fields.items()) + "}"


LATER = str(int(time.time()) + 3600)
# RFC 7519: exp, nbf and iat are NumericDates, JSON numbers. PyJWT accepted anything int() takes.
NOT_NUMERIC_DATES = {
    "exp as a string": {"exp": f'"{LATER}"'},
    "exp true": {"exp": "true"},
    "exp as an array": {"exp": f"[{LATER}]"},
    "exp Infinity": {"exp": "Infinity"},
    "exp NaN": {"exp": "NaN"},
    "exp overflowing to infinity": {"exp": "1e400"},
    "nbf true": {"nbf": "true"},
    "nbf as a string": {"nbf": '"0"'},
    "iat false": {"iat": "false"},
    "iat null": {"iat": "null"},
}


@pytest.mark.parametrize("case", NOT_NUMERIC_DATES)
def test_jwt_time_claims_must_be_json_numbers(client: TestClient, case: str) -> None:
    token = _signed(_claims(**NOT_NUMERIC_DATES[case]))
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401, response.text
    assert "NumericDate" in assert_api_error(response, VIP_LOOKUP)["operatorDeclineDescription"]


@pytest.mark.parametrize("exp", [LATER, f"{LATER}.5", f"{LATER}e0", "1" + "0" * 30])
def test_any_json_number_is_a_numeric_date(client: TestClient, exp: str) -> None:
    token = _signed(_claims(exp=exp, nbf="0.5", iat="1600000000"))
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text


def test_a_surrogate_in_a_jwt_claim_is_a_401(client: TestClient) -> None:
    token = _signed(_claims(iss=r'"\ud800"'))
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert_api_error(response, VIP_LOOKUP)


def test_the_minted_test_tokens_still_pass(client: TestClient) -> None:
    # Guards the helpers above: the same claims through PyJWT verify.
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {vip_token()}"}
    )
    assert response.status_code == 200
