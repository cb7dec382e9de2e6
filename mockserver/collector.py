"""The cyclic garbage collector as a serving process runs it, once its app is built."""

from __future__ import annotations

import gc

# How many more container objects than were freed may be allocated before the young generation is collected
# (CPython's default is 700). Under load the requests under way hold more young objects than that (their scopes,
# headers, coroutines and notes: about 1,400 at 32 connections), and a worker collected its young generation every
# 25 or so requests, each time going over every request under way: about 3 % of its time (bench/README.md, the
# journal's cost). With this bound it no longer does at that load. The bound is also how much garbage in reference
# cycles may wait for the collector (an error answer's exception and its frames make some): in the soak, whose mix
# has many error answers, its two workers and their supervisor grew by 2.7 MiB more at 10,000 than at 700, and by
# 1.4 MiB more at 5,000.
YOUNG_THRESHOLD = 5_000


def settle() -> None:
    """Call once the app is built and before serving: the objects built so far (specs, fixtures, connexion's stack)
    live as long as the process, so they are frozen out of the collector's passes, which then cover only what
    requests allocate; and the young generation gets YOUNG_THRESHOLD."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
