"""Checks before routing: refusals from the HTTP layer, request targets that are not UTF-8 text or hide a slash,
and no redirect to an added or removed trailing slash."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from connexion.exceptions import BadRequestProblem
from starlette.exceptions import HTTPException
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import OversizedRequest
from mockserver.routes import RouteTable

# The scope extension through which the HTTP layer (http_protocol.py) hands a refused request to the app, so that
# the refusal is answered in the owning API's shape and logged like any other answer.
REFUSAL = "mockserver.refusal"

_ENCODED_SLASH = re.compile(r"%2f", re.IGNORECASE)


class RequestGuard:
    """Sits inside connexion's error handling and before its routing, so what it refuses gets the API's error body."""

    def __init__(self, app: ASGIApp, *, routes: RouteTable) -> None:
        self.app = app
        self._routes = routes
        self._redirects_disabled = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._redirects_disabled:
            # connexion adds its routers when it builds its stack, which it does before the first call reaches here.
            disable_slash_redirects(self.app)
            self._redirects_disabled = True
        if scope["type"] == "http":
            self.check(scope)
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> None:
        refusal = scope.get("extensions", {}).get(REFUSAL)
        if refusal is not None:
            status, detail = refusal
            if status == 400:
                raise BadRequestProblem(detail=detail)
            raise OversizedRequest(status, detail)
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        query: bytes = scope.get("query_string", b"")
        if b"%" in raw_path or b"%" in query:
            # uvicorn and Starlette decode percent escapes leniently (invalid UTF-8 becomes U+FFFD), so a value the
            # client never sent would reach validation and the handlers.
            for part in (raw_path, query):
                try:
                    unquote_to_bytes(part).decode("utf-8")
                except UnicodeDecodeError:
                    raise BadRequestProblem(
                        detail="The request target holds percent-encoded bytes that are not UTF-8 text."
                    ) from None
        path = routable_path(scope)
        if path != scope["path"]:
            # uvicorn decodes %2F into the path Starlette routes on, where it would act as a separator.
            if self._routes.allow(path) is None:
                raise HTTPException(404)
            raise BadRequestProblem(
                detail="A path parameter holds an encoded slash (%2F); no value of this API has one."
            )


def routable_path(scope: Scope) -> str:
    """The request's path as routing should see it: decoded, except that an encoded slash stays ``%2F``."""
    raw_path: bytes = scope.get("raw_path") or b""
    if b"%" not in raw_path or not _ENCODED_SLASH.search(raw := raw_path.decode("latin-1")):
        return str(scope["path"])
    return "%2F".join(unquote(part) for part in _ENCODED_SLASH.split(raw))


def disable_slash_redirects(app: Any) -> None:
    """Turn off Starlette's trailing-slash redirect in every router reachable from ``app``.

    Starlette answers a path that differs from a route by a trailing slash with a 307 whose Location is built from
    the request's Host header: an open redirect, and an answer no spec documents. Without it, such a path gets the
    API's 404.
    """
    seen: set[int] = set()
    pending = [app]
    while pending:
        node = pending.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Router):
            node.redirect_slashes = False
            pending.extend(getattr(route, "app", None) for route in node.routes)
            pending.append(node.default)
        # connexion's middlewares keep the next layer in `app` and their routes in `router`; routing operations keep
        # the next layer in `next_app`.
        pending.extend(getattr(node, name, None) for name in ("app", "router", "next_app"))
