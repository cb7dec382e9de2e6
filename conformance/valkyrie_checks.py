"""Valkyrie PAM getBalance: the balance, business errors, session and api-token errors, and the data rules."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from conformance.checks import ApiContext, case, rule
from conformance.near_miss import near_misses
from conformance.profile import ValkyrieProfile
from conformance.results import Results
from conformance.transport import Client, Exchange

rule("VALK-DATA-DECIMALS", "cashAmount, bonusAmount and promoAmount have at most 6 decimals, on every OK")
rule("VALK-BUSINESS-ERRORS-200", "business errors come with HTTP 200 and status ERROR")
rule(
    "VALK-400-MISSING-PROVIDER", "the unknown- and missing-provider answers are HTTP 400 with PAM_ERR_MISSING_PROVIDER"
)
rule("VALK-400-CORRELATION-ID", "the answer without X-Correlation-ID is HTTP 400 with a JSON PAM_ERR_UNDEFINED body")
rule("VALK-SCHEMA-OTHER-STATUS", "documented-case answers with a status the seed does not document match the spec")


class ValkyrieContext(ApiContext):
    api = "valkyrie"

    def __init__(self, profile: ValkyrieProfile, client: Client, results: Results, seed: int) -> None:
        super().__init__(profile.base_url, client, results, seed)
        self.profile = profile
        self._numbers = itertools.count(1)

    def balance(
        self,
        player_id: str,
        token: str,
        *,
        provider: str | None = "",
        api_token: str | None = "",
        correlation: bool = True,
    ) -> Exchange:
        """getBalance; ``''`` sends the profile's provider or api token, ``None`` none at all."""
        headers = {"X-Player-Token": token}
        if correlation:
            headers["X-Correlation-ID"] = f"conformance-{next(self._numbers)}"
        if api_token is not None:
            headers["Authorization"] = f"Bearer {api_token or self.profile.api_token}"
        params = {} if provider is None else {"provider": provider or self.profile.provider}
        return self.send("GET", f"/players/{quote(player_id, safe='')}/balance", headers=headers, params=params)

    def active(self, **kwargs: Any) -> Exchange:
        """getBalance of the active player with its live session."""
        player = self.profile.players["active"]
        return self.balance(player["playerId"], player["token"], **kwargs)

    def expect_code(
        self, requirement: str, check: str, exchange: Exchange, code: str, status: int | None, *, also: str = ""
    ) -> None:
        """An error body with ``code``; ``status`` is the HTTP status the requirement itself demands, if any.
        ``also``: a second code accepted with HTTP 401 (how a PAM whose sessions belong to a provider answers)."""
        got = _error_code(exchange)
        passed = got == code and status in (None, exchange.status)
        passed = passed or (bool(also) and got == also and exchange.status == 401)
        documented = f"error.code {code}" + (f" with HTTP {status}" if status else "")
        documented += f", or HTTP 401 with {also}" if also else ""
        if self.expect(requirement, check, passed, documented, exchange):
            schema = "PamErrorResponse" if exchange.status in (400, 401) else "BalanceError"
            self.expect_shape(requirement, check, exchange, exchange.json(), schema)

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


def _error_code(exchange: Exchange) -> Any:
    body = exchange.json() if exchange.is_json else None
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _served_ok(exchange: Exchange) -> bool:
    body = exchange.json() if exchange.is_json else None
    return exchange.status == 200 and isinstance(body, dict) and body.get("status") == "OK"


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


@case("VALK-401-SESSION", "an unknown 40-character token; a 16-character token; near misses of the live one")
def unknown_sessions(ctx: ValkyrieContext) -> None:
    active = _player(ctx, "active")
    tokens = [("unknown token", ctx.random_hex(40)), ("16-character token", ctx.random_hex(16))]
    tokens += [
        (f"the live token with {near.kind}", near.value) for near in near_misses(active["token"], upper_case=True)
    ]
    for label, token in tokens:
        exchange = ctx.balance(active["playerId"], token)
        ctx.expect_code("VALK-401-SESSION", label, exchange, "PAM_ERR_SESSION_NOT_FOUND", 401)


@case("VALK-401-API-TOKEN", "a wrong api token; no Authorization header; near misses of the api token")
def bad_api_token(ctx: ValkyrieContext) -> None:
    api_tokens: list[tuple[str, str | None]] = [("wrong api token", "wrong-" + ctx.random_hex(16))]
    api_tokens += [(f"the api token with {near.kind}", near.value) for near in near_misses(ctx.profile.api_token)]
    for label, api_token in (*api_tokens, ("no Authorization", None)):
        exchange = ctx.active(api_token=api_token)
        ctx.expect_code("VALK-401-API-TOKEN", label, exchange, "PAM_ERR_API_TOKEN", 401)


@case("VALK-MISSING-PROVIDER", "a provider no PAM knows; no provider at all")
def unknown_provider(ctx: ValkyrieContext) -> None:
    # Provider names are sent exactly as the profile gives them elsewhere; nothing here relies on a server
    # matching them case-blind.
    for label, provider in (("unknown provider", "no-such-provider-" + ctx.random_hex(8)), ("no provider", None)):
        exchange = ctx.active(provider=provider)
        ctx.expect_code(
            "VALK-MISSING-PROVIDER", label, exchange, "PAM_ERR_MISSING_PROVIDER", None,
            also="PAM_ERR_SESSION_NOT_FOUND",
        )  # fmt: skip
        documented = "HTTP 400 with PAM_ERR_MISSING_PROVIDER"
        passed = exchange.status == 400 and _error_code(exchange) == "PAM_ERR_MISSING_PROVIDER"
        ctx.expect("VALK-400-MISSING-PROVIDER", label, passed, documented, exchange)


@case("VALK-MISSING-CORRELATION-ID", "the active session without X-Correlation-ID")
def missing_correlation_id(ctx: ValkyrieContext) -> None:
    exchange = ctx.active(correlation=False)
    label = "no X-Correlation-ID"
    ctx.expect("VALK-MISSING-CORRELATION-ID", label, not _served_ok(exchange), "not status OK", exchange)
    passed = exchange.status == 400 and _error_code(exchange) == "PAM_ERR_UNDEFINED"
    if ctx.expect("VALK-400-CORRELATION-ID", label, passed, "HTTP 400 with PAM_ERR_UNDEFINED", exchange):
        ctx.expect_shape("VALK-400-CORRELATION-ID", label, exchange, exchange.json(), "PamErrorResponse")


@case("VALK-OTHER-PLAYER", "the active session with another existing player's playerId")
def other_player(ctx: ValkyrieContext) -> None:
    other = ctx.profile.players.get("other")
    if other is None:
        ctx.results.not_tested("VALK-OTHER-PLAYER", "the profile has no other existing player (valkyrie.players.other)")
        return
    exchange = ctx.balance(other["playerId"], _player(ctx, "active")["token"])
    ctx.expect_code("VALK-OTHER-PLAYER", "another player's id", exchange, "PAM_ERR_SESSION_NOT_FOUND", 401)
