"""A worker's view of the shared state: built once per generation, checked on every request without a query."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from mockserver.state.store import Snapshot, StateStore

logger = logging.getLogger("mockserver.state")

Built = TypeVar("Built")


class LiveState(Generic[Built]):
    """What ``build`` makes of the store's latest snapshot, rebuilt when (and only when) the generation moved.

    ``current()`` is on every request's path: it reads the generation (a load from shared memory) and compares
    it with the one it built from. A rebuild replaces the built object in one assignment, so a request sees the
    old state or the new one, never a mix. A snapshot ``build`` refuses (it cannot happen for changes made through
    the admin API, which checks each one first) leaves the last good state served, and is logged once.
    """

    def __init__(self, store: StateStore, build: Callable[[Snapshot], Built]) -> None:
        self._store = store
        self._generation = store.generation  # looked up once: current() is on every request's path
        self._build = build
        snapshot = store.snapshot()
        self._built = build(snapshot)
        self._seen = snapshot.generation
        self.rebuilds = 0

    def current(self) -> Built:
        if self._generation() != self._seen:
            self._refresh()
        return self._built

    def _refresh(self) -> None:
        snapshot = self._store.snapshot()
        # The generation the snapshot was read at, not the counter's: a change committed after the counter was read
        # is then rebuilt from on the next request, never skipped.
        self._seen = snapshot.generation
        try:
            self._built = self._build(snapshot)
        except Exception:
            logger.exception(
                "the shared state of generation %d cannot be served; serving the last good one", snapshot.generation
            )
            return
        self.rebuilds += 1
