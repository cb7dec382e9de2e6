"""VIP Connect's handler of ``POST /api/patronsession/accountlookup``, its body validator and its error body."""

from __future__ import annotations

import copy
from typing import Any, cast

from connexion.context import context, request
from jsonschema import ValidationError

from mockserver import prefer
from mockserver.apis.vip_connect.sandbox import NOT_FOUND_CASE, Account, Operator, VipSandbox
from mockserver.error_bodies import Problem, Rendered
from mockserver.journal.exchange import reached
from mockserver.validators import JsonBodyValidator

_ID_FIELDS = ("IdType", "IdNumber", "IdState")


class LookupBodyValidator(JsonBodyValidator):
    """Says in words what the 'not both' rule wants; the schema's oneOf alone gives a vague message."""

    def explain(self, body: Any, errors: list[ValidationError]) -> str:
        if isinstance(body, dict):
            has_number = "VipAccountNumber" in body
            has_id = any(name in body for name in _ID_FIELDS)
            if has_number and has_id:
                return "Send ID details (IdType, IdNumber, IdState) or VipAccountNumber, not both."
            if not has_number and not has_id:
                return "Send ID details (IdType, IdNumber, IdState) or VipAccountNumber."
            if has_id and body.get("IdType") != "SS" and not body.get("IdState"):
                return "IdState is required unless IdType is SS."
        judged = [judged for judged in map(_by_form_rules, errors) if judged is not None]
        return super().explain(body, judged or errors)


def _by_form_rules(error: ValidationError) -> ValidationError | None:
    """A failed oneOf of the two forms as their rules alone judge it: None when one form passes them.

    Each form repeats the request's field types so that generated clients get complete models, and the request's
    own properties report a bad field already. What the forms add is their rules (which fields go together), so
    the field errors inside them are left out, and the message is the one of the rules.
    """
    if error.validator != "oneOf":
        return error
    # A form's field error sits at [form index, "properties", field, ...] in the oneOf's schema path.
    rules = [inner for inner in error.context if list(inner.relative_schema_path)[1:2] != ["properties"]]
    failing_forms = {inner.relative_schema_path[0] for inner in rules}
    if len(cast(list[Any], error.validator_value)) - len(failing_forms) == 1:
        return None
    judged = copy.copy(error)
    judged.context = rules
    return judged


class VipConnect:
    """The handler of ``POST /api/patronsession/accountlookup``."""

    def __init__(self, sandbox: VipSandbox) -> None:
        self.sandbox = sandbox

    async def account_lookup(self, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        operator: Operator = context["token_info"]["operator"]
        case = prefer.requested_example(request.headers)
        account = self.sandbox.case(case) if case else self.sandbox.find(body)
        headers = prefer.applied(case)
        # The case reached, through the account and the operator whose token was sent (a fault may name either).
        if account is None:
            reached(NOT_FOUND_CASE, operator.name, forced=bool(case), documented=NOT_FOUND_CASE)
            return self.sandbox.errors["account_not_found"], 404, headers
        reached(account.name, account.name, operator.name, forced=bool(case), documented=documented_case(account, body))
        if account.closed:
            return self.sandbox.errors["account_closed"], 400, headers
        # The bankAccounts toggle belongs to the operator that signed the token, not to the request.
        return account.response(with_bank_accounts=operator.bank_accounts), 200, headers


def documented_case(account: Account, body: dict[str, Any]) -> str:
    """The documented case an account's answer is (client_verdict's stable names): closed, or found by ID details,
    or the account's product found by VIP number."""
    if account.closed:
        return "account_closed"
    return account.product if "VipAccountNumber" in body else "by_id_details"


def error_case(problem: Problem) -> str | None:
    """A refused JWT is the documented 401; no other error body is a documented case."""
    return "invalid_jwt" if problem.kind == "auth" else None


_VIP_PATRON_MESSAGE = (
    "We are unable to complete this request. Please contact our Customer Service Team at 1-800-500-1973."
)
_VIP_OPERATOR_MESSAGES = {
    "auth": "The JWT token provided in the request is not valid.",
    "route": "No such endpoint.",
    "limit": "Request too large.",
    "method": "Method not allowed.",
    "server": "Internal error.",
}


def _error_body(code: str, operator_message: str, decline: str) -> dict[str, str]:
    return {
        "errorCode": code,
        "transactionStage": "VIP Account Inquiry",
        "operatorErrorMessage": operator_message,
        "operatorDeclineDescription": decline,
        "patronErrorMessage": _VIP_PATRON_MESSAGE,
    }


def render_error(problem: Problem) -> Rendered:
    """VIP's five-field error body. Its own codes are the HTTP status; an unsupported body type is a 400,
    since the seed answers 400 for 'all other cases'."""
    status = 400 if problem.kind == "media_type" else problem.status
    body = _error_body(str(status), _VIP_OPERATOR_MESSAGES.get(problem.kind, "Invalid request."), problem.detail)
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if problem.kind == "auth" else {}
    return status, body, headers


def render_fault(status: int | None, code: str | None, message: str) -> Rendered:
    """An `error` fault's answer: the five-field body, with the code asked for or the status (500 by default)."""
    status = status or 500
    return status, _error_body(code or str(status), _VIP_OPERATOR_MESSAGES["server"], message), {}


def check_fault_code(code: str) -> str | None:
    """VIP error codes are strings of digits ("12", "13")."""
    return None if code.isdigit() else "a VIP errorCode of digits"
