"""What VIP Connect asks of an integrator's client, judged from the journal, and the cases it documents."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from balancekit.requirements import Level, cite, requirements_of
from mockserver.client_verdict.catalogue import (
    ClientRequirement,
    DocumentedCase,
    Entry,
    body_object,
    conforms_to_spec,
    credentials,
    is_number,
    quoted,
    sent_at,
)

SEED = "000_be245cba7e24ec14.txt"
VIP_DOCS = "https://developer.vippreferred.com/integration-steps/operator-requirements"
MUST, SHOULD = Level.MUST, Level.SHOULD
_r = requirements_of("vip-connect")
_ID_FIELDS = ("IdType", "IdNumber", "IdState")
# The audiences the vendor's operator requirements and samples use: `vip-api` and `vip-api-{env}`.
_AUDIENCE = re.compile(r"vip-api(-(dev|qa|cert))?")

DOCUMENTED_CASES = (
    DocumentedCase("preferred", "A VIP Preferred account found by VIP number: 200 with availableAmount"),
    DocumentedCase("online", "A VIP Online account found by VIP number: 200, amounts per bank account"),
    DocumentedCase("by_id_details", "An account found by ID details: 200"),
    DocumentedCase("account_not_found", "An unknown account: 404, errorCode 12"),
    DocumentedCase("account_closed", "A closed account: 400, errorCode 13"),
    DocumentedCase("invalid_jwt", "A JWT the API refuses: 401"),
)


def _jwt(entry: Entry) -> Mapping[str, Any] | None:
    """The decoded header and claims of the request's bearer JWT; None when it sent none."""
    found = credentials(entry)
    jwt = found.get("jwt") if found and found.get("scheme") == "bearer" else None
    return jwt if isinstance(jwt, Mapping) else None


def _claims(entry: Entry) -> Mapping[str, Any] | None:
    jwt = _jwt(entry)
    claims = jwt.get("claims") if jwt else None
    return claims if isinstance(claims, Mapping) else None


def sends_a_jwt(entry: Entry) -> list[str] | None:
    found = credentials(entry)
    if found is None:
        return ["no Authorization header"]
    if found.get("scheme") != "bearer":
        return [f"the Authorization scheme is {quoted(found.get('scheme'))}, not Bearer"]
    return [] if _jwt(entry) is not None else ["the bearer token is not a JWT (header.claims.signature)"]


def signed_hs256(entry: Entry) -> list[str] | None:
    jwt = _jwt(entry)
    header = jwt.get("header") if jwt else None
    if not isinstance(header, Mapping):
        return None
    algorithm = header.get("alg")
    return [] if algorithm == "HS256" else [f"the JWT's alg is {quoted(algorithm)}, not 'HS256'"]


def names_its_issuer(entry: Entry) -> list[str] | None:
    claims = _claims(entry)
    if claims is None:
        return None
    issuer = claims.get("iss")
    return [] if isinstance(issuer, str) and issuer else ["the JWT has no iss claim (the operator id)"]


def names_the_audience(entry: Entry) -> list[str] | None:
    claims = _claims(entry)
    if claims is None:
        return None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if any(isinstance(value, str) and _AUDIENCE.fullmatch(value) for value in audiences):
        return []
    return ["the JWT has no aud claim" if audience is None else f"the JWT's aud is {quoted(audience)}, not 'vip-api'"]


def has_an_expiry(entry: Entry) -> list[str] | None:
    claims = _claims(entry)
    if claims is None:
        return None
    expiry = claims.get("exp")
    return [] if is_number(expiry) else ["the JWT has no numeric exp claim"]


def not_expired(entry: Entry) -> list[str] | None:
    claims = _claims(entry)
    expiry = claims.get("exp") if claims else None
    sent = sent_at(entry)
    if expiry is None or not is_number(expiry) or sent is None:
        return None
    if expiry > sent:
        return []
    # No arithmetic on the claim: a client may send any JSON number, some too large for a float.
    return [f"the JWT's exp ({str(expiry)[:24]}) is not after the time the request arrived ({sent:.0f})"]


def one_lookup_form(entry: Entry) -> list[str] | None:
    if entry.get("operation") != "accountLookup":
        return None
    body = body_object(entry)
    if body is None:
        return None
    by_number = "VipAccountNumber" in body
    by_id = [name for name in _ID_FIELDS if name in body]
    if by_number and by_id:
        return [f"the body sends both VipAccountNumber and ID details ({', '.join(by_id)})"]
    return [] if by_number or by_id else ["the body sends neither VipAccountNumber nor ID details"]


CLIENT_REQUIREMENTS = (
    ClientRequirement(_r("CLIENT-VIP-JWT", MUST, "Every request carries a JWT bearer token",
        cite(SEED, "Operators need to send a JWT bearer token to authenticate the request.")), sends_a_jwt),
    ClientRequirement(_r("CLIENT-VIP-JWT-HS256", SHOULD, "The JWT is signed with HS256", VIP_DOCS), signed_hs256),
    ClientRequirement(_r("CLIENT-VIP-JWT-ISS", SHOULD, "The JWT names the operator in iss", VIP_DOCS),
        names_its_issuer),
    ClientRequirement(_r("CLIENT-VIP-JWT-AUD", SHOULD, "The JWT's aud is vip-api (or vip-api-{env})", VIP_DOCS),
        names_the_audience),
    ClientRequirement(_r("CLIENT-VIP-JWT-EXP", SHOULD, "The JWT carries exp", VIP_DOCS), has_an_expiry),
    ClientRequirement(_r("CLIENT-VIP-JWT-NOT-EXPIRED", SHOULD, "The JWT has not expired when the request is sent",
        VIP_DOCS), not_expired),
    ClientRequirement(_r("CLIENT-VIP-ONE-FORM", MUST, "A lookup sends ID details or a VIP number, not both",
        cite(SEED, "ID details or VIP number (not both) need to be sent as parameters")), one_lookup_form),
    ClientRequirement(_r("CLIENT-VIP-CONFORMS", SHOULD, "Every request conforms to the spec (path, method, body)",
        "decision: the spec states the vendor's request in full; the seed's own words are the MUSTs above"),
        conforms_to_spec),
)  # fmt: skip
