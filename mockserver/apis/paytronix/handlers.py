"""Paytronix's accountInformation handlers (POST and GET), their body validator, client check and error body."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from connexion.context import context, request
from connexion.exceptions import OAuthProblem
from jsonschema import ValidationError

from balancekit.clock import Clock, utc_now
from mockserver import prefer
from mockserver.apis.paytronix.sandbox import Client, PaytronixSandbox
from mockserver.error_bodies import Problem, Rendered, Renderer
from mockserver.journal.exchange import reached
from mockserver.validators import JsonBodyValidator

# The fields each authentication style needs next to `authentication` and `merchantId`.
STYLE_FIELDS = {
    "oauth": ("access_token",),
    "card": ("printedCardNumber", "registrationCode"),
    "guest": ("username", "password"),
}

Answer = tuple[dict[str, Any], int, dict[str, str]]


def missing_style_fields(fields: dict[str, Any]) -> str | None:
    """A sentence naming the fields the request's authentication style needs but lacks, if any."""
    needed = STYLE_FIELDS.get(fields.get("authentication"), ())  # type: ignore[arg-type]
    missing = [name for name in needed if name not in fields]
    return f"{fields['authentication']} authentication needs {', '.join(missing)}." if missing else None


class AccountInformationBodyValidator(JsonBodyValidator):
    """Names the fields an authentication style lacks; the schema's oneOf alone gives a vague message."""

    def explain(self, body: Any, errors: list[ValidationError]) -> str:
        # A wrong field (type, unknown style) says more than the style rule it makes fail too.
        field_errors = [error for error in errors if error.validator != "oneOf"]
        sentence = missing_style_fields(body) if isinstance(body, dict) and not field_errors else None
        return sentence or super().explain(body, field_errors or errors)


class Paytronix:
    """The handlers of ``POST`` and ``GET /rest/{release}/guest/accountInformation.json``."""

    def __init__(self, sandbox: PaytronixSandbox, clock: Clock) -> None:
        self.sandbox = sandbox
        self.clock = clock  # an access token's expiry is compared with it

    async def post_account_information(self, release: str, body: dict[str, Any]) -> Answer:
        return self._answer(body, "post")

    async def get_account_information(self, release: str, **query: Any) -> Answer:
        # A query string cannot carry the per-style requirements the POST schema states, so they are checked here.
        missing = missing_style_fields(query)
        if missing:
            invalid = self.sandbox.errors["invalid_inputs"]
            return (
                {
                    "result": "failure",
                    "errorCode": invalid["errorCode"],
                    "errorMessage": f"{invalid['errorMessage']} {missing}",
                },
                400,
                {},
            )
        return self._answer(query, "get")

    def _answer(self, fields: dict[str, Any], method: str) -> Answer:
        client: Client = context["token_info"]["client"]
        forced = prefer.requested_example(request.headers)
        if forced:
            outcome = self.sandbox.case(forced)
        else:
            outcome = self.sandbox.account_information(fields, client, utc_now(self.clock))
        # The case reached, through the account and the integration client (a fault may name either).
        entities = [outcome.account] if outcome.account else []
        documented = documented_case(outcome.body["result"], fields["authentication"], method)
        reached(outcome.case, *entities, client.name, forced=bool(forced), documented=documented)
        return outcome.body, 200, prefer.applied(forced)


def documented_case(result: str, style: str, method: str) -> str:
    """The documented case of an answer (client_verdict's stable names): a success is its style on its method."""
    return f"{style}_{method}" if result == "success" else result


def error_case(problem: Problem) -> str | None:
    """Refused client credentials are the documented 401; no other error body is a documented case."""
    return "bad_client_credentials" if problem.kind == "auth" else None


def verify_client(username: str, password: str, clients: Mapping[str, tuple[Any, str]]) -> dict[str, Any]:
    """Check HTTP Basic ``client_id:client_secret`` against the configured integration clients, in constant time."""
    known = clients.get(username)
    if known is None or not hmac.compare_digest(password.encode(), known[1].encode()):
        raise OAuthProblem(detail="The client credentials are not valid.")
    return {"sub": username, "client": known[0]}


def render_fault(status: int | None, code: str | None, message: str) -> Rendered:
    """An `error` fault's answer: a failure body with the code asked for (``system.error`` by default), 500 unless
    another status is asked for."""
    return status or 500, {"result": "failure", "errorCode": code or "system.error", "errorMessage": message}, {}


def render_error(errors: Mapping[str, Mapping[str, str]]) -> Renderer:
    """Paytronix's failure body, with the fixture's codes for bad inputs and bad client credentials."""

    def render(problem: Problem) -> Rendered:
        if problem.kind == "auth":
            body = {"result": "failure", **errors["invalid_client"]}
            return 401, body, {"WWW-Authenticate": 'Basic realm="Paytronix sandbox"'}
        codes = {
            "route": "request.not_found",
            "method": "request.method_not_allowed",
            "server": "system.error",
            "example": "request.unknown_example",
            "limit": "request.too_large",
        }
        if problem.kind in codes:
            body = {"result": "failure", "errorCode": codes[problem.kind], "errorMessage": problem.detail}
            return problem.status, body, {}
        invalid = errors["invalid_inputs"]
        message = f"{invalid['errorMessage']} {problem.detail}"
        return 400, {"result": "failure", "errorCode": invalid["errorCode"], "errorMessage": message}, {}

    return render
