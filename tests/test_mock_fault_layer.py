"""Faults in the partner layer, in process: what each fault sends and asks of the clock, after the app returned."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sandbox_state import partner_layer
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope
from support import VALKYRIE_BALANCE, VIP_LOOKUP, valkyrie_headers, valkyrie_player, vip_headers

from mockserver import create_app
from mockserver.faults.acting import FAULT_MESSAGE, TRICKLE_STEP_SECONDS, wait_for_disconnect
from mockserver.faults.model import MAX_HANG_MS, MAX_TRICKLE_SECONDS, Fault, FaultRule
from mockserver.http_protocol import DROP_CONNECTION
from mockserver.journal.exchange import exchange_in

BODY = b'{"status": "OK", "balance": {"cashAmount": 1, "bonusAmount": 0, "promoAmount": 0}}\n'


class Pause:
    """Records the waits asked for; answers whether the client disconnected meanwhile."""

    def __init__(self, disconnects: bool = False, check: Callable[[], None] = lambda: None) -> None:
        self.asked: list[float] = []
        self._disconnects = disconnects
        self._check = check

    async def __call__(self, seconds: float, receive: Receive) -> bool:
        self._check()
        self.asked.append(seconds)
        return self._disconnects


class App:
    """Stands for connexion's stack: routes to getBalance, reports the entities reached, answers BODY."""

    def __init__(self, *entities: str, body: bytes = BODY) -> None:
        self.entities = entities or ("active", "alice")
        self.body = body
        self.calls = 0
        self.returned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Any) -> None:
        self.calls += 1
        scope["extensions"]["connexion_routing"] = {"api_base_path": "/valkyrie", "operation_id": "getBalance"}
        exchange = exchange_in(scope)
        if exchange is not None:
            exchange.reached(self.entities[0], *self.entities)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
        self.returned = True


def render(status: int | None, code: str | None, message: str) -> tuple[int, Any, dict[str, str]]:
    return status or 500, {"status": "ERROR", "error": {"code": code or "PAM_ERR_UNDEFINED", "message": message}}, {}


def _scope(path: str = "/valkyrie/players/p/balance", prefer: str | None = None, drop: Any = None) -> dict[str, Any]:
    headers = [(b"prefer", prefer.encode())] if prefer else []
    return {"type": "http", "method": "GET", "path": path, "headers": headers, "extensions": {DROP_CONNECTION: drop}}


def run(
    rules: list[FaultRule] | None = None,
    *,
    prefer: str | None = None,
    app: App | None = None,
    pause: Pause | None = None,
    path: str = "/valkyrie/players/p/balance",
) -> tuple[list[Message], dict[str, Any], list[str]]:
    """Sends one request through the partner layer; returns the messages sent, the scope and the drops asked for."""
    sent: list[Message] = []
    drops: list[str] = []
    layer = partner_layer(app or App(), rules or [], renderers={"valkyrie": render}, pause=pause or Pause())
    scope = _scope(path, prefer, lambda: drops.append("dropped"))

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(layer(scope, receive, send))
    return sent, scope, drops


def _headers(start: Message) -> dict[bytes, bytes]:
    return dict(start["headers"])


def test_without_a_fault_the_answer_passes_untouched() -> None:
    pause = Pause()
    sent, scope, drops = run(pause=pause)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == BODY and b"preference-applied" not in _headers(sent[0])
    assert not pause.asked and not drops
    assert exchange_in(scope).fault is None  # type: ignore[union-attr]


def test_a_delay_waits_then_sends_the_answer_it_held() -> None:
    app = App()
    pause = Pause(check=lambda: None if app.returned else pytest.fail("the fault waited inside the app"))
    sent, scope, _ = run(prefer="fault=delay; ms=2000", app=app, pause=pause)
    assert pause.asked == [2.0]
    assert sent[1]["body"] == BODY and sent[0]["status"] == 200
    assert _headers(sent[0])[b"preference-applied"] == b"fault=delay"
    assert exchange_in(scope).fault == {"kind": "delay", "ms": 2000, "source": "prefer"}  # type: ignore[union-attr]


def test_a_delay_whose_client_left_sends_nothing() -> None:
    sent, _, _ = run(prefer="fault=delay; ms=2000", pause=Pause(disconnects=True))
    assert sent == []


def test_a_seeded_delay_range_waits_the_chosen_time_and_the_journal_shows_it() -> None:
    rule = FaultRule("jitter", "valkyrie", Fault("delay", min_ms=100, max_ms=300), probability=0.99, seed=3)
    pause = Pause()
    sent, scope, _ = run([rule], pause=pause)
    described = exchange_in(scope).fault  # type: ignore[union-attr]
    assert described is not None and described["source"] == "rule" and described["rule"] == "jitter"
    assert pause.asked == [described["ms"] / 1000] and 100 <= described["ms"] <= 300
    assert b"preference-applied" not in _headers(sent[0])  # a rule is no preference of the client's


def test_an_error_replaces_the_answer_in_the_apis_shape() -> None:
    sent, _, _ = run(prefer="fault=error; status=503; code=PAM_ERR_TIMEOUT")
    assert sent[0]["status"] == 503
    assert _headers(sent[0])[b"content-type"] == b"application/json"
    assert _headers(sent[0])[b"preference-applied"] == b"fault=error"
    body = json.loads(sent[1]["body"])
    assert body["error"]["code"] == "PAM_ERR_TIMEOUT"
    assert int(_headers(sent[0])[b"content-length"]) == len(sent[1]["body"])


def test_a_drop_sends_nothing_and_closes_the_connection() -> None:
    sent, scope, drops = run(prefer="fault=drop")
    assert sent == [] and drops == ["dropped"]
    assert exchange_in(scope).fault == {"kind": "drop", "source": "prefer"}  # type: ignore[union-attr]


def test_without_the_http_layers_hook_a_drop_sends_nothing_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    sent: list[Message] = []
    layer = partner_layer(App(), pause=Pause())

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    scope = _scope(prefer="fault=drop")
    del scope["extensions"][DROP_CONNECTION]
    with caplog.at_level(logging.WARNING, logger="mockserver.faults"):
        asyncio.run(layer(scope, receive, send))
    assert sent == [] and "no way to drop" in caplog.text


def test_a_hang_waits_its_bound_then_drops() -> None:
    pause = Pause()
    sent, _, drops = run(prefer="fault=hang; ms=1500", pause=pause)
    assert pause.asked == [1.5] and sent == [] and drops == ["dropped"]
    pause = Pause()
    run(prefer="fault=hang", pause=pause)
    assert pause.asked == [MAX_HANG_MS / 1000]


def test_a_hang_whose_client_gave_up_needs_no_drop() -> None:
    sent, _, drops = run(prefer="fault=hang", pause=Pause(disconnects=True))
    assert sent == [] and drops == []


def test_a_trickle_sends_the_body_in_timed_pieces() -> None:
    pause = Pause()
    sent, _, _ = run(prefer="fault=trickle; bytes-per-second=100", pause=pause)
    pieces = [m["body"] for m in sent[1:]]
    assert b"".join(pieces) == BODY
    step = int(100 * TRICKLE_STEP_SECONDS)
    assert all(len(piece) == step for piece in pieces[:-1]) and 0 < len(pieces[-1]) <= step
    assert pause.asked == [TRICKLE_STEP_SECONDS] * (len(pieces) - 1)
    assert [m.get("more_body", False) for m in sent[1:]] == [True] * (len(pieces) - 1) + [False]


def test_a_trickle_is_bounded_and_sends_the_rest_at_once() -> None:
    pause = Pause()
    body = b"x" * 5000
    sent, _, _ = run(prefer="fault=trickle; bytes-per-second=10", pause=pause, app=App(body=body))
    steps = int(MAX_TRICKLE_SECONDS / TRICKLE_STEP_SECONDS)
    assert len(pause.asked) == steps
    assert sum(pause.asked) == pytest.approx(MAX_TRICKLE_SECONDS)
    assert b"".join(m["body"] for m in sent[1:]) == body
    assert len(sent[-1]["body"]) == len(body) - steps  # one byte per step, then the rest at once


def test_a_prefer_fault_that_cannot_be_acted_out_is_refused_before_the_app() -> None:
    app = App()
    sent, _, _ = run(prefer="fault=delay; ms=-5", app=app)
    assert app.calls == 0
    assert sent[0]["status"] == 400
    assert "fault.ms: expected an integer from 0 to 60000, got -5" in json.loads(sent[1]["body"])["error"]["message"]


def test_an_entitys_rule_acts_only_on_requests_that_reached_it() -> None:
    rule = FaultRule("slow-bob", "valkyrie", Fault("drop"), entity="bob")
    assert run([rule], app=App("active", "alice"))[2] == []
    assert run([rule], app=App("redtiger", "bob"))[2] == ["dropped"]


def test_requests_outside_the_apis_or_unrouted_get_no_fault() -> None:
    sent, scope, drops = run(prefer="fault=drop", path="/__admin/journal")
    assert len(sent) == 2 and not drops and exchange_in(scope) is None

    async def unrouted(scope: Scope, receive: Receive, send: Any) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    sent, _, drops = run(prefer="fault=drop", app=unrouted)  # type: ignore[arg-type]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"] and not drops


def test_waiting_ends_early_when_the_client_disconnects() -> None:
    messages: Iterator[Message] = iter(
        [{"type": "http.request", "body": b"", "more_body": False}, {"type": "http.disconnect"}]
    )

    async def receive() -> Message:
        return next(messages)

    assert asyncio.run(wait_for_disconnect(3600, receive)) is True

    async def silent() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    assert asyncio.run(wait_for_disconnect(0.01, silent)) is False


def test_in_the_mock_a_rule_acts_on_the_operation_connexion_routed_to() -> None:
    # The layer sits outside connexion's stack; the operation a rule names is learned from connexion's routing.
    rule = {"api": "vip-connect", "operation": "accountLookup", "fault": {"kind": "error", "status": 503}}
    with TestClient(create_app()) as client:
        assert client.put("/__admin/faults/vip-down", json=rule).status_code == 201
        lookup = client.post(VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers=vip_headers())
        alice = VALKYRIE_BALANCE.format(valkyrie_player("alice"))
        balance = client.get(alice, params={"provider": "evolution"}, headers=valkyrie_headers())
    assert lookup.status_code == 503 and lookup.json()["operatorDeclineDescription"] == FAULT_MESSAGE
    assert balance.status_code == 200
