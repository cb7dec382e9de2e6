"""VIP Connect Patron Account Inquiry, as the mock serves it."""

from __future__ import annotations

from balancekit.clock import Clock
from mockserver import security
from mockserver.api import MockApi, Service
from mockserver.apis.vip_connect.handlers import LookupBodyValidator, VipConnect, render_error
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
    name="vip-connect",
    fixture_schema=fixture_schema("vip-connect"),
    build_sandbox=build_sandbox,
    serve=serve,
    body_validator=LookupBodyValidator,
    identity_fields=frozenset({"idnumber", "ssn", "vipaccountnumber"}),
)
