"""What the mock says back and logs: never a sensitive field's value, every echo cut, every log line escaped."""

from __future__ import annotations

import base64
import io
import json
import logging
from typing import Any

import pytest
from starlette.testclient import TestClient
from support import (
    PAYTRONIX_INFO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    assert_api_error,
    paytronix_headers,
    valkyrie_headers,
    vip_headers,
    vip_token,
)

from mockserver.redaction import ECHO_LIMIT
from mockserver.request_log import EscapingFormatter

ALICE = VALKYRIE_BALANCE.format("73619e57b3bc4b4e9014132be3bd12a9")
JSON = {"Content-Type": "application/json"}
SECRET = "543083512"  # stands for any sensitive value a client sends; no answer may carry it
LONG_SECRET = SECRET * 8

# Bodies that break the schema with a sensitive field's value: an ID number, an account or card number, a
# registration code, a password, an access token.
SENSITIVE_BODIES = {
    "SS number as a number": (VIP_LOOKUP, {"IdType": "SS", "IdNumber": int(SECRET)}),
    "ID number too long": (VIP_LOOKUP, {"IdType": "SS", "IdNumber": LONG_SECRET}),
    "ID number too short": (VIP_LOOKUP, {"IdType": "DL", "IdNumber": SECRET[:5], "IdState": "GA"}),
    "ID number as an object": (VIP_LOOKUP, {"IdType": "SS", "IdNumber": {"n": SECRET}}),
    "account number pattern": (VIP_LOOKUP, {"VipAccountNumber": SECRET}),
    "account number as a number": (VIP_LOOKUP, {"VipAccountNumber": int(SECRET)}),
    "both forms": (VIP_LOOKUP, {"VipAccountNumber": SECRET, "IdType": "SS", "IdNumber": SECRET}),
    "ID details with a bad state": (VIP_LOOKUP, {"IdType": "DL", "IdNumber": SECRET, "IdState": "Georgia"}),
    "registration code as a number": (
        PAYTRONIX_INFO,
        {"authentication": "card", "merchantId": 777777, "printedCardNumber": "6000", "registrationCode": int(SECRET)},
    ),
    "card number as a number": (
        PAYTRONIX_INFO,
        {"authentication": "card", "merchantId": 777777, "printedCardNumber": int(SECRET), "registrationCode": "1"},
    ),
    "password as a number": (
        PAYTRONIX_INFO,
        {"authentication": "guest", "merchantId": 777777, "username": "GuestREST", "password": int(SECRET)},
    ),
    "access token as a list": (
        PAYTRONIX_INFO,
        {"authentication": "oauth", "merchantId": 777777, "access_token": [SECRET]},
    ),
    "every style at once": (
        PAYTRONIX_INFO,
        {
            "authentication": "every",
            "merchantId": 777777,
            "username": "GuestREST",
            "password": SECRET,
            "access_token": SECRET,
            "printedCardNumber": SECRET,
            "registrationCode": SECRET,
        },
    ),
    "unknown style with a password": (
        PAYTRONIX_INFO,
        {"authentication": "b2b", "merchantId": 777777, "password": SECRET},
    ),
}


@pytest.mark.parametrize("case", SENSITIVE_BODIES)
def test_an_error_never_repeats_a_sensitive_value(client: TestClient, case: str) -> None:
    path, body = SENSITIVE_BODIES[case]
    headers = {**(vip_headers() if path == VIP_LOOKUP else paytronix_headers()), **JSON}
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert_api_error(response, path)
    assert SECRET not in response.text and SECRET[:5] not in response.text


@pytest.mark.parametrize("token", ["a" * 31, "b" * 41, "c" * 4000])
def test_a_rejected_session_token_is_not_repeated(client: TestClient, token: str) -> None:
    response = client.get(
        ALICE, params={"provider": "evolution"}, headers=valkyrie_headers(**{"X-Player-Token": token})
    )
    assert response.status_code == 401
    assert token[:12] not in response.text


def test_a_field_that_is_not_sensitive_is_quoted_and_cut(client: TestClient) -> None:
    response = client.post(
        VIP_LOOKUP, json={"VipAccountNumber": "7210988860", "ProductType": "gold" * 1000}, headers=vip_headers()
    )
    detail = assert_api_error(response, VIP_LOOKUP)["operatorDeclineDescription"]
    assert "'goldgold" in detail and "..." in detail
    assert len(detail) < 3 * ECHO_LIMIT


def _with_algorithm(algorithm: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': algorithm, 'typ': 'JWT'})}.{part({'iss': 'x'})}.c2ln"


def _error_text(response: Any) -> str:
    body = response.json()
    return str(body.get("operatorDeclineDescription") or body.get("errorMessage") or body.get("error") or body)


def _long_issuer(client: TestClient) -> Any:
    return client.post(VIP_LOOKUP, json={}, headers={"Authorization": f"Bearer {vip_token(iss='i' * 100_000)}"})


def _long_algorithm(client: TestClient) -> Any:
    return client.post(VIP_LOOKUP, json={}, headers={"Authorization": f"Bearer {_with_algorithm('A' * 3000)}"})


def _long_prefer_case(client: TestClient) -> Any:
    headers = {**valkyrie_headers(), "Prefer": "example=" + "p" * 100_000}
    return client.get(ALICE, params={"provider": "evolution"}, headers=headers)


def _long_content_type(client: TestClient) -> Any:
    return client.post(VIP_LOOKUP, content=b"{}", headers={**vip_headers(), "Content-Type": "text/" + "t" * 100_000})


def _long_charset(client: TestClient) -> Any:
    content_type = "application/json; charset=" + "c" * 100_000
    return client.post(VIP_LOOKUP, content=b"{}", headers={**vip_headers(), "Content-Type": content_type})


def _long_parameter_name(client: TestClient) -> Any:
    params = {"q" * 60_000: "1", "authentication": "oauth"}
    return client.get(PAYTRONIX_INFO, params=params, headers=paytronix_headers())


@pytest.mark.parametrize(
    "send",
    [_long_issuer, _long_algorithm, _long_prefer_case, _long_content_type, _long_charset, _long_parameter_name],
)
def test_echoed_values_are_cut(client: TestClient, send: Any) -> None:
    response = send(client)
    assert 400 <= response.status_code < 500
    assert len(_error_text(response)) <= 1024 + 200


def test_the_correlation_id_echo_is_cut(client: TestClient) -> None:
    correlation = "c" * 200_000
    response = client.get(
        ALICE, params={"provider": "evolution"}, headers=valkyrie_headers(**{"X-Correlation-ID": correlation})
    )
    assert response.status_code == 200
    assert response.headers["x-correlation-id"] == correlation[:ECHO_LIMIT]


def test_a_short_correlation_id_is_echoed_whole(client: TestClient) -> None:
    correlation = "x" * ECHO_LIMIT
    response = client.get(
        ALICE, params={"provider": "evolution"}, headers=valkyrie_headers(**{"X-Correlation-ID": correlation})
    )
    assert response.headers["x-correlation-id"] == correlation


def _formatted(message: str, *args: object, exc_info: Any = None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(EscapingFormatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("tests.escaping")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.error(message, *args, exc_info=exc_info)
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


FORGERIES = [
    '/x\n2026-01-01 00:00:00,000 INFO mockserver.access: 10.0.0.1 "GET /admin" 200 0.1ms correlation=-',
    "/x\r\nERROR fake",
    "/x\x1b[2J\x1b[H",  # clear the screen, cursor home
    "/x\u202egnp.exe",  # right-to-left override
    "/x\u2028next",  # Unicode line separator
    "/x\x85next\x00\x7f",
    "/x\udfff",
]


@pytest.mark.parametrize("value", FORGERIES)
def test_a_logged_value_stays_on_its_line_as_printable_ascii(value: str) -> None:
    text = _formatted('127.0.0.1 "GET %s" 200', value)
    assert text.count("\n") == 1 and text.endswith("\n")
    line = text[:-1]
    assert line.isascii() and line.isprintable(), line
    assert line.startswith("ERROR tests.escaping: ")


def test_a_traceback_keeps_its_lines_indented_and_escaped() -> None:
    try:
        raise ValueError("bad\nINFO forged line\x1b[2J")
    except ValueError as error:
        text = _formatted("failed", exc_info=error)
    first, *rest = text.rstrip("\n").split("\n")
    assert first == "ERROR tests.escaping: failed"
    assert rest and all(line.startswith("  ") for line in rest)
    assert "\x1b" not in text


def test_an_unexpected_error_is_logged_without_its_message(
    client: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockserver.apis import valkyrie

    def fail(self: Any, *args: Any) -> Any:
        raise RuntimeError(f"lookup failed for token {SECRET}")

    monkeypatch.setattr(valkyrie.ValkyrieSandbox, "balance", fail)
    with caplog.at_level(logging.ERROR, logger="mockserver"):
        response = client.get(ALICE, params={"provider": "evolution"}, headers=valkyrie_headers())
    assert response.status_code == 500
    assert SECRET not in response.text
    logged = "\n".join(caplog.text.splitlines())
    assert "RuntimeError" in logged and SECRET not in logged
