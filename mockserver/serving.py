"""``mockserver serve``: the fixtures checked, the shared state seeded, then uvicorn on the socket, in one process or
several."""

from __future__ import annotations

import argparse
import os
import resource
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from mockserver import collector
from mockserver.admin.access import AdminAccess
from mockserver.admin.location import ADMIN_PREFIX, ADMIN_TOKEN_ENV
from mockserver.apis import APIS
from mockserver.app import (
    ADMIN_REQUIRED_ENV,
    JOURNAL_SIZE_ENV,
    LOG_LEVEL_ENV,
    STATE_ENV,
    create_app,
)
from mockserver.errors import FixtureError
from mockserver.fixture_watch import FixtureWatcher
from mockserver.fixtures import check_document, load_fixtures
from mockserver.http_protocol import ConnectionLimits, protocol_factory
from mockserver.resources import FIXTURES_DIR
from mockserver.served import fault_book
from mockserver.state.sqlite_store import SqliteStateStore
from mockserver.state.store import UnstorableValueError

EXIT_OK, EXIT_USAGE = 0, 2

# Descriptors kept free for the listening socket, log streams, fixture files, the state's files and the like.
_RESERVED_DESCRIPTORS = 64
# uvicorn's own backlog: a burst of connections waits in the kernel's queue instead of being refused.
_BACKLOG = 2048


class StartUpError(Exception):
    """The sandbox cannot start; the message is one line."""


def serve(args: argparse.Namespace) -> int:
    """Runs ``mockserver serve`` until it is stopped; EXIT_USAGE when it cannot start."""
    token = args.admin_token if args.admin_token is not None else os.environ.get(ADMIN_TOKEN_ENV) or None
    access = AdminAccess.for_bind(args.host, token)
    directory = Path(args.fixtures).absolute() if args.fixtures is not None else FIXTURES_DIR
    try:
        fixtures = load_fixtures(directory)
        state = _seeded_state(args, fixtures.documents)
    except FixtureError as error:
        print(f"mockserver: cannot start: {error.without_secret()}", file=sys.stderr)
        return EXIT_USAGE
    except StartUpError as error:
        print(f"mockserver: cannot start: {error}", file=sys.stderr)
        return EXIT_USAGE
    watcher = FixtureWatcher(directory, state) if args.watch else None

    def close() -> None:
        # The watcher writes to the state: it stops first.
        if watcher is not None:
            watcher.stop()
        state.close()

    try:
        try:
            listener = socket.create_server((args.host, args.port), backlog=_BACKLOG)
        except OSError as error:
            print(f"mockserver: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
            return EXIT_USAGE
        host, port = listener.getsockname()[:2]
        prefixes = " ".join(api.prefix for api in APIS)
        workers = f", {args.workers} workers" if args.workers > 1 else ""
        kept = "temporary, removed at exit" if state.temporary else "kept across restarts"
        announcement = (
            f"mockserver: serving {prefixes} on http://{host}:{port} (fixtures: {served_fixtures(args)}){workers}\n"
            f"mockserver: admin API at http://{host}:{port}{ADMIN_PREFIX}/ ({access.describe()}); "
            f"state: {state.location} ({kept}); journal: {args.journal_size} entries"
        )
        if args.fixtures is None:
            announcement += f"\n{BUNDLED_HINT}"
        options = _server_options(args)
        if watcher is not None:
            watcher.start()
        if args.workers == 1:
            app = create_app(state=state, access=access)
            # Closed as the server shuts down: uvicorn then re-raises the signal that stopped it, and the process
            # ends before this function's own clean-up.
            server = _AnnouncingServer(uvicorn.Config(app, **options), announcement, on_shutdown=close)
            server.run(sockets=[listener])
            return EXIT_OK
        # Each worker process opens the state just seeded here, and builds its own app from it.
        os.environ[LOG_LEVEL_ENV] = args.log_level
        os.environ[STATE_ENV] = state.location
        os.environ[JOURNAL_SIZE_ENV] = str(args.journal_size)
        os.environ[ADMIN_REQUIRED_ENV] = "1" if access.required else "0"
        if token is not None:
            os.environ[ADMIN_TOKEN_ENV] = token  # inherited by the workers, never on a command line
        config = uvicorn.Config("mockserver.app:app_for_worker", factory=True, workers=args.workers, **options)
        _AnnouncingSupervisor(config, [listener], announcement).run()
        return EXIT_OK
    finally:
        close()


BUNDLED_HINT = (
    "mockserver: these are the fixtures bundled with the kit, not a fixtures/ directory you may be editing; to edit "
    "them, make a copy with `mockserver fixtures init DIR` and serve it with `mockserver serve --fixtures DIR --watch`"
)


def served_fixtures(args: argparse.Namespace) -> str:
    """Which fixtures the start-up line names: the bundled copy, or the directory given, watched or not."""
    if args.fixtures is None:
        return f"the bundled copy, {FIXTURES_DIR}"
    directory = Path(args.fixtures).absolute()
    return f"{directory}, reloaded when a file changes" if args.watch else f"{directory}, read once (--watch reloads)"


def _create_private(path: str) -> None:
    """Creates a missing state file readable by its owner only: it holds the fixture data with its secrets, and
    SQLite gives its -wal and -shm files the same permissions. An existing file keeps the permissions it has."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def _seeded_state(args: argparse.Namespace, documents: dict[str, Any]) -> SqliteStateStore:
    """The shared state, seeded with the fixtures: a temporary one, or the one at ``--state PATH``, where what the
    admin API changed (fixture data, fault rules), the seeded faults' draw counters and the journal are kept, and
    the fixtures loaded now are what a reset restores."""
    try:
        if args.state is None:
            state = SqliteStateStore.in_temporary_directory(journal_capacity=args.journal_size)
        else:
            _create_private(args.state)
            state = SqliteStateStore(args.state, journal_capacity=args.journal_size)
    except (OSError, ValueError) as error:
        raise StartUpError(f"--state {args.state}: {error}") from None
    except Exception as error:  # sqlite3.DatabaseError: a file that is not a sandbox's state
        raise StartUpError(f"--state {args.state}: not a sandbox state file ({error})") from None
    try:
        state.seed(documents, resume=args.state is not None)
        snapshot = state.snapshot()
        for api in APIS:
            try:
                check_document(api, snapshot.documents[api.name])
            except FixtureError as problem:
                raise StartUpError(
                    f"--state {args.state}: the {api.name} data kept there no longer passes the fixture checks: "
                    f"{problem} (remove the file to start from the fixtures)"
                ) from None
        try:
            fault_book(APIS, snapshot.rules, snapshot.documents)
        except FixtureError as problem:
            raise StartUpError(f"--state {args.state}: a fault rule kept there is no longer valid: {problem}") from None
    except UnstorableValueError as problem:
        state.close()
        raise StartUpError(f"the fixtures hold a value JSON cannot hold: {problem}") from None
    except StartUpError:
        state.close()
        raise
    return state


def _raise_file_limit() -> int:
    """Raises the soft limit on open files to the hard one; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass  # the limit stays as it was; the connection limit is fitted under it below
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def _limits(args: argparse.Namespace) -> ConnectionLimits:
    max_connections = args.max_connections
    room = _raise_file_limit() - _RESERVED_DESCRIPTORS
    if max_connections > room:
        print(
            f"mockserver: the open-file limit leaves room for {room} connections; serving at most that many",
            file=sys.stderr,
        )
        max_connections = max(room, 1)
    return ConnectionLimits(
        max_connections=max_connections, idle_timeout=args.idle_timeout, request_timeout=args.request_timeout
    )


def _server_options(args: argparse.Namespace) -> dict[str, Any]:
    """uvicorn settings shared by the one-process and the worker modes."""
    limits = _limits(args)
    return {
        "http": protocol_factory(limits),  # its idle deadline replaces uvicorn's timeout_keep_alive
        # uvicorn trusts X-Forwarded-* from 127.0.0.1 by default, so any local client could pose as another host.
        "proxy_headers": args.proxy_headers,
        "forwarded_allow_ips": args.forwarded_allow_ips,
        "log_config": None,
        "access_log": False,
        "log_level": args.log_level,
    }


class _AnnouncingServer(uvicorn.Server):
    """Prints where it serves once it really does: after start-up, when its signal handlers are in place."""

    def __init__(self, config: uvicorn.Config, announcement: str, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self._announcement = announcement
        self._on_shutdown = on_shutdown

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        collector.settle()
        if self.started:
            print(self._announcement, file=sys.stderr, flush=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets=sockets)
        self._on_shutdown()


class _AnnouncingSupervisor(Multiprocess):
    """uvicorn's worker supervisor; announces once the workers are launched on the socket, which already listens."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], announcement: str) -> None:
        super().__init__(config, sockets)
        self._announcement = announcement

    def init_processes(self) -> None:
        super().init_processes()
        print(self._announcement, file=sys.stderr, flush=True)
