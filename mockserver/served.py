"""What a worker serves, built from a snapshot of the shared state: each API's service and the fault rules in force."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from balancekit.clock import Clock
from mockserver.api import MockApi, Service
from mockserver.dispatch import Handler
from mockserver.faults.book import FaultBook
from mockserver.fixtures import check_document
from mockserver.state.store import Document, Snapshot, stored_text


def fault_book(apis: Sequence[MockApi], rules: Mapping[str, Any], documents: Mapping[str, Document]) -> FaultBook:
    """The fault rules of a state: its admin rules and its entities' ``fault`` keys; raises FixtureError."""
    collections = {api.name: api.collections for api in apis}
    targets = {api.name: api.fault_target for api in apis}
    return FaultBook.from_state(rules, documents, collections, targets)


@dataclass(frozen=True)
class Served:
    """One generation of the shared state, ready to serve: never changed, replaced whole by the next."""

    generation: int
    documents: Mapping[str, Document]  # by API name, as the snapshot held them
    services: Mapping[str, Service]  # by API name
    handlers: Mapping[tuple[str, str], Handler]  # by (API prefix, operationId)
    faults: FaultBook


# The generation a request is answered from. The sandbox's request layer pins it as the request arrives, so that
# the request's credential check, handler, error body and fault all come from one generation, whatever admin change
# lands meanwhile; and the generation is compared once per request, not once per part.
IN_FORCE: ContextVar[Served | None] = ContextVar("mockserver.served", default=None)


class ServedBuilder:
    """Builds what a worker serves from each snapshot (state.LiveState calls it when the generation moved).

    An API whose document did not change keeps its service, and with it its caches (verified tokens): a change of
    one API's data, or of the fault rules, rebuilds only what it concerns.
    """

    def __init__(self, apis: Sequence[MockApi], clock: Clock) -> None:
        self._apis = apis
        self._clock = clock
        self._last: Served | None = None

    def __call__(self, snapshot: Snapshot) -> Served:
        last = self._last
        services: dict[str, Service] = {}
        for api in self._apis:
            document = snapshot.documents[api.name]
            # Compared as stored: 0 and 0.0 are equal in Python, yet answered differently.
            if last is not None and stored_text(last.documents[api.name]) == stored_text(document):
                services[api.name] = last.services[api.name]
            else:
                services[api.name] = api.serve(check_document(api, document), self._clock)
        handlers = {
            (api.prefix, operation): handler
            for api in self._apis
            for operation, handler in services[api.name].handlers.items()
        }
        faults = fault_book(self._apis, snapshot.rules, snapshot.documents)
        self._last = Served(snapshot.generation, dict(snapshot.documents), services, handlers, faults)
        return self._last
