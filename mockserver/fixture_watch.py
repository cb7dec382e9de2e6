"""``mockserver serve --watch``: the fixture directory watched from a thread, each burst of saves reloaded once."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import watchfiles

from balancekit.safe_text import one_line
from mockserver.api import MockApi
from mockserver.apis import APIS
from mockserver.errors import FixtureError
from mockserver.fixture_reload import Reload, reload_fixtures
from mockserver.state.store import StateStore

logger = logging.getLogger("mockserver.fixtures")

# An editor's save is a burst (a temporary file renamed over the old one, a formatter run after it, several files
# saved together): changes are gathered until none came for QUIET_MS, or for GATHER_MS at most, then reloaded once.
QUIET_MS = 100
GATHER_MS = 1_000
# Without a change, the watch hands back control this often; the first time is when the watch is known to be in
# place, and the files are compared once then, for a save made while it was being set up.
_IDLE_MS = 1_000
# A reload under way finishes before the watcher stops; this only bounds a stop that something blocks.
_STOP_TIMEOUT = 30.0


class FixtureWatcher:
    """Reloads the fixture files of ``directory`` into ``store`` when they change (see fixture_reload), logging one
    line per reload: what was reset, or the problem that kept the last good data served."""

    def __init__(self, directory: Path, store: StateStore, *, apis: Sequence[MockApi] = APIS) -> None:
        self.directory = directory.resolve()
        self._store = store
        self._apis = apis
        self._names = frozenset(f"{api.name}.yaml" for api in apis)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="mockserver-fixture-watch")

    def start(self) -> None:
        # watchfiles logs a line of its own per burst of changes, which the reload's line already accounts for.
        logging.getLogger("watchfiles").setLevel(logging.WARNING)
        self._thread.start()

    def stop(self) -> None:
        """Ends the watch and waits for its thread; the rest of the process may close the store then."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)
            if self._thread.is_alive():
                logger.error("the watch of %s did not stop within %.0f s", self.directory, _STOP_TIMEOUT)

    def is_fixture_file(self, change: watchfiles.Change, path: str) -> bool:
        """Only the fixture files count (and the directory itself, to see it go): an editor's swap, backup and
        temporary files beside them do not, nor do the schemas (the mock checks with its own)."""
        return Path(path).name in self._names or path == str(self.directory)

    def _watch(self) -> None:
        in_place = False
        try:
            for changes in watchfiles.watch(
                self.directory,
                watch_filter=self.is_fixture_file,
                debounce=GATHER_MS,
                step=QUIET_MS,
                stop_event=self._stop,
                rust_timeout=_IDLE_MS,
                yield_on_timeout=True,
                recursive=False,
                raise_interrupt=False,
            ):
                if (watchfiles.Change.deleted, str(self.directory)) in changes:
                    # Its watch went with it: a directory made again at the same path would never be seen.
                    logger.error(
                        "%s was removed or renamed: no longer watched; serving the last good data until a restart",
                        self.directory,
                    )
                    return
                if changes or not in_place:
                    self.reload(quiet=not changes)
                in_place = True
        except Exception as problem:  # the directory went away, the system's watch limit was reached
            logger.error(
                "the watch of %s stopped (%s); serving the last data loaded until a restart",
                self.directory,
                one_line(str(problem) or type(problem).__name__),
            )

    def reload(self, *, quiet: bool = False) -> Reload | None:
        """Reloads the files now; ``quiet`` leaves out the line saying that nothing changed."""
        try:
            outcome = reload_fixtures(self._store, self.directory, apis=self._apis)
        except FixtureError as problem:
            logger.warning("fixtures reload refused, still serving the last good data: %s", problem.without_secret())
            return None
        except (OSError, sqlite3.Error) as problem:
            logger.error("fixtures reload failed, still serving the last good data: %s", one_line(str(problem)))
            return None
        if outcome.reset:
            logger.info("fixtures reloaded from %s: %s", self.directory, describe(outcome))
        elif not quiet:
            logger.info("fixtures in %s saved with the data already served: nothing to reload", self.directory)
        return outcome


def describe(outcome: Reload) -> str:
    """'valkyrie.yaml changed: valkyrie reset to it (its admin changes and fault rules dropped); generation 4'."""
    files = _listed([f"{name}.yaml" for name in outcome.reset])
    apis = _listed(list(outcome.reset))
    one = len(outcome.reset) == 1
    return (
        f"{files} changed: {apis} reset to {'it' if one else 'them'} ({'its' if one else 'their'} admin changes and "
        f"fault rules dropped); generation {outcome.generation}"
    )


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
