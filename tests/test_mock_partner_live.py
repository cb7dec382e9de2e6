"""The sandbox as a test partner over real sockets, with ``--workers 2``: one state and one journal for every worker,
faults acted out on the wire, state kept across a restart with ``--state``, the admin token's rule."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import VALKYRIE_BALANCE, LiveMock, fixture, start_mock, valkyrie_headers, valkyrie_player

pytestmark = [pytest.mark.live, pytest.mark.slow]

ADMIN = "/__admin"
ZERO_ID = "zero-balance-player-1"
ZERO: dict[str, Any] = {"player_id": ZERO_ID, "balance": {"cashAmount": 0, "bonusAmount": 0, "promoAmount": 0}}
# Requests on new connections until both workers have answered one: the kernel chooses which worker accepts a
# connection, so this is a bound that only stops a broken pool from hanging the test.
MAX_TRIES = 400


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    mock = start_mock("--workers", "2")
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture(autouse=True)
def fresh(mock: LiveMock) -> None:
    reset = httpx.post(f"{mock.url}{ADMIN}/reset", timeout=10)
    assert reset.status_code == 200
    assert httpx.delete(f"{mock.url}{ADMIN}/journal", timeout=10).status_code == 204


def balance(url: str, player_id: str, token: str, correlation: str, **headers: str) -> httpx.Response:
    """A balance request on a connection of its own (so that either worker may take it)."""
    return httpx.get(
        f"{url}{VALKYRIE_BALANCE.format(player_id)}",
        params={"provider": "evolution"},
        headers={**valkyrie_headers(), "X-Player-Token": token, "X-Correlation-ID": correlation, **headers},
        timeout=10,
    )


def journal(url: str, **filters: Any) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}{ADMIN}/journal", params=filters, timeout=30)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def test_an_admin_change_is_answered_by_every_worker_and_journaled_by_each(mock: LiveMock) -> None:
    assert httpx.put(f"{mock.url}{ADMIN}/valkyrie/players/zero", json=ZERO, timeout=10).status_code == 201
    session = httpx.post(
        f"{mock.url}{ADMIN}/valkyrie/sessions", json={"player": "zero", "provider": "evolution"}, timeout=10
    ).json()
    workers: set[int] = set()
    for index in range(MAX_TRIES):
        answer = balance(mock.url, ZERO_ID, session["token"], f"zero-{index}")
        assert answer.json() == {"status": "OK", "balance": ZERO["balance"]}
        # Read right after the request: the journal already holds it, whichever worker answered.
        (entry,) = journal(mock.url, correlation_prefix=f"zero-{index}")
        assert (entry["status"], entry["case"]) == (200, session["name"])
        workers.add(entry["worker"])
        if len(workers) == 2:
            break
    assert len(workers) == 2, f"one worker answered all {index + 1} requests"
    assert mock.process.pid not in workers
    everything = journal(mock.url, correlation_prefix="zero-")
    assert [entry["correlation_id"] for entry in everything] == [f"zero-{n}" for n in range(index + 1)]


def test_a_fault_from_the_admin_api_and_one_from_prefer_are_acted_out_and_journaled(mock: LiveMock) -> None:
    alice, token = valkyrie_player("alice"), fixture("valkyrie")["sessions"]["active"]["token"]
    rule = {"api": "valkyrie", "entity": "alice", "fault": {"kind": "drop"}}
    assert httpx.put(f"{mock.url}{ADMIN}/faults/alice-drops", json=rule, timeout=10).status_code == 201
    # Every worker drops alice's requests: several connections, so that both workers are likely to take one.
    for index in range(6):
        with pytest.raises(httpx.RemoteProtocolError):
            balance(mock.url, alice, token, f"dropped-{index}")
    assert httpx.delete(f"{mock.url}{ADMIN}/faults/alice-drops", timeout=10).status_code == 204
    slow = balance(mock.url, alice, token, "delayed", Prefer="fault=delay; ms=200")
    assert slow.status_code == 200 and slow.headers["preference-applied"] == "fault=delay"
    entries = journal(mock.url)
    dropped = [entry for entry in entries if entry["correlation_id"].startswith("dropped-")]
    assert len(dropped) == 6
    assert all(entry["status"] is None for entry in dropped)
    assert all(entry["fault"] == {"kind": "drop", "source": "rule", "rule": "alice-drops"} for entry in dropped)
    (delayed,) = [entry for entry in entries if entry["correlation_id"] == "delayed"]
    assert delayed["fault"] == {"kind": "delay", "ms": 200, "source": "prefer"} and delayed["status"] == 200
    # A lower bound only: the answer waited for the fault (a loaded machine makes it longer, never shorter).
    assert delayed["duration_ms"] >= 190


def test_a_reset_restores_the_fixtures_in_every_worker(mock: LiveMock) -> None:
    rotated = httpx.put(f"{mock.url}{ADMIN}/valkyrie/api_token", json="rotated-api-token-1", timeout=10)
    assert rotated.status_code == 200
    alice, token = valkyrie_player("alice"), fixture("valkyrie")["sessions"]["active"]["token"]
    for index in range(4):
        assert balance(mock.url, alice, token, f"rotated-{index}").status_code == 401
    assert httpx.post(f"{mock.url}{ADMIN}/reset", timeout=10).json()["reset"] == [
        "vip-connect",
        "paytronix",
        "valkyrie",
    ]
    for index in range(4):
        assert balance(mock.url, alice, token, f"restored-{index}").status_code == 200


def test_the_state_survives_a_restart_with_state_path(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.sqlite3"
    first = start_mock("--state", str(state), "--workers", "2")
    try:
        assert first.wait_for_line(r"kept across restarts")
        assert httpx.put(f"{first.url}{ADMIN}/valkyrie/players/zero", json=ZERO, timeout=10).status_code == 201
        rule = {"api": "vip-connect", "fault": {"kind": "error", "status": 503}}
        assert httpx.put(f"{first.url}{ADMIN}/faults/vip-down", json=rule, timeout=10).status_code == 201
        balance(first.url, "nobody", "x" * 40, "before-restart")
        # The file holds the fixture data with its secrets: its owner alone may read it, and its WAL files too.
        for suffix in ("", "-wal", "-shm", ".generation", ".flush"):
            assert stat.S_IMODE(os.stat(f"{state}{suffix}").st_mode) == 0o600, suffix
    finally:
        first.stop()
    second = start_mock("--state", str(state))
    try:
        assert httpx.get(f"{second.url}{ADMIN}/valkyrie/players/zero", timeout=10).json() == ZERO
        assert httpx.get(f"{second.url}{ADMIN}/faults", timeout=10).json()["faults"] == {"vip-down": rule}
        assert [entry["correlation_id"] for entry in journal(second.url)] == ["before-restart"]
        # The fixtures are re-seeded: a reset restores them.
        httpx.post(f"{second.url}{ADMIN}/reset", timeout=10)
        assert httpx.get(f"{second.url}{ADMIN}/valkyrie/players/zero", timeout=10).status_code == 404
    finally:
        second.stop()
    assert state.exists()


def test_a_temporary_state_is_removed_at_exit() -> None:
    mock = start_mock()
    try:
        location = httpx.get(f"{mock.url}{ADMIN}", timeout=10).json()["state"]
    finally:
        mock.stop()
    assert location["temporary"] is True
    assert not os.path.exists(location["location"])


def test_an_admin_token_from_the_environment_is_required_and_never_shown() -> None:
    token = "admin-token-for-this-test-0123456789"
    mock = start_mock("--workers", "2", env={"MOCKSERVER_ADMIN_TOKEN": token})
    try:
        assert mock.wait_for_line("the admin token required")
        assert httpx.get(f"{mock.url}{ADMIN}", timeout=10).status_code == 401
        authorized = {"Authorization": f"Bearer {token}"}
        for _ in range(4):  # either worker
            assert httpx.get(f"{mock.url}{ADMIN}", headers=authorized, timeout=10).status_code == 200
        entries = httpx.get(f"{mock.url}{ADMIN}/journal", headers=authorized, timeout=30)
        assert entries.status_code == 200
    finally:
        mock.stop()
    assert not any(token in line for line in mock.lines)
