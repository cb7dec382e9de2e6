"""What the mock may say back or log about a client's values: sensitive ones withheld, the rest cut and escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Any client value the mock repeats (in an error message, the X-Correlation-ID echo, a log line) is cut to this
# many characters; SECURITY.md documents it.
ECHO_LIMIT = 128

# Fields whose values identify or authenticate a person: never repeated in an error body or a log line. Names are
# compared in lower case without '-' and '_', so `access_token`, `X-Player-Token` and `IdNumber` all match.
_SENSITIVE_NAMES = frozenset(
    {
        "idnumber",
        "ssn",
        "vipaccountnumber",
        "printedcardnumber",
        "registrationcode",
        "authorization",
    }
)
_SENSITIVE_PARTS = ("password", "token", "secret", "jwt")


def is_sensitive(name: object) -> bool:
    """True when a field or parameter of this name holds a secret or an identity number."""
    if not isinstance(name, str):
        return False
    folded = name.lower().replace("_", "").replace("-", "")
    return folded in _SENSITIVE_NAMES or any(part in folded for part in _SENSITIVE_PARTS)


def any_sensitive(names: Iterable[object]) -> bool:
    return any(is_sensitive(name) for name in names)


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


_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
_NOT_PRINTABLE_OR_QUOTING = re.compile(r'[^\x20-\x7e]|[\\"]')


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in '\\"':
        return "\\" + char
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` as printable ASCII: control characters and non-ASCII characters as escapes.

    A log line passed through this can neither end early, nor start a fake line, nor move a terminal's cursor or
    reverse its text.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, checked at C speed
    return _NOT_PRINTABLE.sub(_escape_one, text)


def escaped(text: str) -> str:
    """A client value for a log line: :func:`printable`, with quotes and backslashes escaped too, so the value
    cannot close a quoted field or pass an escape of its own for one of ours."""
    if text.isascii() and text.isprintable() and "\\" not in text and '"' not in text:
        return text
    return _NOT_PRINTABLE_OR_QUOTING.sub(_escape_one, text)


def loggable(value: str | bytes | None, limit: int = ECHO_LIMIT) -> str:
    """A client value for a log line: decoded as Latin-1 if raw, cut, then escaped."""
    if value is None:
        return "-"
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return escaped(cut(text, limit))
