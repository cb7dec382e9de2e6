"""The admin API's operations on the shared state: each change checked as start-up checks a fixture, atomically."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.admin_errors import AdminError
from mockserver.errors import FixtureError
from mockserver.fault_book import FaultBook
from mockserver.faults import FaultTarget, counter_prefix, rule_from_mapping
from mockserver.instants import parse_instant
from mockserver.state_store import Document, Draft, JournalQuery, StateStore, T, UnstorableValueError

# Checks an API's whole fixture document as start-up does (schema, then the API's own rules); raises FixtureError.
CheckDocument = Callable[[str, Document], object]


@dataclass(frozen=True)
class AdminApi:
    """What the admin API knows of one API: where it is served, its collections of named entities, its faults."""

    prefix: str
    collections: tuple[str, ...]
    faults: FaultTarget


def mapping_collections(definition: Mapping[str, Any]) -> tuple[str, ...]:
    """The collections of named entities in a fixture schema's definition of a file: its top-level keys whose
    values map names to entities (``additionalProperties`` with an object schema)."""
    return tuple(
        key
        for key, schema in definition.get("properties", {}).items()
        if isinstance(schema.get("additionalProperties"), dict)
    )


class SandboxAdmin:
    """The operations behind every admin endpoint; ``flush_journal`` writes this process's waiting entries first."""

    def __init__(
        self,
        store: StateStore,
        apis: Mapping[str, AdminApi],
        check: CheckDocument,
        *,
        flush_journal: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._apis = apis
        self._check = check
        self._flush_journal = flush_journal

    # Reading

    def _document(self, api: str) -> Document:
        self._api(api)
        return self._store.snapshot().documents[api]

    def _api(self, api: str) -> AdminApi:
        if api not in self._apis:
            raise AdminError(404, f"No API is named {api!r}; the APIs are {', '.join(self._apis)}.")
        return self._apis[api]

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

    def document(self, api: str) -> Document:
        return self._document(api)

    def key(self, api: str, key: str) -> Any:
        document = self._document(api)
        if key not in document:
            raise AdminError(404, f"The {api} fixture has no key {key!r}; its keys are {', '.join(document)}.")
        return document[key]

    def entity(self, api: str, collection: str, name: str) -> Any:
        entities = self._collection(api, collection, self._document(api))
        if name not in entities:
            raise AdminError(404, f"{api} {collection} has no entity named {name!r}.")
        return entities[name]

    def _collection(self, api: str, collection: str, document: Document) -> dict[str, Any]:
        if collection not in self._api(api).collections:
            known = ", ".join(self._api(api).collections)
            raise AdminError(404, f"{api} has no collection named {collection!r}; its collections are {known}.")
        entities: dict[str, Any] = document[collection]
        return entities

    # Changing fixture data

    def change(self, edit: Callable[[Draft], T]) -> tuple[T, int]:
        """Applies ``edit`` and checks every document and rule it leaves, as start-up would; refuses it all if not."""

        def checked(draft: Draft) -> T:
            outcome = edit(draft)
            try:
                for api in self._apis:
                    self._check(api, draft.documents[api])
                collections = {api: spec.collections for api, spec in self._apis.items()}
                targets = {api: spec.faults for api, spec in self._apis.items()}
                FaultBook.from_state(draft.rules, draft.documents, collections, targets)
            except FixtureError as problem:
                raise AdminError.invalid(problem) from None
            return outcome

        try:
            return self._store.change(checked)
        except UnstorableValueError as problem:
            raise AdminError(400, f"The value cannot be stored as JSON: {problem}.") from None

    def reset(self, api: str | None = None) -> dict[str, Any]:
        if api is not None:
            self._api(api)
        names = [api] if api is not None else list(self._apis)

        def restore(draft: Draft) -> None:
            for name in names:
                draft.documents[name] = draft.loaded[name]
                draft.restart_counters(counter_prefix(name))
            for rule_name, rule in list(draft.rules.items()):
                if rule.get("api") in names:
                    del draft.rules[rule_name]

        _, generation = self.change(restore)
        return {"reset": names, "generation": generation}

    def put_key(self, api: str, key: str, value: Any) -> Any:
        self._api(api)

        def replace(draft: Draft) -> None:
            if key not in draft.documents[api]:
                raise AdminError(
                    404, f"The {api} fixture has no key {key!r}; its keys are {', '.join(draft.documents[api])}."
                )
            draft.documents[api][key] = value

        self.change(replace)
        return value

    def put_entity(self, api: str, collection: str, name: str, entity: Any) -> tuple[Any, bool]:
        """Creates or replaces an entity; True when it was created."""

        def put(draft: Draft) -> bool:
            entities = self._collection(api, collection, draft.documents[api])
            created = name not in entities
            entities[name] = entity
            return created

        created, _ = self.change(put)
        return entity, created

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
            parsed = rule_from_mapping(name, rule, {api: spec.faults for api, spec in self._apis.items()})
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
        self._flush_journal()
        entries = self._store.query_journal(query)
        status = self._store.journal_status()
        return {"entries": entries, "size": status.size, "capacity": status.capacity}

    def clear_journal(self) -> None:
        self._flush_journal()
        self._store.clear_journal()


def _instant(value: str | None, key: str) -> float | None:
    try:
        return parse_instant(value, key) if value is not None else None
    except FixtureError as problem:
        raise AdminError.invalid(problem) from None
