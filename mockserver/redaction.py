"""What the mock may say back or log about a client's values: sensitive ones withheld, the rest cut and escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from balancekit.safe_text import escape_char

# Any client value the mock repeats (in an error message, the X-Correlation-ID echo, a log line) is cut to this
# many characters; SECURITY.md documents it.
ECHO_LIMIT = 128

# Fields whose values authenticate someone: never repeated in an error body or a log line, whatever the API. Each
# API adds the fields that identify a person (its MockApi.identity_fields). Names are compared in lower case
# without '-' and '_', so `access_token`, `X-Player-Token` and `IdNumber` all match.
_SENSITIVE_NAMES = frozenset({"authorization"})
_SENSITIVE_PARTS = ("password", "token", "secret", "jwt")


def folded(name: str) -> str:
    """A field name as sensitive names are compared: lower case, without '-' and '_'."""
    return name.lower().replace("_", "").replace("-", "")


def is_sensitive(name: object, identity_fields: frozenset[str] = frozenset()) -> bool:
    """True when a field or parameter of this name holds a secret, or is one of ``identity_fields`` (folded)."""
    if not isinstance(name, str):
        return False
    name = folded(name)
    return name in _SENSITIVE_NAMES or name in identity_fields or any(part in name for part in _SENSITIVE_PARTS)


def any_sensitive(names: Iterable[object], identity_fields: frozenset[str] = frozenset()) -> bool:
    return any(is_sensitive(name, identity_fields) for name in names)


def cut(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` shortened to ``limit`` characters, marked with '...' when something was cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(value: Any, *, sensitive: bool) -> str:
    """How an error message names a client's value: withheld when sensitive, never a whole object, else cut."""
    if sensitive:
        return f"the value ({type(value).__name__}, withheld)"
    if isinstance(value, dict):
        return "the object"
    if isinstance(value, list):
        return "the array"
    return cut(repr(value))


_NOT_PRINTABLE_OR_QUOTING = re.compile(r'[^\x20-\x7e]|[\\"]')


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return "\\" + char if char in '\\"' else escape_char(char)


def escaped(text: str) -> str:
    """A client value for a log line: printable ASCII (as balancekit.safe_text.printable makes it), with quotes and
    backslashes escaped too, so the value cannot close a quoted field or pass an escape of its own for one of ours."""
    if text.isascii() and text.isprintable() and "\\" not in text and '"' not in text:
        return text
    return _NOT_PRINTABLE_OR_QUOTING.sub(_escape_one, text)


def loggable(value: str | bytes | None, limit: int = ECHO_LIMIT) -> str:
    """A client value for a log line: decoded as Latin-1 if raw, cut, then escaped."""
    if value is None:
        return "-"
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return escaped(cut(text, limit))
