"""What Valkyrie PAM asks of an integrator's client (the aggregator side of getBalance), judged from the journal, and
the cases it documents."""

from __future__ import annotations

from balancekit.requirements import Level, cite, requirements_of
from mockserver.client_verdict.catalogue import (
    ClientRequirement,
    DocumentedCase,
    Entry,
    conforms_to_spec,
    credentials,
    header,
    query,
    quoted,
    text_length,
)

SEED = "004_f21aa5306a131be3.txt"
PAM_SPEC = "https://github.com/valkyrie-fnd/valkyrie/blob/fe49faa/pam/pam_api.yml"
MUST, SHOULD = Level.MUST, Level.SHOULD
_r = requirements_of("valkyrie")
TOKEN_LENGTHS = range(32, 41)

DOCUMENTED_CASES = (
    DocumentedCase("ok", "A live session: status OK with the balance"),
    DocumentedCase("player_not_found", "An unknown playerId: PAM_ERR_PLAYER_NOT_FOUND"),
    DocumentedCase("session_expired", "An expired session: PAM_ERR_SESSION_EXPIRED"),
    DocumentedCase("session_not_found", "An unknown X-Player-Token: 401 PAM_ERR_SESSION_NOT_FOUND"),
    DocumentedCase("api_token", "An api token the PAM refuses: 401 PAM_ERR_API_TOKEN"),
    DocumentedCase("missing_provider", "An unknown or missing provider: PAM_ERR_MISSING_PROVIDER"),
    DocumentedCase("account_not_found", "A player without an account: PAM_ERR_ACC_NOT_FOUND", required=False),
)
# The documented case of each PAM error code the sandbox answers with; status OK is `ok`.
CASE_OF_CODE = {
    "PAM_ERR_PLAYER_NOT_FOUND": "player_not_found",
    "PAM_ERR_SESSION_EXPIRED": "session_expired",
    "PAM_ERR_SESSION_NOT_FOUND": "session_not_found",
    "PAM_ERR_API_TOKEN": "api_token",
    "PAM_ERR_MISSING_PROVIDER": "missing_provider",
    "PAM_ERR_ACC_NOT_FOUND": "account_not_found",
}


def _balance_call(entry: Entry) -> bool:
    return entry.get("operation") == "getBalance"


def sends_a_correlation_id(entry: Entry) -> list[str] | None:
    if not _balance_call(entry):
        return None
    return [] if header(entry, "x-correlation-id") is not None else ["no X-Correlation-ID header"]


def sends_a_player_token(entry: Entry) -> list[str] | None:
    if not _balance_call(entry):
        return None
    token = header(entry, "x-player-token")
    if token is None:
        return ["no X-Player-Token header"]
    length = text_length(token)
    if length is None or length in TOKEN_LENGTHS:
        return []
    return [f"the X-Player-Token is {length} characters long, not 32 to 40"]


def names_the_provider(entry: Entry) -> list[str] | None:
    if not _balance_call(entry):
        return None
    sent = query(entry)
    if sent is None:
        return None
    provider = sent.get("provider")
    return [] if isinstance(provider, str) and provider else ["no provider query parameter"]


def sends_the_api_token(entry: Entry) -> list[str] | None:
    if not _balance_call(entry):
        return None
    found = credentials(entry)
    if found is None:
        return ["no Authorization header"]
    return [] if found.get("scheme") == "bearer" else [f"the Authorization scheme is {quoted(found.get('scheme'))}"]


CLIENT_REQUIREMENTS = (
    ClientRequirement(_r("CLIENT-VALK-CORRELATION-ID", MUST, "Every balance call carries X-Correlation-ID",
        cite(SEED, "X-Correlation-ID string required")), sends_a_correlation_id),
    ClientRequirement(_r("CLIENT-VALK-PLAYER-TOKEN", MUST, "Every balance call carries an X-Player-Token of 32 to 40 "
        "characters", cite(SEED, ">= 32 charactersand<= 40 charactersPlayer game session identifier")),
        sends_a_player_token),
    ClientRequirement(_r("CLIENT-VALK-PROVIDER", MUST, "Every balance call names the game provider in provider",
        cite(SEED, "provider string required")), names_the_provider),
    ClientRequirement(_r("CLIENT-VALK-API-TOKEN", SHOULD, "Every balance call carries the PAM api token as "
        "Authorization: Bearer", PAM_SPEC), sends_the_api_token),
    ClientRequirement(_r("CLIENT-VALK-CONFORMS", SHOULD, "Every request conforms to the spec (path, method, "
        "parameters, headers)", "decision: the spec states the vendor's request in full; the seed's own words are "
        "the MUSTs above"), conforms_to_spec),
)  # fmt: skip
