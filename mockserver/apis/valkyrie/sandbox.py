"""Valkyrie PAM's sandbox: players and sessions of a fixture, and the order in which a PAM decides a balance call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from mockserver.component_schemas import schema_validator
from mockserver.errors import FixtureError, UnknownExample
from mockserver.schema_errors import raise_for_fixture, under


class Outcome(NamedTuple):
    """An answer (body and status), the case it is (a session's name or an outcome's), and the entities reached."""

    body: dict[str, Any]
    status: int
    case: str
    entities: tuple[str, ...] = ()


def pam_error(code: str, message: str) -> dict[str, Any]:
    """The Valkyrie PAM error body."""
    return {"status": "ERROR", "error": {"code": code, "message": message}}


# Outcomes a client can force with `Prefer: example=<name>` without naming a session: their bodies and statuses.
FORCED_ERRORS: dict[str, tuple[dict[str, Any], int]] = {
    "player_not_found": (pam_error("PAM_ERR_PLAYER_NOT_FOUND", "player not found"), 200),
    "account_not_found": (pam_error("PAM_ERR_ACC_NOT_FOUND", "player has no account"), 200),
    "session_expired": (pam_error("PAM_ERR_SESSION_EXPIRED", "session expired"), 200),
    "session_not_found": (pam_error("PAM_ERR_SESSION_NOT_FOUND", "session not found"), 401),
    "missing_provider": (pam_error("PAM_ERR_MISSING_PROVIDER", "provider not found"), 400),
}


def _error(name: str, *entities: str) -> Outcome:
    body, status = FORCED_ERRORS[name]
    return Outcome(body, status, name, entities)


@dataclass(frozen=True)
class Player:
    name: str
    player_id: str
    balance: dict[str, Any] | None


@dataclass(frozen=True)
class Session:
    name: str
    token: str
    player: Player
    provider: str
    expires_at: datetime | None


@dataclass(frozen=True)
class ValkyrieSandbox:
    api_token: str
    providers: set[str]  # lower case
    players: dict[str, Player]  # by player id
    sessions: dict[str, Session]  # by token
    sessions_by_name: dict[str, Session]

    def balance(self, player_id: str, provider: str, token: str, now: datetime) -> Outcome:
        """The outcome of a balance request, in the order the vendor's reference stub checks."""
        if provider.lower() not in self.providers:
            return _error("missing_provider")
        session = self.sessions.get(token)
        if session is None or session.provider != provider.lower():
            return _error("session_not_found")
        player = self.players.get(player_id)
        if player is None:
            return _error("player_not_found", session.name)
        if player is not session.player:
            # A known player, but this session is someone else's: the token names no session of theirs.
            return _error("session_not_found", session.name)
        reached = (session.name, player.name)
        if session.expires_at is not None and session.expires_at <= now:
            body, status = FORCED_ERRORS["session_expired"]
        elif player.balance is None:
            body, status = FORCED_ERRORS["account_not_found"]
        else:
            body, status = {"status": "OK", "balance": player.balance}, 200
        # The session's name is the case: `Prefer: example=<session>` gives the same answer.
        return Outcome(body, status, session.name, reached)

    def case(self, name: str, now: datetime) -> Outcome:
        """The outcome a forced case names: a session, as if its own request came in, or an error."""
        session = self.sessions_by_name.get(name)
        if session is not None:
            return self.balance(session.player.player_id, session.provider, session.token, now)
        if name in FORCED_ERRORS:
            return _error(name)
        raise UnknownExample(name, [*self.sessions_by_name, *FORCED_ERRORS])


def build_sandbox(raw: dict[str, Any], spec: dict[str, Any]) -> ValkyrieSandbox:
    """The sandbox of a fixture that passed the fixture schema; raises FixtureError on any other problem."""
    providers = {provider.lower() for provider in raw["providers"]}
    balance_validator = schema_validator(spec, "Balance")
    players: dict[str, Player] = {}
    players_by_name: dict[str, Player] = {}
    for name, entry in raw["players"].items():
        if entry["player_id"] in players:
            raise FixtureError(f"players.{name}.player_id", "an id no other player has", repr(entry["player_id"]))
        balance = entry["balance"]
        if balance is not None:
            raise_for_fixture(balance_validator.iter_errors(balance), under("players", name, "balance"))
            _check_decimals(name, balance)
        player = Player(name, entry["player_id"], balance)
        players[player.player_id] = players_by_name[name] = player

    sessions: dict[str, Session] = {}
    sessions_by_name: dict[str, Session] = {}
    for name, entry in raw["sessions"].items():
        key = f"sessions.{name}"
        if name in FORCED_ERRORS:
            raise FixtureError(key, "a name that is not a forced error case", "it")
        if entry["player"] not in players_by_name:
            raise FixtureError(
                f"{key}.player", f"one of the players {', '.join(players_by_name)}", repr(entry["player"])
            )
        if entry["provider"].lower() not in providers:
            raise FixtureError(
                f"{key}.provider", f"one of the providers {', '.join(raw['providers'])}", repr(entry["provider"])
            )
        if entry["token"] in sessions:
            raise FixtureError(f"{key}.token", "a token no other session has", repr(entry["token"]))
        expires = entry.get("expires_at")
        session = Session(
            name,
            entry["token"],
            players_by_name[entry["player"]],
            entry["provider"].lower(),
            datetime.fromisoformat(expires.replace("Z", "+00:00")) if expires else None,
        )
        sessions[session.token] = sessions_by_name[name] = session

    for index, player_id in enumerate(raw["unknown"]["player_ids"]):
        if player_id in players:
            raise FixtureError(f"unknown.player_ids[{index}]", "an id no player has", repr(player_id))
    for index, token in enumerate(raw["unknown"]["tokens"]):
        if token in sessions:
            raise FixtureError(f"unknown.tokens[{index}]", "a token no session has", repr(token))
    return ValkyrieSandbox(raw["api_token"], providers, players, sessions, sessions_by_name)


def _check_decimals(name: str, balance: dict[str, Any]) -> None:
    # Valkyrie rejects amounts that would lose precision when rounded to 6 decimal places.
    for field, amount in balance.items():
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            continue  # extra keys are the spec's business, checked against it already
        exponent = Decimal(str(amount)).as_tuple().exponent
        if isinstance(exponent, int) and exponent < -6:
            raise FixtureError(f"players.{name}.balance.{field}", "at most 6 decimal places", repr(amount))
