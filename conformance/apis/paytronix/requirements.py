"""Paytronix's requirements: each authentication style, failures, invalid_status and the data rules, with sources."""

from __future__ import annotations

from balancekit.requirements import Level, Requirement, Untestable, cite, requirements_of
from conformance.api import GeneratedSources, Sourced

API = "paytronix"
SEED = "002_27cf806cf9a7ff4a.txt"
SEED_TITLE = "Paytronix: Account Balance"
SEED_STATUSES = (200,)
PTX_AUTH_DOCS = "https://developers.paytronix.com/pxs_api_reference/authentication_types.html"
MUST, SHOULD = Level.MUST, Level.SHOULD
_r = requirements_of(API)


REQUIREMENTS: tuple[Requirement, ...] = (
    # Paytronix: documented cases.
    _r("PTX-SUCCESS-OAUTH", MUST, "OAuth authentication: 200, result success with every field of the seed's "
       "example, typed, for each method the profile lists",
       cite(SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-SUCCESS-CARD", MUST, "Card authentication (card number and registration code): 200, result success",
       cite(SEED, "displaying the guests balance given a card number and registration code")),
    _r("PTX-SUCCESS-GUEST", MUST, "Guest authentication (username and password): 200, result success",
       cite(SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-FAILURE", MUST, "An unknown card: 200, result failure with a non-empty errorCode and errorMessage",
       cite(SEED, "uses the error code and error message returned by the system")),
    _r("PTX-INVALID-STATUS", MUST, "A card in a state where a balance is not useful: 200, result invalid_status",
       cite(SEED, "If the result is invalid_status, then this card is in a state where displaying a balance "
             "may not be helpful")),
    _r("PTX-RESULT", MUST, "Every HTTP 200 answer carries result success, failure or invalid_status",
       cite(SEED, "The Paytronix System returns a success, failure or invalid_status")),
    _r("PTX-DATA-DECIMALS", MUST, "Balances are decimal strings; walletCode, tierCode, cardTemplateCode integers",
       cite(SEED, '"balance": "1",')),
    _r("PTX-DATA-DATES", MUST, "enrollDate is yyyy-mm-dd", cite(SEED, '"enrollDate": "2014-07-29",')),
    # Paytronix: authentication attacks.
    _r("PTX-401-CLIENT", SHOULD, "Missing or wrong HTTP Basic client credentials, also a near miss of the "
       "client secret: 401", PTX_AUTH_DOCS),
    # The seed names the authentication types; one that accepts any credential authenticates nothing.
    _r("PTX-FAILURE-REGISTRATION-CODE", MUST, "A wrong registration code, random or a near miss of the card's: "
       "200, result failure", cite(SEED, "This flow supports the following authentication types: guest, card, "
                                             "OAuth.")),
    _r("PTX-FAILURE-ACCESS-TOKEN", MUST, "A wrong access token, random or a near miss of the card's: 200, result "
       "failure", cite(SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-FAILURE-PASSWORD", MUST, "A wrong guest password, random or a near miss of the guest's: 200, result "
       "failure", cite(SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-INVALID-INPUT", SHOULD, "A request without the fields its authentication type needs, or with an "
       "unknown type, is never answered with result success", PTX_AUTH_DOCS),
)  # fmt: skip

GENERATED = GeneratedSources(
    answers=cite(SEED, "The Paytronix System returns a success, failure or invalid_status"),
    statuses=Sourced(SHOULD, "decision: the specs list the statuses"),
    auth=Sourced(SHOULD, PTX_AUTH_DOCS),
)

# Statuses the spec documents from the vendor's other material: their shape is a SHOULD.
OTHER_STATUS_SCHEMA = "PTX-SCHEMA-OTHER-STATUS"
OTHER_STATUS_REQUIREMENTS: tuple[Requirement, ...] = (
    _r("PTX-SCHEMA-OTHER-STATUS", SHOULD, "Answers with a status the seed does not document (the spec's 400 and "
       "401) match the spec's schema of that status", "decision: the seed documents only HTTP 200 results; the "
       "spec takes its 400 and 401 from the vendor's authentication pages"),
)  # fmt: skip

# Seed statements no HTTP exchange can confirm; the report lists them with the reason.
UNTESTABLE: tuple[Untestable, ...] = (
    Untestable(SEED, "Most Guest websites or mobile applications show the guest’s balance immediately after "
               "log on.", "describes client applications, not the API"),
    Untestable(SEED, "Integration gathers information from the user.", "happens in the client before any call"),
    Untestable(SEED, "then the integration should use the server response to display the balance information",
               "describes what the client does with the answer"),
    Untestable(SEED, "then the integration should inform the guest of the failure.",
               "describes what the client does with the answer"),
    Untestable(SEED, "the merchant should decide on the exact message",
               "the wording shown to guests is the merchant's choice"),
    Untestable(SEED, "Typically the guest would not be able to use the balance in this situation.",
               "concerns how the balance can be used elsewhere"),
    Untestable(SEED, "Please see the following API reference page for more technical details",
               "a pointer to other documentation"),
    Untestable(SEED, "Guest Service", "the name of the reference page the seed points to"),
    Untestable(SEED, "See this page for details: API Authentication Styles",
               "a pointer to the authentication page; its fields are checked through the styles"),
    Untestable(SEED, "The merchant should decide on the exact message to be displayed in these situations.",
               "the wording shown to guests is the merchant's choice"),
)  # fmt: skip
