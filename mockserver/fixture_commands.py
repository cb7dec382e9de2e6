"""``mockserver fixtures init DIR`` (a copy to edit) and ``mockserver fixtures check DIR`` (the start-up checks)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from balancekit.safe_text import one_line
from mockserver.errors import FixtureError
from mockserver.fixture_copy import CopyRefusedError, copy_fixtures
from mockserver.fixture_reload import checked_documents

EXIT_OK, EXIT_USAGE = 0, 2


def add_fixtures_commands(commands: Any) -> None:
    fixtures_parser = commands.add_parser("fixtures", help="make a copy of the fixtures to edit, or check one")
    actions = fixtures_parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser(
        "init", help="write a copy of the bundled fixtures, their schemas and a README into DIR, to edit and serve"
    )
    init.add_argument("directory", metavar="DIR", type=Path, help="where to write the copy: a new or empty directory")
    init.add_argument("--force", action="store_true", help="write into DIR even if it is not empty, over its files")
    check = actions.add_parser("check", help="check the fixture files of DIR exactly as `mockserver serve` does")
    check.add_argument("directory", metavar="DIR", type=Path, help="the directory of the fixture files")


def run_fixtures_command(args: argparse.Namespace) -> int:
    return _init(args.directory, args.force) if args.action == "init" else _check(args.directory)


def _init(directory: Path, force: bool) -> int:
    directory = directory.absolute()
    try:
        written = copy_fixtures(directory, force=force)
    except CopyRefusedError as refusal:
        print(f"mockserver: fixtures init: {refusal}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(f"mockserver: fixtures init: {directory}: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    print(f"mockserver: wrote {', '.join(path.name for path in written)} into {directory}")
    print(f"mockserver: serve them with: mockserver serve --fixtures {directory} --watch")
    return EXIT_OK


def _check(directory: Path) -> int:
    directory = directory.absolute()
    try:
        documents = checked_documents(directory)
    except FixtureError as problem:
        print(f"mockserver: fixtures check: {problem.without_secret()}", file=sys.stderr)
        return EXIT_USAGE
    print(f"mockserver: {', '.join(f'{name}.yaml' for name in documents)} in {directory} pass the start-up checks")
    return EXIT_OK
