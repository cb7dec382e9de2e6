"""A small client of a running sandbox's admin API, for the command line (``mockserver token``, ``report``)."""

from __future__ import annotations

import argparse
import os
from typing import Any

import httpx

from mockserver.admin.access import ADMIN_PREFIX, ADMIN_TOKEN_ENV
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
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = args.url.rstrip("/") + ADMIN_PREFIX + path
    try:
        response = httpx.request(method, url, json=body, params=params, headers=headers, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as problem:
        raise TokenError(f"cannot reach the sandbox at {args.url}: {problem}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code >= 400:
        message = answer.get("error", {}).get("message") if isinstance(answer, dict) else None
        raise TokenError(
            f"the sandbox at {args.url} answered {response.status_code}: {message or response.reason_phrase}"
        )
    if answer is None:
        raise TokenError(f"the sandbox at {args.url} answered {response.status_code} without a JSON body")
    return answer
