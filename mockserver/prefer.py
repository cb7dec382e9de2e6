"""``Prefer`` (RFC 7240): the header read into its preferences, and the one this module honours itself,
``example=<case>``, with which a client forces a named fixture case instead of a lookup. The faults' ``fault=...``
is read from the same preferences (faults.model.preferred_fault)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Preference:
    """One preference of a ``Prefer`` header: ``name=value; parameter=value; ...``."""

    name: str  # lower-case
    value: str  # unquoted; "" when it has none
    parameters: tuple[tuple[str, str], ...]  # (lower-case name, unquoted value), in the order sent
    text: str  # the preference as sent, for a message that names it


def preferences(header: str) -> Iterator[Preference]:
    """The preferences of a ``Prefer`` header, in the order sent: comma-separated, each with ';'-separated
    parameters, values optionally quoted."""
    for text in header.split(","):
        token, *parameters = text.split(";")
        name, _, value = token.partition("=")
        pairs = tuple((key.strip().lower(), _unquoted(raw)) for key, _, raw in (p.partition("=") for p in parameters))
        yield Preference(name.strip().lower(), _unquoted(value), pairs, text.strip())


def _unquoted(text: str) -> str:
    return text.strip().strip('"')


def requested_example(headers: Mapping[str, str]) -> str | None:
    """The case named by the request's ``Prefer: example=...`` preference, if any (its parameters are ignored)."""
    header = headers.get("prefer")
    if not header:
        return None
    for preference in preferences(header):
        if preference.name == "example" and preference.value:
            return preference.value
    return None


def applied(case: str | None) -> dict[str, str]:
    """Response headers that confirm a forced case (``Preference-Applied``), empty when none was asked for."""
    return {"Preference-Applied": f"example={case}"} if case else {}
