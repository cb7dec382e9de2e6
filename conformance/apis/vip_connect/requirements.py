"""VIP Connect's requirements: the seed's documented cases, the JWT matrix and the data rules, with their sources."""

from __future__ import annotations

from balancekit.requirements import Level, Requirement, Untestable, cite, requirements_of
from conformance.api import GeneratedSources, Sourced

API = "vip-connect"
SEED = "000_be245cba7e24ec14.txt"
SEED_TITLE = "VIP Connect: Patron Account Inquiry"
SEED_STATUSES = (200, 400, 401, 404)
VIP_DOCS = "https://developer.vippreferred.com/integration-steps/operator-requirements"
MUST, SHOULD = Level.MUST, Level.SHOULD
_r = requirements_of(API)


REQUIREMENTS: tuple[Requirement, ...] = (
    # VIP Connect: documented cases.
    _r("VIP-200-PREFERRED", MUST, "A VIP Preferred account found by VIP number: 200 with every field of the "
       "seed's example, typed, and the top-level availableAmount",
       cite(SEED, "Account inquiry call received and data returned.")),
    _r("VIP-200-ONLINE", MUST, "A VIP Online account: 200 without the top-level availableAmount",
       cite(SEED, "the response would not contain the availableAmount field as shown above")),
    _r("VIP-200-BY-ID", MUST, "An account found by ID details: 200 with the account's fields",
       cite(SEED, "ID details or VIP number (not both) need to be sent as parameters")),
    _r("VIP-BANK-ACCOUNTS", MUST, "bankAccounts follows the operator's feature toggle: absent when off; when on, "
       "items with maskedAccountNumber, routingNumber, bankName, the product's amount and instantPaymentEligible",
       cite(SEED, "The bankAccounts property is optional and is not returned by default.")),
    _r("VIP-404-UNKNOWN", MUST, "An unknown account: 404 with errorCode \"12\", transactionStage "
       "\"VIP Account Inquiry\" and the seed's messages",
       cite(SEED, "Account inquiry call received but user was not found")),
    _r("VIP-400-CLOSED", MUST, "A closed account: 400 with errorCode \"13\" and the seed's messages",
       cite(SEED, "Error message for all other cases, such as account closed")),
    _r("VIP-400-NOT-BOTH", MUST, "VIP number and ID details together, or neither: 400 with the VIP error body",
       cite(SEED, "ID details or VIP number (not both)")),
    _r("VIP-400-INVALID", MUST, "Any other client error (malformed JSON, a field of the wrong form): 400 with "
       "the five string fields of the VIP error body", cite(SEED, "Error message for all other cases")),
    # VIP Connect: the JWT matrix. Only the status is checked: the 401 body is undocumented.
    _r("VIP-401-MISSING", MUST, "No bearer token: 401",
       cite(SEED, "Operators need to send a JWT bearer token to authenticate the request.")),
    _r("VIP-401-MALFORMED", MUST, "A token that is not a JWT: 401",
       cite(SEED, "The JWT token provided in the request is not valid.")),
    _r("VIP-401-SIGNATURE", MUST, "A token signed with another key, with the secret's base64 text as the key, "
       "or whose signature is a near miss of a valid one (a character changed, one less, one more, another "
       "second half): 401",
       cite(SEED, "The JWT token provided in the request is not valid.")),
    _r("VIP-401-ALG-NONE", MUST, "An unsigned token (alg: none): 401",
       cite(SEED, "The JWT token provided in the request is not valid.")),
    _r("VIP-401-EXPIRED", MUST, "An expired token: 401", cite(SEED, "JWT credentials invalid")),
    _r("VIP-401-AUDIENCE", SHOULD, "A token for another audience, also a near miss of the profile's: 401",
       VIP_DOCS),
    _r("VIP-401-ISSUER", SHOULD, "A token from an unknown issuer, also a near miss of the operator id: 401",
       VIP_DOCS),
    _r("VIP-401-NOT-YET-VALID", SHOULD, "A token not valid yet (nbf in the future): 401", VIP_DOCS),
    _r("VIP-SECOND-KEY", SHOULD, "A token signed with the operator's second key is accepted like one signed with "
       "the first, so keys can be rotated", VIP_DOCS),
    # VIP Connect: data rules.
    _r("VIP-DATA-MASKED-ID", MUST, "idNumber is masked (**** and at most the last 4); the full ID number and SSN "
       "appear in no response", cite(SEED, '"idNumber": "****3545",')),
    _r("VIP-DATA-DATES", MUST, "memberSince and lastTransaction are date-times with offset; dateOfBirth is MMDDYYYY",
       cite(SEED, '"memberSince": "2022-08-01T00:00:00+00:00",')),
)  # fmt: skip

GENERATED = GeneratedSources(
    answers=cite(SEED, "Responses - 200 - 400 - 401 - 404"),
    statuses=Sourced(MUST, cite(SEED, "Responses - 200 - 400 - 401 - 404")),
    auth=Sourced(MUST, cite(SEED, "Operators need to send a JWT bearer token to authenticate the request.")),
)

# Seed statements no HTTP exchange can confirm; the report lists them with the reason.
UNTESTABLE: tuple[Untestable, ...] = (
    Untestable(SEED, "This request will not create a patron session.",
               "sessions are created and observed through other endpoints, not through account lookup"),
    Untestable(SEED, "Operators will call this method on the on the VIP Connect API",
               "who calls the API is not visible in its answers"),
    Untestable(SEED, "It is only used to validate or get VIP end user details.",
               "the purpose of a call is not observable; its answers are checked"),
    Untestable(SEED, "See Feature Toggles.", "the toggle is set at onboarding; the profile states its value"),
    Untestable(SEED, "indicates if the bank supports instant payment for withdrawal transactions",
               "whether a bank supports instant payment is outside the API; only the boolean type is checked"),
    Untestable(SEED, "See fundTransferType withdraw request parameter for a list of possible values.",
               "refers to the withdrawal endpoint, not to account lookup"),
    Untestable(SEED, "Amount limits are managed differently between VIP Preferred and VIP Online.",
               "how limits are managed is internal; the visible difference (where availableAmount is) is checked"),
)  # fmt: skip
