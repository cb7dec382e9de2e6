"""Valkyrie PAM getBalance, as the mock serves it."""

from __future__ import annotations

from balancekit.clock import Clock
from mockserver import security
from mockserver.api import MockApi, Service, TokenCommand
from mockserver.apis.valkyrie.client import CLIENT_REQUIREMENTS, DOCUMENTED_CASES
from mockserver.apis.valkyrie.handlers import (
    NAME,
    Valkyrie,
    check_fault_code,
    error_case,
    render_error,
    render_fault,
)
from mockserver.apis.valkyrie.sandbox import ValkyrieSandbox, build_sandbox
from mockserver.apis.valkyrie.sessions import add_token_arguments, create_session, token_from_sandbox
from mockserver.resources import fixture_schema


def serve(sandbox: ValkyrieSandbox, clock: Clock) -> Service:
    return Service(
        handlers={"getBalance": Valkyrie(sandbox, clock).get_balance},
        security_map=security.bearer_map(
            lambda token: security.verify_shared_token(token, sandbox.api_token, subject=NAME)
        ),
        render_error=render_error,
    )


API = MockApi(
    name=NAME,
    fixture_schema=fixture_schema(NAME),
    build_sandbox=build_sandbox,
    serve=serve,
    render_fault=render_fault,
    check_fault_code=check_fault_code,
    admin_calls={"createSession": create_session},
    client_requirements=CLIENT_REQUIREMENTS,
    documented_cases=DOCUMENTED_CASES,
    error_case=error_case,
    token_command=TokenCommand(
        help="print the token of a new live session of a player, created by a running sandbox",
        add_arguments=add_token_arguments,
        run=token_from_sandbox,
    ),
)
