"""The admin API's operations on the shared state: each change checked as start-up checks a fixture, atomically."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from balancekit.clock import Clock, wall_clock
from mockserver.admin.errors import AdminError
from mockserver.admin.secrets import without_secrets
from mockserver.api import MockApi
from mockserver.client_verdict.evaluation import evaluate
from mockserver.client_verdict.selection import REQUIRE_DEFAULT, Selection, SelectionError
from mockserver.errors import FixtureError
from mockserver.faults.model import counter_prefix, rule_from_mapping
from mockserver.fixtures import check_document
from mockserver.instants import parse_instant, rfc3339
from mockserver.served import fault_book
from mockserver.state.store import Document, Draft, JournalQuery, StateStore, T, UnstorableValueError


class SandboxAdmin:
    """The operations behind every admin endpoint. ``sync_journal`` makes the store hold every request answered so
    far by any worker (journal.JournalWriter.sync); ``clock`` gives the time credentials are minted at.

    Reads withhold secrets (tokens, passwords, keys) as the journal does: only the call that mints a credential
    answers it in full.
    """

    def __init__(
        self,
        store: StateStore,
        apis: Sequence[MockApi],
        *,
        sync_journal: Callable[[], object] = lambda: None,
        clock: Clock = wall_clock,
    ) -> None:
        self._store = store
        self._apis = {api.name: api for api in apis}
        self._sync_journal = sync_journal
        self.clock = clock

    # Reading

    def api(self, name: str) -> MockApi:
        """The API of this name; a 404 AdminError when none is served."""
        if name not in self._apis:
            raise AdminError(404, f"No API is named {name!r}; the APIs are {', '.join(self._apis)}.")
        return self._apis[name]

    def document(self, api: str) -> Document:
        """The API's current fixture document, secrets included: for the calls that mint credentials from it."""
        self.api(api)
        return self._store.snapshot().documents[api]

    def overview(self) -> dict[str, Any]:
        snapshot = self._store.snapshot()
        status = self._store.journal_status()
        apis = {
            name: {
                "prefix": api.prefix,
                "keys": list(snapshot.documents[name]),
                "collections": {c: list(snapshot.documents[name].get(c, {})) for c in api.collections},
            }
            for name, api in self._apis.items()
        }
        return {
            "apis": apis,
            "state": {"location": self._store.location, "temporary": self._store.temporary},
            "journal": {"size": status.size, "capacity": status.capacity, "dropped": status.dropped},
            "generation": snapshot.generation,
        }

    def read_document(self, api: str) -> Document:
        return without_secrets(self.document(api))

    def key(self, api: str, key: str) -> Any:
        document = self.document(api)
        if key not in document:
            raise AdminError(404, f"The {api} fixture has no key {key!r}; its keys are {', '.join(document)}.")
        return without_secrets(document[key], key)

    def entity(self, api: str, collection: str, name: str) -> Any:
        entities = self._collection(api, collection, self.document(api))
        if name not in entities:
            raise AdminError(404, f"{api} {collection} has no entity named {name!r}.")
        return without_secrets(entities[name])

    def _collection(self, api: str, collection: str, document: Document) -> dict[str, Any]:
        collections = self.api(api).collections
        if collection not in collections:
            known = ", ".join(collections)
            raise AdminError(404, f"{api} has no collection named {collection!r}; its collections are {known}.")
        entities: dict[str, Any] = document[collection]
        return entities

    # Changing fixture data

    def change(self, edit: Callable[[Draft], T]) -> tuple[T, int]:
        """Applies ``edit`` and checks every document and rule it leaves, as start-up would; refuses it all if not."""

        def checked(draft: Draft) -> T:
            before = copy.deepcopy(draft.documents)
            outcome = edit(draft)
            try:
                # The documents the change left as they were passed these checks when they were stored.
                for name, api in self._apis.items():
                    if draft.documents[name] != before[name]:
                        check_document(api, draft.documents[name])
                fault_book(list(self._apis.values()), draft.rules, draft.documents)
            except FixtureError as problem:
                raise AdminError.invalid(problem) from None
            return outcome

        try:
            return self._store.change(checked)
        except UnstorableValueError as problem:
            raise AdminError(400, f"The value cannot be stored as JSON: {problem}.") from None

    def reset(self, api: str | None = None) -> dict[str, Any]:
        if api is not None:
            self.api(api)
        names = [api] if api is not None else list(self._apis)
        _, generation = self.change(lambda draft: reset_to_loaded(draft, names))
        return {"reset": names, "generation": generation}

    def put_key(self, api: str, key: str, value: Any) -> Any:
        self.api(api)

        def replace(draft: Draft) -> None:
            if key not in draft.documents[api]:
                raise AdminError(
                    404, f"The {api} fixture has no key {key!r}; its keys are {', '.join(draft.documents[api])}."
                )
            draft.documents[api][key] = value

        self.change(replace)
        return without_secrets(value, key)

    def put_entity(self, api: str, collection: str, name: str, entity: Any) -> tuple[Any, bool]:
        """Creates or replaces an entity; True when it was created."""

        def put(draft: Draft) -> bool:
            entities = self._collection(api, collection, draft.documents[api])
            created = name not in entities
            entities[name] = entity
            return created

        created, _ = self.change(put)
        return without_secrets(entity), created

    def delete_entity(self, api: str, collection: str, name: str) -> None:
        def delete(draft: Draft) -> None:
            entities = self._collection(api, collection, draft.documents[api])
            if name not in entities:
                raise AdminError(404, f"{api} {collection} has no entity named {name!r}.")
            del entities[name]

        self.change(delete)

    # Faults

    def faults(self) -> dict[str, Any]:
        return {"faults": dict(self._store.snapshot().rules)}

    def fault(self, name: str) -> Any:
        rules = self._store.snapshot().rules
        if name not in rules:
            raise AdminError(404, f"No fault rule is named {name!r}.")
        return rules[name]

    def put_fault(self, name: str, rule: Any) -> tuple[Any, bool]:
        try:
            parsed = rule_from_mapping(name, rule, {api: spec.fault_target for api, spec in self._apis.items()})
        except FixtureError as problem:
            raise AdminError.invalid(problem) from None

        def put(draft: Draft) -> bool:
            created = name not in draft.rules
            draft.rules[name] = rule
            draft.restart_counters(counter_prefix(parsed.api, "rule", name))
            return created

        created, _ = self.change(put)
        return rule, created

    def delete_fault(self, name: str) -> None:
        def delete(draft: Draft) -> None:
            if name not in draft.rules:
                raise AdminError(404, f"No fault rule is named {name!r}.")
            del draft.rules[name]

        self.change(delete)

    # The journal

    def journal(self, **filters: Any) -> dict[str, Any]:
        query = JournalQuery(
            api=filters.get("api"),
            operation=filters.get("operation"),
            since=_instant(filters.get("since"), "since"),
            until=_instant(filters.get("until"), "until"),
            correlation_prefix=filters.get("correlation_prefix"),
            conformed=filters.get("conformed"),
            limit=filters.get("limit"),
        )
        self._sync_journal()
        entries = self._store.query_journal(query)
        status = self._store.journal_status()
        return {"entries": entries, "size": status.size, "capacity": status.capacity}

    def client_report(self, **options: Any) -> dict[str, Any]:
        """The client verdict of the journal's requests in the window the options give (admin spec ``ClientReport``),
        evaluated now, after every worker has written what it answered."""
        selection = Selection(
            apis=tuple(options.get("api") or ()),
            since=options.get("since"),
            until=options.get("until"),
            correlation_prefix=options.get("correlation_prefix"),
            require=options.get("require") or REQUIRE_DEFAULT,
            strict=bool(options.get("strict")),
        )
        try:
            selection.check(list(self._apis.values()))
        except SelectionError as problem:
            raise AdminError(
                400, str(problem), key=problem.key, expected=problem.expected, found=problem.found
            ) from None
        window = {
            "since": selection.since,
            "until": selection.until,
            "correlation_prefix": selection.correlation_prefix,
        }
        entries = self.journal(**window)["entries"]
        status = self._store.journal_status()
        fill = {"size": status.size, "capacity": status.capacity, "dropped": status.dropped}
        generated = rfc3339(self.clock(), microseconds=True)
        return evaluate(entries, list(self._apis.values()), selection, generated=generated, journal=fill)

    def clear_journal(self) -> None:
        self._sync_journal()
        self._store.clear_journal()


def reset_to_loaded(draft: Draft, apis: Sequence[str]) -> None:
    """Puts each of ``apis`` back to its loaded document: its admin changes and fault rules gone, its seeded faults'
    counters started again."""
    for name in apis:
        draft.documents[name] = draft.loaded[name]
        draft.restart_counters(counter_prefix(name))
    for rule_name, rule in list(draft.rules.items()):
        if rule.get("api") in apis:
            del draft.rules[rule_name]


def _instant(value: str | None, key: str) -> float | None:
    try:
        return parse_instant(value, key) if value is not None else None
    except FixtureError as problem:
        raise AdminError.invalid(problem) from None
