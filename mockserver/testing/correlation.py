"""Correlation ids that tell one test's requests, and one session's, apart in the sandbox's journal."""

from __future__ import annotations

import hashlib
import re
import secrets

_NAME_LENGTH = 40


def run_prefix() -> str:
    """A prefix of its own for one test session: 8 random hex digits and a dash."""
    return f"{secrets.token_hex(4)}-"


def prefix_for_test(run: str, node_id: str) -> str:
    """The prefix of one test's correlation ids within a session's: the test's name, readable and cut to 40
    characters, then 8 hex digits of its full node id (unique however the name was cut), each followed by a dash.

    The name keeps letters, digits, '_' and '.' only, so no test's prefix is the start of another's."""
    name = node_id.rpartition("::")[2] or node_id
    readable = re.sub(r"[^A-Za-z0-9_.]+", "_", name).strip("_")[:_NAME_LENGTH] or "test"
    digest = hashlib.blake2b(node_id.encode(), digest_size=4).hexdigest()
    return f"{run}{readable}-{digest}-"
