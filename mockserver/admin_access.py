"""Who may call the admin API: anyone when the sandbox binds a loopback address, else the holder of --admin-token."""

from __future__ import annotations

import hmac
import ipaddress

from mockserver.admin_errors import AdminError


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
        return cls(token, required=not is_loopback(host))

    def check(self, authorization: str | None) -> None:
        """Raises a 401 AdminError unless the caller may use the admin API."""
        if not self._required:
            return
        if self._token is None:
            raise AdminError(401, "The admin API needs --admin-token when the sandbox binds a non-loopback address.")
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), self._token.encode()):
            raise AdminError(401, "The admin token is missing or wrong (send Authorization: Bearer <admin token>).")
