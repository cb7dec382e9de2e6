"""The request journal: what each request reached and got, redacted, written in batches to the shared state."""

from mockserver.journal.entry import EntryEncoder, RawExchange
from mockserver.journal.exchange import (
    Exchange,
    close_exchange,
    exchange_in,
    open_exchange,
    operation_of,
    prefix_lookup,
    reached,
)
from mockserver.journal.facts import RequestFacts
from mockserver.journal.writer import JournalWriter

__all__ = [
    "EntryEncoder",
    "Exchange",
    "JournalWriter",
    "RawExchange",
    "RequestFacts",
    "close_exchange",
    "exchange_in",
    "open_exchange",
    "operation_of",
    "prefix_lookup",
    "reached",
]
