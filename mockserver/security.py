"""Credential checks plugged into connexion through ``security_map``, and a shared-token check.

A check returns the token info a handler reads from ``connexion.context`` or raises ``OAuthProblem`` (401);
connexion turns any other exception into a 500, so each check translates the errors of the library it uses.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connexion.exceptions import OAuthProblem
from connexion.security import BasicSecurityHandler, BearerSecurityHandler


class _DirectCheck:
    """Calls the check with the credentials only. connexion's own wrapper inspects the check's signature on every
    request; these checks take exactly the credentials and raise OAuthProblem themselves."""

    def __init__(self, check: Callable[..., dict[str, Any]]) -> None:
        self._check = check

    def _resolve_func(self, security_scheme: dict[str, Any]) -> Callable[..., Any]:
        return self._check

    def _generic_check(self, func: Callable[..., Any], exception_msg: str) -> Callable[..., Any]:
        def check(request: Any, *credentials: str, required_scopes: Any = None) -> Any:
            return func(*credentials)

        return check


class _CheckedBearer(_DirectCheck, BearerSecurityHandler):
    pass


class _CheckedBasic(_DirectCheck, BasicSecurityHandler):
    pass


@dataclass(frozen=True)
class CredentialCheck:
    """How the credentials of one HTTP security scheme are checked: ``check(token)`` or ``check(user, password)``."""

    handler: type[_DirectCheck]
    check: Callable[..., dict[str, Any]]


def bearer_map(check: Callable[[str], dict[str, Any]]) -> dict[str, CredentialCheck]:
    """The checks of an API whose HTTP bearer scheme is verified by ``check(token)``."""
    return {"bearer": CredentialCheck(_CheckedBearer, check)}


def basic_map(check: Callable[[str, str], dict[str, Any]]) -> dict[str, CredentialCheck]:
    """The checks of an API whose HTTP basic scheme is verified by ``check(username, password)``."""
    return {"basic": CredentialCheck(_CheckedBasic, check)}


def connexion_security_map(
    checks: Mapping[str, CredentialCheck], current: Callable[[], Mapping[str, CredentialCheck]] | None = None
) -> dict[str, Any]:
    """connexion's ``security_map`` for ``checks``; with ``current``, each request is checked by the checks
    ``current()`` gives then (those of the sandbox in force), of the same schemes."""
    if current is None:
        return {scheme: functools.partial(checked.handler, checked.check) for scheme, checked in checks.items()}

    def live(scheme: str) -> Callable[..., dict[str, Any]]:
        return lambda *credentials: current()[scheme].check(*credentials)

    return {scheme: functools.partial(checked.handler, live(scheme)) for scheme, checked in checks.items()}


def verify_shared_token(token: str, expected: str, *, subject: str) -> dict[str, Any]:
    """Compare a bearer token with the one configured, in constant time."""
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise OAuthProblem(detail="The api token does not match.")
    return {"sub": subject}
