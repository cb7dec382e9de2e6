"""The connections of one server process: their deadlines, checked by one sweep, and who goes when there are too
many.

One sweep every SWEEP_EVERY seconds closes the connections whose deadline has passed. A timer per connection and
request (uvicorn's keep-alive timer is one) costs a few microseconds to arm and cancel on every request; a
deadline is a float the sweep reads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Set
from typing import Protocol

logger = logging.getLogger("mockserver.connections")

# How often deadlines are checked: a timeout acts within this many seconds after it passes.
SWEEP_EVERY = 0.5
# A full server says that it drops connections at most this often.
_WARN_EVERY_SECONDS = 60.0


class Tracked(Protocol):
    """What the registry needs of a connection."""

    deadline: float | None  # loop time after which the connection is closed; None while the app answers

    def close_for_timeout(self) -> None: ...

    def close_to_make_room(self) -> None: ...


class ConnectionRegistry:
    """One per server: the connections waiting for a request (idle, or still sending one), the longest-waiting
    first, and the sweep that enforces every connection's deadline."""

    def __init__(self, loop: asyncio.AbstractEventLoop, connections: Set[object]) -> None:
        self._loop = loop
        self._connections = connections  # uvicorn's set of open connections of this server
        self.waiting: OrderedDict[Tracked, None] = OrderedDict()
        self._sweep_handle: asyncio.TimerHandle | None = None
        self._last_warning = -_WARN_EVERY_SECONDS

    def opened(self, connection: Tracked, max_connections: int) -> None:
        self.waiting[connection] = None
        if self._sweep_handle is None:
            self._sweep_handle = self._loop.call_later(SWEEP_EVERY, self._sweep)
        if len(self._connections) > max_connections:
            self._make_room(connection, max_connections)

    def _make_room(self, newcomer: Tracked, max_connections: int) -> None:
        # The longest-waiting connection sends nothing useful; a new one usually sends its request at once. When
        # every other connection is being answered, the newcomer is the one to go.
        victim = next((connection for connection in self.waiting if connection is not newcomer), newcomer)
        self.waiting.pop(victim, None)
        victim.close_to_make_room()
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning(
                "%d connections are open, the limit is %d: closing the ones that have waited longest for a request",
                len(self._connections),
                max_connections,
            )

    def _sweep(self) -> None:
        now = self._loop.time()
        for connection in list(self._connections):
            deadline = getattr(connection, "deadline", None)
            if deadline is not None and deadline <= now:
                connection.close_for_timeout()  # type: ignore[attr-defined]
        # Sweeping stops with the last connection and starts again with the next one.
        self._sweep_handle = self._loop.call_later(SWEEP_EVERY, self._sweep) if self._connections else None


_REGISTRY = "mockserver_connection_registry"


def registry_for(server_state: object, loop: asyncio.AbstractEventLoop, connections: Set[object]) -> ConnectionRegistry:
    """The registry of the server whose state is ``server_state``: kept on that state (uvicorn's ServerState, one per
    server), so that it lives and goes with its server."""
    registry: ConnectionRegistry | None = getattr(server_state, _REGISTRY, None)
    if registry is None:
        registry = ConnectionRegistry(loop, connections)
        setattr(server_state, _REGISTRY, registry)
    return registry
