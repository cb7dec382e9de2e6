"""Valkyrie PAM's requirements: the balance, business errors, session and api-token errors, the data rules."""

from __future__ import annotations

from balancekit.requirements import Level, Requirement, Untestable, cite, requirements_of
from conformance.api import GeneratedSources, Sourced

API = "valkyrie"
SEED = "004_f21aa5306a131be3.txt"
SEED_TITLE = "Valkyrie PAM: Get player account balance"
SEED_STATUSES = (200, 401)
VALK_SPEC = "https://github.com/valkyrie-fnd/valkyrie/blob/fe49faa/pam/pam_api.yml"
VALK_CLIENT = "https://github.com/valkyrie-fnd/valkyrie/blob/fe49faa/pam/genericpam/generic_client.go"
MUST, SHOULD = Level.MUST, Level.SHOULD
_r = requirements_of(API)


REQUIREMENTS: tuple[Requirement, ...] = (
    # Valkyrie PAM: documented cases.
    _r("VALK-200-OK", MUST, "A live session: 200, status OK with balance cashAmount, bonusAmount, promoAmount",
       cite(SEED, "The player balance summary")),
    _r("VALK-PLAYER-NOT-FOUND", MUST, "An unknown playerId: error code PAM_ERR_PLAYER_NOT_FOUND",
       cite(SEED, "PAM_ERR_PLAYER_NOT_FOUND- WhenplayerIdis not found.")),
    _r("VALK-SESSION-EXPIRED", MUST, "An expired session: error code PAM_ERR_SESSION_EXPIRED",
       cite(SEED, "PAM_ERR_SESSION_EXPIRED- When session related toX-Player-Tokenhas expired.")),
    _r("VALK-ACC-NOT-FOUND", MUST, "A player without an account: error code PAM_ERR_ACC_NOT_FOUND",
       cite(SEED, "PAM_ERR_ACC_NOT_FOUND- When account ofplayerIdis not found.")),
    _r("VALK-BUSINESS-ERRORS-200", SHOULD, "Business errors (unknown player, expired session, no account) come "
       "with HTTP 200 and status ERROR", VALK_SPEC),
    _r("VALK-401-SESSION", MUST, "An unknown X-Player-Token (random, outside 32-40 characters, or a near miss of "
       "a live one): 401 with PAM_ERR_SESSION_NOT_FOUND",
       cite(SEED, "PAM_ERR_SESSION_NOT_FOUND- When no session is found for providedX-Player-Token.")),
    _r("VALK-401-API-TOKEN", MUST, "A missing or wrong api token, also a near miss of the real one: 401 with "
       "PAM_ERR_API_TOKEN",
       cite(SEED, "PAM_ERR_API_TOKEN- WhenAuthorizationheader api token does not match the PAM api token.")),
    _r("VALK-MISSING-PROVIDER", MUST, "An unknown or missing provider is never served with status OK: error code "
       "PAM_ERR_MISSING_PROVIDER, or HTTP 401 with PAM_ERR_SESSION_NOT_FOUND where sessions belong to a provider",
       cite(SEED, "PAM_ERR_MISSING_PROVIDER- When specified query parameterprovideris not found.")),
    _r("VALK-400-MISSING-PROVIDER", SHOULD, "An unknown or missing provider: HTTP 400 with "
       "PAM_ERR_MISSING_PROVIDER", VALK_SPEC),
    _r("VALK-MISSING-CORRELATION-ID", MUST, "A request without X-Correlation-ID is never served with status OK",
       cite(SEED, "X-Correlation-ID string required")),
    _r("VALK-400-CORRELATION-ID", SHOULD, "A request without X-Correlation-ID: HTTP 400 with a JSON PAM error "
       "body, code PAM_ERR_UNDEFINED (Valkyrie reads a PAM error body on any status)", VALK_CLIENT),
    _r("VALK-OTHER-PLAYER", SHOULD, "A live session presented with another existing player's playerId: 401 with "
       "PAM_ERR_SESSION_NOT_FOUND", "decision: answering with a balance under another player's id shows one "
       "player's data to a request for another"),
    _r("VALK-DATA-DECIMALS", MUST, "Amounts have at most 6 decimal places",
       cite(SEED, "Amount in some currency, rounded to 6 decimal places")),
)  # fmt: skip

GENERATED = GeneratedSources(
    answers=cite(SEED, "- 200 - 401 The player balance summary"),
    statuses=Sourced(SHOULD, "decision: the specs list the statuses"),
    auth=Sourced(MUST, cite(SEED, "Invalid session or api key")),
    media_type=cite(SEED, "application/json"),
)

# Statuses the spec documents from the vendor's other material: their shape and media type are SHOULDs.
OTHER_STATUS_SCHEMA = "VALK-SCHEMA-OTHER-STATUS"
OTHER_STATUS_CONTENT_TYPE = "VALK-CONTENT-TYPE-OTHER-STATUS"
OTHER_STATUS_REQUIREMENTS: tuple[Requirement, ...] = (
    _r("VALK-SCHEMA-OTHER-STATUS", SHOULD, "Answers with a status the seed does not document (the spec's 400, or "
       "a business error under another status) match the spec's schema of that status", "decision: the seed "
       "documents 200 and 401; the spec takes its 400 from the vendor's pam_api.yml"),
    _r("VALK-CONTENT-TYPE-OTHER-STATUS", SHOULD, "Answers with a status the seed does not document (the spec's "
       "400) are application/json", VALK_CLIENT),
)  # fmt: skip

# Seed statements no HTTP exchange can confirm; the report lists them with the reason.
UNTESTABLE: tuple[Untestable, ...] = (
    Untestable(SEED, "The value will originate from the game providers that support request identification.",
               "where the value comes from is upstream of the PAM"),
    Untestable(SEED, "Otherwise Valkyrie will generate a value.", "describes Valkyrie, the caller"),
    Untestable(SEED, "Describes the position of the incoming request in its trace graph.",
               "trace propagation is not visible in the balance answer; the suite checks the header is accepted"),
    Untestable(SEED, "Extends traceparent with vendor-specific data", "as for traceparent"),
    Untestable(SEED, "PAM_ERR_GAME_NOT_FOUND- When specifiedproviderGameIdis not found.",
               "this code and the other transaction, round and cancel codes belong to other PAM operations"),
    Untestable(SEED, "PAM_ERR_TIMEOUT- A timeout occurred", "a PAM-side timeout cannot be provoked from outside"),
)  # fmt: skip
