"""What the journal keeps of a request: secrets withheld, the verdict's facts kept, the size bounded."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
from support import fixture, valkyrie_headers, vip_token

from mockserver import APIS
from mockserver.journal.facts import MAX_HEADERS, MAX_VALUES, RequestFacts, credentials, withheld
from mockserver.redaction import ECHO_LIMIT, cut
from mockserver.state.store import CORRELATION_SLOT, journal_document

# As the app makes its journal's facts: every API's identity fields withheld beside the secrets.
request_facts = RequestFacts(frozenset().union(*(api.identity_fields for api in APIS)))


def _headers(**headers: str) -> list[tuple[bytes, bytes]]:
    return [(name.lower().replace("_", "-").encode(), value.encode("latin-1")) for name, value in headers.items()]


def test_a_bearer_jwt_keeps_its_header_and_claims_never_the_token_or_signature() -> None:
    token = vip_token()
    facts = request_facts(
        "POST",
        "/vip-connect/api/patronsession/accountlookup",
        b"",
        _headers(authorization=f"Bearer {token}", content_type="application/json"),
        b'{"VipAccountNumber": "7210988860"}',
    )
    text = json.dumps(facts)
    signature = token.rsplit(".", 1)[1]
    assert token not in text and signature not in text
    assert facts["credentials"]["scheme"] == "bearer" and facts["credentials"]["length"] == len(token)
    assert facts["credentials"]["jwt"]["header"] == {"alg": "HS256", "typ": "JWT"}
    assert facts["credentials"]["jwt"]["claims"] == jwt.decode(token, options={"verify_signature": False})
    assert facts["headers"]["authorization"] == withheld(f"Bearer {token}")
    # An account number identifies a person: withheld, and its field still listed.
    assert "7210988860" not in text
    assert facts["body"] == {"VipAccountNumber": {"withheld": True, "type": "string", "length": 10}}
    assert facts["body_fields"] == ["VipAccountNumber"]


def test_a_basic_header_keeps_its_user_never_the_password() -> None:
    client = next(iter(fixture("paytronix")["clients"].values()))
    header = "Basic " + base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    facts = credentials(header)
    assert facts == {"scheme": "basic", "user": client["client_id"], "password_length": len(client["client_secret"])}
    assert credentials("Basic !!!") == {"scheme": "basic", "malformed": True}
    assert credentials(None) is None


def test_a_valkyrie_request_keeps_its_token_length_and_correlation_id() -> None:
    headers = valkyrie_headers()
    facts = request_facts("GET", "/valkyrie/players/p/balance", b"provider=evolution", _headers(**headers), b"")
    text = json.dumps(facts)
    assert headers["X-Player-Token"] not in text and fixture("valkyrie")["api_token"] not in text
    assert facts["headers"]["x-player-token"] == {"withheld": True, "type": "string", "length": 40}
    assert facts["headers"]["x-correlation-id"] == "test-correlation-id"
    assert facts["credentials"] == {"scheme": "bearer", "length": len(fixture("valkyrie")["api_token"]), "jwt": None}
    assert facts["query"] == {"provider": "evolution"} and facts["query_fields"] == ["provider"]
    assert facts["body"] is None and facts["body_fields"] == []


def test_a_password_in_a_query_string_is_withheld_and_its_presence_kept() -> None:
    query = b"authentication=guest&merchantId=777777&username=GuestREST&password=sandbox-guest-password&x=1&x=2"
    facts = request_facts("GET", "/paytronix/rest/25.33/guest/accountInformation.json", query, [], b"")
    assert "sandbox-guest-password" not in json.dumps(facts)
    assert facts["query"]["password"] == {"withheld": True, "type": "string", "length": 22}
    assert facts["query"]["x"] == ["1", "2"]
    assert facts["query_fields"] == ["authentication", "merchantId", "username", "password", "x"]


def test_secrets_are_withheld_at_any_depth_of_a_body() -> None:
    body = {"outer": [{"registrationCode": "418000", "deep": {"password": 12345, "note": "kept"}}], "access_token": "t"}
    facts = request_facts("POST", "/p", b"", [], json.dumps(body).encode())
    assert facts["body"] == {
        "outer": [
            {
                "registrationCode": {"withheld": True, "type": "string", "length": 6},
                "deep": {"password": {"withheld": True, "type": "number"}, "note": "kept"},
            }
        ],
        "access_token": {"withheld": True, "type": "string", "length": 1},
    }


def test_cookies_and_proxy_credentials_are_withheld() -> None:
    facts = request_facts("GET", "/p", b"", _headers(cookie="session=abc", proxy_authorization="Basic eDp5"), b"")
    assert facts["headers"] == {"cookie": withheld("session=abc"), "proxy-authorization": withheld("Basic eDp5")}


def test_a_body_that_is_not_json_is_described_not_kept() -> None:
    assert request_facts("POST", "/p", b"", [], b"password=hunter2")["body"] == {"omitted": "not JSON", "length": 16}
    assert request_facts("POST", "/p", b"", [], b"\xff\xfe")["body"] == {"omitted": "not UTF-8 text", "length": 2}
    cut_short = request_facts("POST", "/p", b"", [], b'{"a": "', body_complete=False)["body"]
    assert cut_short == {"omitted": "larger than the journal keeps", "length": 7}
    assert request_facts("POST", "/p", b"", [], b'{"n": NaN}')["body"] == {"n": "nan"}  # kept as valid JSON


def test_an_entry_stays_small_whatever_the_request_held() -> None:
    many_headers = [(f"x-h{i}".encode(), b"v" * 8000) for i in range(100)]
    nested: object = "leaf"
    for _ in range(50):
        nested = {"k": nested, "wide": list(range(100))}
    wide_query = "&".join(f"q{i}={'v' * 500}" for i in range(2000)).encode()
    facts = request_facts("POST", "/p" * 5000, wide_query, many_headers, json.dumps(nested).encode())
    assert len(facts["headers"]) == MAX_HEADERS + 1
    assert all(len(value) <= ECHO_LIMIT for value in facts["headers"].values())
    assert "(omitted: too many values)" in json.dumps(facts["body"])
    assert "(omitted: nested too deep)" in json.dumps(facts["body"])
    assert len(facts["query"]) == MAX_VALUES and len(json.dumps(facts)) < 100_000


def test_the_encoded_record_is_the_record_whatever_the_correlation_id() -> None:
    # The encoded record holds a slot for the correlation id, filled from the entry's own when the journal is read:
    # what comes out must be exactly the record of each request, for every id (long ones cut, quotes and non-ASCII
    # escaped, one that spells the slot's escape), and for requests with no or two such headers.
    facts = RequestFacts(frozenset().union(*(api.identity_fields for api in APIS)))
    path, query = "/valkyrie/players/p1/balance", b"provider=evolution"

    def read_back(headers: list[tuple[bytes, bytes]], correlation_id: str | None) -> Any:
        text = facts.encoded("GET", path, query, headers, b"")
        return journal_document(0.0, 0.0, correlation_id, 1, '"api":"valkyrie"', text)["request"]

    ids = ["run-1", "run-2", 'a "quoted" id', "caf\xe9", "x" * (ECHO_LIMIT + 40), "\\u0000"]
    for correlation_id in ids:
        headers = _headers(**valkyrie_headers(**{"X-Correlation-ID": correlation_id}), host="127.0.0.1")
        assert CORRELATION_SLOT in facts.encoded("GET", path, query, headers, b"")
        assert read_back(headers, cut(correlation_id, ECHO_LIMIT)) == facts("GET", path, query, headers, b"")
    twice = [*_headers(x_correlation_id="one"), *_headers(x_correlation_id="two")]
    none = [(name, value) for name, value in _headers(**valkyrie_headers()) if name != b"x-correlation-id"]
    for headers, first in ((twice, "one"), (none, None)):
        assert read_back(headers, first) == facts("GET", path, query, headers, b"")
