"""What VIP Connect's checks run in: signed lookups, and judging accounts and error bodies."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

import jwt

from balancekit.clock import Clock
from balancekit.specs import load_spec
from conformance.api import ConformanceApi
from conformance.apis.vip_connect.section import VipSection
from conformance.context import ApiContext, Judging
from conformance.results import Item
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


class VipContext(ApiContext):
    def __init__(self, api: ConformanceApi, section: VipSection, client: Client, seed: int, clock: Clock) -> None:
        super().__init__(api, section.base_url, client, seed, clock)
        self.profile = section
        self.keys = [base64.b64decode(secret) for secret in section.secrets_base64]
        self.key = self.keys[0]
        # The full ID numbers the profile reveals; no answer may carry one.
        self.secret_numbers = [
            account["IdNumber"] for account in section.accounts.values() if len(account.get("IdNumber", "")) >= 5
        ]

    def now(self) -> int:
        return int(self.clock())

    def token(self, *, key: bytes | None = None, **claims: Any) -> str:
        return operator_token(self.profile, self.clock, key=key if key is not None else self.key, **claims)

    def lookup(self, body: Any, *, token: str | None = "", content: bytes | None = None) -> Judging:
        """POST an account lookup; ``token=''`` signs a valid one, ``token=None`` sends no Authorization."""
        headers = {} if token is None else {"Authorization": f"Bearer {token or self.token()}"}
        if content is not None:
            headers = {**headers, "Content-Type": "application/json"}
            return (yield from self.request("POST", PATH, headers=headers, content=content))
        return (yield from self.request("POST", PATH, headers=headers, json_body=body))

    def every_answer(self, exchange: Exchange) -> Iterable[Item]:
        leaked = [number for number in self.secret_numbers if number.encode() in exchange.body]
        if leaked:
            yield self.finding(
                "VIP-DATA-MASKED-ID",
                f"no full ID number in the answer to {exchange.method} {PATH}",
                False,
                "the full ID number never appears in an answer",
                exchange,
                f"the answer contains the full ID number {leaked[0]!r}",
            )

    def expect_account(self, requirement: str, check: str, exchange: Exchange, product: str) -> Judging:
        body = yield from self.expect_json(requirement, check, exchange, 200)
        if body is None:
            return
        schema = "VipOnlineAccount" if product == "online" else "VipPreferredAccount"
        yield from self.expect_shape(requirement, check, exchange, body, schema, FIELD_RULES, SECTION_RULES)
        toggle = self.profile.bank_accounts_toggle
        present = isinstance(body, dict) and "bankAccounts" in body
        documented = "bankAccounts present (the toggle is on)" if toggle else "no bankAccounts (the toggle is off)"
        yield self.finding(
            "VIP-BANK-ACCOUNTS",
            check,
            present == toggle,
            documented,
            exchange,
            f"bankAccounts {'present' if present else 'absent'}: {exchange.body_text(200)}",
        )

    def expect_vip_error(
        self, requirement: str, check: str, exchange: Exchange, status: int, example: str | None = None
    ) -> Judging:
        """A VIP error body with ``status``; with ``example``, the code and messages of the seed's example."""
        body = yield from self.expect_json(requirement, check, exchange, status)
        if body is None:
            return
        yield from self.expect_shape(requirement, check, exchange, body, "VipError")
        if example is None:
            return
        documented = self.seed_example(str(status), example)
        differences = [name for name in ERROR_FIELDS if _normal(body.get(name)) != _normal(documented[name])]
        yield self.finding(
            requirement,
            f"{check}: the seed's errorCode and messages",
            not differences,
            f"errorCode {documented['errorCode']!r} and the seed's messages",
            exchange,
            f"{', '.join(differences)} differ: {exchange.body_text(400)}",
        )

    def seed_example(self, status: str, name: str) -> dict[str, str]:
        response = load_spec(self.spec_path)["paths"][PATH]["post"]["responses"][status]
        value: dict[str, str] = response["content"]["application/json"]["examples"][name]["value"]
        return value


def operator_token(
    section: VipSection, clock: Clock, *, lifetime: int = 300, key: bytes | None = None, **claims: Any
) -> str:
    """A JWT as the profile's operator signs it, valid for ``lifetime`` seconds from the clock's now; ``claims``
    override any claim."""
    now = int(clock())
    payload = {"iss": section.operator_id, "aud": section.audience, "iat": now, "nbf": now - 5, "exp": now + lifetime}
    payload.update(claims)
    return jwt.encode(payload, key if key is not None else base64.b64decode(section.secret_base64), algorithm="HS256")


def _normal(text: Any) -> str:
    return " ".join(str(text).split())
