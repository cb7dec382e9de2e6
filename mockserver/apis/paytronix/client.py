"""What Paytronix asks of an integrator's client, judged from the journal, and the cases it documents."""

from __future__ import annotations

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
    query,
    quoted,
    request_of,
)

SEED = "002_27cf806cf9a7ff4a.txt"
AUTH_TYPES = "https://developers.paytronix.com/pxs_api_reference/authentication_types.html"
MUST, SHOULD = Level.MUST, Level.SHOULD
_r = requirements_of("paytronix")
OPERATIONS = {"postAccountInformation": "post", "getAccountInformation": "get"}
# The fields each authentication style needs beside `authentication` (the vendor's authentication styles page).
STYLE_FIELDS = {
    "oauth": ("merchantId", "access_token"),
    "card": ("merchantId", "printedCardNumber", "registrationCode"),
    "guest": ("merchantId", "username", "password"),
}

DOCUMENTED_CASES = (
    *(
        DocumentedCase(
            f"{style}_{method}",
            f"{label} authentication on {method.upper()}: result success",
            # The vendor discourages guest credentials on GET (a query string is logged): never required by default.
            required=(style, method) != ("guest", "get"),
        )
        for style, label in (("oauth", "OAuth"), ("card", "Card"), ("guest", "Guest"))
        for method in ("post", "get")
    ),
    DocumentedCase("failure", "Credentials that do not match: result failure with errorCode and errorMessage"),
    DocumentedCase("invalid_status", "A suspended or disabled card: result invalid_status"),
    DocumentedCase("bad_client_credentials", "HTTP Basic client credentials the API refuses: 401"),
)


def fields(entry: Entry) -> Mapping[str, Any] | None:
    """The accountInformation fields as journaled: the JSON body of a POST, the query of a GET."""
    method = OPERATIONS.get(str(entry.get("operation")))
    if method == "post":
        return body_object(entry)
    return query(entry) if method == "get" else None


def sends_basic_credentials(entry: Entry) -> list[str] | None:
    if entry.get("operation") not in OPERATIONS:
        return None
    found = credentials(entry)
    if found is None:
        return ["no Authorization header"]
    if found.get("scheme") != "basic":
        return [f"the Authorization scheme is {quoted(found.get('scheme'))}, not Basic"]
    if found.get("malformed") or found.get("password_length") is None:
        return ["the Basic credentials are not base64 of client_id:client_secret"]
    return []


def names_a_documented_style(entry: Entry) -> list[str] | None:
    sent = fields(entry)
    if sent is None:
        return None
    style = sent.get("authentication")
    if style in STYLE_FIELDS:
        return []
    return [
        "no authentication field" if style is None else f"authentication is {quoted(style)}, not guest, card or oauth"
    ]


def sends_the_style_fields(entry: Entry) -> list[str] | None:
    sent = fields(entry)
    style = sent.get("authentication") if sent else None
    if sent is None or style not in STYLE_FIELDS:
        return None
    missing = [name for name in STYLE_FIELDS[style] if name not in sent]
    return [f"{style} authentication without {', '.join(missing)}"] if missing else []


def no_guest_password_in_query(entry: Entry) -> list[str] | None:
    if entry.get("operation") != "getAccountInformation":
        return None
    names = request_of(entry).get("query_fields")
    if not isinstance(names, list):
        return None
    return ["the guest password is sent in the GET query string"] if "password" in names else []


CLIENT_REQUIREMENTS = (
    ClientRequirement(_r("CLIENT-PTX-BASIC", SHOULD, "Every request carries HTTP Basic client_id:client_secret",
        AUTH_TYPES), sends_basic_credentials),
    ClientRequirement(_r("CLIENT-PTX-AUTH-TYPE", MUST, "authentication is one of guest, card, oauth",
        cite(SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
        names_a_documented_style),
    ClientRequirement(_r("CLIENT-PTX-STYLE-FIELDS", SHOULD, "The fields the authentication style needs are sent: "
        "merchantId, and access_token (oauth), printedCardNumber and registrationCode (card), username and "
        "password (guest)", AUTH_TYPES), sends_the_style_fields),
    ClientRequirement(_r("CLIENT-PTX-GUEST-NOT-GET", SHOULD, "A guest password is never sent in a GET query string",
        AUTH_TYPES), no_guest_password_in_query),
    ClientRequirement(_r("CLIENT-PTX-CONFORMS", SHOULD, "Every request conforms to the spec (path, method, "
        "fields)", "decision: the spec states the vendor's request in full; the seed's own words are the MUSTs "
        "above"), conforms_to_spec),
)  # fmt: skip
