"""The balance_sandbox fixture's object over a real socket: each admin helper does what the admin API documents, an
admin error carries the API's message, minted credentials work and print withheld, a test's journal is its own."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jwt
import pytest
from support import VALKYRIE_BALANCE, fixture, serving_in_thread, valkyrie_headers

from mockserver import create_app
from mockserver.admin.access import AdminAccess
from mockserver.admin.remote import AdminClient
from mockserver.testing import AdminCallError, BalanceSandbox, Secret, fault_preference

pytestmark = pytest.mark.slow

ADMIN_TOKEN = "admin-token-of-the-helper-tests-0123456789"
BALANCE = {"cashAmount": 0, "bonusAmount": 0, "promoAmount": 0}
ZERO = {"player_id": "zero-balance-player-1", "balance": BALANCE}


@pytest.fixture(scope="module")
def session_sandbox() -> Iterator[BalanceSandbox]:
    """A sandbox that wants an admin token, served in a thread, as the session fixture would give it."""
    with serving_in_thread(create_app(access=AdminAccess(ADMIN_TOKEN, required=True))) as url:
        yield BalanceSandbox.connect(AdminClient(url, admin_token=ADMIN_TOKEN), "run1234-")


@pytest.fixture
def sandbox(session_sandbox: BalanceSandbox, request: pytest.FixtureRequest) -> BalanceSandbox:
    test_sandbox = session_sandbox.for_test(request.node.nodeid)
    test_sandbox.reset()
    return test_sandbox


def balance(
    sandbox: BalanceSandbox, player_id: str, token: str, provider: str = "evolution", **headers: str
) -> httpx.Response:
    """A balance request carrying the next of this test's correlation ids."""
    return httpx.get(
        sandbox.url("valkyrie") + VALKYRIE_BALANCE.removeprefix("/valkyrie").format(player_id),
        params={"provider": provider},
        headers={
            **valkyrie_headers(),
            "X-Player-Token": token,
            "X-Correlation-ID": sandbox.correlation_id(),
            **headers,
        },
        timeout=10,
    )


def test_the_apis_base_urls_come_from_the_sandboxs_own_summary(sandbox: BalanceSandbox) -> None:
    assert sandbox.apis == ["vip-connect", "paytronix", "valkyrie"]
    assert sandbox.url("valkyrie") == sandbox.base_url + "/valkyrie"
    with pytest.raises(ValueError, match="serves no API named 'acme'; it serves vip-connect, paytronix, valkyrie"):
        sandbox.url("acme")


def test_an_entity_is_created_replaced_read_and_deleted(sandbox: BalanceSandbox) -> None:
    assert sandbox.put_entity("valkyrie", "players", "zero", ZERO) == ZERO
    replaced = {**ZERO, "balance": {**BALANCE, "cashAmount": 5}}
    assert sandbox.put_entity("valkyrie", "players", "zero", replaced) == replaced
    assert sandbox.entity("valkyrie", "players", "zero") == replaced
    assert "zero" in sandbox.document("valkyrie")["players"]
    sandbox.delete_entity("valkyrie", "players", "zero")
    with pytest.raises(AdminCallError) as missing:
        sandbox.entity("valkyrie", "players", "zero")
    assert missing.value.status == 404


def test_a_refused_change_raises_with_the_admin_apis_key_expected_and_found(sandbox: BalanceSandbox) -> None:
    bad = {**ZERO, "balance": {**BALANCE, "cashAmount": 0.1234567}}
    with pytest.raises(AdminCallError) as refused:
        sandbox.put_entity("valkyrie", "players", "zero", bad)
    problem = refused.value
    assert (problem.status, problem.key) == (400, "players.zero.balance.cashAmount")
    assert (problem.expected, problem.found) == ("at most 6 decimal places", "0.1234567")
    assert str(problem) == (
        f"the sandbox at {sandbox.base_url} answered 400: "
        "players.zero.balance.cashAmount: expected at most 6 decimal places, got 0.1234567"
    )
    with pytest.raises(AdminCallError):
        sandbox.entity("valkyrie", "players", "zero")  # nothing changed


def test_without_the_admin_token_every_call_is_refused_and_the_token_never_shown(sandbox: BalanceSandbox) -> None:
    stranger = AdminClient(sandbox.base_url)
    with pytest.raises(AdminCallError) as refused:
        BalanceSandbox.connect(stranger, "x-")
    assert refused.value.status == 401 and "admin token is missing or wrong" in str(refused.value)
    wrong = AdminClient(sandbox.base_url, admin_token="not-" + ADMIN_TOKEN)
    assert ADMIN_TOKEN not in repr(wrong) and ADMIN_TOKEN not in repr(sandbox)
    with pytest.raises(AdminCallError) as refused:
        wrong.call("GET", "/")
    assert ADMIN_TOKEN not in str(refused.value)


def test_a_minted_vip_token_verifies_and_prints_withheld(sandbox: BalanceSandbox) -> None:
    token = sandbox.mint_vip_token("example-operator", lifetime_seconds=600, claims={"aud": "vip-api-qa"})
    assert isinstance(token, Secret) and repr(token) == f"<VIP JWT withheld, {len(token)} characters>"
    claims = jwt.decode(token, options={"verify_signature": False})
    operator = fixture("vip-connect")["operators"]["example-operator"]
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == (operator["operator_id"], "vip-api-qa", 600)
    answer = httpx.post(
        sandbox.url("vip-connect") + "/api/patronsession/accountlookup",
        json={"VipAccountNumber": "7210988860"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200
    without_exp = jwt.decode(sandbox.mint_vip_token(claims={"exp": None}), options={"verify_signature": False})
    assert "exp" not in without_exp


def test_a_created_valkyrie_session_answers_and_an_expired_one_is_expired(sandbox: BalanceSandbox) -> None:
    sandbox.put_entity("valkyrie", "players", "zero", ZERO)
    session = sandbox.create_valkyrie_session("zero", "evolution", name="zero-session")
    assert (session.name, session.player, session.player_id, session.provider) == (
        "zero-session",
        "zero",
        ZERO["player_id"],
        "evolution",
    )
    assert session.token not in repr(session)
    assert balance(sandbox, session.player_id, session.token).json()["balance"] == ZERO["balance"]
    expired = sandbox.create_valkyrie_session("alice", expires_in_seconds=0)
    assert balance(sandbox, expired.player_id, expired.token).json()["error"]["code"] == "PAM_ERR_SESSION_EXPIRED"


def test_a_minted_paytronix_access_token_reaches_its_account(sandbox: BalanceSandbox) -> None:
    token = sandbox.mint_paytronix_access_token("gold")
    client = next(iter(fixture("paytronix")["clients"].values()))
    answer = httpx.post(
        sandbox.url("paytronix") + "/rest/25.33/guest/accountInformation.json",
        json={"authentication": "oauth", "merchantId": 777777, "access_token": str(token)},
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )
    assert answer.json()["result"] == "success"


def test_an_injected_fault_acts_on_its_entity_only_until_removed(sandbox: BalanceSandbox) -> None:
    active, other = fixture("valkyrie")["sessions"]["active"], fixture("valkyrie")["sessions"]["redtiger"]
    rule = sandbox.inject_fault("error", api="valkyrie", entity="active", status=503, code="PAM_ERR_TIMEOUT")
    assert sandbox.faults() == {
        rule: {
            "api": "valkyrie",
            "entity": "active",
            "fault": {"kind": "error", "status": 503, "code": "PAM_ERR_TIMEOUT"},
        }
    }
    failed = balance(sandbox, fixture("valkyrie")["players"]["alice"]["player_id"], active["token"])
    assert (failed.status_code, failed.json()["error"]["code"]) == (503, "PAM_ERR_TIMEOUT")
    bob = fixture("valkyrie")["players"]["bob"]["player_id"]
    assert balance(sandbox, bob, other["token"], "redtiger").status_code == 200
    sandbox.remove_fault(rule)
    assert sandbox.faults() == {}
    assert balance(sandbox, fixture("valkyrie")["players"]["alice"]["player_id"], active["token"]).status_code == 200


def test_the_prefer_header_built_by_the_helper_is_acted_out(sandbox: BalanceSandbox) -> None:
    assert fault_preference("delay", min_ms=1, max_ms=5, seed=3) == "fault=delay; min-ms=1; max-ms=5; seed=3"
    assert sandbox.prefer_fault("error", status=502) == "fault=error; status=502"
    alice = fixture("valkyrie")["players"]["alice"]["player_id"]
    answer = balance(
        sandbox, alice, fixture("valkyrie")["sessions"]["active"]["token"], Prefer="fault=error; status=502"
    )
    assert answer.status_code == 502 and answer.headers["preference-applied"] == "fault=error"


def test_a_tests_journal_holds_its_own_requests_only(session_sandbox: BalanceSandbox, sandbox: BalanceSandbox) -> None:
    neighbour = session_sandbox.for_test("tests/elsewhere.py::test_neighbour")
    alice = fixture("valkyrie")["players"]["alice"]["player_id"]
    token = fixture("valkyrie")["sessions"]["active"]["token"]
    balance(sandbox, alice, token)
    balance(neighbour, alice, token)
    balance(sandbox, alice, token)
    mine = sandbox.journal()
    assert [entry["correlation_id"] for entry in mine] == [
        sandbox.correlation_prefix + "1",
        sandbox.correlation_prefix + "2",
    ]
    assert [entry["correlation_id"] for entry in neighbour.journal()] == [neighbour.correlation_prefix + "1"]
    everything = sandbox.journal(this_test=False, api="valkyrie")
    assert len(everything) >= 3
    assert sandbox.journal(conformed=False) == []
    sandbox.clear_journal()
    assert sandbox.journal(this_test=False) == []


def test_the_client_report_judges_this_tests_requests_only(
    session_sandbox: BalanceSandbox, sandbox: BalanceSandbox
) -> None:
    neighbour = session_sandbox.for_test("tests/elsewhere.py::test_a_careless_neighbour")
    alice = fixture("valkyrie")["players"]["alice"]["player_id"]
    token = fixture("valkyrie")["sessions"]["active"]["token"]
    assert balance(sandbox, alice, token).status_code == 200
    balance(neighbour, alice, "short")  # a player token of 5 characters breaks a MUST, in the neighbour's run only
    mine = sandbox.client_report(apis=["valkyrie"], require="valkyrie:ok")
    assert (mine["requests"], mine["verdict"]["exit_code"]) == (1, 0)
    assert mine["selection"]["correlation_prefix"] == sandbox.correlation_prefix
    assert [case["reached"] for case in mine["cases"] if case["id"] == "valkyrie:ok"] == [True]
    theirs = neighbour.client_report(apis=["valkyrie"], require="none")
    broken = {result["id"] for result in theirs["requirements"] if result["outcome"] == "failed"}
    assert "CLIENT-VALK-PLAYER-TOKEN" in broken
    assert theirs["verdict"]["exit_code"] == 1
    # A required case this test never reached fails its verdict.
    assert sandbox.client_report(apis=["valkyrie"], require="valkyrie:session_expired")["verdict"]["exit_code"] == 1


def test_correlation_prefixes_are_readable_and_never_the_start_of_anothers() -> None:
    sandbox = BalanceSandbox(AdminClient("http://127.0.0.1:1"), {}, "run1234-")
    first = sandbox.for_test("tests/test_x.py::test_a[one-two]").correlation_prefix
    second = sandbox.for_test("tests/test_x.py::test_a[one-two]x").correlation_prefix
    elsewhere = sandbox.for_test("tests/test_y.py::test_a[one-two]").correlation_prefix
    assert first.startswith("run1234-test_a_one_two-") and len(first) == len("run1234-test_a_one_two-") + 9
    assert len({first, second, elsewhere}) == 3
    assert not any(a != b and b.startswith(a) for a in (first, second, elsewhere) for b in (first, second, elsewhere))
    long = sandbox.for_test("t.py::test_" + "x" * 200).correlation_prefix
    assert len(long) == len("run1234-") + 40 + 1 + 8 + 1
