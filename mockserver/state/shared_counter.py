"""A counter every process on the host reads without a system call: 8 bytes of a memory-mapped file."""

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


class SharedCounter:
    """A number in a file that every process opening the same path maps into memory.

    A read is a load from shared memory: no query, no system call. A writer publishes a new value only while it
    holds :meth:`writing`, an exclusive lock on the file, so values are published in the order the writers took the
    lock. An aligned 8-byte store is not guaranteed to be seen whole, but readers compare for inequality or order
    only: a value read half-written differs from the old one too and costs one needless check, never a missed change.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self._thread_lock = threading.Lock()  # flock does not exclude threads that share the descriptor
        with self.writing():
            if os.fstat(self._fd).st_size < _COUNTER.size:
                os.ftruncate(self._fd, _COUNTER.size)  # a new file: zero bytes, the value 0
        self._map = mmap.mmap(self._fd, _COUNTER.size)

    def read(self) -> int:
        """The value last published."""
        value: int = _COUNTER.unpack_from(self._map)[0]
        return value

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Excludes every other writer, in this process and in the others."""
        with self._thread_lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def publish(self, value: int) -> None:
        """Makes ``value`` visible to every process; call it inside :meth:`writing`."""
        _COUNTER.pack_into(self._map, 0, value)

    def increment(self) -> int:
        """Publishes the value plus one and returns it."""
        with self.writing():
            value = self.read() + 1
            self.publish(value)
        return value

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)
