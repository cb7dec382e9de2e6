"""The state generation: an 8-byte counter in a memory-mapped file, read by every request without a system call."""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

_COUNTER = struct.Struct("<Q")


class GenerationCounter:
    """The number of committed changes of the shared state, as a file every worker process maps into memory.

    A read is a load from shared memory: no query, no system call. A writer publishes a new value only while it
    holds :meth:`writing`, an exclusive lock on the file, and only after its change is committed; so values are
    published in commit order and a reader that sees a value finds at least that generation committed. An
    aligned 8-byte store is not guaranteed to be seen whole, but a reader compares for inequality only: a value
    read half-written differs from the old one too and costs one needless rebuild, never a missed change.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._thread_lock = threading.Lock()  # flock does not exclude threads that share the descriptor
        with self.writing():
            if os.fstat(self._fd).st_size < _COUNTER.size:
                os.ftruncate(self._fd, _COUNTER.size)  # a new file: zero bytes, generation 0
        self._map = mmap.mmap(self._fd, _COUNTER.size)

    def read(self) -> int:
        """The generation last published."""
        value: int = _COUNTER.unpack_from(self._map)[0]
        return value

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Excludes every other writer, in this process and in the others, while a change commits and publishes."""
        with self._thread_lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def publish(self, generation: int) -> None:
        """Makes ``generation`` visible to every process; call it inside :meth:`writing`, after the commit."""
        _COUNTER.pack_into(self._map, 0, generation)

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)
