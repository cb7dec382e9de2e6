"""A journal entry: a request and its answer as the request path hands them over, and as the store keeps them."""

from __future__ import annotations

import functools
import itertools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mockserver.journal.exchange import Exchange
from mockserver.journal.facts import CORRELATION_HEADER, RequestFacts, encode_compact
from mockserver.redaction import ECHO_LIMIT, cut
from mockserver.state.store import JournalRow

MAX_CAPTURED_BODY = 16 * 1024  # bytes of a request body kept for its record; sandbox requests are far smaller
MAX_PROBLEMS = 8
MAX_ENTRY_BYTES = 16 * 1024  # a stored entry; a sandbox request's is 1-2 KiB
RAW_OVERHEAD = 256  # about the bytes of a RawExchange beside the request's own


@dataclass(slots=True)
class RawExchange:
    """A request and its answer as the request path hands them over: references only, no work done yet."""

    time: float  # seconds since the epoch, when the request arrived
    duration: float  # seconds until its answer ended
    method: str
    path: str
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    body_complete: bool
    status: int | None  # None: no answer was sent (a dropped connection)
    operation: str | None
    exchange: Exchange

    @property
    def size(self) -> int:
        """About the bytes it holds, for the pending bound."""
        return RAW_OVERHEAD + self.request_size

    @property
    def request_size(self) -> int:
        """The bytes of its path, query string, headers and body."""
        head = sum(map(len, itertools.chain.from_iterable(self.headers)))
        return len(self.body) + len(self.path) + len(self.query_string) + head


class EntryEncoder:
    """Makes the redacted entry of a request, ready for the store, in the parts a store keeps (JournalRow). One per
    journal writer.

    It runs on the serving loop, so the common entry is made of parts made once: a client's repeated request (its
    record, see RequestFacts.encoded) and the members an answer shares with the others of its kind (API,
    operation, case, status). The time, the duration and the X-Correlation-ID are kept apart, as numbers and a
    column, and put in place when the journal is read.
    """

    def __init__(self, facts: RequestFacts | None = None) -> None:
        self._facts = facts or RequestFacts()
        self._worker = os.getpid()  # a system call each time: a writer lives and dies with its process
        self._outcome = functools.lru_cache(maxsize=256)(_encoded_outcome)

    def __call__(self, raw: RawExchange, size: int | None = None) -> JournalRow:
        """The entry of ``raw``; ``size``: its ``raw.size``, when the caller knows it already."""
        exchange = raw.exchange
        correlation = None
        for name, value in raw.headers:
            if name == CORRELATION_HEADER:
                correlation = cut(value.decode("latin-1"), ECHO_LIMIT)
                break
        outcome = (
            exchange.api, raw.operation, exchange.case, exchange.forced, exchange.documented, raw.status,
            exchange.error_kind,
        )  # fmt: skip
        if exchange.fault is None and not exchange.problems:
            outcome_text = self._outcome(outcome)
        else:
            outcome_text = _encoded_outcome(outcome, exchange.fault, exchange.problems)
        arguments = (raw.method, raw.path, raw.query_string, raw.headers, raw.body, raw.body_complete)
        request_size = raw.request_size if size is None else size - RAW_OVERHEAD
        request_text = self._facts.encoded(*arguments, request_size)
        if len(outcome_text) + len(request_text) > MAX_ENTRY_BYTES:
            # Too large: made again as one document, whose largest parts give way.
            outcome_text, request_text = _bounded(json.loads(f"{{{outcome_text}}}"), self._facts(*arguments))
        return JournalRow(
            raw.time, raw.duration, exchange.api, raw.operation, correlation, exchange.conformed, self._worker,
            outcome_text, request_text,
        )  # fmt: skip


def _encoded_outcome(
    outcome: tuple[str, str | None, str | None, bool, str | None, int | None, str | None],
    fault: dict[str, Any] | None = None,
    problems: Sequence[str] = (),
) -> str:
    """The fields of an entry that say what became of the request, as JSON members (no braces)."""
    api, operation, case, forced, documented, status, error_kind = outcome
    members = {
        "api": api,
        "operation": operation,
        "case": case,
        "forced": forced,
        "documented_case": documented,
        "fault": fault,
        "status": status,
        "conformed": not problems,
        "validation_errors": [cut(problem, 4 * ECHO_LIMIT) for problem in problems[:MAX_PROBLEMS]],
        "error_kind": error_kind,
    }
    return encode_compact(members)[1:-1]


def _bounded(outcome: dict[str, Any], request: dict[str, Any]) -> tuple[str, str]:
    """The parts of an entry, at most about MAX_ENTRY_BYTES together: the largest parts of the request give way
    first."""
    outcome_text = encode_compact(outcome)[1:-1]
    text = encode_compact(request)
    for part in ("body", "query", "headers", "credentials", "body_fields", "query_fields"):
        if len(outcome_text) + len(text) <= MAX_ENTRY_BYTES:
            break
        request[part] = {"omitted": f"the entry would be over {MAX_ENTRY_BYTES} bytes"}
        text = encode_compact(request)
    return outcome_text, text
