"""The example client's tests, each against the sandbox as the ``balance_sandbox`` fixture gives it: reset, with
correlation ids of its own."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from balance_client import (
    AccountClosedError,
    BalanceClient,
    PartnerUnavailableError,
    PlayerBalance,
    SessionExpiredError,
)

from mockserver.testing import BalanceSandbox

# The PAM api token of the bundled fixtures (fixtures/valkyrie.yaml): a sandbox value, not a secret.
VALKYRIE_API_TOKEN = "pam-sandbox-api-token-56193593875a2cb08daa"
# Bundled VIP accounts (fixtures/README.md lists every test identity and the case it reaches).
PREFERRED_ACCOUNT, CLOSED_ACCOUNT = "7210988860", "7210806973"
ZERO_BALANCE_PLAYER = {
    "player_id": "zero-balance-player-1",
    "balance": {"cashAmount": 0, "bonusAmount": 0, "promoAmount": 0},
}


def client_of(balance_sandbox: BalanceSandbox, timeout: float) -> BalanceClient:
    """The client pointed at the sandbox, with this test's correlation ids."""
    return BalanceClient(
        valkyrie_url=balance_sandbox.url("valkyrie"),
        valkyrie_api_token=VALKYRIE_API_TOKEN,
        vip_url=balance_sandbox.url("vip-connect"),
        vip_token=balance_sandbox.mint_vip_token("example-operator"),
        timeout=timeout,
        correlation_id=balance_sandbox.correlation_id,
    )


@pytest.fixture
def client(balance_sandbox: BalanceSandbox) -> Iterator[BalanceClient]:
    """The client as it runs in production, giving up after 5 s."""
    with client_of(balance_sandbox, timeout=5.0) as balance_client:
        yield balance_client


def test_a_player_with_a_zero_balance_is_read_back(balance_sandbox: BalanceSandbox, client: BalanceClient) -> None:
    balance_sandbox.put_entity("valkyrie", "players", "zero", ZERO_BALANCE_PLAYER)
    session = balance_sandbox.create_valkyrie_session("zero", "evolution")

    balance = client.player_balance(session.player_id, session.token, session.provider)

    assert balance == PlayerBalance(cash=Decimal(0), bonus=Decimal(0), promo=Decimal(0))
    [request] = balance_sandbox.journal()
    assert (request["operation"], request["status"], request["conformed"]) == ("getBalance", 200, True)


def test_a_partner_slower_than_the_timeout_is_unavailable(
    balance_sandbox: BalanceSandbox, client: BalanceClient
) -> None:
    session = balance_sandbox.create_valkyrie_session("alice", "evolution")
    rule = balance_sandbox.inject_fault("delay", api="valkyrie", entity=session.name, ms=2000)

    with (
        client_of(balance_sandbox, timeout=1.0) as impatient,
        pytest.raises(PartnerUnavailableError, match="no answer within 1 s"),
    ):
        impatient.player_balance(session.player_id, session.token, session.provider)

    balance_sandbox.remove_fault(rule)
    assert client.player_balance(session.player_id, session.token, session.provider).cash == Decimal("1236.123456")


def test_a_dropped_connection_is_retried(balance_sandbox: BalanceSandbox, client: BalanceClient) -> None:
    session = balance_sandbox.create_valkyrie_session("bob", "redtiger")
    # Half of this session's requests are dropped; seed 1 makes it the first two, then none, in every run.
    balance_sandbox.inject_fault("drop", api="valkyrie", entity=session.name, probability=0.5, seed=1)

    balance = client.player_balance(session.player_id, session.token, session.provider)

    assert balance.cash == Decimal("99.99")
    tries = balance_sandbox.journal()
    assert [(entry["fault"] or {}).get("kind") for entry in tries] == ["drop", "drop", None]
    assert [entry["status"] for entry in tries] == [None, None, 200]
    assert len({entry["correlation_id"] for entry in tries}) == 1  # one call, tried three times


def test_an_expired_session_is_the_clients_own_exception(
    balance_sandbox: BalanceSandbox, client: BalanceClient
) -> None:
    session = balance_sandbox.create_valkyrie_session("alice", "evolution", expires_in_seconds=0)

    with pytest.raises(SessionExpiredError) as expired:
        client.player_balance(session.player_id, session.token, session.provider)

    assert expired.value.code == "PAM_ERR_SESSION_EXPIRED"


def test_a_closed_vip_account_is_the_clients_own_exception(client: BalanceClient) -> None:
    assert client.vip_account(PREFERRED_ACCOUNT).name == "JOHN SMITH"

    with pytest.raises(AccountClosedError) as closed:
        client.vip_account(CLOSED_ACCOUNT)

    assert closed.value.code == "13"
