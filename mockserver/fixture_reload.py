"""A reload of the fixture files into the shared state: all of them checked as at start-up, then swapped in at once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mockserver.admin.operations import reset_to_loaded
from mockserver.api import MockApi
from mockserver.apis import APIS
from mockserver.errors import FixtureError
from mockserver.fixtures import check_document, load_fixtures
from mockserver.served import fault_book
from mockserver.state.store import Document, Draft, StateStore, UnstorableValueError, stored_text


@dataclass(frozen=True)
class Reload:
    """What a reload did: the APIs whose data changed, each reset to its new file, and the generation after it (the
    one before when nothing changed)."""

    reset: tuple[str, ...]
    generation: int


def checked_documents(directory: Path, *, apis: Sequence[MockApi] = APIS) -> dict[str, Document]:
    """Every fixture file of ``directory``, checked exactly as start-up checks it, as the store would keep it (JSON);
    raises FixtureError naming the file, the key, what was expected and what was found."""
    fixtures = load_fixtures(directory, apis=apis)
    documents = {}
    for api in apis:
        path = str(directory / f"{api.name}.yaml")
        document = fixtures.documents[api.name]
        try:
            stored: Document = json.loads(stored_text(document))
        except UnstorableValueError as problem:
            raise FixtureError("(file)", "values JSON can hold", str(problem), file=path) from None
        if stored != document:
            # The data as the store keeps it (keys as strings) is what the workers build from: start-up checks the
            # state it seeded again, and so does this.
            try:
                check_document(api, stored)
            except FixtureError as problem:
                raise problem.in_file(path) from None
        documents[api.name] = stored
    return documents


def reload_fixtures(store: StateStore, directory: Path, *, apis: Sequence[MockApi] = APIS) -> Reload:
    """Reads every fixture file of ``directory`` and checks them all (checked_documents); then, in one change of the
    store, each API whose data differs from what was loaded is reset to its new document, so that every worker serves
    the old data or the new, never a mix. A reset drops that API's admin changes and fault rules, as
    ``POST /__admin/{api}/reset`` does; the other APIs keep theirs.

    Raises FixtureError naming the file, the key, what was expected and what was found; nothing changes then.
    """
    texts = {name: stored_text(document) for name, document in checked_documents(directory, apis=apis).items()}

    def swap(draft: Draft) -> tuple[str, ...]:
        reset = tuple(api.name for api in apis if stored_text(draft.loaded[api.name]) != texts[api.name])
        for name in reset:
            draft.loaded[name] = json.loads(texts[name])
        reset_to_loaded(draft, reset)
        # The fault rules left (other APIs' admin rules) against the documents now served, as start-up checks them.
        fault_book(apis, draft.rules, draft.documents)
        return reset

    reset, generation = store.change(swap)
    return Reload(reset, generation)
