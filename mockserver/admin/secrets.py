"""Fixture data as admin reads show it: every secret withheld as the journal withholds it."""

from __future__ import annotations

from typing import Any

from mockserver.journal.facts import withheld
from mockserver.redaction import is_sensitive


def without_secrets(value: Any, key: object = None) -> Any:
    """``value`` (found under ``key``) with each secret replaced by its type and length: the values under keys that
    name a token, a password, a secret or a key (``token``, ``api_token``, ``client_secret``, ``secret_base64``,
    ``password``), and each item of a list under such a key. The rest, identities of test persons included, is kept:
    a test needs them to reach its case."""
    sensitive = is_sensitive(key)
    if isinstance(value, dict):
        return {name: without_secrets(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [without_secrets(item, key) for item in value]
    return withheld(value) if sensitive and value is not None else value
