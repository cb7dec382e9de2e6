"""Credential checks of the three APIs, plugged into connexion through ``security_map``.

A check returns the token info a handler reads from ``connexion.context`` or raises ``OAuthProblem`` (401);
connexion turns any other exception into a 500, so every library error is translated here.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from connexion.exceptions import OAuthProblem
from connexion.security import BasicSecurityHandler, BearerSecurityHandler

# Clocks of operators and the sandbox drift; the vendor's guidance allows a minute.
JWT_LEEWAY_SECONDS = 60


class _CheckedBearer(BearerSecurityHandler):
    def __init__(self, check: Callable[[str], dict[str, Any]]) -> None:
        self._check = check

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., Any]:
        return self._check


class _CheckedBasic(BasicSecurityHandler):
    def __init__(self, check: Callable[[str, str], dict[str, Any]]) -> None:
        self._check = check

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., Any]:
        return self._check


def bearer_map(check: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """A ``security_map`` whose HTTP bearer scheme is verified by ``check(token)``."""
    return {"bearer": functools.partial(_CheckedBearer, check)}


def basic_map(check: Callable[[str, str], dict[str, Any]]) -> dict[str, Any]:
    """A ``security_map`` whose HTTP basic scheme is verified by ``check(username, password)``."""
    return {"basic": functools.partial(_CheckedBasic, check)}


def verify_operator_jwt(token: str, secrets: Mapping[str, tuple[Any, bytes]], audiences: list[str]) -> dict[str, Any]:
    """Verify a VIP operator JWT: HS256 with the issuer's base64-decoded secret, audience, exp and nbf.

    ``secrets`` maps a lower-case operator id (the ``iss`` claim) to the operator and its decoded key.
    """
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OAuthProblem(detail="The token is not a well-formed JWT.") from None
    if header.get("alg") != "HS256":
        raise OAuthProblem(detail=f"The token's algorithm is {header.get('alg')!r}; HS256 is required.")
    issuer = claims.get("iss")
    known = secrets.get(issuer.lower()) if isinstance(issuer, str) else None
    if known is None:
        raise OAuthProblem(detail=f"The issuer {issuer!r} is not a known operator id.")
    operator, key = known
    try:
        jwt.decode(
            token,
            key=key,
            algorithms=["HS256"],
            audience=audiences,
            leeway=JWT_LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.InvalidSignatureError:
        raise OAuthProblem(detail="The token's signature does not verify with the operator's secret.") from None
    except jwt.ExpiredSignatureError:
        raise OAuthProblem(detail="The token has expired (exp).") from None
    except jwt.ImmatureSignatureError:
        raise OAuthProblem(detail="The token is not valid yet (nbf or iat).") from None
    except jwt.InvalidAudienceError:
        raise OAuthProblem(detail=f"The token's audience is not one of {', '.join(audiences)}.") from None
    except jwt.MissingRequiredClaimError as exc:
        raise OAuthProblem(detail=f"The token has no {exc.claim!r} claim.") from None
    except jwt.PyJWTError as exc:
        raise OAuthProblem(detail=f"The token is not valid: {str(exc).rstrip('.')}.") from None
    return {"sub": issuer, "operator": operator}


def verify_shared_token(token: str, expected: str, *, subject: str) -> dict[str, Any]:
    """Compare a bearer token with the one configured, in constant time."""
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise OAuthProblem(detail="The api token does not match.")
    return {"sub": subject}


def verify_client(username: str, password: str, clients: Mapping[str, tuple[Any, str]]) -> dict[str, Any]:
    """Check HTTP Basic ``client_id:client_secret`` against the configured integration clients."""
    known = clients.get(username)
    if known is None or not hmac.compare_digest(password.encode(), known[1].encode()):
        raise OAuthProblem(detail="The client credentials are not valid.")
    return {"sub": username, "client": known[0]}
