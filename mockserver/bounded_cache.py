"""A least-recently-used map bounded in entries and in bytes, for memories that requests fill."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Keeps at most ``max_entries`` values and at most ``max_bytes`` of their declared sizes, dropping the least
    recently used first; a value larger than ``max_item_bytes`` is never kept.

    A bound on entries alone is not a bound on memory when a client chooses the size of what is kept (a JWT can
    carry a megabyte of claims).
    """

    def __init__(self, *, max_entries: int, max_bytes: int, max_item_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_item_bytes = min(max_item_bytes, max_bytes)
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0

    def get(self, key: K) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V, size: int) -> None:
        if size > self.max_item_bytes:
            return
        previous = self._items.pop(key, None)
        if previous is not None:
            self._bytes -= previous[1]
        self._items[key] = (value, size)
        self._bytes += size
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self._bytes -= dropped

    @property
    def size_bytes(self) -> int:
        """The sum of the sizes of the values kept."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0
