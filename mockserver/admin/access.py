"""Who may call the admin API: anyone when the sandbox binds a loopback address, else the holder of
--admin-token."""

from __future__ import annotations

import hmac
import ipaddress

from mockserver.admin.errors import AdminError


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class AdminAccess:
    """Admin calls change the sandbox for every client: open on a loopback address, else only with the token."""

    def __init__(self, token: str | None, *, required: bool) -> None:
        self._token = token
        self._required = required or token is not None

    @classmethod
    def for_bind(cls, host: str, token: str | None) -> AdminAccess:
        """The rule for a sandbox bound to ``host``: open on a loopback address unless a token is given."""
        return cls(token, required=not is_loopback(host))

    @property
    def required(self) -> bool:
        """True when a call needs the token (or is refused for want of one)."""
        return self._required

    def describe(self) -> str:
        """The rule in force, for the start-up line (never the token itself)."""
        if not self._required:
            return "open to anyone: a loopback address"
        if self._token is None:
            return "refused: a non-loopback address needs --admin-token"
        return "the admin token required"

    def check(self, authorization: str | None) -> None:
        """Raises a 401 AdminError unless the caller may use the admin API."""
        if not self._required:
            return
        if self._token is None:
            raise AdminError(401, "The admin API needs --admin-token when the sandbox binds a non-loopback address.")
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), self._token.encode()):
            raise AdminError(401, "The admin token is missing or wrong (send Authorization: Bearer <admin token>).")
