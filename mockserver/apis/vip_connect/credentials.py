"""VIP operator JWTs minted from the fixtures: through the admin API, or offline by ``mockserver token vip-connect``."""

from __future__ import annotations

import argparse
import base64
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt

from balancekit.clock import Clock
from mockserver.admin.errors import AdminError
from mockserver.errors import FixtureError, TokenError
from mockserver.instants import rfc3339
from mockserver.resources import FIXTURES_DIR

if TYPE_CHECKING:
    from mockserver.admin.operations import SandboxAdmin
    from mockserver.api import MockApi

NAME = "vip-connect"
DEFAULT_LIFETIME_SECONDS = 3600
MAX_LIFETIME_SECONDS = 31_536_000  # a year, as the admin spec bounds it


def operator_token(
    document: Mapping[str, Any],
    operator: str,
    now: float,
    *,
    lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    claims: Mapping[str, Any] | None = None,
    key: int = 0,
) -> dict[str, Any]:
    """A JWT of the operator named ``operator`` in a VIP fixture document: issued by its ``operator_id`` for the first
    audience, signed with its key number ``key``. ``claims`` add or override claims; a None value drops one. Raises
    FixtureError for a key the operator does not hold."""
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


def mint_operator_token(admin: SandboxAdmin, parameters: Mapping[str, Any], request: Any) -> tuple[Any, int]:
    """``POST /__admin/vip-connect/operators/{name}/token``."""
    document = admin.document(NAME)
    operator = parameters["name"]
    if operator not in document["operators"]:
        raise AdminError(404, f"{NAME} operators has no entity named {operator!r}.")
    options = {key: request[key] for key in ("lifetime_seconds", "claims", "key") if request and key in request}
    try:
        return operator_token(document, operator, admin.clock(), **options), 200
    except FixtureError as problem:
        raise AdminError.invalid(problem) from None


def _lifetime(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIFETIME_SECONDS:
        raise argparse.ArgumentTypeError(f"expected seconds from 1 to {MAX_LIFETIME_SECONDS}, got {text!r}")
    return int(text)


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--operator", metavar="NAME", required=True, help="the operator's name in the fixtures")
    parser.add_argument(
        "--lifetime",
        metavar="SECONDS",
        type=_lifetime,
        default=DEFAULT_LIFETIME_SECONDS,
        help="seconds until the token expires (default: %(default)s)",
    )
    parser.add_argument(
        "--key", type=int, choices=[0, 1], default=0, help="which of the operator's keys signs (default: %(default)s)"
    )
    parser.add_argument(
        "--fixtures", metavar="DIR", default=str(FIXTURES_DIR), help="fixtures directory (default: the bundled ones)"
    )


def token_from_fixtures(args: argparse.Namespace, api: MockApi, clock: Clock) -> str:
    """The token ``mockserver token vip-connect`` prints: made offline, from the fixture file checked as at start-up."""
    from mockserver.fixtures import load_fixtures  # it imports the registry of APIs, which imports this module

    try:
        document = load_fixtures(args.fixtures, apis=[api]).documents[NAME]
    except FixtureError as problem:
        raise TokenError(str(problem)) from None
    operators = document["operators"]
    if args.operator not in operators:
        raise TokenError(f"no operator is named {args.operator!r}; the operators are {', '.join(operators)}")
    try:
        minted = operator_token(document, args.operator, clock(), lifetime_seconds=args.lifetime, key=args.key)
    except FixtureError as problem:
        raise TokenError(f"operator {args.operator}: {problem}") from None
    token: str = minted["token"]
    return token
