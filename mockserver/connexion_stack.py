"""connexion's middleware stack as the sandbox runs it: the same layers, two of them quicker on an API request.

- Swagger UI: connexion's layer matches every request against the documentation routes of every API. Here a
  request whose path cannot be one of them goes straight on, as connexion's own layer sends it when nothing
  matches: with a copy of its scope, taken before any routing.
- Routing: connexion registers the APIs in the order of their base paths, which puts the admin API (``/__admin``)
  first. Here its routes are tried after the APIs'. No base path is a prefix of another, so no match changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connexion import ConnexionMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
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


def sandbox_middlewares(*, before_docs: Sequence[Any], centre: Any) -> list[Any]:
    """connexion's default middlewares, with the two above in place of connexion's own, ``before_docs`` just
    before the Swagger UI layer and ``centre`` innermost. (connexion's positions name its own classes, so layers
    meant to go before its Swagger UI layer are placed here.)"""
    stack: list[Any] = []
    for middleware in ConnexionMiddleware.default_middlewares:
        if middleware is SwaggerUIMiddleware:
            stack += [*before_docs, DocsOnTheirPaths]
        elif middleware is RoutingMiddleware:
            stack.append(AdminRoutesLast)
        else:
            stack.append(middleware)
    return [*stack, centre]
