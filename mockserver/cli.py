"""``mockserver serve``: the sandbox on one port, from the bundled fixtures or a directory of your own."""

from __future__ import annotations

import argparse
import gc
import math
import os
import resource
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from mockserver.apis import APIS
from mockserver.app import FIXTURES_ENV, LOG_LEVEL_ENV, create_app
from mockserver.errors import FixtureError
from mockserver.fixtures import load_fixtures
from mockserver.http_protocol import ConnectionLimits, protocol_factory
from mockserver.request_log import configure_logging
from mockserver.resources import FIXTURES_DIR

EXIT_OK, EXIT_USAGE = 0, 2


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {port}")
    return port


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"expected a number of workers from 1 to 64, got {text!r}")
    return int(text)


def _positive(kind: type[int] | type[float], what: str) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"expected {what} above 0, got {text!r}")
        return value

    return parse


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    prefixes = [api.prefix for api in APIS]
    count = _NUMBERS[len(APIS)] if len(APIS) < len(_NUMBERS) else str(len(APIS))
    served = f"serve the {count} APIs under {', '.join(prefixes[:-1])} and {prefixes[-1]}"
    serve = commands.add_parser("serve", help=served)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument(
        "--port", type=_port, default=8000, help="port to bind, 0 for any free one (default: %(default)s)"
    )
    serve.add_argument(
        "--fixtures",
        metavar="DIR",
        default=str(FIXTURES_DIR),
        help=f"directory with {', '.join(f'{api.name}.yaml' for api in APIS)} (default: the bundled ones)",
    )
    serve.add_argument(
        "--workers", type=_workers, default=1, help="worker processes sharing the port (default: %(default)s)"
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level; info logs one access line per request (default: %(default)s)",
    )
    defaults = ConnectionLimits()
    serve.add_argument(
        "--max-connections",
        type=_positive(int, "a number of connections"),
        default=defaults.max_connections,
        help="open connections per process; beyond, the one that has waited longest for a request is closed "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_positive(float, "seconds"),
        default=defaults.idle_timeout,
        help="seconds a connection may stay open without a request under way (default: %(default)s)",
    )
    serve.add_argument(
        "--request-timeout",
        type=_positive(float, "seconds"),
        default=defaults.request_timeout,
        help="seconds from a request's first byte to its last, head and body (default: %(default)s)",
    )
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="take the client address and scheme from X-Forwarded-For and X-Forwarded-Proto, when sent by an "
        "address of --forwarded-allow-ips (default: ignore them)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        default="127.0.0.1",
        help="comma-separated proxy addresses trusted with --proxy-headers (default: %(default)s)",
    )
    return parser


# Descriptors kept free for the listening socket, log streams, fixture files and the like.
_RESERVED_DESCRIPTORS = 64


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


# uvicorn's own backlog: a burst of connections waits in the kernel's queue instead of being refused.
_BACKLOG = 2048


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        fixtures = load_fixtures(args.fixtures)
    except FixtureError as error:
        print(f"mockserver: cannot start: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        listener = socket.create_server((args.host, args.port), backlog=_BACKLOG)
    except OSError as error:
        print(f"mockserver: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    host, port = listener.getsockname()[:2]
    prefixes = " ".join(api.prefix for api in APIS)
    announcement = f"mockserver: serving {prefixes} on http://{host}:{port} (fixtures: {args.fixtures})"
    options = _server_options(args)
    if args.workers == 1:
        config = uvicorn.Config(create_app(fixtures), **options)
        _AnnouncingServer(config, announcement).run(sockets=[listener])
        return EXIT_OK
    # Each worker process builds its own app from the fixtures just checked here.
    os.environ[FIXTURES_ENV] = str(Path(args.fixtures).resolve())
    os.environ[LOG_LEVEL_ENV] = args.log_level
    config = uvicorn.Config("mockserver.app:app_for_worker", factory=True, workers=args.workers, **options)
    _AnnouncingSupervisor(config, [listener], f"{announcement}, {args.workers} workers").run()
    return EXIT_OK


class _AnnouncingServer(uvicorn.Server):
    """Prints where it serves once it really does: after start-up, when its signal handlers are in place."""

    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self._announcement = announcement

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        # The app's objects (specs, fixtures, connexion's stack) live as long as the process: freezing them keeps
        # the collector's full passes, and the latency spikes they cause, to what requests allocate.
        gc.freeze()
        if self.started:
            print(self._announcement, file=sys.stderr, flush=True)


class _AnnouncingSupervisor(Multiprocess):
    """uvicorn's worker supervisor; announces once the workers are launched on the socket, which already listens."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], announcement: str) -> None:
        super().__init__(config, sockets)
        self._announcement = announcement

    def init_processes(self) -> None:
        super().init_processes()
        print(self._announcement, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
