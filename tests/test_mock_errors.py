"""Whatever a client sends, the answer is the API's own error shape: never a 5xx, never problem+json."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from support import (
    PAYTRONIX_INFO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    assert_api_error,
    paytronix_auth,
    valkyrie_headers,
    vip_headers,
)

ALICE = VALKYRIE_BALANCE.format("73619e57b3bc4b4e9014132be3bd12a9")


AUTH_HEADERS = {
    VIP_LOOKUP: vip_headers(),
    PAYTRONIX_INFO: {
        "Authorization": "Basic " + __import__("base64").b64encode(":".join(paytronix_auth()).encode()).decode()
    },
    ALICE: valkyrie_headers(),
}


@pytest.mark.parametrize(
    "path",
    [
        "/vip-connect/api/nope",
        "/paytronix/rest/25.33/guest/nope.json",
        "/valkyrie/players",
        "/nope",
        "/",
        "/vip-connect",
    ],
)
def test_an_unknown_path_is_a_404_in_the_apis_shape(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_api_error(response, path)


@pytest.mark.parametrize(
    "path", ["/paytronix/rest/25%0A33/guest/accountInformation.json", "/valkyrie/players/ab%0Acd/balance"]
)
def test_a_line_break_in_a_path_parameter_is_a_400(client: TestClient, path: str) -> None:
    headers = AUTH_HEADERS[PAYTRONIX_INFO] if path.startswith("/paytronix") else AUTH_HEADERS[ALICE]
    response = client.get(path, params={"provider": "evolution"}, headers=headers)
    assert response.status_code == 400
    assert_api_error(response, path)


@pytest.mark.parametrize(
    ("path", "method", "allow"),
    [
        (VIP_LOOKUP, "GET", "POST"),
        (VIP_LOOKUP, "DELETE", "POST"),
        (PAYTRONIX_INFO, "PUT", "GET, HEAD, POST"),
        (PAYTRONIX_INFO, "OPTIONS", "GET, HEAD, POST"),
        (ALICE, "POST", "GET, HEAD"),
        (ALICE, "PATCH", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_a_405_listing_every_allowed_method(
    client: TestClient, path: str, method: str, allow: str
) -> None:
    response = client.request(method, path, headers=AUTH_HEADERS[path])
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert_api_error(response, path)


BAD_BODIES = {
    "not-json": (b"{this is not json", "application/json"),
    "not-utf8": (b'{"VipAccountNumber": "\xff\xfe"}', "application/json"),
    "unknown-charset": (b"{}", "application/json; charset=no-such-charset"),
    "latin1-charset": (b'{"a": "\xe9"}', "application/json; charset=latin-1"),
    "empty": (b"", "application/json"),
    "json-null": (b"null", "application/json"),
    "json-string": (b'"text"', "application/json"),
    "deeply-nested": (b"[" * 100_000, "application/json"),
    "huge": (b'{"x": "' + b"a" * 5_000_000 + b'"}', "application/json"),
    "nan": (b'{"merchantId": NaN}', "application/json"),
    "form": (b"VipAccountNumber=7210988860", "application/x-www-form-urlencoded"),
    "xml": (b"<a/>", "application/xml"),
    "text": (b"7210988860", "text/plain"),
}


@pytest.mark.parametrize("path", [VIP_LOOKUP, PAYTRONIX_INFO])
@pytest.mark.parametrize("case", BAD_BODIES)
def test_a_bad_body_is_a_400_in_the_apis_shape(client: TestClient, path: str, case: str) -> None:
    content, content_type = BAD_BODIES[case]
    response = client.post(path, content=content, headers={**AUTH_HEADERS[path], "Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert_api_error(response, path)


@pytest.mark.parametrize("path", [VIP_LOOKUP, PAYTRONIX_INFO])
def test_a_body_without_content_type_is_a_400(client: TestClient, path: str) -> None:
    response = client.post(path, content=b'{"VipAccountNumber": "7210988860"}', headers=AUTH_HEADERS[path])
    assert response.status_code == 400
    assert "Content-Type" in str(assert_api_error(response, path))


def test_a_charset_parameter_is_accepted(client: TestClient) -> None:
    headers = {**vip_headers(), "Content-Type": "application/json; charset=utf-8"}
    response = client.post(VIP_LOOKUP, content=b'{"VipAccountNumber": "7210988860"}', headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("path", [VIP_LOOKUP, PAYTRONIX_INFO, ALICE])
def test_head_and_unauthenticated_requests_never_fail_the_server(client: TestClient, path: str) -> None:
    for method in ("HEAD", "GET", "POST"):
        assert client.request(method, path).status_code < 500


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_no_body_makes_the_server_fail(client: TestClient, content: bytes, content_type: str) -> None:
    for path in (VIP_LOOKUP, PAYTRONIX_INFO):
        headers = {**AUTH_HEADERS[path], **({"Content-Type": content_type} if content_type else {})}
        response = client.post(path, content=content, headers=headers)
        assert response.status_code < 500, (path, content, response.text)
        assert "problem+json" not in response.headers.get("content-type", "")


# Header values travel as latin-1; control characters cannot reach a real server through h11.
header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)
# The correlation id is echoed, and the test client can only rebuild ASCII response headers.
ascii_header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    token=header_values,
    correlation=ascii_header_values,
    player=st.text(min_size=1, max_size=40),
    provider=header_values,
)
def test_no_valkyrie_input_makes_the_server_fail(
    client: TestClient, token: str, correlation: str, player: str, provider: str
) -> None:
    headers: dict[str, Any] = valkyrie_headers()
    headers.update({"X-Player-Token": token.encode("latin-1"), "X-Correlation-ID": correlation.encode("latin-1")})
    path = VALKYRIE_BALANCE.format(quote(player, safe=""))
    response = client.get(path, params={"provider": provider}, headers=headers)
    assert response.status_code < 500, response.text
    assert response.json()["status"] in ("OK", "ERROR")


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "authentication",
                "merchantId",
                "printedCardNumber",
                "registrationCode",
                "access_token",
                "username",
                "password",
                "client_id",
                "other",
            ]
        ),
        st.text(max_size=20),
    )
)
def test_no_paytronix_query_makes_the_server_fail(client: TestClient, params: dict[str, str]) -> None:
    response = client.get(PAYTRONIX_INFO, params=params, headers=AUTH_HEADERS[PAYTRONIX_INFO])
    assert response.status_code < 500, response.text
    assert response.json()["result"] in ("success", "failure", "invalid_status")
