"""Paytronix accountInformation: each authentication style on each method, failures, invalid_status, data rules."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from conformance.checks import ApiContext, case, rule
from conformance.near_miss import near_misses
from conformance.profile import PaytronixProfile
from conformance.results import Results
from conformance.transport import Client, Exchange

RESULTS = ("success", "failure", "invalid_status")
FIELD_RULES = {
    "balance": "PTX-DATA-DECIMALS",
    "walletCode": "PTX-DATA-DECIMALS",
    "tierCode": "PTX-DATA-DECIMALS",
    "cardTemplateCode": "PTX-DATA-DECIMALS",
    "enrollDate": "PTX-DATA-DATES",
}

rule("PTX-RESULT", "result is success, failure or invalid_status, on every HTTP 200")
rule("PTX-DATA-DECIMALS", "balances are decimal strings and codes integers, on every success")
rule("PTX-DATA-DATES", "enrollDate is yyyy-mm-dd, on every success")


class PaytronixContext(ApiContext):
    api = "paytronix"

    def __init__(self, profile: PaytronixProfile, client: Client, results: Results, seed: int) -> None:
        super().__init__(profile.base_url, client, results, seed)
        self.profile = profile
        self.path = f"/rest/{profile.release}/guest/accountInformation.json"

    def basic(self, client_id: str | None = None, secret: str | None = None) -> dict[str, str]:
        pair = f"{client_id or self.profile.client_id}:{secret or self.profile.client_secret}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def call(self, method: str, fields: dict[str, Any], headers: dict[str, str] | None = None) -> Exchange:
        """accountInformation with ``fields`` as a JSON body (POST) or query (GET), with the client's credentials."""
        headers = self.basic() if headers is None else headers
        fields = {"merchantId": self.profile.merchant_id, **fields}
        if method == "POST":
            return self.send("POST", self.path, headers=headers, json_body=fields)
        return self.send("GET", self.path, headers=headers, params=fields)

    def after_exchange(self, exchange: Exchange) -> None:
        if exchange.status != 200:
            return
        body = exchange.json() if exchange.is_json else None
        result = body.get("result") if isinstance(body, dict) else None
        self.expect(
            "PTX-RESULT",
            f"{exchange.method} answer with HTTP 200",
            result in RESULTS,
            "result one of success, failure, invalid_status",
            exchange,
        )

    def expect_result(self, requirement: str, check: str, exchange: Exchange, result: str, schema: str) -> None:
        body = self.expect_json(requirement, check, exchange, 200)
        if body is None:
            return
        got = body.get("result") if isinstance(body, dict) else None
        if self.expect(requirement, check, got == result, f"HTTP 200, result {result}", exchange):
            self.expect_shape(requirement, check, exchange, body, schema, FIELD_RULES if result == "success" else None)


def _card_fields(card: Mapping[str, str], registration_code: str | None = None) -> dict[str, str]:
    """Card authentication of ``card``, with its own registration code unless another is given."""
    code = card["registrationCode"] if registration_code is None else registration_code
    return {"authentication": "card", "printedCardNumber": card["printedCardNumber"], "registrationCode": code}


def _guest(ctx: PaytronixContext, requirement: str) -> Mapping[str, str] | None:
    """The profile's guest user; without one, ``requirement`` is recorded as not tested."""
    guest = ctx.profile.cards.get("guest")
    if guest is None:
        ctx.results.not_tested(requirement, "the profile has no guest user (paytronix.cards.guest)")
    return guest


def _each_method(
    ctx: PaytronixContext, requirement: str, label: str, fields: dict[str, Any], result: str, schema: str
) -> None:
    for method in ctx.profile.methods:
        ctx.expect_result(requirement, f"{method} {label}", ctx.call(method, fields), result, schema)


@case("PTX-SUCCESS-OAUTH", "oauth with the active card's access token, each method")
def oauth_success(ctx: PaytronixContext) -> None:
    card = ctx.profile.cards["active"]
    fields = {
        "authentication": "oauth",
        "access_token": card["access_token"],
        "printedCardNumber": card["printedCardNumber"],
    }
    _each_method(ctx, "PTX-SUCCESS-OAUTH", "oauth", fields, "success", "AccountBalance")


@case("PTX-SUCCESS-CARD", "card with the active card's registration code, each method")
def card_success(ctx: PaytronixContext) -> None:
    fields = _card_fields(ctx.profile.cards["active"])
    _each_method(ctx, "PTX-SUCCESS-CARD", "card", fields, "success", "AccountBalance")


@case("PTX-SUCCESS-GUEST", "guest with the profile's username and password, each method")
def guest_success(ctx: PaytronixContext) -> None:
    guest = _guest(ctx, "PTX-SUCCESS-GUEST")
    if guest is None:
        return
    fields = {"authentication": "guest", "username": guest["username"], "password": guest["password"]}
    _each_method(ctx, "PTX-SUCCESS-GUEST", "guest", fields, "success", "AccountBalance")


@case("PTX-FAILURE", "the unknown card, each method")
def unknown_card(ctx: PaytronixContext) -> None:
    fields = _card_fields(ctx.profile.cards["unknown"], registration_code="000000")
    _each_method(ctx, "PTX-FAILURE", "unknown card", fields, "failure", "Failure")


@case("PTX-INVALID-STATUS", "the invalid_status card, each method")
def invalid_status_card(ctx: PaytronixContext) -> None:
    fields = _card_fields(ctx.profile.cards["invalid_status"])
    _each_method(ctx, "PTX-INVALID-STATUS", "invalid_status card", fields, "invalid_status", "InvalidStatus")


def _wrong_values(ctx: PaytronixContext, real: str, *, upper_case: bool = False) -> list[tuple[str, str]]:
    """(label, value): a random value of the real one's length, then the real one's near misses."""
    wrong = [("random", ctx.random_text(real))]
    return wrong + [(near.kind, near.value) for near in near_misses(real, upper_case=upper_case)]


@case("PTX-401-CLIENT", "a wrong client secret, random and near misses; no Basic credentials, each method")
def bad_client(ctx: PaytronixContext) -> None:
    fields = _card_fields(ctx.profile.cards["active"])
    attempts = [(f"client secret {label}", ctx.basic(secret=value)) for label, value in
                _wrong_values(ctx, ctx.profile.client_secret)]  # fmt: skip
    for method in ctx.profile.methods:
        for label, headers in (*attempts, ("no credentials", {})):
            exchange = ctx.call(method, fields, headers=headers)
            ctx.expect("PTX-401-CLIENT", f"{method} {label}", exchange.status == 401, "HTTP 401", exchange)


@case("PTX-FAILURE-REGISTRATION-CODE", "the active card with a wrong registration code, random and near misses")
def wrong_registration_code(ctx: PaytronixContext) -> None:
    card = ctx.profile.cards["active"]
    for label, code in _wrong_values(ctx, card["registrationCode"]):
        fields = _card_fields(card, registration_code=code)
        _each_method(ctx, "PTX-FAILURE-REGISTRATION-CODE", f"registration code {label}", fields, "failure", "Failure")


@case("PTX-FAILURE-ACCESS-TOKEN", "a wrong access token, random and near misses, each method")
def wrong_access_token(ctx: PaytronixContext) -> None:
    for label, token in _wrong_values(ctx, ctx.profile.cards["active"]["access_token"]):
        fields = {"authentication": "oauth", "access_token": token}
        _each_method(ctx, "PTX-FAILURE-ACCESS-TOKEN", f"access token {label}", fields, "failure", "Failure")


@case("PTX-INVALID-INPUT", "card without registrationCode; oauth without access_token; an unknown type, each method")
def incomplete_requests(ctx: PaytronixContext) -> None:
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
            exchange = ctx.call(method, fields)
            body = exchange.json() if exchange.is_json else None
            succeeded = exchange.status == 200 and isinstance(body, dict) and body.get("result") == "success"
            ctx.expect("PTX-INVALID-INPUT", f"{method} {label}", not succeeded, "no result success", exchange)


@case("PTX-FAILURE-PASSWORD", "the guest with a wrong password, random and near misses, each method")
def wrong_password(ctx: PaytronixContext) -> None:
    guest = _guest(ctx, "PTX-FAILURE-PASSWORD")
    if guest is None:
        return
    for label, password in _wrong_values(ctx, guest["password"], upper_case=True):
        fields = {"authentication": "guest", "username": guest["username"], "password": password}
        _each_method(ctx, "PTX-FAILURE-PASSWORD", f"password {label}", fields, "failure", "Failure")
