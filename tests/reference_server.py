"""An independent Flask implementation of the three APIs, with faults that each break one requirement."""

# It proves two things about the conformance suite. A correct server making other legitimate choices than the mock
# (other test data, extra response fields, another field order, `charset=utf-8`, an empty or text/plain VIP 401,
# "Error" in Valkyrie's 400/401 bodies, other Paytronix error codes, fewer decimals, two VIP keys, 501 for methods
# it does not implement, 404 for a Paytronix release it does not run, no X-Correlation-ID echo) passes; and every
# requirement of the catalogue has a fault the suite catches under that requirement's id. The fault is the first path
# segment, `/<fault>/vip-connect/...`, with `ok` for none. Written from the specs and specs/DECISIONS.md; it never
# imports mockserver.

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import jwt
import yaml
from flask import Flask, Response, request
from werkzeug.routing import BaseConverter, Rule
from werkzeug.serving import WSGIRequestHandler, make_server

NO_FAULT = "ok"

# Every fault breaks exactly one behaviour of the correct server; the tests map each to the requirement it breaks.
FAULTS: dict[str, str] = {
    # VIP Connect: documented cases.
    "vip-preferred-drops-email": "a VIP Preferred answer lacks the email field",
    "vip-online-keeps-available-amount": "a VIP Online answer carries the top-level availableAmount",
    "vip-ignores-id-details": "a lookup by ID details finds no account (404)",
    "vip-ignores-bank-toggle": "bankAccounts is left out although the operator's toggle is on",
    "vip-bank-account-drops-instant-flag": "bank account items lack instantPaymentEligible",
    "vip-unknown-wrong-message": "an unknown account's 404 has messages of its own, not the seed's",
    "vip-serves-closed-account": "a closed account is answered like an open one (200)",
    "vip-number-wins-over-id": "a VIP number with ID details looks the number up instead of answering 400",
    "vip-bad-json-foreign-body": "a body that is not a JSON object gets 400 with a body that is not VIP's",
    # VIP Connect: the JWT matrix.
    "vip-accepts-missing-token": "a request without Authorization is served",
    "vip-accepts-non-jwt": "a bearer value that is not a JWT is served",
    "vip-skips-signature": "the token's signature is not verified",
    "vip-accepts-alg-none": "an unsigned token (alg none) is accepted",
    "vip-ignores-exp": "an expired token is accepted",
    "vip-ignores-audience": "a token for another audience is accepted",
    "vip-ignores-issuer": "a token from any issuer is verified with the operator's key and accepted",
    "vip-ignores-nbf": "a token that is not valid yet is accepted",
    "vip-first-key-only": "a token signed with the operator's second key is refused",
    "vip-key-undecoded-accepted": "a token signed with the base64 text of the key, not the key, is accepted too",
    # VIP Connect: data rules.
    "vip-unmasked-id-number": "idNumber carries the full ID number",
    "vip-iso-date-of-birth": "dateOfBirth is YYYY-MM-DD instead of MMDDYYYY",
    # VIP Connect: what only generated requests reach.
    "vip-400-missing-field": "a 400 for a field of the wrong form lacks patronErrorMessage",
    "vip-422-for-invalid-fields": "a field of the wrong form gets 422, an undocumented status",
    "vip-number-lookups-skip-auth": "credentials are checked only for lookups by ID details",
    "vip-problem-json-400": "a 400 for a field of the wrong form is application/problem+json",
    "vip-500-on-non-json-media-type": "a body declared as anything but JSON crashes the server (500)",
    "vip-ignores-product-type": "an unknown ProductType is not rejected; it is read as preferred",
    "vip-405-without-allow": "an undocumented method gets 405 without an Allow header",
    # Paytronix: documented cases.
    "ptx-oauth-always-fails": "oauth answers failure even with a valid access token",
    "ptx-card-drops-primary-card": "a card-authenticated success lacks primaryCard",
    "ptx-guest-always-fails": "guest answers failure even with the right password",
    "ptx-unknown-card-empty-message": "an unknown card's failure has an empty errorMessage",
    "ptx-suspended-card-succeeds": "a suspended card answers success instead of invalid_status",
    "ptx-rejections-result-denied": "credentials that do not match answer result denied instead of failure",
    "ptx-numeric-balances": "pointBalances balances are JSON numbers instead of decimal strings",
    "ptx-slashed-enroll-date": "enrollDate is YYYY/MM/DD",
    "ptx-client-secret-unchecked": "a known client id is accepted with any secret",
    "ptx-registration-code-unchecked": "the registration code is not compared",
    "ptx-password-unchecked": "the guest password is not compared",
    "ptx-incomplete-request-succeeds": "a request lacking its authentication type's fields gets a balance",
    # Paytronix: what only generated requests reach.
    "ptx-400-missing-message": "a 400 for a malformed request lacks errorMessage",
    "ptx-merchant-failure-numeric-code": "the failure for an unknown merchant has a number for errorCode",
    "ptx-422-for-invalid-input": "a malformed request gets 422, an undocumented status",
    "ptx-unknown-client-skips-secret": "an unknown client id is let through without a secret check",
    "ptx-text-400": "a 400 for a malformed request is text/plain",
    "ptx-500-without-merchant": "a request without merchantId crashes the server (500)",
    "ptx-refuses-client-id": "a request carrying the optional client_id is refused with 422",
    "ptx-405-without-allow": "an undocumented method gets 405 without an Allow header",
    # Valkyrie PAM: documented cases.
    "valk-ok-drops-promo": "an OK balance lacks promoAmount",
    "valk-unknown-player-wrong-code": "an unknown playerId answers PAM_ERR_ACC_NOT_FOUND",
    "valk-expired-session-served": "an expired session gets the balance",
    "valk-no-account-zero-balance": "a player without an account gets a zero balance",
    "valk-business-errors-404": "business errors come with HTTP 404",
    "valk-short-token-400": "an X-Player-Token outside 32-40 characters gets 400 PAM_ERR_UNDEFINED",
    "valk-api-token-undefined-code": "a wrong api token gets 401 with PAM_ERR_UNDEFINED",
    "valk-unknown-provider-undefined": "an unknown provider gets 400 with PAM_ERR_UNDEFINED",
    "valk-unknown-provider-200": "an unknown provider is a business error: HTTP 200, status ERROR",
    "valk-seven-decimals": "cashAmount has 7 decimals",
    "valk-serves-without-provider": "a request without provider is served the session's balance",
    "valk-correlation-id-text-400": "a request without X-Correlation-ID gets a text/plain 400, no PAM body",
    "valk-serves-session-owner": "a live session with another player's id is served the session owner's balance",
    # Valkyrie PAM: what only generated requests reach.
    "valk-400-missing-message": "a PAM_ERR_UNDEFINED 400 lacks error.message",
    "valk-422-without-correlation-id": "a request without X-Correlation-ID gets 422, an undocumented status",
    "valk-accepts-missing-api-token": "a request without Authorization is served",
    "valk-text-400": "a PAM_ERR_UNDEFINED 400 is text/plain",
    "valk-500-without-correlation-id": "a request without X-Correlation-ID crashes the server (500)",
    "valk-tolerates-missing-correlation-id": "a request without X-Correlation-ID is served",
    "valk-rejects-unparsable-traceparent": "a traceparent that is not W3C trace context is refused with 422",
    "valk-401-missing-message": "a PAM_ERR_SESSION_NOT_FOUND 401 lacks error.message",
    "valk-text-401": "a PAM_ERR_SESSION_NOT_FOUND 401 is text/plain",
    "valk-405-without-allow": "an undocumented method gets 405 without an Allow header",
}

# Comparison bugs, each letting through, besides the real value, one kind of near miss of it.
COMPARISON_BUGS: dict[str, tuple[str, Callable[[str, str], bool]]] = {
    "ignores-last-character": (
        "is compared without its last character",
        lambda got, real: len(got) == len(real) and got[:-1] == real[:-1],
    ),
    "compares-sent-length": (
        "is compared over the length sent, so a prefix of it is accepted",
        lambda got, real: 0 < len(got) < len(real) and real.startswith(got),
    ),
    "compares-own-length": (
        "is compared over its own length, so anything after it is ignored",
        lambda got, real: got.startswith(real),
    ),
    "compares-first-half": (
        "is compared over its first half only",
        lambda got, real: len(got) == len(real) and got[: len(real) // 2] == real[: len(real) // 2],
    ),
    "ignores-case": ("is compared ignoring case", lambda got, real: got.lower() == real.lower()),
}
_LENGTH_BUGS = ("ignores-last-character", "compares-sent-length", "compares-own-length", "compares-first-half")
# Credential -> (what it is, the comparison bugs that have a fault).
CREDENTIALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "vip-signature": ("the JWT signature", _LENGTH_BUGS),
    "vip-issuer": ("the JWT issuer", _LENGTH_BUGS),
    "vip-audience": ("the JWT audience", (*_LENGTH_BUGS, "ignores-case")),
    "ptx-client-secret": ("the client secret", _LENGTH_BUGS),
    "ptx-registration-code": ("the registration code", _LENGTH_BUGS),
    "ptx-access-token": ("the access token", _LENGTH_BUGS),
    "ptx-password": ("the guest password", (*_LENGTH_BUGS, "ignores-case")),
    "valk-api-token": ("the api token", _LENGTH_BUGS),
    "valk-session-token": ("the session token", (*_LENGTH_BUGS, "ignores-case")),
}
FAULTS.update(
    {
        f"{credential}-{bug}": f"{what} {COMPARISON_BUGS[bug][0]}"
        for credential, (what, bugs) in CREDENTIALS.items()
        for bug in bugs
    }
)
# Methods this server knows: an undeclared one of these gets 405 with Allow; any other (TRACE, CONNECT, made-up
# ones) it does not implement at all, and answers 501 (RFC 9110 section 15.6.2).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Call:
    """One request as the handlers see it: the fault it runs under and its decoded path parameters."""

    fault: str
    path_parameters: Mapping[str, str] = field(default_factory=dict)

    def broken(self, fault: str) -> bool:
        # A misspelt fault name would never fire and its test would fail for the wrong reason; catch it here.
        assert fault in FAULTS, f"unknown fault {fault!r}"
        return self.fault == fault


def credential_matches(call: Call, credential: str, got: str, real: str) -> bool:
    """Whether ``got`` is accepted as the credential ``real``: equal, or let through by the call's comparison bug."""
    if hmac.compare_digest(got.encode(), real.encode()):
        return True
    prefix = f"{credential}-"
    bug = call.fault.removeprefix(prefix) if call.fault.startswith(prefix) else ""
    return bug in COMPARISON_BUGS and call.broken(call.fault) and COMPARISON_BUGS[bug][1](got, real)


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    # The mock answers bare application/json; a charset parameter is just as valid.
    return Response(json.dumps(body), status=status, headers=dict(headers or {}), content_type=JSON_MEDIA_TYPE)


def text_response(text: str, status: int, media_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(text, status=status, content_type=media_type)


def server_error() -> Response:
    """What an uncaught exception in a handler becomes (returned, not raised, to keep the test output quiet)."""
    return text_response("Internal Server Error", 500, "text/html; charset=utf-8")


def _strict_json(raw: bytes) -> Any:
    """Parse a request body as JSON; ``NaN`` and ``Infinity`` are not JSON. Raises ValueError."""

    def reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(raw, parse_constant=reject_constant)


def _declares_json() -> bool:
    media_type = (request.mimetype or "").lower()
    return media_type == "application/json" or media_type.endswith("+json")


# --- VIP Connect --------------------------------------------------------------------------------------------------

VIP_OPERATOR_ID = "5c0e7d42-9a1b-4f3e-8d26-71b9e0a4c3f8"
# Two keys, as Pavilion issues them; 64 bytes each (HS256 wants at least 32). Derived, so no secret-looking literal
# sits in the repository.
VIP_SECRETS = (
    hashlib.sha512(b"reference-server vip operator").digest(),
    hashlib.sha512(b"reference-server vip operator, second key").digest(),
)
# specs/DECISIONS.md: aud is vip-api, vip-api-{env} is accepted too. The profile uses vip-api-cert, unlike the mock.
VIP_AUDIENCES = ("vip-api", "vip-api-dev", "vip-api-qa", "vip-api-cert")
VIP_PROFILE_AUDIENCE = "vip-api-cert"
JWT_LEEWAY_SECONDS = 60
VIP_STAGE = "VIP Account Inquiry"
VIP_ID_TYPES = ("DL", "ST", "MI", "PP", "SS")
VIP_PRODUCTS = ("preferred", "online")
VIP_ID_FIELDS = ("IdType", "IdNumber", "IdState")

# The seed's two documented errors, word for word.
VIP_ACCOUNT_CLOSED = {
    "errorCode": "13",
    "transactionStage": VIP_STAGE,
    "operatorErrorMessage": "Account is closed.",
    "operatorDeclineDescription": "This transaction has been requested from an account that has been closed. For "
    "further assistance please contact Pavilion Gaming Services customer support at 1-800-500-1973 with reference "
    "code E-13.",
    "patronErrorMessage": "We are unable to complete this request. Please contact our Customer Service Team at "
    "1-800-500-1973. Reference code E-13 so that we may better serve you.",
}
VIP_ACCOUNT_NOT_FOUND = {
    "errorCode": "12",
    "transactionStage": VIP_STAGE,
    "operatorErrorMessage": "Account not found.",
    "operatorDeclineDescription": "Account Not Found. For further assistance please contact Pavilion Gaming "
    "Services customer support at 1-800-500-1973 with reference code E-12.",
    "patronErrorMessage": "We are unable to complete this request. Please contact our Customer Service Team at "
    "1-800-500-1973. Reference code E-12 so that we may better serve you.",
}


@dataclass(frozen=True)
class VipAccount:
    number: str
    product: str
    closed: bool
    id_type: str
    id_number: str
    id_state: str
    patron: Mapping[str, Any]  # every answer field that is not derived from the identifiers or the product
    available_amount: float
    bank_accounts: tuple[Mapping[str, Any], ...]


def _vip_patron(first: str, last: str, dob: str, ssn4: str, **overrides: Any) -> dict[str, Any]:
    patron: dict[str, Any] = {
        # Another field order than the seed's example, and two fields no source mentions.
        "email": f"{first}.{last[0]}@EXAMPLE.COM",
        "firstName": first,
        "lastName": last,
        "name": f"{first} {last}",
        "dateOfBirth": dob,
        "last4SSN": ssn4,
        "address": "1200 DESERT BLOOM RD",
        "city": "LAS VEGAS",
        "state": "NV",
        "zip": "89109",
        "homePhoneNumber": "7025550142",
        "mobilePhoneNumber": "7025550199",
        "memberSince": "2019-03-15T08:30:00-05:00",
        "lastTransaction": "2024-11-02T17:45:12.5+00:00",
        "mostRecentTransactionAmount": 120.5,
        "limitAmount": 2500,
        "incrementalLimitAmount": 500,
        "maxLimitAmount": 5000,
        "isInGoodStanding": True,
        "oneClickDiscountEligible": True,
        "currency": "USD",
        "extra": True,
    }
    patron.update(overrides)
    return patron


VIP_ACCOUNTS = (
    VipAccount(
        number="4410275533",
        product="preferred",
        closed=False,
        id_type="DL",
        id_number="N0987654321",
        id_state="NV",
        patron=_vip_patron("MARIA", "GONZALEZ", "12251980", "6789"),
        available_amount=1250.5,
        bank_accounts=(
            {
                "bankName": "Wells Fargo Bank, Na",
                "maskedAccountNumber": "******4821",
                "routingNumber": "121000248",
                "availableLimit": 1250.5,
                "instantPaymentEligible": True,
            },
        ),
    ),
    VipAccount(
        number="4410275541",
        product="online",
        closed=False,
        id_type="ST",
        id_number="S77120456",
        id_state="CA",
        patron=_vip_patron("DEVON", "PARK", "03021975", "1122", lastTransaction="0001-01-01T00:00:00+00:00"),
        available_amount=0,
        bank_accounts=(
            {
                "bankName": "Citibank, Na",
                "maskedAccountNumber": "****0077",
                "routingNumber": "021000089",
                "availableAmount": 310.25,
                "instantPaymentEligible": False,
            },
        ),
    ),
    VipAccount(
        number="4410279901",
        product="preferred",
        closed=True,
        id_type="DL",
        id_number="C1200456",
        id_state="AZ",
        patron=_vip_patron("OLIVER", "STONE", "07041969", "4455"),
        available_amount=0,
        bank_accounts=(),
    ),
)
VIP_UNKNOWN_NUMBER = "4410200000"


@dataclass(frozen=True)
class VipLookup:
    """A well-formed lookup: by VIP number, or by ID details."""

    product: str
    number: str | None = None
    id_details: tuple[str, str, str] | None = None  # type, number, state


@dataclass(frozen=True)
class VipInvalid:
    """Why a lookup body is refused. ``field`` problems are the ones only generated requests reach."""

    kind: str  # "body" (not a JSON object), "not-both" (both forms or neither), "field" (a value of the wrong form)
    message: str


def _vip_error(code: str, operator_message: str, description: str) -> dict[str, str]:
    return {
        "errorCode": code,
        "transactionStage": VIP_STAGE,
        "operatorErrorMessage": operator_message,
        "operatorDeclineDescription": description,
        "patronErrorMessage": "We are unable to complete this request. Please contact Customer Service.",
    }


def _vip_read_lookup(call: Call) -> VipLookup | VipInvalid:
    if not _declares_json():
        return VipInvalid("body", "The request body must be JSON (Content-Type: application/json).")
    try:
        body = _strict_json(request.get_data())
    except ValueError:
        return VipInvalid("body", "The request body is not valid JSON.")
    if not isinstance(body, dict):
        return VipInvalid("body", "The request body must be a JSON object.")
    problem = _vip_field_problem(body, call)
    if problem:
        return VipInvalid("field", problem)
    has_number = "VipAccountNumber" in body
    has_id = any(name in body for name in VIP_ID_FIELDS)
    product = body.get("ProductType", "preferred")
    if product not in VIP_PRODUCTS:  # only with vip-ignores-product-type
        product = "preferred"
    if has_number and has_id and call.broken("vip-number-wins-over-id"):
        return VipLookup(product, number=body["VipAccountNumber"])
    if has_number == has_id:
        return VipInvalid("not-both", "Send ID details (IdType, IdNumber, IdState) or VipAccountNumber, not both.")
    if has_number:
        return VipLookup(product, number=body["VipAccountNumber"])
    if "IdType" not in body or "IdNumber" not in body:
        return VipInvalid("field", "ID details need IdType and IdNumber.")
    state = body.get("IdState", "")
    if body["IdType"] != "SS" and len(state) != 2:
        return VipInvalid("field", "IdState is required unless IdType is SS.")
    return VipLookup(product, id_details=(body["IdType"], body["IdNumber"], state))


def _vip_field_problem(body: Mapping[str, Any], call: Call) -> str | None:
    """The first field whose value breaks the spec's type, pattern, enum or length, in words."""
    rules: dict[str, Callable[[str], bool]] = {
        "VipAccountNumber": lambda value: re.fullmatch("[0-9]{10}", value) is not None,
        "IdType": lambda value: value in VIP_ID_TYPES,
        "IdNumber": lambda value: 6 <= len(value) <= 30,
        "IdState": lambda value: re.fullmatch("([A-Za-z]{2})?", value) is not None,
        "ProductType": lambda value: value in VIP_PRODUCTS or call.broken("vip-ignores-product-type"),
    }
    for name, valid in rules.items():
        if name in body and not (isinstance(body[name], str) and valid(body[name])):
            return f"{name} does not have the documented form."
    return None


def _vip_find(lookup: VipLookup) -> VipAccount | None:
    for account in VIP_ACCOUNTS:
        if account.product != lookup.product:
            continue
        if lookup.number is not None and account.number == lookup.number:
            return account
        if lookup.id_details is not None:
            id_type, id_number, state = lookup.id_details
            # A social security number identifies a person on its own; other documents only within their state.
            same_state = id_type == "SS" or state.upper() == account.id_state
            if (id_type, id_number.upper()) == (account.id_type, account.id_number) and same_state:
                return account
    return None


def _vip_answer(account: VipAccount, call: Call) -> dict[str, Any]:
    body = dict(account.patron)
    body["vipCardNumber"] = account.number
    body["idType"] = account.id_type
    body["idState"] = account.id_state
    # Masked: the full ID number never leaves the server.
    body["idNumber"] = account.id_number if call.broken("vip-unmasked-id-number") else "****" + account.id_number[-4:]
    if account.product == "preferred" or call.broken("vip-online-keeps-available-amount"):
        body["availableAmount"] = account.available_amount
    # The reference operator's bankAccounts toggle is on (the mock's is off).
    if not call.broken("vip-ignores-bank-toggle"):
        body["bankAccounts"] = [dict(bank) for bank in account.bank_accounts]
        if call.broken("vip-bank-account-drops-instant-flag"):
            for bank in body["bankAccounts"]:
                del bank["instantPaymentEligible"]
    if call.broken("vip-preferred-drops-email") and account.product == "preferred":
        del body["email"]
    if call.broken("vip-iso-date-of-birth"):
        dob = body["dateOfBirth"]
        body["dateOfBirth"] = f"{dob[4:]}-{dob[:2]}-{dob[2:4]}"
    return body


def _vip_refusal(call: Call) -> Response | None:
    """None when the Authorization header carries a valid operator token; the 401 answer otherwise."""
    authorization = request.headers.get("Authorization")
    if authorization is None:
        if call.broken("vip-accepts-missing-token"):
            return None
        # The 401 body is undocumented: this server sends none at all.
        refusal = Response(status=401, headers={"WWW-Authenticate": 'Bearer realm="VIP Connect"'})
        del refusal.headers["Content-Type"]
        return refusal
    if _vip_token_is_valid(authorization, call):
        return None
    # ... or, when a token came, the seed's sentence as text/plain.
    refusal = text_response("The JWT token provided in the request is not valid.", 401)
    refusal.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return refusal


def _vip_token_is_valid(authorization: str, call: Call) -> bool:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    token = token.strip()
    # The header and claims are read without the signature, which is compared as text below.
    signing_input, dot, _ = token.rpartition(".")
    unverified = f"{signing_input}."
    try:
        if not dot:
            raise jwt.DecodeError("not three parts")
        algorithm = jwt.get_unverified_header(unverified).get("alg")
        jwt.decode(unverified, options={"verify_signature": False})
    except jwt.PyJWTError:
        return call.broken("vip-accepts-non-jwt")
    unsigned = algorithm == "none" and call.broken("vip-accepts-alg-none")
    if algorithm != "HS256" and not unsigned:
        return False
    if not (unsigned or call.broken("vip-skips-signature") or _vip_signature_ok(token, call)):
        return False
    try:
        # The signature is verified above; the issuer and audience below, so that faults can reach each comparison.
        claims = jwt.decode(
            unverified,
            algorithms=["HS256", "none"],
            leeway=JWT_LEEWAY_SECONDS,
            options={
                "require": ["exp", "iss", "aud"],
                "verify_signature": False,
                "verify_exp": not call.broken("vip-ignores-exp"),
                "verify_nbf": not call.broken("vip-ignores-nbf"),
                "verify_iat": True,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.PyJWTError:
        return False
    issuer, audience = claims["iss"], claims["aud"]
    audiences = [audience] if isinstance(audience, str) else audience
    issuer_ok = isinstance(issuer, str) and credential_matches(call, "vip-issuer", issuer, VIP_OPERATOR_ID)
    audience_ok = isinstance(audiences, list) and any(
        isinstance(got, str) and credential_matches(call, "vip-audience", got, accepted)
        for got in audiences
        for accepted in VIP_AUDIENCES
    )
    return (issuer_ok or call.broken("vip-ignores-issuer")) and (audience_ok or call.broken("vip-ignores-audience"))


def _vip_signature_ok(token: str, call: Call) -> bool:
    """HS256 with one of the operator's keys, the signature compared as text (base64url without padding)."""
    keys = list(VIP_SECRETS[:1] if call.broken("vip-first-key-only") else VIP_SECRETS)
    if call.broken("vip-key-undecoded-accepted"):
        keys.append(base64.b64encode(VIP_SECRETS[0]))
    signing_input, _, signature = token.rpartition(".")
    for key in keys:
        digest = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if credential_matches(call, "vip-signature", signature, expected):
            return True
    return False


def vip_account_lookup(call: Call) -> Response:
    # The body is read first only so that one fault can exempt lookups by VIP number from authentication;
    # the correct server answers 401 before it looks at the body.
    lookup = _vip_read_lookup(call)
    refusal = _vip_refusal(call)
    by_number = isinstance(lookup, VipLookup) and lookup.number is not None
    if refusal is not None and not (by_number and call.broken("vip-number-lookups-skip-auth")):
        return refusal
    if isinstance(lookup, VipInvalid):
        return _vip_invalid(lookup, call)
    if call.broken("vip-ignores-id-details") and lookup.id_details is not None:
        return json_response(VIP_ACCOUNT_NOT_FOUND, 404)
    account = _vip_find(lookup)
    if account is None:
        if call.broken("vip-unknown-wrong-message"):
            return json_response(_vip_error("12", "No such account.", "The VIP account does not exist."), 404)
        return json_response(VIP_ACCOUNT_NOT_FOUND, 404)
    if account.closed and not call.broken("vip-serves-closed-account"):
        return json_response(VIP_ACCOUNT_CLOSED, 400)
    return json_response(_vip_answer(account, call))


def _vip_invalid(invalid: VipInvalid, call: Call) -> Response:
    if invalid.kind == "body":
        declared_other = "Content-Type" in request.headers and not _declares_json()
        if declared_other and call.broken("vip-500-on-non-json-media-type"):
            return server_error()
        if call.broken("vip-bad-json-foreign-body"):
            return json_response({"error": "bad_request", "detail": invalid.message}, 400)
    body = _vip_error("10", "Invalid request.", invalid.message)
    if invalid.kind == "field":
        if call.broken("vip-400-missing-field"):
            del body["patronErrorMessage"]
        if call.broken("vip-422-for-invalid-fields"):
            return json_response(body, 422)
        if call.broken("vip-problem-json-400"):
            return Response(json.dumps(body), status=400, content_type="application/problem+json")
    return json_response(body, 400)


def vip_route_error(status: int, message: str) -> Response:
    return json_response(_vip_error("90" if status == 404 else "91", message, message), status)


# --- Paytronix ----------------------------------------------------------------------------------------------------

PTX_CLIENT_ID = "ref-integration-7f3a"
PTX_CLIENT_SECRET = "ref-client-secret-91c4e2d8b0"
PTX_MERCHANT_ID = 424242
PTX_NO_SUCH_MERCHANT = -1
PTX_RELEASE = "24.17"
PTX_STYLES: dict[str, tuple[str, ...]] = {
    "oauth": ("access_token",),
    "card": ("printedCardNumber", "registrationCode"),
    "guest": ("username", "password"),
}
PTX_STRING_FIELDS = ("printedCardNumber", "registrationCode", "access_token", "client_id", "username", "password")
PTX_QUERY_FIELDS = frozenset({"authentication", "merchantId", *PTX_STRING_FIELDS})


@dataclass(frozen=True)
class PtxCard:
    number: str
    registration_code: str
    status: str

    def as_json(self) -> dict[str, str]:
        # Another mask than the seed's last six digits: any string is documented.
        return {"status": self.status, "printedCardNumber": self.number, "maskedCardNumber": "XXXX" + self.number[-4:]}


@dataclass(frozen=True)
class PtxAccount:
    username: str
    password: str
    access_token: str
    cards: tuple[PtxCard, ...]  # the first is the primary card

    def card(self, number: str | None) -> PtxCard | None:
        return self.cards[0] if number is None else next((c for c in self.cards if c.number == number), None)


PTX_ACCOUNTS = (
    PtxAccount(
        username="RefGuest",
        password="correct-horse-battery-staple",
        access_token="tok-ref-3f9d2c1b7a6e5d4c2b1a",
        cards=(PtxCard("7000123400009876", "009876", "ACTIVE"), PtxCard("7000123400005555", "005555", "ACTIVE")),
    ),
    PtxAccount(
        username="HeldGuest",
        password="held-guest-password",
        access_token="tok-held-8e7d6c5b4a39",
        cards=(PtxCard("7000123400007777", "007777", "SUSPENDED"),),
    ),
)
PTX_UNKNOWN_CARD = "7000123499999999"


def _ptx_failure(code: str, message: str) -> dict[str, str]:
    return {"result": "failure", "errorCode": code, "errorMessage": message}


def _ptx_success(account: PtxAccount, queried: PtxCard, call: Call) -> dict[str, Any]:
    # Every field of the seed's example, in reverse order, plus two no source mentions.
    store = {"label": "Uptown", "code": "0107"}
    balances: list[dict[str, Any]] = [
        {"walletCode": 3, "name": "Points", "giftable": True, "balance": "250.75"},
        {"walletCode": 5, "name": "Visits", "giftable": False, "balance": "3"},
    ]
    if call.broken("ptx-numeric-balances"):
        balances = [{**balance, "balance": float(balance["balance"])} for balance in balances]
    body: dict[str, Any] = {
        "username": account.username,
        "tierLabel": "SILVER",
        "tierCode": 2,
        "rewardBalances": [{"name": "Free Coffee", "balance": "1"}],
        "queryCardStatus": queried.status,
        "primaryCard": account.cards[0].as_json(),
        "pointBalances": balances,
        "isRegistered": True,
        "fields": {
            "perks": [],
            "favoriteStore": store,
            "externalAccounts": [],
            "enrollDate": "2021/02/03" if call.broken("ptx-slashed-enroll-date") else "2021-02-03",
        },
        "enrollmentStore": store,
        "cardTemplateLabel": "Rewards Card",
        "cardTemplateCode": 7,
        "additionalCards": [card.as_json() for card in account.cards[1:]],
        "accountStatus": "ACTIVE",
        "result": "success",
        "currency": "USD",
        "extra": True,
    }
    return body


def _ptx_answer(account: PtxAccount, queried: PtxCard, call: Call) -> dict[str, Any]:
    if queried.status != "ACTIVE" and not call.broken("ptx-suspended-card-succeeds"):
        # Only result is documented for invalid_status; this server adds a message and no code.
        return {"result": "invalid_status", "errorMessage": f"The card is {queried.status.lower()}."}
    return _ptx_success(account, queried, call)


def _ptx_rejection(code: str, message: str, call: Call) -> dict[str, str]:
    """Credentials that do not match: result failure."""
    body = _ptx_failure(code, message)
    if call.broken("ptx-rejections-result-denied"):
        body["result"] = "denied"
    return body


def _ptx_result(fields: Mapping[str, Any], client_id: str, call: Call) -> dict[str, Any]:
    if "client_id" in fields and fields["client_id"] != client_id:
        return _ptx_rejection("client.id_mismatch", "client_id differs from the Basic credentials.", call)
    if fields["merchantId"] != PTX_MERCHANT_ID:
        rejection: dict[str, Any] = _ptx_rejection("merchant.unknown", "This merchant is not served here.", call)
        if call.broken("ptx-merchant-failure-numeric-code"):
            rejection["errorCode"] = 404
        return rejection
    style = fields["authentication"]
    if style == "card":
        found = next(((a, c) for a in PTX_ACCOUNTS for c in a.cards if c.number == fields["printedCardNumber"]), None)
        if found is None:
            message = "" if call.broken("ptx-unknown-card-empty-message") else "No guest holds this card."
            return _ptx_rejection("card.not_found", message, call)
        account, queried = found
        code_matches = credential_matches(
            call, "ptx-registration-code", fields["registrationCode"], queried.registration_code
        )
        if not code_matches and not call.broken("ptx-registration-code-unchecked"):
            return _ptx_rejection("card.registration_code_mismatch", "The registration code is wrong.", call)
        answer = _ptx_answer(account, queried, call)
        if call.broken("ptx-card-drops-primary-card"):
            answer.pop("primaryCard", None)
        return answer
    if style == "oauth":
        token = fields["access_token"]
        matches = [a for a in PTX_ACCOUNTS if credential_matches(call, "ptx-access-token", token, a.access_token)]
        if not matches or call.broken("ptx-oauth-always-fails"):
            return _ptx_rejection("oauth.token_invalid", "The access token is not valid.", call)
        account = matches[0]
    else:
        named = [a for a in PTX_ACCOUNTS if a.username.lower() == fields["username"].lower()]
        password_ok = bool(named) and (
            credential_matches(call, "ptx-password", fields["password"], named[0].password)
            or call.broken("ptx-password-unchecked")
        )
        if not password_ok or call.broken("ptx-guest-always-fails"):
            return _ptx_rejection("guest.login_failed", "The username or password is wrong.", call)
        account = named[0]
    card = account.card(fields.get("printedCardNumber"))
    if card is None:
        return _ptx_rejection("card.not_found", "The guest holds no such card.", call)
    return _ptx_answer(account, card, call)


def _ptx_client(call: Call) -> str | None:
    """The client id of valid HTTP Basic credentials, or None."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, colon, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not colon:
        return None
    if client_id != PTX_CLIENT_ID:
        return client_id if call.broken("ptx-unknown-client-skips-secret") else None
    secret_ok = credential_matches(call, "ptx-client-secret", secret, PTX_CLIENT_SECRET)
    return client_id if secret_ok or call.broken("ptx-client-secret-unchecked") else None


def _ptx_fields_from_body() -> dict[str, Any] | str:
    if not _declares_json():
        return "The request body must be JSON (Content-Type: application/json)."
    try:
        body = _strict_json(request.get_data())
    except ValueError:
        return "The request body is not valid JSON."
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    return body


def _ptx_fields_from_query() -> dict[str, Any] | str:
    fields: dict[str, Any] = {}
    for name, values in request.args.lists():
        if name not in PTX_QUERY_FIELDS:
            return f"Unknown query parameter {name!r}."
        if len(values) > 1:
            return f"The query parameter {name!r} is given more than once."
        fields[name] = values[0]
    if "merchantId" in fields:
        text = fields["merchantId"]
        # An integer on the wire: digits with an optional minus, nothing else Python's int() would also take.
        if not re.fullmatch("-?[0-9]+", text):
            return "merchantId must be an integer."
        # int() refuses over 4300 digits (a 500); no merchant id is that long, so it is read as an unknown one.
        fields["merchantId"] = int(text) if len(text) <= 20 else PTX_NO_SUCH_MERCHANT
    return fields


def _ptx_field_problem(fields: Mapping[str, Any]) -> str | None:
    """What makes the fields break the spec (types, enum, the fields the authentication style needs), in words."""
    style = fields.get("authentication")
    if not isinstance(style, str) or style not in PTX_STYLES:
        return "authentication must be one of oauth, card, guest."
    merchant = fields.get("merchantId")
    if not isinstance(merchant, int) or isinstance(merchant, bool):
        return "merchantId must be an integer."
    for name in PTX_STRING_FIELDS:
        if name in fields and not isinstance(fields[name], str):
            return f"{name} must be a string."
    missing = [name for name in PTX_STYLES[style] if name not in fields]
    if missing:
        return f"{style} authentication needs {', '.join(missing)}."
    return None


def ptx_account_information(call: Call) -> Response:
    client_id = _ptx_client(call)
    if client_id is None:
        body = _ptx_failure("client.unauthorized", "The client credentials are missing or wrong.")
        return json_response(body, 401, {"WWW-Authenticate": 'Basic realm="Paytronix reference"'})
    fields = _ptx_fields_from_body() if request.method == "POST" else _ptx_fields_from_query()
    if isinstance(fields, str):
        return _ptx_invalid(fields, call)
    if "merchantId" not in fields and call.broken("ptx-500-without-merchant"):
        return server_error()
    problem = _ptx_field_problem(fields)
    if problem is not None and "authentication needs" in problem and call.broken("ptx-incomplete-request-succeeds"):
        account = PTX_ACCOUNTS[0]
        return json_response(_ptx_success(account, account.cards[0], call))
    if problem is not None:
        return _ptx_invalid(problem, call)
    if "client_id" in fields and call.broken("ptx-refuses-client-id"):
        return json_response(_ptx_failure("request.client_id_unsupported", "client_id is not supported."), 422)
    return json_response(_ptx_result(fields, client_id, call))


def _ptx_invalid(message: str, call: Call) -> Response:
    body = _ptx_failure("request.invalid", message)
    if call.broken("ptx-400-missing-message"):
        del body["errorMessage"]
    if call.broken("ptx-422-for-invalid-input"):
        return json_response(body, 422)
    if call.broken("ptx-text-400"):
        return text_response(message, 400)
    return json_response(body, 400)


def ptx_route_error(status: int, message: str) -> Response:
    code = {404: "request.not_found", 501: "request.not_implemented"}.get(status, "request.method")
    return json_response(_ptx_failure(code, message), status)


# --- Valkyrie PAM -------------------------------------------------------------------------------------------------

VALK_API_TOKEN = "ref-pam-token-6b1e9a4d2c7f0a3e"
VALK_PROVIDERS = ("pragmaticplay", "netent")  # matched case-insensitively
VALK_PROFILE_PROVIDER = "PragmaticPlay"


@dataclass(frozen=True)
class ValkSession:
    token: str
    player_id: str
    provider: str
    expired: bool


# None: the player exists but has no account.
VALK_BALANCES: dict[str, dict[str, float] | None] = {
    # Fewer decimals than the seed's example; at most 6 is the rule.
    "ref-player-0001": {"cashAmount": 250.5, "bonusAmount": 12.25, "promoAmount": 0},
    "ref-player-0002": {"cashAmount": 80, "bonusAmount": 0, "promoAmount": 5.125},
    "ref-player-0003": None,
}
VALK_SESSIONS = {
    session.token: session
    for session in (
        # 36 characters, inside 32-40 (the mock's are 40).
        ValkSession("3b2f6c1e-8d4a-4f7b-9e2c-5a1d0c7b8e94", "ref-player-0001", "pragmaticplay", expired=False),
        ValkSession("a9e4d2c1-6b3f-4e8a-8c7d-1f2e3d4c5b6a", "ref-player-0002", "pragmaticplay", expired=True),
        ValkSession("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "ref-player-0003", "pragmaticplay", expired=False),
    )
}
VALK_UNKNOWN_PLAYER = "ref-player-9999"


def _pam_error(code: str, message: str, *, status_word: str = "ERROR") -> dict[str, Any]:
    return {"status": status_word, "error": {"code": code, "message": message}}


def _valk_hard_error(status: int, code: str, message: str) -> Response:
    # 400 and 401 bodies: the seed's "Error", where the vendor stub and the mock send "ERROR".
    return json_response(_pam_error(code, message, status_word="Error"), status)


def _valk_business_error(code: str, message: str, call: Call) -> Response:
    return json_response(_pam_error(code, message), 404 if call.broken("valk-business-errors-404") else 200)


def _valk_undefined(message: str, call: Call) -> Response:
    """A malformed request the vendor stub answers with PAM_ERR_UNDEFINED."""
    body = _pam_error("PAM_ERR_UNDEFINED", message, status_word="Error")
    if call.broken("valk-400-missing-message"):
        del body["error"]["message"]
    if call.broken("valk-text-400"):
        return text_response(message, 400)
    return json_response(body, 400)


def valk_balance(call: Call) -> Response:
    authorization = request.headers.get("Authorization")
    exempt = authorization is None and call.broken("valk-accepts-missing-api-token")
    if not exempt and not _valk_api_token_ok(authorization or "", call):
        code = "PAM_ERR_UNDEFINED" if call.broken("valk-api-token-undefined-code") else "PAM_ERR_API_TOKEN"
        return _valk_hard_error(401, code, "The api token does not match.")
    extra = sorted(name for name in request.args if name != "provider")
    if extra:
        return _valk_undefined(f"Unknown query parameter {extra[0]!r}.", call)
    providers = request.args.getlist("provider")
    if len(providers) > 1:
        return _valk_undefined("provider is given more than once.", call)
    if "X-Correlation-ID" not in request.headers:
        if call.broken("valk-500-without-correlation-id"):
            return server_error()
        if call.broken("valk-422-without-correlation-id"):
            return _valk_hard_error(422, "PAM_ERR_UNDEFINED", "X-Correlation-ID is required.")
        if call.broken("valk-correlation-id-text-400"):
            return text_response("Header parameter X-Correlation-ID is required, but not found", 400)
        if not call.broken("valk-tolerates-missing-correlation-id"):
            return _valk_undefined("X-Correlation-ID is required.", call)
    traceparent = request.headers.get("traceparent")
    w3c = re.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
    if (
        traceparent is not None
        and call.broken("valk-rejects-unparsable-traceparent")
        and not w3c.fullmatch(traceparent)
    ):
        return _valk_hard_error(422, "PAM_ERR_UNDEFINED", "traceparent is not W3C trace context.")
    provider = providers[0].lower() if providers else None
    if provider is None and call.broken("valk-serves-without-provider"):
        provider = VALK_PROVIDERS[0]
    if provider not in VALK_PROVIDERS:
        message = "The provider is missing or unknown."
        if call.broken("valk-unknown-provider-undefined"):
            return _valk_hard_error(400, "PAM_ERR_UNDEFINED", message)
        if call.broken("valk-unknown-provider-200") and provider is not None:
            return json_response(_pam_error("PAM_ERR_MISSING_PROVIDER", message))
        return _valk_hard_error(400, "PAM_ERR_MISSING_PROVIDER", message)
    token = request.headers.get("X-Player-Token", "")
    if not 32 <= len(token) <= 40 and call.broken("valk-short-token-400"):
        return _valk_undefined("X-Player-Token must have 32 to 40 characters.", call)
    session = _valk_session(token, call)
    if session is None or session.provider != provider:
        return _valk_session_not_found("No session has this token.", call)
    player_id = call.path_parameters["playerId"]
    if player_id not in VALK_BALANCES:
        code = "PAM_ERR_ACC_NOT_FOUND" if call.broken("valk-unknown-player-wrong-code") else "PAM_ERR_PLAYER_NOT_FOUND"
        return _valk_business_error(code, "No player has this id.", call)
    if session.player_id != player_id and call.broken("valk-serves-session-owner"):
        player_id = session.player_id
    if session.player_id != player_id:
        # A known player, but the token is someone else's session: no session of this player has it.
        return _valk_session_not_found("No session of this player has this token.", call)
    if session.expired and not call.broken("valk-expired-session-served"):
        return _valk_business_error("PAM_ERR_SESSION_EXPIRED", "The session has expired.", call)
    balance = VALK_BALANCES[player_id]
    if balance is None:
        if not call.broken("valk-no-account-zero-balance"):
            return _valk_business_error("PAM_ERR_ACC_NOT_FOUND", "The player has no account.", call)
        balance = {"cashAmount": 0, "bonusAmount": 0, "promoAmount": 0}
    balance = dict(balance)
    if call.broken("valk-ok-drops-promo"):
        del balance["promoAmount"]
    if call.broken("valk-seven-decimals"):
        balance["cashAmount"] = 250.1234567
    # Another field order than the spec's, and a field no source mentions.
    return json_response({"balance": balance, "status": "OK", "currency": "EUR"})


def _valk_api_token_ok(authorization: str, call: Call) -> bool:
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and credential_matches(call, "valk-api-token", token.strip(), VALK_API_TOKEN)


def _valk_session(token: str, call: Call) -> ValkSession | None:
    return next(
        (
            session
            for known, session in VALK_SESSIONS.items()
            if credential_matches(call, "valk-session-token", token, known)
        ),
        None,
    )


def _valk_session_not_found(message: str, call: Call) -> Response:
    if call.broken("valk-text-401"):
        return text_response(message, 401)
    body = _pam_error("PAM_ERR_SESSION_NOT_FOUND", message, status_word="Error")
    if call.broken("valk-401-missing-message"):
        del body["error"]["message"]
    return json_response(body, 401)


def valk_route_error(status: int, message: str) -> Response:
    return _valk_hard_error(status, "PAM_ERR_UNDEFINED", message)


# --- Routing ------------------------------------------------------------------------------------------------------

Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Operation:
    """A path of an API: a pattern on the still percent-encoded path after the API prefix, and its methods."""

    pattern: re.Pattern[str]
    methods: Mapping[str, Handler]


@dataclass(frozen=True)
class Api:
    operations: tuple[Operation, ...]
    route_error: Callable[[int, str], Response]
    fault_prefix: str


APIS = {
    "vip-connect": Api(
        (Operation(re.compile("api/patronsession/accountlookup"), {"POST": vip_account_lookup}),),
        vip_route_error,
        "vip",
    ),
    "paytronix": Api(
        (
            Operation(
                # The one release this server runs; any other is a path it does not serve (404).
                re.compile(f"rest/(?P<release>{re.escape(PTX_RELEASE)})/guest/accountInformation\\.json"),
                {"GET": ptx_account_information, "POST": ptx_account_information},
            ),
        ),
        ptx_route_error,
        "ptx",
    ),
    "valkyrie": Api(
        (Operation(re.compile("players/(?P<playerId>[^/]*)/balance"), {"GET": valk_balance}),),
        valk_route_error,
        "valk",
    ),
}


def _raw_path() -> str:
    # Path parameters are matched on the path as sent: decoded, a %2F inside playerId would split its segment and
    # a %0A would stop werkzeug's own routing. The development server keeps the request target in RAW_URI.
    raw = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path)
    return raw.split("?", 1)[0] if raw.startswith("/") else urlsplit(raw).path


def dispatch(path: str) -> Response:
    """The one Flask view: /<fault>/<api>/<path of the API>. ``path`` is werkzeug's decoded copy, unused."""
    fault, _, after_fault = _raw_path().removeprefix("/").partition("/")
    api_name, _, rest = after_fault.partition("/")
    fault, api_name = unquote(fault), unquote(api_name)
    if fault == "" and api_name == "" and request.method == "GET" and rest == "":
        return json_response({"status": "ok", "faults": sorted(FAULTS)})
    api = APIS.get(api_name)
    if api is None or (fault != NO_FAULT and fault not in FAULTS):
        return json_response({"error": "not_found", "message": "Use /<fault>/<api>/..., fault ok for none."}, 404)
    call = Call(fault)
    if request.method not in KNOWN_METHODS:
        return api.route_error(501, f"{request.method} is not implemented by this server.")
    return _dispatch_api(api, call, rest)


def _dispatch_api(api: Api, call: Call, rest: str) -> Response:
    for operation in api.operations:
        match = operation.pattern.fullmatch(rest)
        if match is None:
            continue
        handler = operation.methods.get(request.method)
        if handler is None:
            response = api.route_error(405, f"{request.method} is not served at this path.")
            if not call.broken(f"{api.fault_prefix}-405-without-allow"):
                response.headers["Allow"] = ", ".join(sorted(operation.methods))
            return response
        parameters = {name: unquote(value) for name, value in match.groupdict().items()}
        return handler(Call(call.fault, parameters))
    return api.route_error(404, "No operation is served at this path.")


class _Everything(BaseConverter):
    """Matches any path, line breaks included; the view routes it itself."""

    regex = "(?s:.*)"
    part_isolating = False


def create_app() -> Flask:
    app = Flask(__name__)
    app.url_map.converters["everything"] = _Everything
    app.url_map.merge_slashes = False
    # A rule without methods matches every method, so undocumented ones reach the view and get a 405 with Allow.
    app.url_map.add(Rule("/<everything:path>", endpoint="dispatch", merge_slashes=False))
    app.view_functions["dispatch"] = dispatch
    return app


# --- Serving ------------------------------------------------------------------------------------------------------


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log: a run sends thousands of requests."""


@dataclass(frozen=True)
class RunningServer:
    url: str  # http://127.0.0.1:PORT; an API of a fault is at {url}/{fault}/{api}


@contextmanager
def serve(timeout: float = 10.0) -> Iterator[RunningServer]:
    """The reference server on a free port of 127.0.0.1, in a thread; raises if it does not answer in time."""
    server = make_server("127.0.0.1", 0, create_app(), threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="reference-server", daemon=True)
    thread.start()
    running = RunningServer(f"http://127.0.0.1:{server.server_port}")
    try:
        _wait_until_answering(running.url + "/", timeout)
        yield running
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout)


def _wait_until_answering(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    problem = ""
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0, trust_env=False).status_code == 200:
                return
        except httpx.TransportError as exc:
            problem = str(exc)
        time.sleep(0.05)
    raise RuntimeError(f"the reference server at {url} did not answer within {timeout:g} s: {problem}")


def profile_data(server_url: str, fault: str) -> dict[str, Any]:
    """The conformance profile of the reference server's data, every API under ``/<fault>/``."""
    preferred, online, closed = VIP_ACCOUNTS
    active, held = PTX_ACCOUNTS
    active_session, expired_session, no_account_session = VALK_SESSIONS.values()
    return {
        "vip-connect": {
            "base_url": f"{server_url}/{fault}/vip-connect",
            "operator_id": VIP_OPERATOR_ID,
            "secret_base64": [base64.b64encode(key).decode() for key in VIP_SECRETS],
            "audience": VIP_PROFILE_AUDIENCE,
            "bank_accounts_toggle": True,
            "accounts": {
                "preferred": {"VipAccountNumber": preferred.number},
                "online": {"VipAccountNumber": online.number, "ProductType": "online"},
                "by_id": {"IdType": preferred.id_type, "IdNumber": preferred.id_number, "IdState": "nv"},
                "closed": {"VipAccountNumber": closed.number, "ProductType": "preferred"},
                "unknown": {"VipAccountNumber": VIP_UNKNOWN_NUMBER},
            },
        },
        "paytronix": {
            "base_url": f"{server_url}/{fault}/paytronix",
            "release": PTX_RELEASE,
            "methods": ["GET", "POST"],
            "client_id": PTX_CLIENT_ID,
            "client_secret": PTX_CLIENT_SECRET,
            "merchant_id": PTX_MERCHANT_ID,
            "cards": {
                "active": {
                    "printedCardNumber": active.cards[0].number,
                    "registrationCode": active.cards[0].registration_code,
                    "access_token": active.access_token,
                },
                "guest": {"username": active.username, "password": active.password},
                "invalid_status": {
                    "printedCardNumber": held.cards[0].number,
                    "registrationCode": held.cards[0].registration_code,
                },
                "unknown": {"printedCardNumber": PTX_UNKNOWN_CARD},
            },
        },
        "valkyrie": {
            "base_url": f"{server_url}/{fault}/valkyrie",
            "api_token": VALK_API_TOKEN,
            "provider": VALK_PROFILE_PROVIDER,
            "players": {
                "active": {"playerId": active_session.player_id, "token": active_session.token},
                "expired": {"playerId": expired_session.player_id, "token": expired_session.token},
                "no_account": {"playerId": no_account_session.player_id, "token": no_account_session.token},
                "other": {"playerId": expired_session.player_id},
                "unknown": {"playerId": VALK_UNKNOWN_PLAYER},
            },
        },
    }


def write_profile(path: Path, server_url: str, fault: str) -> Path:
    """Write the profile of ``profile_data`` to ``path`` as YAML and return the path."""
    path.write_text(yaml.safe_dump(profile_data(server_url, fault), sort_keys=False), encoding="utf-8")
    return path
