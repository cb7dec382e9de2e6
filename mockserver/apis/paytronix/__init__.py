"""Paytronix Guest Service accountInformation, as the mock serves it."""

from __future__ import annotations

import functools

from balancekit.clock import Clock
from mockserver import security
from mockserver.api import MockApi, Service, TokenCommand
from mockserver.apis.paytronix.access_tokens import NAME, add_token_arguments, create_access_token, token_from_sandbox
from mockserver.apis.paytronix.client import CLIENT_REQUIREMENTS, DOCUMENTED_CASES
from mockserver.apis.paytronix.handlers import (
    AccountInformationBodyValidator,
    Paytronix,
    error_case,
    render_error,
    render_fault,
    verify_client,
)
from mockserver.apis.paytronix.sandbox import PaytronixSandbox, build_sandbox
from mockserver.resources import fixture_schema


def serve(sandbox: PaytronixSandbox, clock: Clock) -> Service:
    paytronix = Paytronix(sandbox, clock)
    return Service(
        handlers={
            "postAccountInformation": paytronix.post_account_information,
            "getAccountInformation": paytronix.get_account_information,
        },
        security_map=security.basic_map(functools.partial(verify_client, clients=sandbox.clients)),
        render_error=render_error(sandbox.errors),
    )


API = MockApi(
    name=NAME,
    fixture_schema=fixture_schema(NAME),
    build_sandbox=build_sandbox,
    serve=serve,
    body_validator=AccountInformationBodyValidator,
    identity_fields=frozenset({"printedcardnumber", "registrationcode"}),
    render_fault=render_fault,
    admin_calls={"createAccessToken": create_access_token},
    client_requirements=CLIENT_REQUIREMENTS,
    documented_cases=DOCUMENTED_CASES,
    error_case=error_case,
    token_command=TokenCommand(
        help="print a new OAuth access token of a guest account, added by a running sandbox",
        add_arguments=add_token_arguments,
        run=token_from_sandbox,
    ),
)
