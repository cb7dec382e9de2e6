"""The connexion AsyncApp serving every API on one port, each under its own prefix."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Sequence

from connexion import AsyncApp, ConnexionMiddleware
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from balancekit.clock import Clock, wall_clock
from mockserver.admission import Admission
from mockserver.api import MockApi, Service
from mockserver.apis import APIS
from mockserver.dispatch import HandlerDispatch, Operation
from mockserver.error_bodies import ErrorBodies
from mockserver.fixtures import Fixtures, load_fixtures
from mockserver.request_guard import RequestGuard
from mockserver.request_log import RequestLogMiddleware, configure_logging
from mockserver.routes import HTTP_METHODS, RouteTable
from mockserver.validators import ValidationMemory, validator_map


def _operations(served: Sequence[tuple[MockApi, Service]]) -> dict[tuple[str, str], Operation]:
    operations = {}
    for api, service in served:
        for item in api.spec["paths"].values():
            for method in HTTP_METHODS:
                if method in item:
                    operation_id = item[method]["operationId"]
                    handler = service.handlers[operation_id]
                    operations[(api.prefix, operation_id)] = Operation.for_handler(handler, item[method], item)
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


def create_app(
    fixtures: Fixtures | None = None, *, apis: Sequence[MockApi] = APIS, clock: Clock = wall_clock
) -> AsyncApp:
    """The mock server of ``apis`` for ``fixtures`` (the bundled fixtures by default), with validation both ways;
    ``clock`` gives the time that token and session expiry are compared with."""
    fixtures = fixtures if fixtures is not None else load_fixtures(apis=apis)
    served = [(api, api.serve(fixtures[api.name], clock)) for api in apis]
    # connexion's whole default stack, then the direct call of our handlers at its centre.
    dispatch = functools.partial(HandlerDispatch, operations=_operations(served))
    app = AsyncApp(__name__, middlewares=[*ConnexionMiddleware.default_middlewares, dispatch])
    memory = ValidationMemory()
    for api, service in served:
        app.add_api(
            api.spec,
            base_path=api.prefix,
            name=api.name,
            resolver=Resolver(function_resolver=service.handlers.__getitem__),
            strict_validation=True,
            validate_responses=True,
            validator_map=validator_map(api.body_validator, memory, api.identity_fields),
            security_map=dict(service.security_map),
            swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        )
    routes = RouteTable({api.prefix: api.spec for api in apis})
    handle_error = ErrorBodies({api.prefix: service.render_error for api, service in served}, routes)
    # Starlette picks a handler by the exception's MRO, so connexion's own handlers must be replaced one by one.
    for exception_class in (ProblemException, HTTPException, Exception):
        app.add_error_handler(exception_class, handle_error)
    app.add_middleware(RequestLogMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    # Inside the error handling, so that what it refuses gets the API's error body; before any routing.
    app.add_middleware(RequestGuard, position=MiddlewarePosition.BEFORE_SWAGGER, routes=routes)

    # Outermost but for the access log: a probe or a queued request is logged like any other.
    prefixes = {api.name: api.prefix for api in apis}
    app.add_middleware(Admission, position=MiddlewarePosition.BEFORE_EXCEPTION, prefixes=prefixes)
    return app
