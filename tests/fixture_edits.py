"""Helpers for the tests of the editable fixtures: a copy to edit, edits good and bad, and the value they change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import VALKYRIE_BALANCE, fixture, valkyrie_headers, valkyrie_player

from mockserver.fixture_copy import copy_fixtures

ALICE_CASH = fixture("valkyrie")["players"]["alice"]["balance"]["cashAmount"]
_BOB_CASH_TEXT = f"cashAmount: {fixture('valkyrie')['players']['bob']['balance']['cashAmount']},"


def fixture_copy(directory: Path) -> Path:
    """A copy of the bundled fixtures, as ``mockserver fixtures init`` writes it."""
    copy_fixtures(directory)
    return directory


def edit(directory: Path, api: str, old: str, new: str, *, atomic: bool = False) -> None:
    """Replaces the one occurrence of ``old`` in the API's fixture file; ``atomic`` saves as many editors do, into a
    temporary file renamed over the old one."""
    path = directory / f"{api}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    if atomic:
        temporary = directory / f".{api}.yaml.tmp-save"
        temporary.write_text(text.replace(old, new), encoding="utf-8")
        os.replace(temporary, path)
    else:
        path.write_text(text.replace(old, new), encoding="utf-8")


def set_alice_cash(directory: Path, cash: float, *, atomic: bool = False) -> None:
    """Gives the fixture player alice ``cash`` in place of whatever the file holds now."""
    path = directory / "valkyrie.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    [index] = [number for number, line in enumerate(lines) if "cashAmount" in line and "bonusAmount: 10.5" in line]
    old = lines[index]
    edit(
        directory,
        "valkyrie",
        old,
        f"    balance: {{cashAmount: {cash}, bonusAmount: 10.5, promoAmount: 0}}\n",
        atomic=atomic,
    )


def quoted_token_edit(directory: Path) -> str:
    """Lists the active session's token among the tokens no session may have: the refusal would quote the token,
    which is returned."""
    token: str = fixture("valkyrie")["sessions"]["active"]["token"]
    edit(directory, "valkyrie", "tokens: [2f687bcf18c550ae44c7f4b89ec096d224a28a8c]", f"tokens: ['{token}']")
    return token


def alice_cash(base_url: str, client: httpx.Client | None = None, *, correlation: str = "fixture-edit") -> Any:
    """The cash amount a Valkyrie balance request for alice answers."""
    url = f"{base_url}{VALKYRIE_BALANCE.format(valkyrie_player('alice'))}"
    headers = valkyrie_headers("active", **{"X-Correlation-ID": correlation})
    if client is None:
        response = httpx.get(url, params={"provider": "evolution"}, headers=headers, timeout=10)
    else:
        response = client.get(url, params={"provider": "evolution"}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["balance"]["cashAmount"]


# Edits the start-up checks refuse: a name, the API, the text replaced and by what, and the key the refusal names.
BROKEN_EDIT_CASES: list[tuple[str, str, str, str, str]] = [
    ("wrong-type", "valkyrie", _BOB_CASH_TEXT, "cashAmount: lots,", "players.bob.balance.cashAmount"),
    (
        "unknown-key",
        "valkyrie",
        "  alice:\n    player_id:",
        "  alice:\n    nickname: Al\n    player_id:",
        "players.alice.nickname",
    ),
    (
        "bad-yaml",
        "valkyrie",
        "providers: [evolution, redtiger, caleta]",
        "providers: [evolution, redtiger, caleta",
        "line ",
    ),
    ("dangling-reference", "valkyrie", "    player: bob\n", "    player: dave\n", "sessions.redtiger.player"),
]
BROKEN_EDITS = [pytest.param(*case, id=name) for name, *case in BROKEN_EDIT_CASES]
