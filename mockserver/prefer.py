"""``Prefer: example=<case>`` (RFC 7240): a client forces a named fixture case instead of a lookup."""

from __future__ import annotations

from collections.abc import Mapping


def requested_example(headers: Mapping[str, str]) -> str | None:
    """The case named by the request's ``Prefer: example=...`` preference, if any."""
    header = headers.get("prefer")
    if not header:
        return None
    # Preferences are comma-separated; each may carry ';'-separated parameters, which this one ignores.
    for preference in header.split(","):
        token, _, value = preference.split(";", 1)[0].partition("=")
        if token.strip().lower() == "example" and value.strip():
            return value.strip().strip('"')
    return None


def applied(case: str | None) -> dict[str, str]:
    """Response headers that confirm a forced case (``Preference-Applied``), empty when none was asked for."""
    return {"Preference-Applied": f"example={case}"} if case else {}
