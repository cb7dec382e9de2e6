"""connexion's middleware stack as the sandbox runs it: the same layers, four of them quicker on an API request.

- Swagger UI: connexion's layer matches every request against the documentation routes of every API. Here a
  request whose path cannot be one of them goes straight on, as connexion's own layer sends it when nothing
  matches: with a copy of its scope, taken before any routing.
- Routing: connexion registers the APIs in the order of their base paths, which puts the admin API (``/__admin``)
  first. Here its routes are tried after the APIs'. No base path is a prefix of another, so no match changes.
- Request and response validation: connexion finds a message's Content-Type with a function that builds typing
  annotations at run time, four per call (each a cached lookup that hashes nested typing objects), and it is called
  for every request and every answer: about 7 % of the instructions of an API request. Here the same header gives
  the same media type and encoding, found with a plain loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from connexion import ConnexionMiddleware, utils
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.response_validation import (
    ResponseValidationAPI,
    ResponseValidationMiddleware,
    ResponseValidationOperation,
)
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import AbstractOperation
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from mockserver.admin.location import ADMIN_PREFIX

# The paths connexion serves documentation on, under each API's base path: the spec as JSON or YAML, and Swagger UI
# (``/ui``, its pages and files). A path that ends otherwise and holds no ``/ui`` cannot be one of them.
_SPEC_SUFFIXES = ("/openapi.json", "/openapi.yaml")
_SWAGGER_UI = "/ui"


def may_be_documentation(path: str) -> bool:
    """False for a path that cannot be one of connexion's documentation routes, under any base path."""
    return path.endswith(_SPEC_SUFFIXES) or _SWAGGER_UI in path


class DocsOnTheirPaths(SwaggerUIMiddleware):
    """connexion's Swagger UI layer, consulted only for paths that may be documentation."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not may_be_documentation(scope["path"]):
            await self.app(dict(scope), receive, send)
            return
        await super().__call__(scope, receive, send)


class AdminRoutesLast(RoutingMiddleware):
    """connexion's routing layer, with the admin API's routes tried after the APIs'."""

    def add_api(self, *args: Any, **kwargs: Any) -> None:
        super().add_api(*args, **kwargs)
        # A stable sort: the APIs keep their order, the admin mount goes last.
        self.router.routes.sort(key=lambda route: isinstance(route, Mount) and route.path == ADMIN_PREFIX)


_CONTENT_TYPE = (b"content-type", "content-type")
_UNKNOWN_MEDIA = "application/octet-stream"


def content_type(headers: Iterable[tuple[bytes | str, bytes | str]]) -> tuple[str | None, str]:
    """The media type and encoding a message's headers declare, as connexion's validation reads them: the first
    Content-Type's media type (None without one, for the caller to guess) and charset (utf-8 without one)."""
    for name, value in headers:
        if name.lower() in _CONTENT_TYPE:
            media, encoding = utils.split_content_type(value.decode("latin-1") if isinstance(value, bytes) else value)
            return media, "utf-8" if encoding is None else encoding
    return None, "utf-8"


class _QuickRequestValidation(RequestValidationOperation):
    def extract_content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        media, encoding = content_type(headers)
        # No Content-Type: the operation's first media type is the best guess, as connexion takes it.
        return (next(iter(self._operation.consumes), _UNKNOWN_MEDIA) if media is None else media), encoding


class _QuickResponseValidation(ResponseValidationOperation):
    def extract_content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        media, encoding = content_type(headers)
        return (next(iter(self._operation.produces), _UNKNOWN_MEDIA) if media is None else media), encoding


class _QuickRequestValidationAPI(RequestValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> RequestValidationOperation:
        return _QuickRequestValidation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class _QuickResponseValidationAPI(ResponseValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> ResponseValidationOperation:
        if not self.validate_responses:
            return super().make_operation(operation)
        return _QuickResponseValidation(self.next_app, operation=operation, validator_map=self.validator_map)


class QuickRequestValidation(RequestValidationMiddleware):
    """connexion's request validation, with the Content-Type found by :func:`content_type`."""

    api_cls = _QuickRequestValidationAPI


class QuickResponseValidation(ResponseValidationMiddleware):
    """connexion's response validation, with the Content-Type found by :func:`content_type`."""

    api_cls = _QuickResponseValidationAPI


# connexion's layers and the sandbox's in their place.
_REPLACED = {
    SwaggerUIMiddleware: DocsOnTheirPaths,
    RoutingMiddleware: AdminRoutesLast,
    RequestValidationMiddleware: QuickRequestValidation,
    ResponseValidationMiddleware: QuickResponseValidation,
}


def sandbox_middlewares(*, before_docs: Sequence[Any], centre: Any) -> list[Any]:
    """connexion's default middlewares, with the ones above in place of connexion's own, ``before_docs`` just
    before the Swagger UI layer and ``centre`` innermost. (connexion's positions name its own classes, so layers
    meant to go before its Swagger UI layer are placed here.)"""
    stack: list[Any] = []
    for middleware in ConnexionMiddleware.default_middlewares:
        if middleware is SwaggerUIMiddleware:
            stack += before_docs
        stack.append(_REPLACED.get(middleware, middleware))
    return [*stack, centre]
