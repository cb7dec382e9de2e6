"""The admin API's one error shape: ``{"error": {"message", "key"?, "expected"?, "found"?}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.errors import FixtureError


class AdminError(Exception):
    """An admin call that cannot be done; nothing was changed."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        key: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = {
            name: value for name, value in (("key", key), ("expected", expected), ("found", found)) if value
        }

    @classmethod
    def invalid(cls, problem: FixtureError) -> AdminError:
        """A 400 in the words a bad fixture file gets at start-up; what was found under a secret's key is withheld
        (a message may quote a token or a password, the caller's or another entity's) unless it is a length."""
        problem = problem.without_secret()
        return cls(400, str(problem), key=problem.key, expected=problem.expected, found=problem.found)

    @property
    def headers(self) -> Mapping[str, str]:
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, **self.details)


def error_body(message: str, **details: str) -> dict[str, Any]:
    return {"error": {"message": message, **details}}
