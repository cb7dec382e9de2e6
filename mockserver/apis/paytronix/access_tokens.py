"""Paytronix OAuth access tokens minted at runtime: through the admin API, or by ``mockserver token paytronix``."""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from balancekit.clock import Clock
from mockserver.admin.client import add_admin_arguments, call_admin
from mockserver.admin.errors import AdminError
from mockserver.instants import rfc3339
from mockserver.state.store import Document, Draft

if TYPE_CHECKING:
    from mockserver.admin.operations import SandboxAdmin
    from mockserver.api import MockApi

NAME = "paytronix"
MAX_EXPIRY_SECONDS = 31_536_000  # a year, as the admin spec bounds it


def add_access_token(
    document: Document,
    account: str,
    request: Mapping[str, Any],
    now: float,
    new_token: Callable[[], str] = lambda: secrets.token_urlsafe(30),
) -> dict[str, Any]:
    """Adds an OAuth access token to a guest account of a Paytronix fixture document (KeyError for an unknown
    account); the caller checks the changed document as a fixture."""
    tokens: list[dict[str, Any]] = document["accounts"][account]["access_tokens"]
    token: dict[str, Any] = {"access_token": new_token()}
    if request.get("expires_in_seconds") is not None:
        token["expires_at"] = rfc3339(now + request["expires_in_seconds"])
    tokens.append(token)
    return {"account": account, **token}


def create_access_token(admin: SandboxAdmin, parameters: Mapping[str, Any], request: Any) -> tuple[Any, int]:
    """``POST /__admin/paytronix/accounts/{name}/access_tokens``."""
    account = parameters["name"]

    def add(draft: Draft) -> dict[str, Any]:
        if account not in draft.documents[NAME]["accounts"]:
            raise AdminError(404, f"{NAME} accounts has no entity named {account!r}.")
        return add_access_token(draft.documents[NAME], account, request or {}, admin.clock())

    token, _ = admin.change(add)
    return token, 201


def _expiry(text: str) -> int:
    if not text.isdigit() or int(text) > MAX_EXPIRY_SECONDS:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to {MAX_EXPIRY_SECONDS}, got {text!r}")
    return int(text)


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", metavar="NAME", required=True, help="the guest account's name in the fixtures")
    parser.add_argument(
        "--expires-in", metavar="SECONDS", type=_expiry, default=None, help="seconds until it expires (default: never)"
    )
    add_admin_arguments(parser)


def token_from_sandbox(args: argparse.Namespace, api: MockApi, clock: Clock) -> str:
    """The access token ``mockserver token paytronix`` prints: added to the account by a running sandbox."""
    request = {} if args.expires_in is None else {"expires_in_seconds": args.expires_in}
    created = call_admin(args, "POST", f"/{NAME}/accounts/{quote(args.account, safe='')}/access_tokens", request)
    token: str = created["access_token"]
    return token
