"""Paytronix's checks: each authentication style on each method, failures, invalid_status, the data rules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.api import Check, case, rule
from conformance.apis.paytronix.context import PaytronixContext
from conformance.near_miss import near_misses
from conformance.results import Item, NotTested

Checked = Iterator[Item]


def _card_fields(card: Mapping[str, str], registration_code: str | None = None) -> dict[str, str]:
    """Card authentication of ``card``, with its own registration code unless another is given."""
    code = card["registrationCode"] if registration_code is None else registration_code
    return {"authentication": "card", "printedCardNumber": card["printedCardNumber"], "registrationCode": code}


def _each_method(
    ctx: PaytronixContext, requirement: str, label: str, fields: dict[str, Any], result: str, schema: str
) -> Checked:
    for method in ctx.profile.methods:
        exchange = yield from ctx.call(method, fields)
        yield from ctx.expect_result(requirement, f"{method} {label}", exchange, result, schema)


def oauth_success(ctx: PaytronixContext) -> Checked:
    card = ctx.profile.cards["active"]
    fields = {
        "authentication": "oauth",
        "access_token": card["access_token"],
        "printedCardNumber": card["printedCardNumber"],
    }
    yield from _each_method(ctx, "PTX-SUCCESS-OAUTH", "oauth", fields, "success", "AccountBalance")


def card_success(ctx: PaytronixContext) -> Checked:
    fields = _card_fields(ctx.profile.cards["active"])
    yield from _each_method(ctx, "PTX-SUCCESS-CARD", "card", fields, "success", "AccountBalance")


def guest_success(ctx: PaytronixContext) -> Checked:
    guest = ctx.profile.cards.get("guest")
    if guest is None:
        yield NotTested("PTX-SUCCESS-GUEST", "the profile has no guest user (paytronix.cards.guest)")
        return
    fields = {"authentication": "guest", "username": guest["username"], "password": guest["password"]}
    yield from _each_method(ctx, "PTX-SUCCESS-GUEST", "guest", fields, "success", "AccountBalance")


def unknown_card(ctx: PaytronixContext) -> Checked:
    fields = _card_fields(ctx.profile.cards["unknown"], registration_code="000000")
    yield from _each_method(ctx, "PTX-FAILURE", "unknown card", fields, "failure", "Failure")


def invalid_status_card(ctx: PaytronixContext) -> Checked:
    fields = _card_fields(ctx.profile.cards["invalid_status"])
    yield from _each_method(ctx, "PTX-INVALID-STATUS", "invalid_status card", fields, "invalid_status", "InvalidStatus")


def _wrong_values(ctx: PaytronixContext, real: str, *, upper_case: bool = False) -> list[tuple[str, str]]:
    """(label, value): a random value of the real one's length, then the real one's near misses."""
    wrong = [("random", ctx.random_text(real))]
    return wrong + [(near.kind, near.value) for near in near_misses(real, upper_case=upper_case)]


def bad_client(ctx: PaytronixContext) -> Checked:
    fields = _card_fields(ctx.profile.cards["active"])
    attempts = [(f"client secret {label}", ctx.basic(secret=value)) for label, value in
                _wrong_values(ctx, ctx.profile.client_secret)]  # fmt: skip
    for method in ctx.profile.methods:
        for label, headers in (*attempts, ("no credentials", {})):
            exchange = yield from ctx.call(method, fields, headers=headers)
            yield ctx.finding("PTX-401-CLIENT", f"{method} {label}", exchange.status == 401, "HTTP 401", exchange)


def wrong_registration_code(ctx: PaytronixContext) -> Checked:
    card = ctx.profile.cards["active"]
    for label, code in _wrong_values(ctx, card["registrationCode"]):
        fields = _card_fields(card, registration_code=code)
        label = f"registration code {label}"
        yield from _each_method(ctx, "PTX-FAILURE-REGISTRATION-CODE", label, fields, "failure", "Failure")


def wrong_access_token(ctx: PaytronixContext) -> Checked:
    for label, token in _wrong_values(ctx, ctx.profile.cards["active"]["access_token"]):
        fields = {"authentication": "oauth", "access_token": token}
        yield from _each_method(ctx, "PTX-FAILURE-ACCESS-TOKEN", f"access token {label}", fields, "failure", "Failure")


def incomplete_requests(ctx: PaytronixContext) -> Checked:
    # Generated requests cannot tell a success from a failure at HTTP 200, which is how Paytronix answers what it
    # cannot use; these known-invalid requests check that none is answered with a balance.
    card = ctx.profile.cards["active"]
    requests = {
        "card without registrationCode": {"authentication": "card", "printedCardNumber": card["printedCardNumber"]},
        "oauth without access_token": {"authentication": "oauth", "printedCardNumber": card["printedCardNumber"]},
        # A made-up type: the vendor documents more types than the seed (B2B), so no real one stands for "unknown".
        "an unknown authentication type": {"authentication": "no-such-style", "printedCardNumber":
                                           card["printedCardNumber"], "registrationCode": card["registrationCode"]},
    }  # fmt: skip
    for method in ctx.profile.methods:
        for label, fields in requests.items():
            exchange = yield from ctx.call(method, fields)
            body = exchange.json() if exchange.is_json else None
            succeeded = exchange.status == 200 and isinstance(body, dict) and body.get("result") == "success"
            yield ctx.finding("PTX-INVALID-INPUT", f"{method} {label}", not succeeded, "no result success", exchange)


def wrong_password(ctx: PaytronixContext) -> Checked:
    guest = ctx.profile.cards.get("guest")
    if guest is None:
        yield NotTested("PTX-FAILURE-PASSWORD", "the profile has no guest user (paytronix.cards.guest)")
        return
    for label, password in _wrong_values(ctx, guest["password"], upper_case=True):
        fields = {"authentication": "guest", "username": guest["username"], "password": password}
        yield from _each_method(ctx, "PTX-FAILURE-PASSWORD", f"password {label}", fields, "failure", "Failure")


CHECKS: tuple[Check, ...] = (
    rule("PTX-RESULT", "result is success, failure or invalid_status, on every HTTP 200"),
    rule("PTX-DATA-DECIMALS", "balances are decimal strings and codes integers, on every success"),
    rule("PTX-DATA-DATES", "enrollDate is yyyy-mm-dd, on every success"),
    case("PTX-SUCCESS-OAUTH", "oauth with the active card's access token, each method", oauth_success),
    case("PTX-SUCCESS-CARD", "card with the active card's registration code, each method", card_success),
    case("PTX-SUCCESS-GUEST", "guest with the profile's username and password, each method", guest_success),
    case("PTX-FAILURE", "the unknown card, each method", unknown_card),
    case("PTX-INVALID-STATUS", "the invalid_status card, each method", invalid_status_card),
    case(
        "PTX-401-CLIENT",
        "a wrong client secret, random and near misses; no Basic credentials, each method",
        bad_client,
    ),
    case(
        "PTX-FAILURE-REGISTRATION-CODE",
        "the active card with a wrong registration code, random and near misses",
        wrong_registration_code,
    ),
    case("PTX-FAILURE-ACCESS-TOKEN", "a wrong access token, random and near misses, each method", wrong_access_token),
    case(
        "PTX-INVALID-INPUT",
        "card without registrationCode; oauth without access_token; an unknown type, each method",
        incomplete_requests,
    ),
    case(
        "PTX-FAILURE-PASSWORD", "the guest with a wrong password, random and near misses, each method", wrong_password
    ),
)
