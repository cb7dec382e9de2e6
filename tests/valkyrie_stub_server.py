"""A second independent correct Valkyrie PAM: the choices of the vendor's reference stub (valkyrie-stubs, genericpam).

It answers getBalance as that stub does, each choice legitimate under specs/DECISIONS.md, so the conformance suite
must certify it (exit 0):

- checks in the stub's order: the api token, then the session, looked up by X-Player-Token AND provider with exact
  case, then the playerId;
- an unknown, missing or empty provider with a live token: 401 PAM_ERR_SESSION_NOT_FOUND (a session belongs to a
  provider), never PAM_ERR_MISSING_PROVIDER;
- no X-Correlation-ID: 400 text/plain, no PAM body; no X-Correlation-ID echo on any answer;
- the api token with or without `Bearer ` (a lower-case `bearer` is refused); unknown query parameters ignored;
- business errors (expired session, unknown player, no account) as HTTP 200 with status ERROR; error bodies with
  status "ERROR".

One choice of the stub is not copied: it serves a live session presented with another player's id with the session
owner's balance, which leaks one player's data under another's id. Here that is 401 PAM_ERR_SESSION_NOT_FOUND.
Written from the vendor's behaviour as the project records it; it imports neither mockserver nor the other test
server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import yaml
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API_TOKEN = "stub-pam-key-4c1f8e2a9b7d"
PROVIDER = "evolution"  # compared with exact case, as the stub does


@dataclass(frozen=True)
class Session:
    token: str
    player_id: str
    provider: str
    expired: bool


# None: the player exists but has no account.
BALANCES: dict[str, dict[str, float] | None] = {
    "stub-player-a": {"cashAmount": 500.25, "bonusAmount": 0, "promoAmount": 1.5},
    "stub-player-b": {"cashAmount": 7, "bonusAmount": 3.25, "promoAmount": 0},
    "stub-player-c": None,
}
SESSIONS = {
    session.token: session
    for session in (
        Session("a1b2c3d4e5f60718293a4b5c6d7e8f90", "stub-player-a", PROVIDER, expired=False),
        Session("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "stub-player-a", PROVIDER, expired=True),
        Session("5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b", "stub-player-c", PROVIDER, expired=False),
        Session("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "stub-player-b", "redtiger", expired=False),
    )
}
UNKNOWN_PLAYER = "stub-player-z"
PATH_PREFIX = "/players/"
PATH_SUFFIX = "/balance"


def _pam_error(status: int, code: str, message: str) -> Response:
    body = {"status": "ERROR", "error": {"code": code, "message": message}}
    return Response(json.dumps(body), status=status, content_type="application/json")


def _balance(request: Request, player_id: str) -> Response:
    if "X-Correlation-ID" not in request.headers:
        # The stub's request validation answers before any handler, in plain text.
        return Response("Header parameter X-Correlation-ID is required, but not found", 400, content_type="text/plain")
    authorization = request.headers.get("Authorization", "")
    token = authorization.removeprefix("Bearer ")
    if token != API_TOKEN:
        return _pam_error(401, "PAM_ERR_API_TOKEN", "api token does not match")
    session = SESSIONS.get(request.headers.get("X-Player-Token", ""))
    provider = request.args.get("provider", "")
    if session is None or session.provider != provider:
        return _pam_error(401, "PAM_ERR_SESSION_NOT_FOUND", "session not found")
    if session.expired:
        return _pam_error(200, "PAM_ERR_SESSION_EXPIRED", "session expired")
    if player_id not in BALANCES:
        return _pam_error(200, "PAM_ERR_PLAYER_NOT_FOUND", "player not found")
    if player_id != session.player_id:
        return _pam_error(401, "PAM_ERR_SESSION_NOT_FOUND", "session not found")
    balance = BALANCES[player_id]
    if balance is None:
        return _pam_error(200, "PAM_ERR_ACC_NOT_FOUND", "account not found")
    return Response(json.dumps({"status": "OK", "balance": balance}), content_type="application/json")


def application(environ: dict[str, Any], start_response: Any) -> Any:
    request = Request(environ)
    # Matched on the path as sent, so that an encoded slash stays inside the player id.
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path).split("?", 1)[0]
    if raw == "/":
        response = Response("ok", content_type="text/plain")
    elif (
        not (raw.startswith(PATH_PREFIX) and raw.endswith(PATH_SUFFIX))
        or "/" in raw[len(PATH_PREFIX) : -len(PATH_SUFFIX)]
    ):
        response = Response("Not Found", 404, content_type="text/plain")
    elif request.method != "GET":
        response = Response("Method Not Allowed", 405, headers={"Allow": "GET"}, content_type="text/plain")
    else:
        response = _balance(request, unquote(raw[len(PATH_PREFIX) : -len(PATH_SUFFIX)]))
    return response(environ, start_response)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log: a run sends thousands of requests."""


@contextmanager
def serve(timeout: float = 10.0) -> Iterator[str]:
    """The stub on a free port of 127.0.0.1, in a thread; yields its base URL; raises if it does not answer."""
    server = make_server("127.0.0.1", 0, application, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="valkyrie-stub", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(url + "/", timeout=1.0, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Valkyrie stub at {url} did not answer within {timeout:g} s")
            time.sleep(0.05)
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout)


def write_profile(path: Path, url: str) -> Path:
    """The conformance profile of the stub's data."""
    active, expired, no_account, _ = SESSIONS.values()
    profile = {
        "valkyrie": {
            "base_url": url,
            "api_token": API_TOKEN,
            "provider": PROVIDER,
            "players": {
                "active": {"playerId": active.player_id, "token": active.token},
                "expired": {"playerId": expired.player_id, "token": expired.token},
                "no_account": {"playerId": no_account.player_id, "token": no_account.token},
                "other": {"playerId": "stub-player-b"},
                "unknown": {"playerId": UNKNOWN_PLAYER},
            },
        }
    }
    path.write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    return path
