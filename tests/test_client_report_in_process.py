"""The verdict on an integrator's client, through GET /__admin/report of the mock in process: a well-behaved client
passes, each deliberately broken client fails its requirement at its level, a skipped case shows as missed, and a
correlation prefix or a time window selects one test run among several."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from every_case_client import ALICE, CARD, GUEST, OAUTH, VALK, VIP, BalanceClient, meet_every_documented_case
from starlette.testclient import TestClient
from support import operator_secrets, vip_token

from mockserver import APIS, create_app

ADMIN = "/__admin"
NUMBER = VIP["accounts"]["preferred"]["vip_account_number"]


@pytest.fixture(scope="module")
def mock() -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def http(mock: TestClient) -> TestClient:
    """The module's mock with an empty journal: each test judges its own requests."""
    assert mock.delete(f"{ADMIN}/journal").status_code == 204
    return mock


def report(http: TestClient, **options: Any) -> dict[str, Any]:
    answer = http.get(f"{ADMIN}/report", params=options)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def requirement(body: dict[str, Any], requirement_id: str) -> dict[str, Any]:
    return next(result for result in body["requirements"] if result["id"] == requirement_id)


def case(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    return next(result for result in body["cases"] if result["id"] == case_id)


def broken(body: dict[str, Any]) -> set[str]:
    return {result["id"] for result in body["requirements"] if result["outcome"] == "failed"}


def test_a_well_behaved_client_that_meets_every_documented_case_passes(http: TestClient) -> None:
    meet_every_documented_case(BalanceClient(http, "good-"))
    body = report(http)
    assert body["verdict"]["exit_code"] == 0, body["verdict"]
    assert broken(body) == set()
    assert body["selection"]["apis"] == [api.name for api in APIS]
    missed = {result["id"] for result in body["cases"] if not result["reached"]}
    assert missed == {"paytronix:guest_get"}  # discouraged by the vendor, so not required by default
    assert all(result["forced"] is False for result in body["cases"] if result["reached"])
    # Each case carries the request that first reached it, as the journal keeps it.
    closed = case(body, "vip-connect:account_closed")["first"]
    assert (closed["status"], closed["request"]["body"]["VipAccountNumber"]["withheld"]) == (400, True)
    # Every requirement was judged on some request of the run.
    assert {result["outcome"] for result in body["requirements"]} == {"passed"}


def test_every_case_a_sandbox_api_documents_is_one_its_handlers_can_note() -> None:
    # The well-behaved run above reaches each of them; this pins the names the reports and --require use.
    names = {api.name: [documented.name for documented in api.documented_cases] for api in APIS}
    assert names == {
        "vip-connect": ["preferred", "online", "by_id_details", "account_not_found", "account_closed", "invalid_jwt"],
        "paytronix": [
            "oauth_post", "oauth_get", "card_post", "card_get", "guest_post", "guest_get",
            "failure", "invalid_status", "bad_client_credentials",
        ],
        "valkyrie": [
            "ok", "player_not_found", "session_expired", "session_not_found", "api_token", "missing_provider",
            "account_not_found",
        ],
    }  # fmt: skip


def test_require_all_counts_the_discouraged_case_and_none_counts_nothing(http: TestClient) -> None:
    meet_every_documented_case(BalanceClient(http, "good-"))
    every = report(http, require="all")
    assert every["verdict"]["exit_code"] == 1
    assert [result["id"] for result in every["cases"] if result["required"] and not result["reached"]] == [
        "paytronix:guest_get"
    ]
    assert report(http, require="none")["verdict"]["required_cases"] == 0


def test_a_client_that_skips_a_documented_case_is_told_which_one(http: TestClient) -> None:
    client = BalanceClient(http, "skips-")
    assert client.balance(ALICE).status_code == 200
    body = report(http)
    assert body["selection"]["apis"] == ["valkyrie"]  # only the API the client used
    expired = case(body, "valkyrie:session_expired")
    assert (expired["reached"], expired["required"], expired["first"]) == (False, True, None)
    assert body["verdict"]["exit_code"] == 1
    assert body["verdict"]["required_cases_missed"] == 5
    # Required only when asked for: then the same traffic passes.
    assert report(http, require="valkyrie:ok")["verdict"]["exit_code"] == 0
    assert report(http, require="valkyrie:ok,valkyrie:session_expired")["verdict"]["exit_code"] == 1


def test_a_case_forced_with_prefer_counts_and_is_marked_forced(http: TestClient) -> None:
    client = BalanceClient(http, "forced-")
    assert client.balance(ALICE, Prefer="example=expired").json()["error"]["code"] == "PAM_ERR_SESSION_EXPIRED"
    body = report(http, require="valkyrie:session_expired")
    expired = case(body, "valkyrie:session_expired")
    assert (expired["reached"], expired["forced"], expired["first"]["forced"]) == (True, True, True)
    assert body["verdict"]["exit_code"] == 0
    # Reached unforced as well: no longer marked forced, and the unforced request is the one shown.
    client.balance(ALICE, session="expired")
    expired = case(report(http), "valkyrie:session_expired")
    assert (expired["forced"], expired["requests"], expired["first"]["forced"]) == (False, 2, False)


def test_an_error_body_that_is_a_documented_case_reaches_it(http: TestClient) -> None:
    # Answered before any handler: a token outside 32-40 characters, a missing provider parameter.
    client = BalanceClient(http, "errors-")
    assert client.balance(ALICE, token="too-short").status_code == 401
    BROKEN_CLIENTS["valkyrie without provider"].send(client)
    body = report(http, require="none")
    reached = {result["name"] for result in body["cases"] if result["reached"]}
    assert reached == {"session_not_found", "missing_provider"}


def test_a_fault_that_replaced_the_answer_does_not_reach_the_case(http: TestClient) -> None:
    client = BalanceClient(http, "faulty-")
    assert client.balance(ALICE, Prefer="fault=error").status_code == 500
    assert case(report(http), "valkyrie:ok")["reached"] is False
    assert client.balance(ALICE, Prefer="fault=delay; ms=1").status_code == 200
    assert case(report(http), "valkyrie:ok")["reached"] is True


def test_a_correlation_prefix_or_a_time_window_selects_one_run_among_several(http: TestClient) -> None:
    meet_every_documented_case(BalanceClient(http, "run-1-"))
    between = time.time()
    BalanceClient(http, "run-2-").balance(ALICE, api_token="not-the-pam-api-token")
    first, second = report(http, correlation_prefix="run-1-"), report(http, correlation_prefix="run-2-")
    assert (first["verdict"]["exit_code"], second["verdict"]["exit_code"]) == (0, 1)
    assert second["requests"] == 1 and second["selection"]["correlation_prefix"] == "run-2-"
    assert report(http, since=f"{between}")["requests"] == 1
    assert report(http, until=f"{between}")["requests"] == first["requests"]


def test_no_request_in_the_window_is_no_verdict(http: TestClient) -> None:
    BalanceClient(http, "present-").balance(ALICE)
    body = report(http, correlation_prefix="absent-")
    assert (body["verdict"]["exit_code"], body["requests"]) == (2, 0)
    assert "no request" in body["verdict"]["summary"]


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"api": "no-such-api"}, "api"),
        ({"require": "valkyrie:no_such_case"}, "require"),
        ({"require": "everything"}, "require"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_a_bad_option_is_refused_naming_it(http: TestClient, options: dict[str, str], key: str) -> None:
    answer = http.get(f"{ADMIN}/report", params=options)
    assert answer.status_code == 400
    assert answer.json()["error"]["key"] == key


# One deliberately broken client per client requirement: what it sends wrong, and every requirement that request
# breaks (the requirement under test first; a request the spec refuses breaks the API's CONFORMS too).
@dataclass(frozen=True)
class Broken:
    requirements: tuple[str, ...]
    send: Callable[[BalanceClient], Any]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


BROKEN_CLIENTS = {
    "vip without a JWT": Broken(
        ("CLIENT-VIP-JWT",),
        lambda c: c.http.post("/vip-connect/api/patronsession/accountlookup", json={"VipAccountNumber": NUMBER},
                              headers={"Authorization": _basic("operator", "secret"), **c.correlation()}),
    ),
    "vip HS512": Broken(("CLIENT-VIP-JWT-HS256",), lambda c: c.vip_lookup({"VipAccountNumber": NUMBER},
        token=_resigned(vip_token(), "HS512"))),
    "vip without iss": Broken(("CLIENT-VIP-JWT-ISS",), lambda c: c.vip_lookup({"VipAccountNumber": NUMBER},
        token=vip_token(iss=None))),
    "vip wrong aud": Broken(("CLIENT-VIP-JWT-AUD",), lambda c: c.vip_lookup({"VipAccountNumber": NUMBER},
        token=vip_token(aud="another-api"))),
    "vip without exp": Broken(("CLIENT-VIP-JWT-EXP",), lambda c: c.vip_lookup({"VipAccountNumber": NUMBER},
        token=vip_token(exp=None))),
    "vip expired": Broken(("CLIENT-VIP-JWT-NOT-EXPIRED",), lambda c: c.vip_lookup({"VipAccountNumber": NUMBER},
        token=vip_token(exp=int(time.time()) - 3600, nbf=None, iat=None))),
    "vip both forms": Broken(("CLIENT-VIP-ONE-FORM", "CLIENT-VIP-CONFORMS"),
        lambda c: c.vip_lookup({"VipAccountNumber": NUMBER, **VIP["accounts"]["by-id"]["id_details"]})),
    "vip unknown id type": Broken(("CLIENT-VIP-CONFORMS",),
        lambda c: c.vip_lookup({"IdType": "XX", "IdNumber": "543083512", "IdState": "GA"})),
    "paytronix without basic": Broken(("CLIENT-PTX-BASIC",), lambda c: c.http.post(
        "/paytronix/rest/25.33/guest/accountInformation.json", json=OAUTH, headers=c.correlation())),
    "paytronix unknown style": Broken(("CLIENT-PTX-AUTH-TYPE", "CLIENT-PTX-CONFORMS"),
        lambda c: c.paytronix("POST", {**OAUTH, "authentication": "email"})),
    "paytronix card without code": Broken(("CLIENT-PTX-STYLE-FIELDS", "CLIENT-PTX-CONFORMS"),
        lambda c: c.paytronix("POST", {key: value for key, value in CARD.items() if key != "registrationCode"})),
    "paytronix guest on GET": Broken(("CLIENT-PTX-GUEST-NOT-GET",), lambda c: c.paytronix("GET", GUEST)),
    "paytronix merchant as text": Broken(("CLIENT-PTX-CONFORMS",),
        lambda c: c.paytronix("POST", {**OAUTH, "merchantId": "seven"})),
    "valkyrie without correlation id": Broken(("CLIENT-VALK-CORRELATION-ID", "CLIENT-VALK-CONFORMS"),
        lambda c: c.http.get(f"/valkyrie/players/{ALICE}/balance", params={"provider": "evolution"}, headers={
            "Authorization": f"Bearer {VALK['api_token']}", "X-Player-Token": VALK["sessions"]["active"]["token"]})),
    "valkyrie short token": Broken(("CLIENT-VALK-PLAYER-TOKEN", "CLIENT-VALK-CONFORMS"),
        lambda c: c.balance(ALICE, token="too-short-a-token")),
    "valkyrie without provider": Broken(("CLIENT-VALK-PROVIDER", "CLIENT-VALK-CONFORMS"),
        lambda c: c.http.get(f"/valkyrie/players/{ALICE}/balance", headers={
            "Authorization": f"Bearer {VALK['api_token']}", "X-Player-Token": VALK["sessions"]["active"]["token"],
            **c.correlation()})),
    "valkyrie basic api token": Broken(("CLIENT-VALK-API-TOKEN",),
        lambda c: c.balance(ALICE, Authorization=_basic("pam", VALK["api_token"]))),
    "valkyrie extra parameter": Broken(("CLIENT-VALK-CONFORMS",),
        lambda c: c.http.get(f"/valkyrie/players/{ALICE}/balance", params={"provider": "evolution", "x": "1"},
            headers={"Authorization": f"Bearer {VALK['api_token']}",
                     "X-Player-Token": VALK["sessions"]["active"]["token"], **c.correlation()})),
}  # fmt: skip


def _resigned(token: str, algorithm: str) -> str:
    """The same claims signed with another algorithm, with the operator's key."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, base64.b64decode(operator_secrets()[0]), algorithm=algorithm)


def test_every_client_requirement_has_a_broken_client() -> None:
    tested = {client.requirements[0] for client in BROKEN_CLIENTS.values()}
    assert tested == {item.requirement.id for api in APIS for item in api.client_requirements}


@pytest.mark.parametrize("name", list(BROKEN_CLIENTS))
def test_a_broken_client_fails_its_requirement_at_its_level(http: TestClient, name: str) -> None:
    client = BROKEN_CLIENTS[name]
    client.send(BalanceClient(http, "broken-"))
    body = report(http, require="none")
    assert broken(body) == set(client.requirements), body["requirements"]
    judged = requirement(body, client.requirements[0])
    assert judged["requests_broken"] == 1 and judged["findings"][0]["problem"]
    must = judged["level"] == "MUST" or any(requirement(body, id)["level"] == "MUST" for id in client.requirements)
    assert body["verdict"]["exit_code"] == (1 if must else 0)
    if not must:
        assert body["verdict"]["should_broken"] >= 1
        assert report(http, require="none", strict="true")["verdict"]["exit_code"] == 1
