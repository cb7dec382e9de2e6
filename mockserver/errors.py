"""The mock's exceptions: start-up problems with fixtures, and request problems that get an API's own error body."""

from __future__ import annotations

import re

from connexion.exceptions import BadRequestProblem, ProblemException

from mockserver.redaction import cut, is_sensitive

_LENGTH = re.compile(r"\d+( bytes)?")


class FixtureError(Exception):
    """A fixture file cannot be served. Each problem names the key, what was expected and what was found."""

    def __init__(self, key: str, expected: str, found: str, *, file: str | None = None) -> None:
        self.key = key
        self.expected = expected
        self.found = found
        self.file = file
        super().__init__(str(self))

    def in_file(self, file: str) -> FixtureError:
        """The same problem, attributed to ``file``."""
        return FixtureError(self.key, self.expected, self.found, file=file)

    def without_secret(self) -> FixtureError:
        """The same problem, what was found withheld when the key names a secret (a message may quote a token or a
        password) unless it is a length ('12', '4 bytes'): the form every log line, terminal and admin answer shows."""
        secret = any(is_sensitive(part) for part in re.split(r"[.\[\]]", self.key))
        if secret and not _LENGTH.fullmatch(self.found):
            return FixtureError(self.key, self.expected, "(withheld)", file=self.file)
        return self

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.key}: expected {self.expected}, got {self.found}"


class InvalidParameter(BadRequestProblem):
    """A path, query or header parameter does not match the spec; the API's error body may depend on which."""

    def __init__(self, location: str, name: str, message: str) -> None:
        self.location = location
        self.name = name
        super().__init__(detail=f"{location} parameter '{name}' {message}")


class UnknownExample(BadRequestProblem):
    """``Prefer: example=<case>`` names a case the fixtures do not have."""

    def __init__(self, case: str, known: list[str]) -> None:
        self.case = case
        super().__init__(detail=f"Prefer: example={cut(case)} names no fixture case; known cases: {', '.join(known)}")


class OversizedRequest(ProblemException):
    """A request line or header section over the HTTP layer's limits (414 or 431), answered in the API's shape."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status=status, title="Request refused", detail=detail)


class TokenError(Exception):
    """``mockserver token`` cannot make the credential asked for; the message is one line that says why."""
