"""VIP Connect's checks: the documented cases, the JWT matrix, and the data rules of every answer."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from conformance.api import Check, case, rule
from conformance.apis.vip_connect.context import VipContext
from conformance.near_miss import near_misses, signature_near_misses
from conformance.results import Item, NotTested

Checked = Iterator[Item]


def _product(account: Mapping[str, str]) -> str:
    return account.get("ProductType", "preferred")


def preferred_account(ctx: VipContext) -> Checked:
    account = ctx.profile.accounts["preferred"]
    exchange = yield from ctx.lookup(account)
    yield from ctx.expect_account("VIP-200-PREFERRED", "Preferred account", exchange, _product(account))


def online_account(ctx: VipContext) -> Checked:
    account = ctx.profile.accounts.get("online")
    if account is None:
        yield NotTested("VIP-200-ONLINE", "the profile has no VIP Online account (vip-connect.accounts.online)")
        return
    exchange = yield from ctx.lookup(account)
    yield from ctx.expect_account("VIP-200-ONLINE", "Online account", exchange, "online")


def account_by_id(ctx: VipContext) -> Checked:
    account = ctx.profile.accounts["by_id"]
    exchange = yield from ctx.lookup(account)
    yield from ctx.expect_account("VIP-200-BY-ID", "account by ID details", exchange, _product(account))


def unknown_account(ctx: VipContext) -> Checked:
    exchange = yield from ctx.lookup(ctx.profile.accounts["unknown"])
    yield from ctx.expect_vip_error("VIP-404-UNKNOWN", "unknown account", exchange, 404, "accountNotFound")


def closed_account(ctx: VipContext) -> Checked:
    exchange = yield from ctx.lookup(ctx.profile.accounts["closed"])
    yield from ctx.expect_vip_error("VIP-400-CLOSED", "closed account", exchange, 400, "accountClosed")


def not_both(ctx: VipContext) -> Checked:
    number = ctx.profile.accounts["preferred"].get("VipAccountNumber", "7210988860")
    both = {"VipAccountNumber": number, "IdType": "DL", "IdNumber": "D1234567", "IdState": "NV"}
    exchange = yield from ctx.lookup(both)
    yield from ctx.expect_vip_error("VIP-400-NOT-BOTH", "VIP number and ID details", exchange, 400)
    exchange = yield from ctx.lookup({})
    yield from ctx.expect_vip_error("VIP-400-NOT-BOTH", "neither VIP number nor ID details", exchange, 400)


def invalid_bodies(ctx: VipContext) -> Checked:
    exchange = yield from ctx.lookup(None, content=b"{not json")
    yield from ctx.expect_vip_error("VIP-400-INVALID", "a body that is not JSON", exchange, 400)
    exchange = yield from ctx.lookup(None, content=b"[]")
    yield from ctx.expect_vip_error("VIP-400-INVALID", "a JSON array", exchange, 400)


def _refused(ctx: VipContext, requirement: str, check: str, token: str | None) -> Checked:
    # The 401 body is not documented, so only the status is checked.
    exchange = yield from ctx.lookup(ctx.profile.accounts["preferred"], token=token)
    yield ctx.finding(requirement, check, exchange.status == 401, "HTTP 401", exchange)


def _unsigned_token(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def missing_token(ctx: VipContext) -> Checked:
    yield from _refused(ctx, "VIP-401-MISSING", "no Authorization header", None)


def malformed_token(ctx: VipContext) -> Checked:
    yield from _refused(ctx, "VIP-401-MALFORMED", "Bearer not-a-jwt", "not-a-jwt")


def bad_signature(ctx: VipContext) -> Checked:
    requirement = "VIP-401-SIGNATURE"
    yield from _refused(ctx, requirement, "signed with a random key", ctx.token(key=ctx.random.randbytes(32)))
    # Another encoding of the key: the base64 text itself, as a server that forgets to decode it would use.
    undecoded = ctx.profile.secret_base64.encode()
    yield from _refused(ctx, requirement, "signed with the secret's base64 text as the key", ctx.token(key=undecoded))
    # Comparison bugs: a signature compared only in part (its first half, all but its last character, as many
    # characters as one side has).
    head, _, signature = ctx.token().rpartition(".")
    for near in signature_near_misses(signature):
        yield from _refused(ctx, requirement, f"a valid token's signature with {near.kind}", f"{head}.{near.value}")


def unsigned_token(ctx: VipContext) -> Checked:
    claims = {"iss": ctx.profile.operator_id, "aud": ctx.profile.audience, "exp": ctx.now() + 300}
    yield from _refused(ctx, "VIP-401-ALG-NONE", "alg none", _unsigned_token(claims))


def expired_token(ctx: VipContext) -> Checked:
    past = ctx.now() - 7200
    yield from _refused(ctx, "VIP-401-EXPIRED", "exp an hour ago", ctx.token(iat=past, nbf=past, exp=past + 3600))


def wrong_audience(ctx: VipContext) -> Checked:
    yield from _refused(ctx, "VIP-401-AUDIENCE", "aud another-api", ctx.token(aud="another-api"))
    for near in near_misses(ctx.profile.audience, upper_case=True):
        yield from _refused(ctx, "VIP-401-AUDIENCE", f"aud the profile's with {near.kind}", ctx.token(aud=near.value))


def unknown_issuer(ctx: VipContext) -> Checked:
    random_id = str(uuid.UUID(int=ctx.random.getrandbits(128), version=4))
    yield from _refused(ctx, "VIP-401-ISSUER", "iss a random operator id", ctx.token(iss=random_id))
    # Operator ids are UUIDs, which compare case-blind; a near miss never changes only the case.
    for near in near_misses(ctx.profile.operator_id):
        yield from _refused(ctx, "VIP-401-ISSUER", f"iss the operator id with {near.kind}", ctx.token(iss=near.value))


def not_yet_valid(ctx: VipContext) -> Checked:
    now = ctx.now()
    yield from _refused(ctx, "VIP-401-NOT-YET-VALID", "nbf an hour ahead", ctx.token(nbf=now + 3600, exp=now + 7200))


def each_key(ctx: VipContext) -> Checked:
    if len(ctx.keys) < 2:
        yield NotTested("VIP-SECOND-KEY", "the profile gives one key (vip-connect.secret_base64)")
        return
    account = ctx.profile.accounts["preferred"]
    for number, key in enumerate(ctx.keys, start=1):
        exchange = yield from ctx.lookup(account, token=ctx.token(key=key))
        yield ctx.finding("VIP-SECOND-KEY", f"signed with key {number}", exchange.status == 200, "HTTP 200", exchange)


CHECKS: tuple[Check, ...] = (
    rule("VIP-DATA-MASKED-ID", "idNumber is **** and at most the last 4 characters, on every 200"),
    rule("VIP-DATA-MASKED-ID", "the profile's full ID number appears in no answer"),
    rule("VIP-DATA-DATES", "memberSince, lastTransaction and dateOfBirth formats, on every 200"),
    rule("VIP-BANK-ACCOUNTS", "bankAccounts present exactly when the profile's toggle is on, on every 200"),
    case("VIP-200-PREFERRED", "the profile's Preferred account, by VIP number", preferred_account),
    case("VIP-200-ONLINE", "the profile's Online account", online_account),
    case("VIP-200-BY-ID", "the profile's account found by ID details", account_by_id),
    case("VIP-404-UNKNOWN", "the profile's unknown account", unknown_account),
    case("VIP-400-CLOSED", "the profile's closed account", closed_account),
    case("VIP-400-NOT-BOTH", "VIP number with ID details; neither", not_both),
    case("VIP-400-INVALID", "a body that is not JSON; a JSON array", invalid_bodies),
    case("VIP-401-MISSING", "no Authorization header", missing_token),
    case("VIP-401-MALFORMED", "a bearer value that is not a JWT", malformed_token),
    case(
        "VIP-401-SIGNATURE",
        "a token signed with a random key; with the secret undecoded; near misses of a signature",
        bad_signature,
    ),
    case("VIP-401-ALG-NONE", "an unsigned token, alg none", unsigned_token),
    case("VIP-401-EXPIRED", "exp an hour ago", expired_token),
    case("VIP-401-AUDIENCE", "aud of another API; near misses of the profile's audience", wrong_audience),
    case("VIP-401-ISSUER", "iss an unknown operator id; near misses of the operator id", unknown_issuer),
    case("VIP-401-NOT-YET-VALID", "nbf an hour ahead", not_yet_valid),
    case("VIP-SECOND-KEY", "the Preferred account with a token signed with each key of the profile", each_key),
)
