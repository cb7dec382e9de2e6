"""VIP Connect account lookup: documented cases, the JWT matrix, and the data rules of every answer."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt

from conformance.checks import ApiContext, case, rule
from conformance.near_miss import near_misses, signature_near_misses
from conformance.profile import VipProfile
from conformance.results import Results
from conformance.specs import load_spec
from conformance.transport import Client, Exchange

PATH = "/api/patronsession/accountlookup"
# Format errors on these fields are the data rules', not the case's.
FIELD_RULES = {
    "idNumber": "VIP-DATA-MASKED-ID",
    "memberSince": "VIP-DATA-DATES",
    "lastTransaction": "VIP-DATA-DATES",
    "dateOfBirth": "VIP-DATA-DATES",
}
# Any error inside bankAccounts (an item's fields) is the bank-accounts requirement's.
SECTION_RULES = {"bankAccounts": "VIP-BANK-ACCOUNTS"}
ERROR_FIELDS = (
    "errorCode",
    "transactionStage",
    "operatorErrorMessage",
    "operatorDeclineDescription",
    "patronErrorMessage",
)

rule("VIP-DATA-MASKED-ID", "idNumber is **** and at most the last 4 characters, on every 200")
rule("VIP-DATA-MASKED-ID", "the profile's full ID number appears in no answer")
rule("VIP-DATA-DATES", "memberSince, lastTransaction and dateOfBirth formats, on every 200")
rule("VIP-BANK-ACCOUNTS", "bankAccounts present exactly when the profile's toggle is on, on every 200")


class VipContext(ApiContext):
    api = "vip-connect"

    def __init__(self, profile: VipProfile, client: Client, results: Results, seed: int) -> None:
        super().__init__(profile.base_url, client, results, seed)
        self.profile = profile
        self.keys = [base64.b64decode(secret) for secret in profile.secrets_base64]
        self.key = self.keys[0]
        # The full ID numbers the profile reveals; no answer may carry one.
        self.secret_numbers = [
            account["IdNumber"] for account in profile.accounts.values() if len(account.get("IdNumber", "")) >= 5
        ]

    def token(self, *, key: bytes | None = None, **claims: Any) -> str:
        return operator_token(self.profile, key=key if key is not None else self.key, **claims)

    def lookup(self, body: Any, *, token: str | None = "", content: bytes | None = None) -> Exchange:
        """POST an account lookup; ``token=''`` signs a valid one, ``token=None`` sends no Authorization."""
        headers = {} if token is None else {"Authorization": f"Bearer {token or self.token()}"}
        if content is not None:
            return self.send("POST", PATH, headers={**headers, "Content-Type": "application/json"}, content=content)
        return self.send("POST", PATH, headers=headers, json_body=body)

    def after_exchange(self, exchange: Exchange) -> None:
        leaked = [number for number in self.secret_numbers if number.encode() in exchange.body]
        if leaked:
            self.expect(
                "VIP-DATA-MASKED-ID",
                f"no full ID number in the answer to {exchange.method} {PATH}",
                False,
                "the full ID number never appears in an answer",
                exchange,
                f"the answer contains the full ID number {leaked[0]!r}",
            )

    def expect_account(self, requirement: str, check: str, exchange: Exchange, product: str) -> None:
        body = self.expect_json(requirement, check, exchange, 200)
        if body is None:
            return
        schema = "VipOnlineAccount" if product == "online" else "VipPreferredAccount"
        self.expect_shape(requirement, check, exchange, body, schema, FIELD_RULES, SECTION_RULES)
        toggle = self.profile.bank_accounts_toggle
        present = isinstance(body, dict) and "bankAccounts" in body
        documented = "bankAccounts present (the toggle is on)" if toggle else "no bankAccounts (the toggle is off)"
        self.expect(
            "VIP-BANK-ACCOUNTS",
            check,
            present == toggle,
            documented,
            exchange,
            f"bankAccounts {'present' if present else 'absent'}: {exchange.body_text(200)}",
        )

    def expect_vip_error(
        self, requirement: str, check: str, exchange: Exchange, status: int, example: str | None = None
    ) -> None:
        """A VIP error body with ``status``; with ``example``, the code and messages of the seed's example."""
        body = self.expect_json(requirement, check, exchange, status)
        if body is None:
            return
        self.expect_shape(requirement, check, exchange, body, "VipError")
        if example is None:
            return
        documented = _seed_example(str(status), example)
        differences = [name for name in ERROR_FIELDS if _normal(body.get(name)) != _normal(documented[name])]
        self.expect(
            requirement,
            f"{check}: the seed's errorCode and messages",
            not differences,
            f"errorCode {documented['errorCode']!r} and the seed's messages",
            exchange,
            f"{', '.join(differences)} differ: {exchange.body_text(400)}",
        )


def operator_token(profile: VipProfile, *, lifetime: int = 300, key: bytes | None = None, **claims: Any) -> str:
    """A JWT as the profile's operator signs it, valid for ``lifetime`` seconds; ``claims`` override any claim."""
    now = int(time.time())
    payload = {"iss": profile.operator_id, "aud": profile.audience, "iat": now, "nbf": now - 5, "exp": now + lifetime}
    payload.update(claims)
    return jwt.encode(payload, key if key is not None else base64.b64decode(profile.secret_base64), algorithm="HS256")


def _seed_example(status: str, name: str) -> dict[str, str]:
    response = load_spec("vip-connect")["paths"][PATH]["post"]["responses"][status]
    value: dict[str, str] = response["content"]["application/json"]["examples"][name]["value"]
    return value


def _normal(text: Any) -> str:
    return " ".join(str(text).split())


def _product(account: Mapping[str, str]) -> str:
    return account.get("ProductType", "preferred")


@case("VIP-200-PREFERRED", "the profile's Preferred account, by VIP number")
def preferred_account(ctx: VipContext) -> None:
    account = ctx.profile.accounts["preferred"]
    ctx.expect_account("VIP-200-PREFERRED", "Preferred account", ctx.lookup(account), _product(account))


@case("VIP-200-ONLINE", "the profile's Online account")
def online_account(ctx: VipContext) -> None:
    account = ctx.profile.accounts.get("online")
    if account is None:
        ctx.results.not_tested("VIP-200-ONLINE", "the profile has no VIP Online account (vip-connect.accounts.online)")
        return
    ctx.expect_account("VIP-200-ONLINE", "Online account", ctx.lookup(account), "online")


@case("VIP-200-BY-ID", "the profile's account found by ID details")
def account_by_id(ctx: VipContext) -> None:
    account = ctx.profile.accounts["by_id"]
    ctx.expect_account("VIP-200-BY-ID", "account by ID details", ctx.lookup(account), _product(account))


@case("VIP-404-UNKNOWN", "the profile's unknown account")
def unknown_account(ctx: VipContext) -> None:
    exchange = ctx.lookup(ctx.profile.accounts["unknown"])
    ctx.expect_vip_error("VIP-404-UNKNOWN", "unknown account", exchange, 404, "accountNotFound")


@case("VIP-400-CLOSED", "the profile's closed account")
def closed_account(ctx: VipContext) -> None:
    exchange = ctx.lookup(ctx.profile.accounts["closed"])
    ctx.expect_vip_error("VIP-400-CLOSED", "closed account", exchange, 400, "accountClosed")


@case("VIP-400-NOT-BOTH", "VIP number with ID details; neither")
def not_both(ctx: VipContext) -> None:
    number = ctx.profile.accounts["preferred"].get("VipAccountNumber", "7210988860")
    both = {"VipAccountNumber": number, "IdType": "DL", "IdNumber": "D1234567", "IdState": "NV"}
    ctx.expect_vip_error("VIP-400-NOT-BOTH", "VIP number and ID details", ctx.lookup(both), 400)
    ctx.expect_vip_error("VIP-400-NOT-BOTH", "neither VIP number nor ID details", ctx.lookup({}), 400)


@case("VIP-400-INVALID", "a body that is not JSON; a JSON array")
def invalid_bodies(ctx: VipContext) -> None:
    ctx.expect_vip_error("VIP-400-INVALID", "a body that is not JSON", ctx.lookup(None, content=b"{not json"), 400)
    ctx.expect_vip_error("VIP-400-INVALID", "a JSON array", ctx.lookup(None, content=b"[]"), 400)


def _expect_refused(ctx: VipContext, requirement: str, check: str, token: str | None) -> None:
    # The 401 body is not documented, so only the status is checked.
    exchange = ctx.lookup(ctx.profile.accounts["preferred"], token=token)
    ctx.expect(requirement, check, exchange.status == 401, "HTTP 401", exchange)


def _unsigned_token(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@case("VIP-401-MISSING", "no Authorization header")
def missing_token(ctx: VipContext) -> None:
    _expect_refused(ctx, "VIP-401-MISSING", "no Authorization header", None)


@case("VIP-401-MALFORMED", "a bearer value that is not a JWT")
def malformed_token(ctx: VipContext) -> None:
    _expect_refused(ctx, "VIP-401-MALFORMED", "Bearer not-a-jwt", "not-a-jwt")


@case("VIP-401-SIGNATURE", "a token signed with a random key; with the secret undecoded; near misses of a signature")
def bad_signature(ctx: VipContext) -> None:
    requirement = "VIP-401-SIGNATURE"
    _expect_refused(ctx, requirement, "signed with a random key", ctx.token(key=ctx.random.randbytes(32)))
    # Another encoding of the key: the base64 text itself, as a server that forgets to decode it would use.
    undecoded = ctx.profile.secret_base64.encode()
    _expect_refused(ctx, requirement, "signed with the secret's base64 text as the key", ctx.token(key=undecoded))
    # Comparison bugs: a signature compared only in part (its first half, all but its last character, as many
    # characters as one side has).
    head, _, signature = ctx.token().rpartition(".")
    for near in signature_near_misses(signature):
        _expect_refused(ctx, requirement, f"a valid token's signature with {near.kind}", f"{head}.{near.value}")


@case("VIP-401-ALG-NONE", "an unsigned token, alg none")
def unsigned_token(ctx: VipContext) -> None:
    claims = {"iss": ctx.profile.operator_id, "aud": ctx.profile.audience, "exp": int(time.time()) + 300}
    _expect_refused(ctx, "VIP-401-ALG-NONE", "alg none", _unsigned_token(claims))


@case("VIP-401-EXPIRED", "exp an hour ago")
def expired_token(ctx: VipContext) -> None:
    past = int(time.time()) - 7200
    _expect_refused(ctx, "VIP-401-EXPIRED", "exp an hour ago", ctx.token(iat=past, nbf=past, exp=past + 3600))


@case("VIP-401-AUDIENCE", "aud of another API; near misses of the profile's audience")
def wrong_audience(ctx: VipContext) -> None:
    _expect_refused(ctx, "VIP-401-AUDIENCE", "aud another-api", ctx.token(aud="another-api"))
    for near in near_misses(ctx.profile.audience, upper_case=True):
        _expect_refused(ctx, "VIP-401-AUDIENCE", f"aud the profile's with {near.kind}", ctx.token(aud=near.value))


@case("VIP-401-ISSUER", "iss an unknown operator id; near misses of the operator id")
def unknown_issuer(ctx: VipContext) -> None:
    random_id = str(uuid.UUID(int=ctx.random.getrandbits(128), version=4))
    _expect_refused(ctx, "VIP-401-ISSUER", "iss a random operator id", ctx.token(iss=random_id))
    # Operator ids are UUIDs, which compare case-blind; a near miss never changes only the case.
    for near in near_misses(ctx.profile.operator_id):
        _expect_refused(ctx, "VIP-401-ISSUER", f"iss the operator id with {near.kind}", ctx.token(iss=near.value))


@case("VIP-401-NOT-YET-VALID", "nbf an hour ahead")
def not_yet_valid(ctx: VipContext) -> None:
    now = int(time.time())
    _expect_refused(ctx, "VIP-401-NOT-YET-VALID", "nbf an hour ahead", ctx.token(nbf=now + 3600, exp=now + 7200))


@case("VIP-SECOND-KEY", "the Preferred account with a token signed with each key of the profile")
def each_key(ctx: VipContext) -> None:
    if len(ctx.keys) < 2:
        ctx.results.not_tested("VIP-SECOND-KEY", "the profile gives one key (vip-connect.secret_base64)")
        return
    account = ctx.profile.accounts["preferred"]
    for number, key in enumerate(ctx.keys, start=1):
        exchange = ctx.lookup(account, token=ctx.token(key=key))
        ctx.expect("VIP-SECOND-KEY", f"signed with key {number}", exchange.status == 200, "HTTP 200", exchange)
