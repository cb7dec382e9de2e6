"""Paytronix's sandbox: clients, merchants and guest accounts of a fixture, and how each authentication style works."""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from mockserver.component_schemas import schema_validator
from mockserver.errors import FixtureError, UnknownExample
from mockserver.schema_errors import raise_for_fixture, under


@dataclass(frozen=True)
class Client:
    name: str
    client_id: str


@dataclass(frozen=True)
class Card:
    number: str
    registration_code: str
    status: str

    def as_json(self) -> dict[str, str]:
        # The seed masks 6000301000418000 as 418000: the last six digits.
        return {"maskedCardNumber": self.number[-6:], "printedCardNumber": self.number, "status": self.status}


@dataclass(frozen=True)
class GuestAccount:
    name: str
    merchant_id: int
    status: str
    username: str
    password: str | None
    cards: list[Card]
    balance: dict[str, Any]

    def card(self, number: str | None) -> Card | None:
        """The queried card: the one named, or the primary card when none is named."""
        if not number:
            return self.cards[0]
        return next((card for card in self.cards if card.number == number), None)

    def success(self, queried: Card, field_order: list[str]) -> dict[str, Any]:
        fields = {
            **self.balance,
            "result": "success",
            "accountStatus": self.status,
            "primaryCard": self.cards[0].as_json(),
            "additionalCards": [card.as_json() for card in self.cards[1:]],
            "queryCardStatus": queried.status,
            "username": self.username,
        }
        body = {key: fields[key] for key in field_order if key in fields}
        body.update((key, value) for key, value in fields.items() if key not in body)
        return body


@dataclass(frozen=True)
class AccessToken:
    account: GuestAccount
    expires_at: datetime | None


class Outcome(NamedTuple):
    """An answer's 200 body, the case it is (an account's name or a failure's), and the account it reached."""

    body: dict[str, Any]
    case: str
    account: str | None = None


@dataclass(frozen=True)
class PaytronixSandbox:
    clients: dict[str, tuple[Client, str]]  # client_id -> (client, secret)
    merchants: set[int]
    accounts: dict[str, GuestAccount]
    cards: dict[tuple[int, str], tuple[GuestAccount, Card]]
    tokens: dict[str, AccessToken]
    guests: dict[tuple[int, str], GuestAccount]  # by merchant and lower-case username
    errors: dict[str, dict[str, str]]
    failures: dict[str, dict[str, str]]
    field_order: list[str]

    def failure(self, name: str) -> Outcome:
        return Outcome({"result": "failure", **self.failures[name]}, name)

    def answer(self, account: GuestAccount, queried: Card) -> Outcome:
        if account.status != "ACTIVE" or queried.status != "ACTIVE":
            return Outcome({"result": "invalid_status", **self.errors["invalid_status"]}, account.name, account.name)
        return Outcome(account.success(queried, self.field_order), account.name, account.name)

    def account_information(self, fields: dict[str, Any], client: Client, now: datetime) -> Outcome:
        """The 200 body for a request's fields, once the integration client is known, and the case it reached."""
        if fields.get("client_id") not in (None, client.client_id):
            return self.failure("client_id_mismatch")
        merchant = fields["merchantId"]
        if merchant not in self.merchants:
            return self.failure("merchant_not_found")
        style = fields["authentication"]
        if style == "card":
            found = self.cards.get((merchant, str(fields["printedCardNumber"])))
            if found is None:
                return self.failure("card_not_found")
            account, card = found
            if not hmac.compare_digest(str(fields["registrationCode"]).encode(), card.registration_code.encode()):
                return self.failure("invalid_registration_code")
            return self.answer(account, card)
        if style == "oauth":
            token = self.tokens.get(str(fields["access_token"]))
            if token is None or token.account.merchant_id != merchant or (token.expires_at and token.expires_at <= now):
                return self.failure("invalid_access_token")
            account = token.account
        else:
            account_or_none = self.guests.get((merchant, str(fields["username"]).lower()))
            password = str(fields["password"]).encode()
            if (
                account_or_none is None
                or not account_or_none.password
                or not hmac.compare_digest(password, account_or_none.password.encode())
            ):
                return self.failure("invalid_guest_credentials")
            account = account_or_none
        queried = account.card(fields.get("printedCardNumber"))
        if queried is None:
            return self.failure("card_not_found")
        return self.answer(account, queried)

    def case(self, name: str) -> Outcome:
        """The 200 body a forced case names: an account (its primary card) or a failure."""
        if name in self.accounts:
            account = self.accounts[name]
            return self.answer(account, account.cards[0])
        if name in self.failures:
            return self.failure(name)
        raise UnknownExample(name, [*self.accounts, *self.failures])


def build_sandbox(raw: dict[str, Any], spec: dict[str, Any]) -> PaytronixSandbox:
    """The sandbox of a fixture that passed the fixture schema; raises FixtureError on any other problem."""
    clients: dict[str, tuple[Client, str]] = {}
    for name, entry in raw["clients"].items():
        if entry["client_id"] in clients:
            raise FixtureError(f"clients.{name}.client_id", "an id no other client has", repr(entry["client_id"]))
        clients[entry["client_id"]] = (Client(name, entry["client_id"]), entry["client_secret"])
    merchants = set(raw["merchants"])
    field_order = list(spec["components"]["schemas"]["AccountBalance"]["properties"])
    success_validator = schema_validator(spec, "AccountBalance")

    accounts: dict[str, GuestAccount] = {}
    cards: dict[tuple[int, str], tuple[GuestAccount, Card]] = {}
    tokens: dict[str, AccessToken] = {}
    guests: dict[tuple[int, str], GuestAccount] = {}
    for name, entry in raw["accounts"].items():
        if entry["merchant_id"] not in merchants:
            raise FixtureError(
                f"accounts.{name}.merchant_id", f"one of merchants {sorted(merchants)}", repr(entry["merchant_id"])
            )
        account = GuestAccount(
            name=name,
            merchant_id=entry["merchant_id"],
            status=entry["account_status"],
            username=entry["username"],
            password=entry.get("password"),
            cards=[Card(c["printed_card_number"], c["registration_code"], c["status"]) for c in entry["cards"]],
            balance=entry["balance"],
        )
        for field in ("result", "accountStatus", "primaryCard", "additionalCards", "queryCardStatus", "username"):
            if field in entry["balance"]:
                raise FixtureError(f"accounts.{name}.balance.{field}", "no such key (the sandbox derives it)", "one")
        body = account.success(account.cards[0], field_order)
        raise_for_fixture(success_validator.iter_errors(body), functools.partial(_account_key, name))
        accounts[name] = account
        for index, card in enumerate(account.cards):
            if (account.merchant_id, card.number) in cards:
                raise FixtureError(
                    f"accounts.{name}.cards[{index}].printed_card_number",
                    "a number no other card has",
                    repr(card.number),
                )
            cards[(account.merchant_id, card.number)] = (account, card)
        for index, token in enumerate(entry["access_tokens"]):
            if token["access_token"] in tokens:
                raise FixtureError(
                    f"accounts.{name}.access_tokens[{index}].access_token",
                    "a token no other account has",
                    repr(token["access_token"]),
                )
            expires = token.get("expires_at")
            tokens[token["access_token"]] = AccessToken(account, _parse_time(expires) if expires else None)
        guest_key = (account.merchant_id, account.username.lower())
        if guest_key in guests:
            raise FixtureError(
                f"accounts.{name}.username", "a username no other account of the merchant has", repr(account.username)
            )
        guests[guest_key] = account

    reserved = set(accounts) & set(raw["failures"])
    if reserved:
        raise FixtureError(f"accounts.{sorted(reserved)[0]}", "a name that is not a failure case name", "it")
    for index, number in enumerate(raw["unknown"]["printed_card_numbers"]):
        if any(number == known for _, known in cards):
            raise FixtureError(f"unknown.printed_card_numbers[{index}]", "a number no card has", repr(number))
    failure_validator = schema_validator(spec, "Failure")
    for section in ("errors", "failures"):
        for name, entry in raw[section].items():
            raise_for_fixture(
                failure_validator.iter_errors({"result": "failure", **entry}),
                under(section, name),
            )
    return PaytronixSandbox(
        clients, merchants, accounts, cards, tokens, guests, raw["errors"], raw["failures"], field_order
    )


def _account_key(name: str, path: list[Any]) -> list[Any]:
    """The fixture key that a path in the assembled success body comes from."""
    if path and path[0] in ("primaryCard", "additionalCards", "queryCardStatus"):
        return ["accounts", name, "cards"]
    if path and path[0] in ("accountStatus", "username"):
        return ["accounts", name, "account_status" if path[0] == "accountStatus" else "username"]
    return ["accounts", name, "balance", *path]


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
