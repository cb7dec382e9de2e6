"""``mockserver serve``: the sandbox on one port, from the bundled fixtures or a directory of your own."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence

import uvicorn

from mockserver.app import create_app
from mockserver.errors import FixtureError
from mockserver.fixtures import load_fixtures
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the three APIs under /vip-connect, /paytronix and /valkyrie")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument(
        "--port", type=_port, default=8000, help="port to bind, 0 for any free one (default: %(default)s)"
    )
    serve.add_argument(
        "--fixtures",
        metavar="DIR",
        default=str(FIXTURES_DIR),
        help="directory with vip-connect.yaml, paytronix.yaml, valkyrie.yaml (default: the bundled ones)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level; info logs one access line per request (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # connexion logs every rejected request at INFO; the access line already records it.
    logging.getLogger("connexion").setLevel(logging.WARNING)
    try:
        fixtures = load_fixtures(args.fixtures)
    except FixtureError as error:
        print(f"mockserver: cannot start: {error}", file=sys.stderr)
        return EXIT_USAGE
    app = create_app(fixtures)
    try:
        listener = socket.create_server((args.host, args.port))
    except OSError as error:
        print(f"mockserver: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    host, port = listener.getsockname()[:2]
    announcement = (
        f"mockserver: serving /vip-connect /paytronix /valkyrie on http://{host}:{port} (fixtures: {args.fixtures})"
    )
    config = uvicorn.Config(app, log_config=None, access_log=False, log_level=args.log_level)
    _AnnouncingServer(config, announcement).run(sockets=[listener])
    return EXIT_OK


class _AnnouncingServer(uvicorn.Server):
    """Prints where it serves once it really does: after start-up, when its signal handlers are in place."""

    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self._announcement = announcement

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self._announcement, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
