"""HTTP done right, in process: chunked request bodies, no trailing-slash redirects, no encoded slash as a separator."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from support import (
    PAYTRONIX_INFO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    assert_api_error,
    assert_documented,
    paytronix_headers,
    valkyrie_headers,
    vip_headers,
)

ALICE = VALKYRIE_BALANCE.format("73619e57b3bc4b4e9014132be3bd12a9")
JSON = {"Content-Type": "application/json"}
PAYTRONIX_OAUTH = {
    "authentication": "oauth",
    "merchantId": 777777,
    "access_token": "rIe7dgL5pthisisnotarealtokenqrFbA268pw5GP",
}


def chunks(data: bytes, size: int = 7) -> Iterator[bytes]:
    """A body the client streams: httpx sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize(
    ("path", "headers", "body", "field"),
    [
        (VIP_LOOKUP, vip_headers(), {"VipAccountNumber": "7210988860"}, "vipCardNumber"),
        (PAYTRONIX_INFO, paytronix_headers(), PAYTRONIX_OAUTH, "result"),
    ],
)
def test_a_chunked_body_is_read(
    client: TestClient, path: str, headers: dict[str, str], body: object, field: str
) -> None:
    response = client.post(path, content=chunks(json.dumps(body).encode()), headers={**headers, **JSON})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 200, response.text
    assert field in assert_documented(response)


@pytest.mark.parametrize("content", [b"", b"   "])
def test_an_empty_chunked_body_is_the_apis_400(client: TestClient, content: bytes) -> None:
    response = client.post(VIP_LOOKUP, content=chunks(content), headers={**vip_headers(), **JSON})
    assert response.status_code == 400
    assert_api_error(response, VIP_LOOKUP)


def test_a_chunked_body_over_the_size_limit_is_a_400(client: TestClient) -> None:
    body = b'{"VipAccountNumber": "' + b"7" * 70_000 + b'"}'
    response = client.post(VIP_LOOKUP, content=chunks(body, 4096), headers={**vip_headers(), **JSON})
    assert response.status_code == 400
    assert "larger than" in assert_api_error(response, VIP_LOOKUP)["operatorDeclineDescription"]


SERVED = [("POST", VIP_LOOKUP), ("POST", PAYTRONIX_INFO), ("GET", PAYTRONIX_INFO), ("GET", ALICE)]


@pytest.mark.parametrize("suffix", ["/", "//", "/%20", "/x"])
@pytest.mark.parametrize(("method", "path"), SERVED)
def test_a_path_next_to_a_served_one_is_the_apis_404_never_a_redirect(
    client: TestClient, method: str, path: str, suffix: str
) -> None:
    response = client.request(method, path + suffix, headers={"Host": "evil.example:666"}, follow_redirects=False)
    assert response.status_code == 404, (response.status_code, response.headers.get("location"))
    assert "location" not in response.headers
    assert_api_error(response, path)


@pytest.mark.parametrize(
    "path", ["/healthz/", "/vip-connect", "/paytronix", "/valkyrie/", "/vip-connect/openapi.json/", "/x/"]
)
def test_no_path_redirects_to_the_requests_host(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Host": "evil.example:666"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_the_swagger_ui_redirect_stays_on_this_server(client: TestClient) -> None:
    # connexion's own redirect to the UI's directory: a path, so it cannot point at another host.
    response = client.get("/vip-connect/ui", headers={"Host": "evil.example:666"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/vip-connect/ui/"


@pytest.mark.parametrize("slash", ["%2F", "%2f"])
def test_an_encoded_slash_in_a_path_parameter_is_the_apis_400(client: TestClient, slash: str) -> None:
    path = VALKYRIE_BALANCE.format(f"73619e57b3bc4b4e9014132be3bd12a9{slash}x")
    response = client.get(path, params={"provider": "evolution"}, headers=valkyrie_headers())
    assert response.status_code == 400
    assert "%2F" in assert_api_error(response, path)["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        PAYTRONIX_INFO.replace("25.33/guest", "25.33%2Fguest"),
        PAYTRONIX_INFO.replace("/guest/", "/guest%2F"),
        VIP_LOOKUP.replace("/patronsession/", "/patronsession%2f"),
        "/valkyrie/players%2F73619e57b3bc4b4e9014132be3bd12a9/balance",
    ],
)
def test_an_encoded_slash_is_not_a_separator(client: TestClient, path: str) -> None:
    # Decoded, each of these is a served path; as sent, none is. Routing comes before credentials.
    method = "POST" if path.startswith("/vip-connect") else "GET"
    response = client.request(method, path, params={"provider": "evolution"} if "valkyrie" in path else None)
    assert response.status_code == 404, response.text
    assert_api_error(response, path)
