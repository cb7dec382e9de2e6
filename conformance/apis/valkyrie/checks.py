"""Valkyrie PAM's checks: the balance, business errors, session and api-token errors, and the data rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from conformance.api import Check, case, rule
from conformance.apis.valkyrie.context import ValkyrieContext, error_code
from conformance.near_miss import near_misses
from conformance.results import Item, NotTested
from conformance.transport import Exchange

Checked = Iterator[Item]


def _served_ok(exchange: Exchange) -> bool:
    body = exchange.json() if exchange.is_json else None
    return exchange.status == 200 and isinstance(body, dict) and body.get("status") == "OK"


def _player(ctx: ValkyrieContext, name: str) -> dict[str, str]:
    return dict(ctx.profile.players[name])


def active_balance(ctx: ValkyrieContext) -> Checked:
    player = _player(ctx, "active")
    exchange = yield from ctx.balance(player["playerId"], player["token"])
    body = yield from ctx.expect_json("VALK-200-OK", "active session", exchange, 200)
    if body is None:
        return
    yield from ctx.expect_shape("VALK-200-OK", "active session", exchange, body, "BalanceOk")
    # The body's own digits: parsing to float would hide extra decimals.
    exact = json.loads(exchange.body, parse_float=Decimal)
    amounts = exact.get("balance") if isinstance(exact, dict) else None
    amounts = amounts if isinstance(amounts, dict) else {}
    too_precise = {name: str(value) for name, value in amounts.items() if _decimals(value) > 6}
    yield ctx.finding(
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


def unknown_player(ctx: ValkyrieContext) -> Checked:
    exchange = yield from ctx.balance(_player(ctx, "unknown")["playerId"], _player(ctx, "active")["token"])
    yield from ctx.expect_business_error(
        "VALK-PLAYER-NOT-FOUND", "unknown playerId", exchange, "PAM_ERR_PLAYER_NOT_FOUND"
    )


def expired_session(ctx: ValkyrieContext) -> Checked:
    player = _player(ctx, "expired")
    exchange = yield from ctx.balance(player["playerId"], player["token"])
    yield from ctx.expect_business_error("VALK-SESSION-EXPIRED", "expired session", exchange, "PAM_ERR_SESSION_EXPIRED")


def no_account(ctx: ValkyrieContext) -> Checked:
    if "no_account" not in ctx.profile.players:
        reason = "the profile has no player without an account (valkyrie.players.no_account)"
        yield NotTested("VALK-ACC-NOT-FOUND", reason)
        return
    player = _player(ctx, "no_account")
    exchange = yield from ctx.balance(player["playerId"], player["token"])
    yield from ctx.expect_business_error(
        "VALK-ACC-NOT-FOUND", "player without an account", exchange, "PAM_ERR_ACC_NOT_FOUND"
    )


def unknown_sessions(ctx: ValkyrieContext) -> Checked:
    active = _player(ctx, "active")
    tokens = [("unknown token", ctx.random_hex(40)), ("16-character token", ctx.random_hex(16))]
    tokens += [
        (f"the live token with {near.kind}", near.value) for near in near_misses(active["token"], upper_case=True)
    ]
    for label, token in tokens:
        exchange = yield from ctx.balance(active["playerId"], token)
        yield from ctx.expect_code("VALK-401-SESSION", label, exchange, "PAM_ERR_SESSION_NOT_FOUND", 401)


def bad_api_token(ctx: ValkyrieContext) -> Checked:
    api_tokens: list[tuple[str, str | None]] = [("wrong api token", "wrong-" + ctx.random_hex(16))]
    api_tokens += [(f"the api token with {near.kind}", near.value) for near in near_misses(ctx.profile.api_token)]
    for label, api_token in (*api_tokens, ("no Authorization", None)):
        exchange = yield from ctx.active(api_token=api_token)
        yield from ctx.expect_code("VALK-401-API-TOKEN", label, exchange, "PAM_ERR_API_TOKEN", 401)


def unknown_provider(ctx: ValkyrieContext) -> Checked:
    # Provider names are sent exactly as the profile gives them elsewhere; nothing here relies on a server
    # matching them case-blind.
    for label, provider in (("unknown provider", "no-such-provider-" + ctx.random_hex(8)), ("no provider", None)):
        exchange = yield from ctx.active(provider=provider)
        yield from ctx.expect_code(
            "VALK-MISSING-PROVIDER", label, exchange, "PAM_ERR_MISSING_PROVIDER", None,
            also="PAM_ERR_SESSION_NOT_FOUND",
        )  # fmt: skip
        documented = "HTTP 400 with PAM_ERR_MISSING_PROVIDER"
        passed = exchange.status == 400 and error_code(exchange) == "PAM_ERR_MISSING_PROVIDER"
        yield ctx.finding("VALK-400-MISSING-PROVIDER", label, passed, documented, exchange)


def missing_correlation_id(ctx: ValkyrieContext) -> Checked:
    exchange = yield from ctx.active(correlation=False)
    label = "no X-Correlation-ID"
    yield ctx.finding("VALK-MISSING-CORRELATION-ID", label, not _served_ok(exchange), "not status OK", exchange)
    passed = exchange.status == 400 and error_code(exchange) == "PAM_ERR_UNDEFINED"
    yield ctx.finding("VALK-400-CORRELATION-ID", label, passed, "HTTP 400 with PAM_ERR_UNDEFINED", exchange)
    if passed:
        yield from ctx.expect_shape("VALK-400-CORRELATION-ID", label, exchange, exchange.json(), "PamErrorResponse")


def other_player(ctx: ValkyrieContext) -> Checked:
    other = ctx.profile.players.get("other")
    if other is None:
        yield NotTested("VALK-OTHER-PLAYER", "the profile has no other existing player (valkyrie.players.other)")
        return
    exchange = yield from ctx.balance(other["playerId"], _player(ctx, "active")["token"])
    yield from ctx.expect_code("VALK-OTHER-PLAYER", "another player's id", exchange, "PAM_ERR_SESSION_NOT_FOUND", 401)


CHECKS: tuple[Check, ...] = (
    rule("VALK-DATA-DECIMALS", "cashAmount, bonusAmount and promoAmount have at most 6 decimals, on every OK"),
    rule("VALK-BUSINESS-ERRORS-200", "business errors come with HTTP 200 and status ERROR"),
    rule(
        "VALK-400-MISSING-PROVIDER",
        "the unknown- and missing-provider answers are HTTP 400 with PAM_ERR_MISSING_PROVIDER",
    ),
    rule(
        "VALK-400-CORRELATION-ID", "the answer without X-Correlation-ID is HTTP 400 with a JSON PAM_ERR_UNDEFINED body"
    ),
    rule("VALK-SCHEMA-OTHER-STATUS", "documented-case answers with a status the seed does not document match the spec"),
    case("VALK-200-OK", "the active player's session", active_balance),
    case("VALK-PLAYER-NOT-FOUND", "the unknown playerId with the active session", unknown_player),
    case("VALK-SESSION-EXPIRED", "the expired session", expired_session),
    case("VALK-ACC-NOT-FOUND", "the player without an account", no_account),
    case(
        "VALK-401-SESSION",
        "an unknown 40-character token; a 16-character token; near misses of the live one",
        unknown_sessions,
    ),
    case(
        "VALK-401-API-TOKEN",
        "a wrong api token; no Authorization header; near misses of the api token",
        bad_api_token,
    ),
    case("VALK-MISSING-PROVIDER", "a provider no PAM knows; no provider at all", unknown_provider),
    case("VALK-MISSING-CORRELATION-ID", "the active session without X-Correlation-ID", missing_correlation_id),
    case("VALK-OTHER-PLAYER", "the active session with another existing player's playerId", other_player),
)
