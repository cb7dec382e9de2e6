"""The generated requests' child process: spawned fresh, its memory capped, stopped by the budget, killed if late.

The child gets the budget's end on the wall clock both processes share, so its own start-up counts against the
budget. The target stops itself there (its requests keep the deadline too); the parent waits that long plus a
moment to wind down, then kills it. Whatever the target returns must cross a pipe (pickle).
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

# The child's address space is capped: an answer it reads cannot take the machine's memory.
CHILD_MEMORY_BYTES = 2 << 30
# Past the budget's end the child's requests fail at once and it stops itself; past this too, it is killed.
CHILD_WIND_DOWN_SECONDS = 10.0

# Runs in the child: the payload, and the deadline on the child's own time.monotonic.
Target = Callable[[Any, float], Any]


def run_in_child(
    target: Target,
    payload: Any,
    budget: float,
    *,
    memory_bytes: int = CHILD_MEMORY_BYTES,
    wind_down: float = CHILD_WIND_DOWN_SECONDS,
) -> tuple[Any, str]:
    """``(what target returned, "")``, or ``(None, why there is nothing)``. ``target`` must be importable by name
    (a module-level function), as the spawned child imports it afresh."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    ends_at = time.time() + budget
    child = context.Process(target=_child_main, args=(target, payload, ends_at, memory_bytes, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(max(budget, 0) + wind_down):
            return None, "the generated requests did not finish within the budget"
        outcome: tuple[Any, str] = receiver.recv()
        return outcome
    except EOFError:
        child.join(5)
        return None, f"schemathesis stopped without a result (exit code {child.exitcode}), for instance out of memory"
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()


def _child_main(target: Target, payload: Any, ends_at: float, memory_bytes: int, sender: Connection) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    deadline = time.monotonic() + (ends_at - time.time())
    try:
        sender.send((target(payload, deadline), ""))
    except MemoryError:
        sender.send((None, f"schemathesis ran out of its {memory_bytes >> 30} GiB of memory reading an answer"))
    except Exception as exc:  # the parent reports it; a traceback would only clutter the run's output
        sender.send((None, f"schemathesis failed: {type(exc).__name__}: {exc}"))
    finally:
        sender.close()
