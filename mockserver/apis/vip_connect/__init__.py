"""VIP Connect Patron Account Inquiry, as the mock serves it."""

from __future__ import annotations

from balancekit.clock import Clock
from mockserver import security
from mockserver.api import MockApi, Service, TokenCommand
from mockserver.apis.vip_connect.client import CLIENT_REQUIREMENTS, DOCUMENTED_CASES
from mockserver.apis.vip_connect.credentials import NAME, add_token_arguments, mint_operator_token, token_from_fixtures
from mockserver.apis.vip_connect.handlers import (
    LookupBodyValidator,
    VipConnect,
    check_fault_code,
    error_case,
    render_error,
    render_fault,
)
from mockserver.apis.vip_connect.operator_jwt import OperatorJwtVerifier
from mockserver.apis.vip_connect.sandbox import VipSandbox, build_sandbox
from mockserver.resources import fixture_schema


def serve(sandbox: VipSandbox, clock: Clock) -> Service:
    verify_operator_jwt = OperatorJwtVerifier(sandbox.operator_keys(), sandbox.audiences, clock)
    return Service(
        handlers={"accountLookup": VipConnect(sandbox).account_lookup},
        security_map=security.bearer_map(verify_operator_jwt),
        render_error=render_error,
    )


API = MockApi(
    name=NAME,
    fixture_schema=fixture_schema(NAME),
    build_sandbox=build_sandbox,
    serve=serve,
    body_validator=LookupBodyValidator,
    identity_fields=frozenset({"idnumber", "ssn", "vipaccountnumber"}),
    render_fault=render_fault,
    check_fault_code=check_fault_code,
    admin_calls={"mintOperatorToken": mint_operator_token},
    client_requirements=CLIENT_REQUIREMENTS,
    documented_cases=DOCUMENTED_CASES,
    error_case=error_case,
    token_command=TokenCommand(
        help="print an operator's JWT, made offline from the fixtures",
        add_arguments=add_token_arguments,
        run=token_from_fixtures,
    ),
)
