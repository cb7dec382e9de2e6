"""Valkyrie PAM getBalance: the balance, business errors, session and api-token errors, and the data rules."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from conformance.checks import ApiContext, case, rule
from conformance.profile import ValkyrieProfile
from conformance.results import Results
from conformance.transport import Client, Exchange

rule("VALK-DATA-DECIMALS", "cashAmount, bonusAmount and promoAmount have at most 6 decimals, on every OK")
rule("VALK-CORRELATION-ECHO", "the X-Correlation-ID sent comes back, on every answer")
rule("VALK-BUSINESS-ERRORS-200", "business errors come with HTTP 200 and status ERROR")
rule("VALK-400-MISSING-PROVIDER", "the unknown-provider answer is HTTP 400")


class ValkyrieContext(ApiContext):
    api = "valkyrie"

    def __init__(self, profile: ValkyrieProfile, client: Client, results: Results, seed: int) -> None:
        super().__init__(profile.base_url, client, results, seed)
        self.profile = profile
        self._numbers = itertools.count(1)

    def balance(
        self, player_id: str, token: str, *, provider: str | None = None, api_token: str | None = ""
    ) -> Exchange:
        """getBalance; ``api_token=''`` sends the profile's, ``None`` no Authorization at all."""
        correlation = f"conformance-{next(self._numbers)}"
        headers = {"X-Player-Token": token, "X-Correlation-ID": correlation}
        if api_token is not None:
            headers["Authorization"] = f"Bearer {api_token or self.profile.api_token}"
        params = {"provider": provider or self.profile.provider}
        return self.send("GET", f"/players/{quote(player_id, safe='')}/balance", headers=headers, params=params)

    def after_exchange(self, exchange: Exchange) -> None:
        sent = exchange.request_headers.get("X-Correlation-ID")
        echoed = exchange.headers.get("x-correlation-id")
        self.expect(
            "VALK-CORRELATION-ECHO",
            f"answer {exchange.status}",
            echoed == sent,
            f"X-Correlation-ID: {sent}",
            exchange,
            f"X-Correlation-ID: {echoed}",
        )

    def expect_code(self, requirement: str, check: str, exchange: Exchange, code: str, status: int | None) -> None:
        """An error body with ``code``; ``status`` is the HTTP status the requirement itself demands, if any."""
        body = exchange.json() if exchange.is_json else None
        got = (
            body.get("error", {}).get("code")
            if isinstance(body, dict) and isinstance(body.get("error"), dict)
            else None
        )
        documented = f"error.code {code}" + (f" with HTTP {status}" if status else "")
        if self.expect(requirement, check, got == code and status in (None, exchange.status), documented, exchange):
            schema = "PamErrorResponse" if exchange.status in (400, 401) else "BalanceError"
            self.expect_shape(requirement, check, exchange, body, schema)

    def expect_business_error(self, requirement: str, check: str, exchange: Exchange, code: str) -> None:
        self.expect_code(requirement, check, exchange, code, None)
        body = exchange.json() if exchange.is_json else None
        status = body.get("status") if isinstance(body, dict) else None
        self.expect(
            "VALK-BUSINESS-ERRORS-200",
            check,
            exchange.status == 200 and status == "ERROR",
            "HTTP 200 with status ERROR",
            exchange,
        )


def _player(ctx: ValkyrieContext, name: str) -> dict[str, str]:
    return dict(ctx.profile.players[name])


@case("VALK-200-OK", "the active player's session")
def active_balance(ctx: ValkyrieContext) -> None:
    player = _player(ctx, "active")
    exchange = ctx.balance(player["playerId"], player["token"])
    body = ctx.expect_json("VALK-200-OK", "active session", exchange, 200)
    if body is None:
        return
    ctx.expect_shape("VALK-200-OK", "active session", exchange, body, "BalanceOk")
    # The body's own digits: parsing to float would hide extra decimals.
    exact = json.loads(exchange.body, parse_float=Decimal)
    amounts = exact.get("balance") if isinstance(exact, dict) else None
    amounts = amounts if isinstance(amounts, dict) else {}
    too_precise = {name: str(value) for name, value in amounts.items() if _decimals(value) > 6}
    ctx.expect(
        "VALK-DATA-DECIMALS",
        "active session",
        not too_precise,
        "amounts with at most 6 decimals",
        exchange,
        f"{too_precise}",
    )


def _decimals(value: Any) -> int:
    if not isinstance(value, Decimal):
        return 0
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@case("VALK-PLAYER-NOT-FOUND", "the unknown playerId with the active session")
def unknown_player(ctx: ValkyrieContext) -> None:
    exchange = ctx.balance(_player(ctx, "unknown")["playerId"], _player(ctx, "active")["token"])
    ctx.expect_business_error("VALK-PLAYER-NOT-FOUND", "unknown playerId", exchange, "PAM_ERR_PLAYER_NOT_FOUND")


@case("VALK-SESSION-EXPIRED", "the expired session")
def expired_session(ctx: ValkyrieContext) -> None:
    player = _player(ctx, "expired")
    exchange = ctx.balance(player["playerId"], player["token"])
    ctx.expect_business_error("VALK-SESSION-EXPIRED", "expired session", exchange, "PAM_ERR_SESSION_EXPIRED")


@case("VALK-ACC-NOT-FOUND", "the player without an account")
def no_account(ctx: ValkyrieContext) -> None:
    if "no_account" not in ctx.profile.players:
        ctx.results.not_tested(
            "VALK-ACC-NOT-FOUND", "the profile has no player without an account (valkyrie.players.no_account)"
        )
        return
    player = _player(ctx, "no_account")
    exchange = ctx.balance(player["playerId"], player["token"])
    ctx.expect_business_error("VALK-ACC-NOT-FOUND", "player without an account", exchange, "PAM_ERR_ACC_NOT_FOUND")


@case("VALK-401-SESSION", "an unknown 40-character token; a 16-character token")
def unknown_sessions(ctx: ValkyrieContext) -> None:
    player_id = _player(ctx, "active")["playerId"]
    for label, token in (("unknown token", ctx.random_hex(40)), ("16-character token", ctx.random_hex(16))):
        exchange = ctx.balance(player_id, token)
        ctx.expect_code("VALK-401-SESSION", label, exchange, "PAM_ERR_SESSION_NOT_FOUND", 401)


@case("VALK-401-API-TOKEN", "a wrong api token; no Authorization header")
def bad_api_token(ctx: ValkyrieContext) -> None:
    player = _player(ctx, "active")
    for label, api_token in (("wrong api token", "wrong-" + ctx.random_hex(16)), ("no Authorization", None)):
        exchange = ctx.balance(player["playerId"], player["token"], api_token=api_token)
        ctx.expect_code("VALK-401-API-TOKEN", label, exchange, "PAM_ERR_API_TOKEN", 401)


@case("VALK-MISSING-PROVIDER", "a provider no PAM knows")
def unknown_provider(ctx: ValkyrieContext) -> None:
    player = _player(ctx, "active")
    exchange = ctx.balance(player["playerId"], player["token"], provider="no-such-provider-" + ctx.random_hex(8))
    ctx.expect_code("VALK-MISSING-PROVIDER", "unknown provider", exchange, "PAM_ERR_MISSING_PROVIDER", None)
    ctx.expect("VALK-400-MISSING-PROVIDER", "unknown provider", exchange.status == 400, "HTTP 400", exchange)
