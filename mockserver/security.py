"""Credential checks of the three APIs, plugged into connexion through ``security_map``.

A check returns the token info a handler reads from ``connexion.context`` or raises ``OAuthProblem`` (401);
connexion turns any other exception into a 500, so every library error is translated here.
"""

from __future__ import annotations

import functools
import hmac
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from connexion.exceptions import OAuthProblem
from connexion.security import BasicSecurityHandler, BearerSecurityHandler

from mockserver.bounded_cache import BoundedCache
from mockserver.redaction import cut

# Clocks of operators and the sandbox drift; the vendor's guidance allows a minute.
JWT_LEEWAY_SECONDS = 60
# An operator JWT is a few hundred characters; a longer one is refused before it is decoded.
MAX_JWT_CHARS = 4096
# RFC 7519 NumericDate claims: JSON numbers. PyJWT takes anything int() takes ("1796...", true).
_TIME_CLAIMS = ("exp", "nbf", "iat")


class _DirectCheck:
    """Calls the check with the credentials only. connexion's own wrapper inspects the check's signature on every
    request; these checks take exactly the credentials and raise OAuthProblem themselves."""

    _check: Callable[..., dict[str, Any]]

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., Any]:
        return self._check

    def _generic_check(self, func: Callable[..., Any], exception_msg: str) -> Callable[..., Any]:
        def check(request: Any, *credentials: str, required_scopes: Any = None) -> Any:
            return func(*credentials)

        return check


class _CheckedBearer(_DirectCheck, BearerSecurityHandler):
    def __init__(self, check: Callable[[str], dict[str, Any]]) -> None:
        self._check = check


class _CheckedBasic(_DirectCheck, BasicSecurityHandler):
    def __init__(self, check: Callable[[str, str], dict[str, Any]]) -> None:
        self._check = check


def bearer_map(check: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """A ``security_map`` whose HTTP bearer scheme is verified by ``check(token)``."""
    return {"bearer": functools.partial(_CheckedBearer, check)}


def basic_map(check: Callable[[str, str], dict[str, Any]]) -> dict[str, Any]:
    """A ``security_map`` whose HTTP basic scheme is verified by ``check(username, password)``."""
    return {"basic": functools.partial(_CheckedBasic, check)}


class OperatorJwtVerifier:
    """Verifies VIP operator JWTs: HS256 with the issuer's base64-decoded secret, audience, exp and nbf.

    A token that verified once is kept (bounded in number and in bytes): signature, issuer and audience cannot
    change, so later uses only check the clock again, with PyJWT's own comparisons and messages.
    """

    CACHE_ENTRIES = 4096
    CACHE_BYTES = 4 * 1024 * 1024

    def __init__(self, secrets: Mapping[str, tuple[Any, tuple[bytes, ...]]], audiences: list[str]) -> None:
        """``secrets`` maps a lower-case operator id (the ``iss`` claim) to the operator and its decoded keys (one,
        or two while the operator rotates them: a token signed with either verifies)."""
        self._secrets = secrets
        self._audiences = audiences
        # Only what verified is kept: a refused token raises and is checked in full every time.
        self._verified: BoundedCache[str, tuple[dict[str, Any], dict[str, Any]]] = BoundedCache(
            max_entries=self.CACHE_ENTRIES, max_bytes=self.CACHE_BYTES, max_item_bytes=self.CACHE_BYTES
        )

    def __call__(self, token: str) -> dict[str, Any]:
        if len(token) > MAX_JWT_CHARS:
            raise OAuthProblem(detail=f"The token is longer than {MAX_JWT_CHARS} characters.")
        verified = self._verified.get(token)
        if verified is None:
            verified = self._verify(token)
            # The token and its decoded claims, which are at most about as large; dicts cost a few hundred more.
            self._verified.put(token, verified, 2 * len(token) + 512)
        info, claims = verified
        _check_times(claims, time.time())
        return info

    def _verify(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise OAuthProblem(detail="The token is not a well-formed JWT.") from None
        if header.get("alg") != "HS256":
            raise OAuthProblem(detail=f"The token's algorithm is {cut(repr(header.get('alg')))}; HS256 is required.")
        issuer = claims.get("iss")
        known = self._secrets.get(issuer.lower()) if isinstance(issuer, str) else None
        if known is None:
            raise OAuthProblem(detail=f"The issuer {cut(repr(issuer))} is not a known operator id.")
        for name in _TIME_CLAIMS:
            if name in claims and not _is_numeric_date(claims[name]):
                raise OAuthProblem(detail=f"The token's {name!r} claim is not a NumericDate (a JSON number).")
        operator, keys = known
        # Every key but the last is only tried for the signature; the last one gives PyJWT's full verdict.
        key = next((key for key in keys[:-1] if _signed_with(token, key)), keys[-1])
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["HS256"],
                audience=self._audiences,
                leeway=JWT_LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.InvalidSignatureError:
            raise OAuthProblem(detail="The token's signature does not verify with the operator's secret.") from None
        except jwt.ExpiredSignatureError:
            raise OAuthProblem(detail=_EXPIRED) from None
        except jwt.ImmatureSignatureError:
            raise OAuthProblem(detail=_NOT_YET_VALID) from None
        except jwt.InvalidAudienceError:
            raise OAuthProblem(detail=f"The token's audience is not one of {', '.join(self._audiences)}.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise OAuthProblem(detail=f"The token has no {exc.claim!r} claim.") from None
        except jwt.PyJWTError as exc:
            raise OAuthProblem(detail=f"The token is not valid: {str(exc).rstrip('.')}.") from None
        return {"sub": issuer, "operator": operator}, claims


def _signed_with(token: str, key: bytes) -> bool:
    try:
        jwt.api_jws.PyJWS().decode_complete(token, key=key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return False
    return True


_EXPIRED = "The token has expired (exp)."
_NOT_YET_VALID = "The token is not valid yet (nbf or iat)."


def _is_numeric_date(value: Any) -> bool:
    # bool is an int to Python, and json.loads reads NaN and Infinity, which no JSON document holds.
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    # PyJWT's own comparisons, in its order, for a token whose claims (and their types) it already accepted once.
    if "iat" in claims and int(claims["iat"]) > now + JWT_LEEWAY_SECONDS:
        raise OAuthProblem(detail=_NOT_YET_VALID)
    if "nbf" in claims and int(claims["nbf"]) > now + JWT_LEEWAY_SECONDS:
        raise OAuthProblem(detail=_NOT_YET_VALID)
    if int(claims["exp"]) <= now - JWT_LEEWAY_SECONDS:
        raise OAuthProblem(detail=_EXPIRED)


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
