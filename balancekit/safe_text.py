"""Text from outside (a client's request, a system's answer) made safe for a terminal, a log line or a report.

A value may hold escape sequences that clear or rewrite a terminal, right-to-left overrides that make a line read
differently than it is, line breaks that forge a line of their own, characters XML 1.0 forbids, lone surrogates no
encoder accepts. Each becomes a visible escape (``\\x1b``, ``\\u202e``), so the reader sees what was sent and
nothing acts on it. Two policies: :func:`printable` (log lines: printable ASCII only) and :func:`one_line` /
:func:`output_safe` (reports: letters of any script kept, only the unsafe categories escaped).
"""

from __future__ import annotations

import re
import unicodedata

# Controls, invisible formatting (bidi overrides and isolates, zero-width characters), surrogates, unassigned code
# points and non-characters (U+FFFE, U+FFFF are unassigned), line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
# Everything but printable ASCII: the characters that need a closer look (most text has none).
_SUSPECT = re.compile(r"[^\x20-\x7e]")
_SUSPECT_IN_LAYOUT = re.compile(r"[^\x20-\x7e\n\t]")


def escape_char(char: str) -> str:
    """One character as a Python-style escape: ``\\x1b``, ``\\u202e`` or ``\\U0001f600``."""
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _escape_unsafe(match: re.Match[str]) -> str:
    char = match.group()
    return escape_char(char) if unicodedata.category(char) in _UNSAFE_CATEGORIES else char


def one_line(text: str) -> str:
    """A value a system sent, on one line: every unsafe character escaped, line breaks and tabs too, so that no
    answer can start a line of its own in a report (a forged verdict, say)."""
    return _SUSPECT.sub(_escape_unsafe, text)


def output_safe(text: str) -> str:
    """Text of a whole report: line breaks and tabs kept (the report's own layout), every other unsafe character
    escaped. Applied last, so nothing a system sent reaches a terminal or a file raw, whatever path it took."""
    return _SUSPECT_IN_LAYOUT.sub(_escape_unsafe, text)


def printable(text: str) -> str:
    """``text`` as printable ASCII: control characters and non-ASCII characters as escapes.

    A log line passed through this can neither end early, nor start a fake line, nor move a terminal's cursor or
    reverse its text.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, checked at C speed
    return _SUSPECT.sub(lambda match: escape_char(match.group()), text)
