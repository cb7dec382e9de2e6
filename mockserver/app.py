"""The connexion AsyncApp serving the three APIs on one port, each under its own prefix."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connexion import AsyncApp, ConnexionMiddleware
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from mockserver import error_bodies, security
from mockserver.admission import Admission
from mockserver.dispatch import HandlerDispatch, Operation
from mockserver.fixtures import Fixtures, load_fixtures
from mockserver.paytronix import AccountInformationBodyValidator, Paytronix
from mockserver.request_guard import RequestGuard
from mockserver.request_log import RequestLogMiddleware, configure_logging
from mockserver.routes import RouteTable
from mockserver.specs import load_spec
from mockserver.validators import JsonBodyValidator, validator_map
from mockserver.valkyrie import Valkyrie
from mockserver.vip_connect import LookupBodyValidator, VipConnect


@dataclass(frozen=True)
class ApiBinding:
    """How one spec is served: where, by which handlers, with which credential check and error shape."""

    name: str
    handlers: dict[str, Callable[..., Any]]  # operationId -> handler
    security_map: dict[str, Any]
    body_validator: type[JsonBodyValidator]
    render_error: error_bodies.Renderer

    @property
    def prefix(self) -> str:
        return f"/{self.name}"


def api_bindings(fixtures: Fixtures) -> list[ApiBinding]:
    vip, ptx, valk = fixtures.vip_connect, fixtures.paytronix, fixtures.valkyrie
    vip_connect, paytronix, valkyrie = VipConnect(vip), Paytronix(ptx), Valkyrie(valk)
    verify_operator_jwt = security.OperatorJwtVerifier(vip.operator_keys(), vip.audiences)
    return [
        ApiBinding(
            name="vip-connect",
            handlers={"accountLookup": vip_connect.account_lookup},
            security_map=security.bearer_map(verify_operator_jwt),
            body_validator=LookupBodyValidator,
            render_error=error_bodies.vip_connect_error,
        ),
        ApiBinding(
            name="paytronix",
            handlers={
                "postAccountInformation": paytronix.post_account_information,
                "getAccountInformation": paytronix.get_account_information,
            },
            security_map=security.basic_map(lambda user, password: security.verify_client(user, password, ptx.clients)),
            body_validator=AccountInformationBodyValidator,
            render_error=error_bodies.paytronix_error(ptx.errors),
        ),
        ApiBinding(
            name="valkyrie",
            handlers={"getBalance": valkyrie.get_balance},
            security_map=security.bearer_map(
                lambda token: security.verify_shared_token(token, valk.api_token, subject="valkyrie")
            ),
            body_validator=JsonBodyValidator,
            render_error=error_bodies.valkyrie_error,
        ),
    ]


def _operations(bindings: list[ApiBinding]) -> dict[tuple[str, str], Operation]:
    operations = {}
    for binding in bindings:
        for item in load_spec(binding.name)["paths"].values():
            for method in ("get", "post"):
                if method in item:
                    operation_id = item[method]["operationId"]
                    handler = binding.handlers[operation_id]
                    operations[(binding.prefix, operation_id)] = Operation.for_handler(handler, item[method], item)
    return operations


# How `mockserver serve --workers N` tells its worker processes what to serve.
FIXTURES_ENV = "MOCKSERVER_FIXTURES"
LOG_LEVEL_ENV = "MOCKSERVER_LOG_LEVEL"


def app_for_worker() -> AsyncApp:
    """The app of one worker process: the parent checked the fixtures and passed their directory on."""
    configure_logging(os.environ.get(LOG_LEVEL_ENV, "info"))
    app = create_app(load_fixtures(os.environ[FIXTURES_ENV]))
    gc.freeze()  # as `mockserver serve` does for its one process: see cli.py
    return app


def create_app(fixtures: Fixtures | None = None) -> AsyncApp:
    """The mock server for ``fixtures`` (the bundled fixtures by default), with validation both ways."""
    bindings = api_bindings(fixtures if fixtures is not None else load_fixtures())
    # connexion's whole default stack, then the direct call of our handlers at its centre.
    dispatch = functools.partial(HandlerDispatch, operations=_operations(bindings))
    app = AsyncApp(__name__, middlewares=[*ConnexionMiddleware.default_middlewares, dispatch])
    for binding in bindings:
        app.add_api(
            load_spec(binding.name),
            base_path=binding.prefix,
            name=binding.name,
            resolver=Resolver(function_resolver=binding.handlers.__getitem__),
            strict_validation=True,
            validate_responses=True,
            validator_map=validator_map(binding.body_validator),
            security_map=binding.security_map,
            swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        )
    routes = RouteTable({binding.prefix: load_spec(binding.name) for binding in bindings})
    handle_error = error_bodies.ErrorBodies({binding.prefix: binding.render_error for binding in bindings}, routes)
    # Starlette picks a handler by the exception's MRO, so connexion's own handlers must be replaced one by one.
    for exception_class in (ProblemException, HTTPException, Exception):
        app.add_error_handler(exception_class, handle_error)
    app.add_middleware(RequestLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    # Inside the error handling, so that what it refuses gets the API's error body; before any routing.
    app.add_middleware(RequestGuard, position=MiddlewarePosition.BEFORE_SWAGGER, routes=routes)

    # Outermost but for the access log: a probe or a queued request is logged like any other.
    prefixes = {binding.name: binding.prefix for binding in bindings}
    app.add_middleware(Admission, position=MiddlewarePosition.BEFORE_EXCEPTION, prefixes=prefixes)
    return app
