"""VIP operator JWTs: HS256 with the issuer's base64-decoded secret, audience, exp and nbf, against a clock."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import jwt
from connexion.exceptions import OAuthProblem

from balancekit.clock import Clock
from mockserver.bounded_cache import BoundedCache
from mockserver.redaction import cut

# Clocks of operators and the sandbox drift; the vendor's guidance allows a minute.
JWT_LEEWAY_SECONDS = 60
# An operator JWT is a few hundred characters; a longer one is refused before it is decoded.
MAX_JWT_CHARS = 4096
# RFC 7519 NumericDate claims: JSON numbers. PyJWT takes anything int() takes ("1796...", true).
_TIME_CLAIMS = ("exp", "nbf", "iat")
# PyJWT reads the system clock for its time checks; they are made here instead, against the verifier's clock, with
# PyJWT's own comparisons and in its order: the signature and the required claims, the times, then the audience,
# subject and token id.
_SIGNATURE: jwt.types.Options = {
    "require": ["exp", "iss", "aud"],
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_sub": False,
    "verify_jti": False,
}
_AFTER_TIMES: jwt.types.Options = {
    "verify_signature": False,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": True,
    "verify_sub": True,
    "verify_jti": True,
}


class OperatorJwtVerifier:
    """Verifies VIP operator JWTs; ``clock`` gives the time that exp, nbf and iat are compared with.

    A token that verified once is kept (bounded in number and in bytes): signature, issuer and audience cannot
    change, so later uses only check the clock again.
    """

    CACHE_ENTRIES = 4096
    CACHE_BYTES = 4 * 1024 * 1024

    def __init__(
        self, secrets: Mapping[str, tuple[Any, tuple[bytes, ...]]], audiences: list[str], clock: Clock
    ) -> None:
        """``secrets`` maps a lower-case operator id (the ``iss`` claim) to the operator and its decoded keys (one,
        or two while the operator rotates them: a token signed with either verifies)."""
        self._secrets = secrets
        self._audiences = audiences
        self._clock = clock
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
        else:
            _check_times(verified[1], self._clock())
        return verified[0]

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
                options=_SIGNATURE,
            )
            _check_times(claims, self._clock())
            # The signature is verified already: the rest are checks of the claims.
            jwt.decode(token, audience=self._audiences, options=_AFTER_TIMES)
        except jwt.InvalidSignatureError:
            raise OAuthProblem(detail="The token's signature does not verify with the operator's secret.") from None
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
    # PyJWT's own comparisons, in its order, for claims whose types it already accepted.
    if "iat" in claims and int(claims["iat"]) > now + JWT_LEEWAY_SECONDS:
        raise OAuthProblem(detail=_NOT_YET_VALID)
    if "nbf" in claims and int(claims["nbf"]) > now + JWT_LEEWAY_SECONDS:
        raise OAuthProblem(detail=_NOT_YET_VALID)
    if int(claims["exp"]) <= now - JWT_LEEWAY_SECONDS:
        raise OAuthProblem(detail=_EXPIRED)
