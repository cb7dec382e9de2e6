"""What the app's layers learn about one request, for the journal and the faults: case, entities, problems."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Scope

# The scope extension that carries a request's Exchange through connexion's layers to the handlers.
EXCHANGE = "mockserver.exchange"
_ROUTING = "connexion_routing"  # where connexion's routing records the operation it chose

# The kinds of error_bodies.Problem that say a request broke its API's spec, and so did not conform: a parameter,
# header or body the spec refuses, a body that is not JSON, a path or method the spec does not serve. Credentials
# that do not verify, an unknown Prefer case, a request over the sandbox's limits and its own failures do not.
NONCONFORMING_PROBLEMS = frozenset({"parameter", "body", "media_type", "route", "method"})

ApiOf = Callable[[str], str | None]  # a request path -> the API whose prefix it starts with, or None


@dataclass(slots=True)
class Exchange:
    """One request's notes. Handlers call :meth:`reached`; the error handler calls :meth:`answered_error`."""

    api: str
    case: str | None = None
    forced: bool = False
    # The documented case the answer is, by the stable name its API lists (MockApi.documented_cases): unlike
    # ``case``, which names a fixture entity an integrator may rename, it means the same in every sandbox.
    documented: str | None = None
    entities: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)
    error_kind: str | None = None  # the kind of problem answered with an error body, when one was
    fault: dict[str, Any] | None = None  # the fault acted out, as the journal shows it

    def reached(self, case: str | None, *entities: str, forced: bool = False, documented: str | None = None) -> None:
        """The request reached the fixture case ``case`` (an entity's or an outcome's name) through the fixture
        entities named (an account and its operator, a session and its player); ``forced`` by ``Prefer: example=``;
        ``documented``: the documented case the answer is, by its API's stable name."""
        self.case, self.forced, self.documented = case, forced, documented
        self.entities = tuple(entities) if entities else ((case,) if case else ())

    def answered_error(self, kind: str, detail: str, documented: str | None = None) -> None:
        """The request got an error body for a problem of this kind; a nonconforming one is noted with its reason.
        ``documented``: the documented case that error body is, if it is one (a refused credential, say); an error
        body replaces what a handler answered, so the case it noted no longer stands."""
        self.error_kind, self.documented = kind, documented
        if kind in NONCONFORMING_PROBLEMS:
            self.problems.append(detail)

    @property
    def conformed(self) -> bool:
        return not self.problems


# The exchange of the request being answered, for its handler (see reached). A context variable rather than
# connexion's request context, which costs a handler several calls to reach on every request.
_ANSWERING: ContextVar[Exchange | None] = ContextVar("mockserver.exchange", default=None)


def exchange_in(scope: Scope) -> Exchange | None:
    """The request's exchange, if the sandbox's request layer opened one."""
    extensions = scope.get("extensions")
    return extensions.get(EXCHANGE) if extensions else None


def reached(case: str | None, *entities: str, forced: bool = False, documented: str | None = None) -> None:
    """For handlers: notes the case and entities the request being handled reached (see :meth:`Exchange.reached`)."""
    exchange = _ANSWERING.get()
    if exchange is not None:
        exchange.reached(case, *entities, forced=forced, documented=documented)


def open_exchange(scope: Scope, api: str) -> tuple[Exchange, Token[Exchange | None]]:
    """Opens the exchange of a request to ``api``, for the layers in the scope and for its handler in this context;
    hand the token to :func:`close_exchange` once the request is answered.

    The extensions mapping is created here when missing, so that connexion's routing, which records the operation
    in the same mapping, shares it with the outer layers even if a layer between copies the scope.
    """
    extensions = scope.get("extensions")
    if extensions is None:
        extensions = scope["extensions"] = {}
    exchange = extensions[EXCHANGE] = Exchange(api)
    return exchange, _ANSWERING.set(exchange)


def close_exchange(token: Token[Exchange | None]) -> None:
    _ANSWERING.reset(token)


def operation_of(scope: Scope) -> str | None:
    """The operationId connexion routed the request to; None before routing or when no operation matched."""
    routing = scope.get("extensions", {}).get(_ROUTING)
    operation = routing.get("operation_id") if routing else None
    return str(operation) if operation else None


def prefix_lookup(prefixes: Mapping[str, str]) -> ApiOf:
    """``api_of`` for APIs served under ``prefixes`` (API name -> '/<prefix>')."""
    by_segment = {prefix.strip("/"): api for api, prefix in prefixes.items()}

    def api_of(path: str) -> str | None:
        return by_segment.get(path[1:].split("/", 1)[0])

    return api_of
