"""Valkyrie sessions created at runtime, as the vendor stub's backdoor does: through the admin API, or by
``mockserver token valkyrie``."""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from balancekit.clock import Clock
from mockserver.admin.client import add_admin_arguments, call_admin
from mockserver.admin.errors import AdminError
from mockserver.apis.valkyrie.handlers import NAME
from mockserver.errors import FixtureError
from mockserver.instants import rfc3339
from mockserver.redaction import cut
from mockserver.state.store import Document, Draft

if TYPE_CHECKING:
    from mockserver.admin.operations import SandboxAdmin
    from mockserver.api import MockApi


def add_session(
    document: Document,
    request: Mapping[str, Any],
    now: float,
    new_token: Callable[[], str] = lambda: secrets.token_hex(20),
) -> dict[str, Any]:
    """Adds a session to a Valkyrie fixture document, for a player named by fixture name or player id; returns the
    session as the admin API shows it. The caller checks the changed document as a fixture."""
    players: Mapping[str, Any] = document["players"]
    wanted = request["player"]
    player = wanted if wanted in players else next((n for n, p in players.items() if p["player_id"] == wanted), None)
    if player is None:
        raise FixtureError("player", "a player's fixture name or player id", cut(repr(wanted)))
    token = new_token()
    name = request.get("name") or f"session-{token[:8]}"
    session: dict[str, Any] = {"token": token, "player": player, "provider": request["provider"]}
    if request.get("expires_in_seconds") is not None:
        session["expires_at"] = rfc3339(now + request["expires_in_seconds"])
    document["sessions"][name] = session
    return {"name": name, **session, "player_id": players[player]["player_id"]}


def create_session(admin: SandboxAdmin, parameters: Mapping[str, Any], request: Any) -> tuple[Any, int]:
    """``POST /__admin/valkyrie/sessions``."""

    def add(draft: Draft) -> dict[str, Any]:
        if request.get("name") in draft.documents[NAME]["sessions"]:
            raise AdminError(409, f"{NAME} sessions already has an entity named {request['name']!r}.")
        try:
            return add_session(draft.documents[NAME], request, admin.clock())
        except FixtureError as problem:
            raise AdminError.invalid(problem) from None

    session, _ = admin.change(add)
    return session, 201


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--player", metavar="NAME", required=True, help="the player, by fixture name or player id")
    parser.add_argument("--provider", metavar="P", required=True, help="one of the fixture's providers")
    parser.add_argument(
        "--expires-in", metavar="SECONDS", type=int, default=None, help="seconds until it expires (default: never)"
    )
    add_admin_arguments(parser)


def token_from_sandbox(args: argparse.Namespace, api: MockApi, clock: Clock) -> str:
    """The X-Player-Token ``mockserver token valkyrie`` prints: a live session created by a running sandbox."""
    request: dict[str, Any] = {"player": args.player, "provider": args.provider}
    if args.expires_in is not None:
        request["expires_in_seconds"] = args.expires_in
    session = call_admin(args, "POST", f"/{NAME}/sessions", request)
    token: str = session["token"]
    return token
