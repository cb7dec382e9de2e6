"""The requirement catalogue: every behaviour the suite checks, with its id, level and source.

MUST: stated in a seed document. SHOULD: stated only by the vendor's other material, or a project decision
(specs/DECISIONS.md states each one with its reason); reported as a warning unless ``--strict``. The checks that
verify a requirement register themselves against its id (see ``conformance.checks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"


@dataclass(frozen=True)
class Requirement:
    id: str
    api: str
    level: Level
    title: str
    source: str  # '<seed>.txt: "<quote>"', a vendor URL, or 'decision: <reason>'


VIP_SEED = "000_be245cba7e24ec14.txt"
PTX_SEED = "002_27cf806cf9a7ff4a.txt"
VALK_SEED = "004_f21aa5306a131be3.txt"
SEED_APIS = {VIP_SEED: "vip-connect", PTX_SEED: "paytronix", VALK_SEED: "valkyrie"}
# The title each seed page carries, so that a reader of a report knows which document a source is.
SEED_TITLES = {
    VIP_SEED: "VIP Connect: Patron Account Inquiry",
    PTX_SEED: "Paytronix: Account Balance",
    VALK_SEED: "Valkyrie PAM: Get player account balance",
}
# The HTTP statuses each seed documents. The shape and media type of an answer with another status (one the spec
# documents from the vendor's other material) are at most a SHOULD.
SEED_STATUSES = {"vip-connect": (200, 400, 401, 404), "paytronix": (200,), "valkyrie": (200, 401)}
VIP_DOCS = "https://developer.vippreferred.com/integration-steps/operator-requirements"
PTX_AUTH_DOCS = "https://developers.paytronix.com/pxs_api_reference/authentication_types.html"
VALK_SPEC = "https://github.com/valkyrie-fnd/valkyrie/blob/fe49faa/pam/pam_api.yml"
VALK_CLIENT = "https://github.com/valkyrie-fnd/valkyrie/blob/fe49faa/pam/genericpam/generic_client.go"
RFC_405_501 = "https://www.rfc-editor.org/rfc/rfc9110#name-501-not-implemented"

MUST, SHOULD = Level.MUST, Level.SHOULD


def _seed(seed: str, quote: str) -> str:
    return f'{seed}: "{quote}"'


def _r(id: str, api: str, level: Level, title: str, source: str) -> Requirement:
    return Requirement(id, api, level, title, source)


V, P, K = "vip-connect", "paytronix", "valkyrie"

REQUIREMENTS: tuple[Requirement, ...] = (
    # VIP Connect: documented cases.
    _r("VIP-200-PREFERRED", V, MUST, "A VIP Preferred account found by VIP number: 200 with every field of the "
       "seed's example, typed, and the top-level availableAmount",
       _seed(VIP_SEED, "Account inquiry call received and data returned.")),
    _r("VIP-200-ONLINE", V, MUST, "A VIP Online account: 200 without the top-level availableAmount",
       _seed(VIP_SEED, "the response would not contain the availableAmount field as shown above")),
    _r("VIP-200-BY-ID", V, MUST, "An account found by ID details: 200 with the account's fields",
       _seed(VIP_SEED, "ID details or VIP number (not both) need to be sent as parameters")),
    _r("VIP-BANK-ACCOUNTS", V, MUST, "bankAccounts follows the operator's feature toggle: absent when off; when on, "
       "items with maskedAccountNumber, routingNumber, bankName, the product's amount and instantPaymentEligible",
       _seed(VIP_SEED, "The bankAccounts property is optional and is not returned by default.")),
    _r("VIP-404-UNKNOWN", V, MUST, "An unknown account: 404 with errorCode \"12\", transactionStage "
       "\"VIP Account Inquiry\" and the seed's messages",
       _seed(VIP_SEED, "Account inquiry call received but user was not found")),
    _r("VIP-400-CLOSED", V, MUST, "A closed account: 400 with errorCode \"13\" and the seed's messages",
       _seed(VIP_SEED, "Error message for all other cases, such as account closed")),
    _r("VIP-400-NOT-BOTH", V, MUST, "VIP number and ID details together, or neither: 400 with the VIP error body",
       _seed(VIP_SEED, "ID details or VIP number (not both)")),
    _r("VIP-400-INVALID", V, MUST, "Any other client error (malformed JSON, a field of the wrong form): 400 with "
       "the five string fields of the VIP error body", _seed(VIP_SEED, "Error message for all other cases")),
    # VIP Connect: the JWT matrix. Only the status is checked: the 401 body is undocumented.
    _r("VIP-401-MISSING", V, MUST, "No bearer token: 401",
       _seed(VIP_SEED, "Operators need to send a JWT bearer token to authenticate the request.")),
    _r("VIP-401-MALFORMED", V, MUST, "A token that is not a JWT: 401",
       _seed(VIP_SEED, "The JWT token provided in the request is not valid.")),
    _r("VIP-401-SIGNATURE", V, MUST, "A token signed with another key, with the secret's base64 text as the key, "
       "or whose signature is a near miss of a valid one (a character changed, one less, one more, another "
       "second half): 401",
       _seed(VIP_SEED, "The JWT token provided in the request is not valid.")),
    _r("VIP-401-ALG-NONE", V, MUST, "An unsigned token (alg: none): 401",
       _seed(VIP_SEED, "The JWT token provided in the request is not valid.")),
    _r("VIP-401-EXPIRED", V, MUST, "An expired token: 401", _seed(VIP_SEED, "JWT credentials invalid")),
    _r("VIP-401-AUDIENCE", V, SHOULD, "A token for another audience, also a near miss of the profile's: 401",
       VIP_DOCS),
    _r("VIP-401-ISSUER", V, SHOULD, "A token from an unknown issuer, also a near miss of the operator id: 401",
       VIP_DOCS),
    _r("VIP-401-NOT-YET-VALID", V, SHOULD, "A token not valid yet (nbf in the future): 401", VIP_DOCS),
    _r("VIP-SECOND-KEY", V, SHOULD, "A token signed with the operator's second key is accepted like one signed with "
       "the first, so keys can be rotated", VIP_DOCS),
    # VIP Connect: data rules.
    _r("VIP-DATA-MASKED-ID", V, MUST, "idNumber is masked (**** and at most the last 4); the full ID number and SSN "
       "appear in no response", _seed(VIP_SEED, '"idNumber": "****3545",')),
    _r("VIP-DATA-DATES", V, MUST, "memberSince and lastTransaction are date-times with offset; dateOfBirth is MMDDYYYY",
       _seed(VIP_SEED, '"memberSince": "2022-08-01T00:00:00+00:00",')),
    # Paytronix: documented cases.
    _r("PTX-SUCCESS-OAUTH", P, MUST, "OAuth authentication: 200, result success with every field of the seed's "
       "example, typed, for each method the profile lists",
       _seed(PTX_SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-SUCCESS-CARD", P, MUST, "Card authentication (card number and registration code): 200, result success",
       _seed(PTX_SEED, "displaying the guests balance given a card number and registration code")),
    _r("PTX-SUCCESS-GUEST", P, MUST, "Guest authentication (username and password): 200, result success",
       _seed(PTX_SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-FAILURE", P, MUST, "An unknown card: 200, result failure with a non-empty errorCode and errorMessage",
       _seed(PTX_SEED, "uses the error code and error message returned by the system")),
    _r("PTX-INVALID-STATUS", P, MUST, "A card in a state where a balance is not useful: 200, result invalid_status",
       _seed(PTX_SEED, "If the result is invalid_status, then this card is in a state where displaying a balance "
             "may not be helpful")),
    _r("PTX-RESULT", P, MUST, "Every HTTP 200 answer carries result success, failure or invalid_status",
       _seed(PTX_SEED, "The Paytronix System returns a success, failure or invalid_status")),
    _r("PTX-DATA-DECIMALS", P, MUST, "Balances are decimal strings; walletCode, tierCode, cardTemplateCode integers",
       _seed(PTX_SEED, '"balance": "1",')),
    _r("PTX-DATA-DATES", P, MUST, "enrollDate is yyyy-mm-dd", _seed(PTX_SEED, '"enrollDate": "2014-07-29",')),
    # Paytronix: authentication attacks.
    _r("PTX-401-CLIENT", P, SHOULD, "Missing or wrong HTTP Basic client credentials, also a near miss of the "
       "client secret: 401", PTX_AUTH_DOCS),
    # The seed names the authentication types; one that accepts any credential authenticates nothing.
    _r("PTX-FAILURE-REGISTRATION-CODE", P, MUST, "A wrong registration code, random or a near miss of the card's: "
       "200, result failure", _seed(PTX_SEED, "This flow supports the following authentication types: guest, card, "
                                             "OAuth.")),
    _r("PTX-FAILURE-ACCESS-TOKEN", P, MUST, "A wrong access token, random or a near miss of the card's: 200, result "
       "failure", _seed(PTX_SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-FAILURE-PASSWORD", P, MUST, "A wrong guest password, random or a near miss of the guest's: 200, result "
       "failure", _seed(PTX_SEED, "This flow supports the following authentication types: guest, card, OAuth.")),
    _r("PTX-INVALID-INPUT", P, SHOULD, "A request without the fields its authentication type needs, or with an "
       "unknown type, is never answered with result success", PTX_AUTH_DOCS),
    # Valkyrie PAM: documented cases.
    _r("VALK-200-OK", K, MUST, "A live session: 200, status OK with balance cashAmount, bonusAmount, promoAmount",
       _seed(VALK_SEED, "The player balance summary")),
    _r("VALK-PLAYER-NOT-FOUND", K, MUST, "An unknown playerId: error code PAM_ERR_PLAYER_NOT_FOUND",
       _seed(VALK_SEED, "PAM_ERR_PLAYER_NOT_FOUND- WhenplayerIdis not found.")),
    _r("VALK-SESSION-EXPIRED", K, MUST, "An expired session: error code PAM_ERR_SESSION_EXPIRED",
       _seed(VALK_SEED, "PAM_ERR_SESSION_EXPIRED- When session related toX-Player-Tokenhas expired.")),
    _r("VALK-ACC-NOT-FOUND", K, MUST, "A player without an account: error code PAM_ERR_ACC_NOT_FOUND",
       _seed(VALK_SEED, "PAM_ERR_ACC_NOT_FOUND- When account ofplayerIdis not found.")),
    _r("VALK-BUSINESS-ERRORS-200", K, SHOULD, "Business errors (unknown player, expired session, no account) come "
       "with HTTP 200 and status ERROR", VALK_SPEC),
    _r("VALK-401-SESSION", K, MUST, "An unknown X-Player-Token (random, outside 32-40 characters, or a near miss of "
       "a live one): 401 with PAM_ERR_SESSION_NOT_FOUND",
       _seed(VALK_SEED, "PAM_ERR_SESSION_NOT_FOUND- When no session is found for providedX-Player-Token.")),
    _r("VALK-401-API-TOKEN", K, MUST, "A missing or wrong api token, also a near miss of the real one: 401 with "
       "PAM_ERR_API_TOKEN",
       _seed(VALK_SEED, "PAM_ERR_API_TOKEN- WhenAuthorizationheader api token does not match the PAM api token.")),
    _r("VALK-MISSING-PROVIDER", K, MUST, "An unknown or missing provider is never served with status OK: error code "
       "PAM_ERR_MISSING_PROVIDER, or HTTP 401 with PAM_ERR_SESSION_NOT_FOUND where sessions belong to a provider",
       _seed(VALK_SEED, "PAM_ERR_MISSING_PROVIDER- When specified query parameterprovideris not found.")),
    _r("VALK-400-MISSING-PROVIDER", K, SHOULD, "An unknown or missing provider: HTTP 400 with "
       "PAM_ERR_MISSING_PROVIDER", VALK_SPEC),
    _r("VALK-MISSING-CORRELATION-ID", K, MUST, "A request without X-Correlation-ID is never served with status OK",
       _seed(VALK_SEED, "X-Correlation-ID string required")),
    _r("VALK-400-CORRELATION-ID", K, SHOULD, "A request without X-Correlation-ID: HTTP 400 with a JSON PAM error "
       "body, code PAM_ERR_UNDEFINED (Valkyrie reads a PAM error body on any status)", VALK_CLIENT),
    _r("VALK-OTHER-PLAYER", K, SHOULD, "A live session presented with another existing player's playerId: 401 with "
       "PAM_ERR_SESSION_NOT_FOUND", "decision: answering with a balance under another player's id shows one "
       "player's data to a request for another"),
    _r("VALK-DATA-DECIMALS", K, MUST, "Amounts have at most 6 decimal places",
       _seed(VALK_SEED, "Amount in some currency, rounded to 6 decimal places")),
    # Generated requests (schemathesis), per API. A MUST cites the seed statement that makes it one.
    *(
        requirement
        for prefix, api, seed, answers, statuses, auth, media in (
            ("VIP", V, VIP_SEED, "Responses - 200 - 400 - 401 - 404", "Responses - 200 - 400 - 401 - 404",
             "Operators need to send a JWT bearer token to authenticate the request.", None),
            ("PTX", P, PTX_SEED, "The Paytronix System returns a success, failure or invalid_status", None, None, None),
            ("VALK", K, VALK_SEED, "- 200 - 401 The player balance summary", None, "Invalid session or api key",
             "application/json"),
        )
        for requirement in (
            _r(f"{prefix}-GEN-SCHEMA", api, MUST, "Answers to generated requests with a status the seed documents "
               f"({'/'.join(map(str, SEED_STATUSES[api]))}) match the spec's schema of that status",
               _seed(seed, answers)),
            _r(f"{prefix}-GEN-STATUS", api, MUST if statuses else SHOULD, "Answers to generated requests use "
               "documented statuses", _seed(seed, statuses) if statuses else "decision: the specs list the statuses"),
            _r(f"{prefix}-GEN-AUTH", api, MUST if auth else SHOULD, "Requests without valid credentials are refused",
               _seed(seed, auth) if auth else PTX_AUTH_DOCS),
            _r(f"{prefix}-GEN-CONTENT-TYPE", api, MUST if media else SHOULD,
               f"Answers with a status the seed documents ({'/'.join(map(str, SEED_STATUSES[api]))}) are "
               "application/json" if media else "Answers are application/json",
               _seed(seed, media) if media else "decision: every documented body is JSON"),
            _r(f"{prefix}-GEN-NO-5XX", api, MUST, "No request to the path and method the API serves makes the server "
               "fail (5xx); a 501 to a method the API does not declare is not a failure", _seed(seed, answers)),
            _r(f"{prefix}-GEN-INPUT-VALIDATION", api, SHOULD, "Invalid input is rejected and valid input accepted",
               "decision: the specs state what a request may contain"),
            _r(f"{prefix}-GEN-METHODS", api, SHOULD, "A method the API does not declare gets 405 with an Allow header, "
               "or 501 Not Implemented", RFC_405_501),
        )
    ),
    # Statuses the spec documents from the vendor's other material: their shape and media type are SHOULDs.
    _r("PTX-SCHEMA-OTHER-STATUS", P, SHOULD, "Answers with a status the seed does not document (the spec's 400 and "
       "401) match the spec's schema of that status", "decision: the seed documents only HTTP 200 results; the "
       "spec takes its 400 and 401 from the vendor's authentication pages"),
    _r("VALK-SCHEMA-OTHER-STATUS", K, SHOULD, "Answers with a status the seed does not document (the spec's 400, or "
       "a business error under another status) match the spec's schema of that status", "decision: the seed "
       "documents 200 and 401; the spec takes its 400 from the vendor's pam_api.yml"),
    _r("VALK-CONTENT-TYPE-OTHER-STATUS", K, SHOULD, "Answers with a status the seed does not document (the spec's "
       "400) are application/json", VALK_CLIENT),
)  # fmt: skip

BY_ID = {requirement.id: requirement for requirement in REQUIREMENTS}


@dataclass(frozen=True)
class Untestable:
    seed: str
    quote: str
    reason: str


# Seed statements no HTTP exchange can confirm; the report lists them with the reason.
UNTESTABLE: tuple[Untestable, ...] = (
    Untestable(VIP_SEED, "This request will not create a patron session.",
               "sessions are created and observed through other endpoints, not through account lookup"),
    Untestable(VIP_SEED, "Operators will call this method on the on the VIP Connect API",
               "who calls the API is not visible in its answers"),
    Untestable(VIP_SEED, "It is only used to validate or get VIP end user details.",
               "the purpose of a call is not observable; its answers are checked"),
    Untestable(VIP_SEED, "See Feature Toggles.", "the toggle is set at onboarding; the profile states its value"),
    Untestable(VIP_SEED, "indicates if the bank supports instant payment for withdrawal transactions",
               "whether a bank supports instant payment is outside the API; only the boolean type is checked"),
    Untestable(VIP_SEED, "See fundTransferType withdraw request parameter for a list of possible values.",
               "refers to the withdrawal endpoint, not to account lookup"),
    Untestable(VIP_SEED, "Amount limits are managed differently between VIP Preferred and VIP Online.",
               "how limits are managed is internal; the visible difference (where availableAmount is) is checked"),
    Untestable(PTX_SEED, "Most Guest websites or mobile applications show the guest’s balance immediately after "
               "log on.", "describes client applications, not the API"),
    Untestable(PTX_SEED, "Integration gathers information from the user.", "happens in the client before any call"),
    Untestable(PTX_SEED, "then the integration should use the server response to display the balance information",
               "describes what the client does with the answer"),
    Untestable(PTX_SEED, "then the integration should inform the guest of the failure.",
               "describes what the client does with the answer"),
    Untestable(PTX_SEED, "the merchant should decide on the exact message",
               "the wording shown to guests is the merchant's choice"),
    Untestable(PTX_SEED, "Typically the guest would not be able to use the balance in this situation.",
               "concerns how the balance can be used elsewhere"),
    Untestable(PTX_SEED, "Please see the following API reference page for more technical details",
               "a pointer to other documentation"),
    Untestable(PTX_SEED, "Guest Service", "the name of the reference page the seed points to"),
    Untestable(PTX_SEED, "See this page for details: API Authentication Styles",
               "a pointer to the authentication page; its fields are checked through the styles"),
    Untestable(PTX_SEED, "The merchant should decide on the exact message to be displayed in these situations.",
               "the wording shown to guests is the merchant's choice"),
    Untestable(VALK_SEED, "The value will originate from the game providers that support request identification.",
               "where the value comes from is upstream of the PAM"),
    Untestable(VALK_SEED, "Otherwise Valkyrie will generate a value.", "describes Valkyrie, the caller"),
    Untestable(VALK_SEED, "Describes the position of the incoming request in its trace graph.",
               "trace propagation is not visible in the balance answer; the suite checks the header is accepted"),
    Untestable(VALK_SEED, "Extends traceparent with vendor-specific data", "as for traceparent"),
    Untestable(VALK_SEED, "PAM_ERR_GAME_NOT_FOUND- When specifiedproviderGameIdis not found.",
               "this code and the other transaction, round and cancel codes belong to other PAM operations"),
    Untestable(VALK_SEED, "PAM_ERR_TIMEOUT- A timeout occurred", "a PAM-side timeout cannot be provoked from outside"),
)  # fmt: skip
