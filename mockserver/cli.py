"""``mockserver serve``: the sandbox on one port, from the bundled fixtures or a directory of your own.
``mockserver fixtures init|check DIR``: a copy of the fixtures to edit, or the start-up checks of one.
``mockserver token <api>``: a credential the sandbox accepts.
``mockserver report``: the verdict on an integrator's client, from the sandbox's journal."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any

from balancekit.clock import wall_clock
from balancekit.safe_text import one_line
from mockserver.admin.location import ADMIN_TOKEN_ENV
from mockserver.apis import APIS
from mockserver.client_verdict.command import HELP as REPORT_HELP
from mockserver.client_verdict.command import add_report_arguments, run_report
from mockserver.errors import TokenError
from mockserver.fixture_commands import add_fixtures_commands, run_fixtures_command
from mockserver.http_protocol import ConnectionLimits
from mockserver.request_log import configure_logging
from mockserver.serving import EXIT_USAGE, serve
from mockserver.state.store import DEFAULT_JOURNAL_CAPACITY

MAX_JOURNAL_SIZE = 1_000_000


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


def _journal_size(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_JOURNAL_SIZE:
        raise argparse.ArgumentTypeError(f"expected a number of entries from 1 to {MAX_JOURNAL_SIZE}, got {text!r}")
    return int(text)


def _admin_token(text: str) -> str:
    # The token is a header value: printable ASCII without spaces. The value is never repeated back.
    if not text or not all("!" <= char <= "~" for char in text):
        raise argparse.ArgumentTypeError("expected a token of printable characters without spaces")
    return text


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
    _add_serve(commands)
    add_fixtures_commands(commands)
    _add_token(commands)
    add_report_arguments(commands.add_parser("report", help=REPORT_HELP, description=REPORT_HELP), APIS)
    return parser


def _add_serve(commands: Any) -> None:
    prefixes = [api.prefix for api in APIS]
    count = _NUMBERS[len(APIS)] if len(APIS) < len(_NUMBERS) else str(len(APIS))
    served = f"serve the {count} APIs under {', '.join(prefixes[:-1])} and {prefixes[-1]}"
    serve_parser = commands.add_parser("serve", help=served)
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve_parser.add_argument(
        "--port", type=_port, default=8000, help="port to bind, 0 for any free one (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--fixtures",
        metavar="DIR",
        default=None,
        help=f"directory with {', '.join(f'{api.name}.yaml' for api in APIS)} (default: the copy bundled with the "
        "kit, which is not a checkout's fixtures/ directory once installed; `mockserver fixtures init DIR` makes a "
        "copy to edit)",
    )
    serve_parser.add_argument(
        "--watch",
        action="store_true",
        help="reload the files of --fixtures DIR when they change: checked as at start-up first, a bad edit is "
        "logged and the last good data kept; a reload resets each API whose data changed (default: read once)",
    )
    serve_parser.add_argument(
        "--workers", type=_workers, default=1, help="worker processes sharing the port (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--state",
        metavar="PATH",
        default=None,
        help="SQLite file of the shared state (admin changes, fault rules, the journal), kept across restarts "
        "(default: a temporary file removed at exit)",
    )
    serve_parser.add_argument(
        "--journal-size",
        metavar="N",
        type=_journal_size,
        default=DEFAULT_JOURNAL_CAPACITY,
        help="requests the journal keeps; beyond, the oldest go (default: %(default)s)",
    )
    serve_parser.add_argument(
        "--admin-token",
        metavar="TOKEN",
        type=_admin_token,
        default=None,
        help="bearer token the admin API (/__admin) requires; needed on a non-loopback address, where the admin "
        f"API is refused without it (default: the environment variable {ADMIN_TOKEN_ENV}, which keeps the token "
        "out of process lists)",
    )
    serve_parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log level; info logs one access line per request (default: %(default)s)",
    )
    defaults = ConnectionLimits()
    serve_parser.add_argument(
        "--max-connections",
        type=_positive(int, "a number of connections"),
        default=defaults.max_connections,
        help="open connections per process; beyond, the one that has waited longest for a request is closed "
        "(default: %(default)s)",
    )
    serve_parser.add_argument(
        "--idle-timeout",
        type=_positive(float, "seconds"),
        default=defaults.idle_timeout,
        help="seconds a connection may stay open without a request under way (default: %(default)s)",
    )
    serve_parser.add_argument(
        "--request-timeout",
        type=_positive(float, "seconds"),
        default=defaults.request_timeout,
        help="seconds from a request's first byte to its last, head and body (default: %(default)s)",
    )
    serve_parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="take the client address and scheme from X-Forwarded-For and X-Forwarded-Proto, when sent by an "
        "address of --forwarded-allow-ips (default: ignore them)",
    )
    serve_parser.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        default="127.0.0.1",
        help="comma-separated proxy addresses trusted with --proxy-headers (default: %(default)s)",
    )


def _add_token(commands: Any) -> None:
    token_parser = commands.add_parser("token", help="print a credential the sandbox accepts")
    apis = token_parser.add_subparsers(dest="api", required=True, metavar="API")
    for api in APIS:
        if api.token_command is not None:
            api.token_command.add_arguments(apis.add_parser(api.name, help=api.token_command.help))


def _token(args: argparse.Namespace) -> int:
    api = next(api for api in APIS if api.name == args.api)
    assert api.token_command is not None  # the parser offers only the APIs that have one
    try:
        token = api.token_command.run(args, api, wall_clock)
    except TokenError as error:
        print(f"mockserver: token {api.name}: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    print(token)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "token":
        return _token(args)
    if args.command == "fixtures":
        return run_fixtures_command(args)
    if args.command == "report":
        return run_report(args)
    if args.watch and args.fixtures is None:
        parser.error(
            "--watch needs --fixtures DIR: the bundled fixtures are not for editing (make a copy to edit "
            "with `mockserver fixtures init DIR`)"
        )
    configure_logging(args.log_level)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
