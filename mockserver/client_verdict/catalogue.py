"""What a client verdict is made of: the client requirements and documented cases each API lists, and the facts of
a journal entry they are judged on.

A requirement judges one request at a time, from its journal entry alone (secrets withheld there already), so an
evaluation needs no server and a check is a pure function. The entry's shape is the admin spec's ``JournalEntry``;
a part the journal left out (an entry cut to its bound) makes a check say nothing rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from balancekit.requirements import Requirement

Entry = Mapping[str, Any]
QUOTE_LIMIT = 80  # characters of a client's value a finding quotes
# One request judged: None when the requirement does not apply to it (another operation, a fact the journal did not
# keep), else the ways it broke the requirement, each a sentence (an empty list: it held).
RequestCheck = Callable[[Entry], list[str] | None]


@dataclass(frozen=True)
class ClientRequirement:
    """A requirement on the integrator's client and its check of one request."""

    requirement: Requirement
    check: RequestCheck


@dataclass(frozen=True)
class DocumentedCase:
    """A case an API documents, which a client's tests should meet. ``name`` is stable: the handlers note it as the
    journal's ``documented_case``. ``required``: counted as required coverage unless the report is told otherwise."""

    name: str
    title: str
    required: bool = True


def request_of(entry: Entry) -> Mapping[str, Any]:
    request = entry.get("request")
    return request if isinstance(request, Mapping) else {}


def header(entry: Entry, name: str) -> Any:
    """A header's journaled value (text, or a withheld value's description); None when it was not sent."""
    headers = request_of(entry).get("headers")
    return headers.get(name) if isinstance(headers, Mapping) else None


def text_length(value: Any) -> int | None:
    """The length of a journaled text value, kept or withheld; None when it is neither."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping) and value.get("type") == "string" and isinstance(value.get("length"), int):
        return int(value["length"])
    return None


def credentials(entry: Entry) -> Mapping[str, Any] | None:
    found = request_of(entry).get("credentials")
    return found if isinstance(found, Mapping) else None


def body_object(entry: Entry) -> Mapping[str, Any] | None:
    """The JSON object body as journaled; None when there was none, it was not an object or the journal omitted it."""
    body = request_of(entry).get("body")
    return None if not isinstance(body, Mapping) or _omitted(body) else body


def query(entry: Entry) -> Mapping[str, Any] | None:
    found = request_of(entry).get("query")
    return None if not isinstance(found, Mapping) or _omitted(found) else found


def _omitted(part: Mapping[str, Any]) -> bool:
    # The journal replaces a part it could not keep whole by {"omitted": <reason>}.
    return set(part) <= {"omitted", "length"} and "omitted" in part


def answered_by_fault(entry: Entry) -> bool:
    """True when a fault replaced the answer (an error, a dropped connection, a hang): the client never got the case
    the request reached."""
    fault = entry.get("fault")
    return isinstance(fault, Mapping) and fault.get("kind") in {"error", "drop", "hang"}


def quoted(value: Any) -> str:
    """A value the client sent, as a finding names it: its repr, cut (a claim may be a long list)."""
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 3] + "..."


def sent_at(entry: Entry) -> float | None:
    """When the request arrived, in seconds since the epoch; None when the entry's time cannot be read."""
    try:
        return datetime.fromisoformat(str(entry.get("time"))).timestamp()
    except ValueError:
        return None


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def conforms_to_spec(entry: Entry) -> list[str] | None:
    """The request conformed to its API's spec (the journal's ``conformed``); else the validator's reasons."""
    if entry.get("conformed") is not False:
        return []
    reasons = entry.get("validation_errors")
    listed = [str(reason) for reason in reasons] if isinstance(reasons, list) else []
    return listed or ["the request does not conform to the spec"]
