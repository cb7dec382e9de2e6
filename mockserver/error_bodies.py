"""Each API's own error body for problems met around a handler: routing, auth, validation, crashes.

Connexion's handlers are app-wide and answer ``application/problem+json``; no client of these APIs expects
that, so one handler classifies the problem and the API owning the path prefix renders it in its own shape (the
renderer of its MockApi).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from connexion.exceptions import (
    BadRequestProblem,
    NonConformingResponse,
    OAuthProblem,
    ProblemException,
    UnsupportedMediaTypeProblem,
)
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mockserver.errors import InvalidParameter, OversizedRequest, UnknownExample
from mockserver.journal.exchange import exchange_in
from mockserver.redaction import cut
from mockserver.request_guard import routable_path
from mockserver.routes import RouteTable

logger = logging.getLogger("mockserver.errors")


@dataclass(frozen=True)
class Problem:
    """What went wrong, before any API gives it a shape."""

    status: int
    kind: str  # auth, parameter, body, media_type, example, route, method, limit, server
    detail: str
    parameter: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


Rendered = tuple[int, dict[str, Any], dict[str, str]]
Renderer = Callable[[Problem], Rendered]
# The documented case a problem's error body is (an API's stable case name, a refused credential say), or None.
CaseOfProblem = Callable[[Problem], str | None]


# Details are written by the mock and quote client values cut to redaction.ECHO_LIMIT; this bounds what
# connexion or Starlette write (connexion quotes the client's whole Content-Type, for one).
MAX_DETAIL = 1024


class WithheldError(Exception):
    """Stands in for an unexpected exception in the log: its type and traceback, without its message."""


def classify(exc: Exception) -> Problem:
    """The problem behind an exception raised by connexion, Starlette or a handler."""
    problem = _classify(exc)
    return problem if len(problem.detail) <= MAX_DETAIL else replace(problem, detail=cut(problem.detail, MAX_DETAIL))


def _classify(exc: Exception) -> Problem:
    if isinstance(exc, OAuthProblem):
        return Problem(401, "auth", str(exc.detail))
    if isinstance(exc, InvalidParameter):
        return Problem(400, "parameter", str(exc.detail), parameter=exc.name)
    if isinstance(exc, UnknownExample):
        return Problem(400, "example", str(exc.detail))
    if isinstance(exc, OversizedRequest):
        return Problem(exc.status, "limit", str(exc.detail))
    if isinstance(exc, UnsupportedMediaTypeProblem):
        return Problem(415, "media_type", f"The request body must be JSON: {exc.detail}")
    if isinstance(exc, BadRequestProblem):
        return Problem(400, "body", str(exc.detail))
    if isinstance(exc, NonConformingResponse):
        # A sandbox answer that breaks its own spec is a defect of the mock, never the client's fault.
        logger.error("response does not conform to the spec: %s", exc.detail)
        return Problem(500, "server", "The sandbox produced an answer that does not match its spec.")
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            return Problem(404, "route", "No operation is served at this path.", headers=headers)
        if exc.status_code == 405:
            return Problem(405, "method", "This method is not served at this path.", headers=headers)
        kind = "body" if isinstance(exc, ProblemException) else "route"
        return Problem(exc.status_code, kind, str(exc.detail), headers=headers)
    # Where it failed, not the exception's message: that may quote a client's value, a password among them.
    withheld = WithheldError(f"{type(exc).__name__} (its message is not logged: it may quote a client's value)")
    logger.error("unexpected error while answering a request", exc_info=withheld.with_traceback(exc.__traceback__))
    return Problem(500, "server", "The sandbox failed to answer this request.")


def outside_apis_error(prefixes: list[str]) -> Renderer:
    """Paths that belong to no API get a small JSON body that lists where the APIs are."""

    def render(problem: Problem) -> Rendered:
        return problem.status, {"message": problem.detail, "apis": prefixes}, {}

    return render


class ErrorBodies:
    """The app-wide error handler: picks the renderer of the API whose prefix the path starts with, and notes the
    problem on the request's exchange (for the journal), with the documented case its body is by ``cases`` (per
    prefix). ``listed`` are the prefixes a path outside them all is told of (the APIs'; by default every prefix with
    a renderer)."""

    def __init__(
        self,
        renderers: Mapping[str, Renderer],
        routes: RouteTable,
        listed: Sequence[str] | None = None,
        cases: Mapping[str, CaseOfProblem] | None = None,
    ) -> None:
        self._renderers = dict(renderers)
        self._cases = dict(cases or {})
        self._routes = routes
        self._outside = outside_apis_error(sorted(listed if listed is not None else renderers))

    def renderer_for(self, path: str) -> Renderer:
        return self._renderers.get(_prefix(path), self._outside)

    def __call__(self, request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        problem = classify(exc)
        if problem.kind == "route" and self._routes.allow(routable_path(request.scope)):
            # Starlette mounts each API with a '.*' pattern, which stops at a line break: a path parameter holding
            # one never reaches the API. The path is one the spec serves, so the parameter is at fault.
            problem = Problem(400, "parameter", "A path parameter holds a character that cannot be routed.")
        exchange = exchange_in(request.scope)
        if exchange is not None:
            case_of = self._cases.get(_prefix(request.url.path))
            exchange.answered_error(problem.kind, problem.detail, case_of(problem) if case_of else None)
        status, body, headers = self.renderer_for(request.url.path)(problem)
        headers = {**problem.headers, **headers}
        if status == 405:
            headers["Allow"] = self._routes.allow(request.url.path) or headers.get("Allow", "")
        return ConnexionResponse(
            status_code=status, body=json.dumps(body).encode(), mimetype="application/json", headers=headers
        )


def _prefix(path: str) -> str:
    return "/" + path.lstrip("/").split("/", 1)[0]
