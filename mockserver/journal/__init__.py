"""The request journal: what each request reached and got, redacted, written in batches to the shared state."""

from mockserver.journal.entry import EntryEncoder, RawExchange
from mockserver.journal.exchange import Exchange, exchange_in, open_exchange, operation_of, prefix_lookup, reached
from mockserver.journal.facts import RequestFacts
from mockserver.journal.middleware import JournalMiddleware
from mockserver.journal.writer import JournalWriter

__all__ = [
    "EntryEncoder",
    "Exchange",
    "JournalMiddleware",
    "JournalWriter",
    "RawExchange",
    "RequestFacts",
    "exchange_in",
    "open_exchange",
    "operation_of",
    "prefix_lookup",
    "reached",
]
