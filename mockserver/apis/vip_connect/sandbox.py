"""VIP Connect's sandbox: the operators and accounts of a fixture, checked against the spec, and the lookup."""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.component_schemas import schema_validator
from mockserver.errors import FixtureError, UnknownExample
from mockserver.schema_errors import raise_for_fixture, under

NOT_FOUND_CASE = "account_not_found"
# Response fields the mock derives from the account's identifiers, and the fixture keys they come from.
_DERIVED_FROM = {
    "vipCardNumber": "vip_account_number",
    "idType": "id_details.IdType",
    "idNumber": "id_details.IdNumber",
    "idState": "id_details.IdState",
}


@dataclass(frozen=True)
class Operator:
    name: str
    operator_id: str
    keys: tuple[bytes, ...]  # one, or two while the operator rotates them; a token signed with either verifies
    bank_accounts: bool


@dataclass(frozen=True)
class Account:
    name: str
    product: str
    closed: bool
    body: dict[str, Any]  # the 200 body without bankAccounts
    bank_accounts: list[dict[str, Any]]

    def response(self, *, with_bank_accounts: bool) -> dict[str, Any]:
        return {**self.body, "bankAccounts": self.bank_accounts} if with_bank_accounts else self.body


def _id_key(details: dict[str, Any], product: str) -> tuple[str, ...]:
    # An SS number identifies a person on its own; other documents are only unique within their state.
    state = "" if details["IdType"] == "SS" else str(details.get("IdState", "")).upper()
    return (details["IdType"], str(details["IdNumber"]).upper(), state, product)


def mask_id_number(number: str) -> str:
    """``****`` and at most the last four characters: the full ID number never leaves the sandbox."""
    return "****" + number[-4:]


@dataclass(frozen=True)
class VipSandbox:
    audiences: list[str]
    operators: dict[str, Operator]  # by lower-case operator id
    accounts: dict[str, Account]  # by case name
    by_number: dict[tuple[str, str], Account]
    by_id: dict[tuple[str, ...], Account]
    errors: dict[str, dict[str, str]]

    def find(self, body: dict[str, Any]) -> Account | None:
        product = body.get("ProductType", "preferred")
        if "VipAccountNumber" in body:
            return self.by_number.get((body["VipAccountNumber"], product))
        return self.by_id.get(_id_key(body, product))

    def case(self, name: str) -> Account | None:
        """The account a forced case names; None for the not-found case."""
        if name in self.accounts:
            return self.accounts[name]
        if name == NOT_FOUND_CASE:
            return None
        raise UnknownExample(name, [*self.accounts, NOT_FOUND_CASE])

    def operator_keys(self) -> dict[str, tuple[Operator, tuple[bytes, ...]]]:
        return {operator_id: (operator, operator.keys) for operator_id, operator in self.operators.items()}


def build_sandbox(raw: dict[str, Any], spec: dict[str, Any]) -> VipSandbox:
    """The sandbox of a fixture that passed the fixture schema; raises FixtureError on any other problem."""
    operators: dict[str, Operator] = {}
    for name, entry in raw["operators"].items():
        operator_id = entry["operator_id"].lower()
        if operator_id in operators:
            raise FixtureError(
                f"operators.{name}.operator_id", "an id no other operator has", repr(entry["operator_id"])
            )
        secrets = entry["secret_base64"]
        keys = (
            (_decode_secret(f"operators.{name}.secret_base64", secrets),)
            if isinstance(secrets, str)
            else tuple(
                _decode_secret(f"operators.{name}.secret_base64[{index}]", secret)
                for index, secret in enumerate(secrets)
            )
        )
        operators[operator_id] = Operator(name, entry["operator_id"], keys, entry["bank_accounts"])

    field_order = list(spec["components"]["schemas"]["PatronAccount"]["properties"])
    accounts: dict[str, Account] = {}
    by_number: dict[tuple[str, str], Account] = {}
    by_id: dict[tuple[str, ...], Account] = {}
    for name, entry in raw["accounts"].items():
        account = _build_account(name, entry, spec, field_order)
        accounts[name] = account
        number_key = (entry["vip_account_number"], entry["product"])
        if number_key in by_number:
            raise FixtureError(
                f"accounts.{name}.vip_account_number",
                "a number no other account of this product has",
                repr(entry["vip_account_number"]),
            )
        by_number[number_key] = account
        id_key = _id_key(entry["id_details"], entry["product"])
        if id_key in by_id:
            raise FixtureError(
                f"accounts.{name}.id_details",
                "ID details no other account of this product has",
                repr(entry["id_details"]),
            )
        by_id[id_key] = account

    if NOT_FOUND_CASE in accounts:
        raise FixtureError(
            f"accounts.{NOT_FOUND_CASE}", "another name (it is the case name of an unknown account)", "it"
        )
    _check_unknown(raw["unknown"], by_number, by_id)
    error_validator = schema_validator(spec, "VipError")
    for name, body in raw["errors"].items():
        raise_for_fixture(error_validator.iter_errors(body), under("errors", name))
    return VipSandbox(raw["audiences"], operators, accounts, by_number, by_id, raw["errors"])


def _decode_secret(where: str, secret: str) -> bytes:
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        raise FixtureError(where, "valid base64", repr(secret)) from None
    if len(key) < 32:
        raise FixtureError(where, "a secret of at least 32 bytes (HS256)", f"{len(key)} bytes")
    return key


def _build_account(name: str, entry: dict[str, Any], spec: dict[str, Any], field_order: list[str]) -> Account:
    details = entry["id_details"]
    _require_state(f"accounts.{name}.id_details", details)
    for field in (*_DERIVED_FROM, "bankAccounts"):
        if field in entry["patron"]:
            source = _DERIVED_FROM.get(field, "bank_accounts")
            raise FixtureError(
                f"accounts.{name}.patron.{field}", f"no such key (the sandbox derives it from {source})", "one"
            )
    derived = {
        "vipCardNumber": entry["vip_account_number"],
        "idType": details["IdType"],
        "idNumber": mask_id_number(details["IdNumber"]),
        "idState": details.get("IdState", ""),
    }
    merged = {**entry["patron"], **derived}
    body = {key: merged[key] for key in field_order if key in merged}
    body.update((key, value) for key, value in merged.items() if key not in body)
    body.pop("bankAccounts", None)
    schema = "VipPreferredAccount" if entry["product"] == "preferred" else "VipOnlineAccount"
    full = {**body, "bankAccounts": entry["bank_accounts"]}
    raise_for_fixture(schema_validator(spec, schema).iter_errors(full), functools.partial(_account_key, name))
    return Account(name, entry["product"], entry["status"] == "closed", body, entry["bank_accounts"])


def _require_state(key: str, details: dict[str, Any]) -> None:
    if details["IdType"] != "SS" and not details.get("IdState"):
        raise FixtureError(f"{key}.IdState", "two letters (required unless IdType is SS)", "nothing")


def _account_key(name: str, path: Sequence[Any]) -> list[Any]:
    """The fixture key that a path in the assembled response comes from."""
    if not path:
        return ["accounts", name, "patron"]
    head, *rest = path
    if head == "bankAccounts":
        return ["accounts", name, "bank_accounts", *rest]
    if head in _DERIVED_FROM:
        return ["accounts", name, *_DERIVED_FROM[head].split(".")]
    return ["accounts", name, "patron", *path]


def _check_unknown(
    unknown: dict[str, Any], by_number: dict[tuple[str, str], Any], by_id: dict[tuple[str, ...], Any]
) -> None:
    for index, number in enumerate(unknown["vip_account_numbers"]):
        if any(number == known for known, _ in by_number):
            raise FixtureError(f"unknown.vip_account_numbers[{index}]", "a number no account has", repr(number))
    for index, details in enumerate(unknown["id_details"]):
        _require_state(f"unknown.id_details[{index}]", details)
        if any(_id_key(details, product) in by_id for product in ("preferred", "online")):
            raise FixtureError(f"unknown.id_details[{index}]", "ID details no account has", repr(details))
