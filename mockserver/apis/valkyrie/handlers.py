"""Valkyrie PAM's handler of ``GET /players/{playerId}/balance``, its error body and its faults' error body."""

from __future__ import annotations

from typing import Any

from connexion.context import request

from balancekit.clock import Clock, utc_now
from balancekit.specs import load_spec, spec_path
from mockserver import prefer
from mockserver.apis.valkyrie.client import CASE_OF_CODE
from mockserver.apis.valkyrie.sandbox import ValkyrieSandbox, pam_error
from mockserver.error_bodies import Problem, Rendered
from mockserver.journal.exchange import reached

NAME = "valkyrie"


class Valkyrie:
    """The handler of ``GET /players/{playerId}/balance``."""

    def __init__(self, sandbox: ValkyrieSandbox, clock: Clock) -> None:
        self.sandbox = sandbox
        self.clock = clock  # a session's expiry is compared with it

    async def get_balance(self, playerId: str, provider: str) -> tuple[dict[str, Any], int, dict[str, str]]:  # noqa: N803
        # connexion validates header parameters but passes only path and query ones to handlers.
        headers = request.headers
        now = utc_now(self.clock)
        case = prefer.requested_example(headers)
        if case:
            outcome = self.sandbox.case(case, now)
        else:
            outcome = self.sandbox.balance(playerId, provider, headers["x-player-token"], now)
        # The case reached, through the session and its player (a fault may name either).
        reached(outcome.case, *outcome.entities, forced=bool(case), documented=documented_case(outcome.body))
        return outcome.body, outcome.status, prefer.applied(case)


def documented_case(body: dict[str, Any]) -> str | None:
    """The documented case of a PAM answer (client_verdict's stable names): `ok`, or its error code's case."""
    if body.get("status") == "OK":
        return "ok"
    return CASE_OF_CODE.get(body.get("error", {}).get("code", ""))


def error_case(problem: Problem) -> str | None:
    """The documented cases answered before the handler: a refused api token, a token outside 32-40 characters (no
    session has one), a missing provider."""
    if problem.kind == "auth":
        return "api_token"
    return {"X-Player-Token": "session_not_found", "provider": "missing_provider"}.get(problem.parameter or "")


def render_error(problem: Problem) -> Rendered:
    """The PAM body: a bad api token or session is a 401, a missing provider a 400, the rest undefined."""
    if problem.kind == "auth":
        return 401, pam_error("PAM_ERR_API_TOKEN", problem.detail), {}
    if problem.parameter == "X-Player-Token":
        return 401, pam_error("PAM_ERR_SESSION_NOT_FOUND", problem.detail), {}
    if problem.parameter == "provider":
        return 400, pam_error("PAM_ERR_MISSING_PROVIDER", problem.detail), {}
    status = 400 if problem.kind == "media_type" else problem.status
    return status, pam_error("PAM_ERR_UNDEFINED", problem.detail), {}


def render_fault(status: int | None, code: str | None, message: str) -> Rendered:
    """An `error` fault's answer: the PAM error body, ``PAM_ERR_UNDEFINED`` and 500 unless others are asked for (the
    vendor stub's broken mode answers 500 ``PAM_ERR_UNDEFINED``; ``PAM_ERR_TIMEOUT`` says the PAM timed out)."""
    return status or 500, pam_error(code or "PAM_ERR_UNDEFINED", message), {}


def check_fault_code(code: str) -> str | None:
    """An error fault's code is one of the seed's PAM_ERR_* codes, as the spec lists them."""
    codes = load_spec(spec_path(NAME))["components"]["schemas"]["PamErrorCode"]["enum"]
    return None if code in codes else "one of the seed's PAM_ERR_* codes"
