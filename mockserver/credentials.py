"""Sandbox credentials minted from and into fixture documents: an operator JWT, a session, an access token."""

from __future__ import annotations

import base64
import math
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from mockserver.errors import FixtureError
from mockserver.instants import rfc3339
from mockserver.redaction import cut

DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
Document = dict[str, Any]


def operator_token(
    document: Mapping[str, Any],
    operator: str,
    now: float,
    *,
    lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    claims: Mapping[str, Any] | None = None,
    key: int = 0,
) -> dict[str, Any]:
    """A JWT of a VIP fixture operator (``document`` is the VIP fixture document); raises KeyError for an unknown
    operator and FixtureError for a key the operator does not hold."""
    entry = document["operators"][operator]
    secrets_base64 = entry["secret_base64"]
    keys = [secrets_base64] if isinstance(secrets_base64, str) else list(secrets_base64)
    if not 0 <= key < len(keys):
        raise FixtureError("key", f"an index below {len(keys)} (the operator holds {len(keys)} keys)", str(key))
    payload: dict[str, Any] = {
        "iss": entry["operator_id"],
        "aud": document["audiences"][0],
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now) + lifetime_seconds,
    }
    for name, value in (claims or {}).items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    token = jwt.encode(payload, base64.b64decode(keys[key]), algorithm="HS256")
    expires = payload.get("exp")
    expires_at = None
    if isinstance(expires, (int, float)) and not isinstance(expires, bool) and math.isfinite(expires):
        expires_at = rfc3339(expires)
    return {"token": token, "expires_at": expires_at, "claims": payload}


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


def add_access_token(
    document: Document,
    account: str,
    request: Mapping[str, Any],
    now: float,
    new_token: Callable[[], str] = lambda: secrets.token_urlsafe(30),
) -> dict[str, Any]:
    """Adds an OAuth access token to a Paytronix guest account (KeyError for an unknown account)."""
    tokens: list[dict[str, Any]] = document["accounts"][account]["access_tokens"]
    token: dict[str, Any] = {"access_token": new_token()}
    if request.get("expires_in_seconds") is not None:
        token["expires_at"] = rfc3339(now + request["expires_in_seconds"])
    tokens.append(token)
    return {"account": account, **token}
