"""Text from a system under test, made safe for a terminal and for XML, JSON and HTML reports.

A system may answer anything: escape sequences that clear or rewrite a terminal, right-to-left overrides that make
a line read differently than it is, characters XML 1.0 forbids, lone surrogates no encoder accepts. Each becomes a
visible escape (``\\x1b``, ``\\u202e``), so the reader sees what was sent and nothing acts on it.
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


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _replace(match: re.Match[str]) -> str:
    char = match.group()
    return _escape(char) if unicodedata.category(char) in _UNSAFE_CATEGORIES else char


def one_line(text: str) -> str:
    """A value a system sent, on one line: every unsafe character escaped, line breaks and tabs too, so that no
    answer can start a line of its own in a report (a forged verdict, say)."""
    return _SUSPECT.sub(_replace, text)


def output_safe(text: str) -> str:
    """Text of a whole report: line breaks and tabs kept (the report's own layout), every other unsafe character
    escaped. Applied last, so nothing a system sent reaches a terminal or a file raw, whatever path it took."""
    return _SUSPECT_IN_LAYOUT.sub(_replace, text)
