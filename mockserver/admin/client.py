"""A small client of a running sandbox's admin API, for the command line (``mockserver token``, ``report``)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from mockserver.admin.location import ADMIN_TOKEN_ENV
from mockserver.admin.remote import AdminCallError, AdminClient
from mockserver.errors import TokenError

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT_SECONDS = 10.0


def add_admin_arguments(parser: argparse.ArgumentParser) -> None:
    """``--url`` and ``--admin-token``, for a command that calls a running sandbox's admin API."""
    parser.add_argument("--url", default=DEFAULT_URL, help="base URL of the running sandbox (default: %(default)s)")
    parser.add_argument(
        "--admin-token",
        metavar="TOKEN",
        default=None,
        help=f"the sandbox's admin token, if it needs one (default: the environment variable {ADMIN_TOKEN_ENV})",
    )


def call_admin(
    args: argparse.Namespace, method: str, path: str, body: Any = None, params: list[tuple[str, Any]] | None = None
) -> Any:
    """The JSON answer of an admin call to the sandbox at ``args.url``; TokenError with a one-line reason else."""
    token = args.admin_token or os.environ.get(ADMIN_TOKEN_ENV)
    client = AdminClient(args.url, admin_token=token, timeout=TIMEOUT_SECONDS)
    try:
        answer = client.call(method, path, body=body, params=params)
    except AdminCallError as problem:
        raise TokenError(str(problem)) from None
    if answer is None:
        raise TokenError(f"the sandbox at {client.url} answered without a JSON body")
    return answer
