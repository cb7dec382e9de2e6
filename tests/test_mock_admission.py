"""Admission (mockserver/admission.py): /healthz never waits for the load; API requests run a few at a time."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mockserver.admission import RUNNING_REQUESTS, Admission
from mockserver.request_guard import REFUSAL


class HeldApp:
    """An app whose requests stay under way until released; it counts how many run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most_running = 0
        self.release = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        await self.release.wait()
        self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def _scope(path: str, method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "path": path, "method": method, "headers": []}


async def _call(app: Admission, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_api_requests_beyond_the_limit_wait_in_line_and_all_are_answered() -> None:
    async def scenario() -> None:
        held = HeldApp()
        admission = Admission(held, prefixes={"valkyrie": "/valkyrie"})
        calls = [asyncio.create_task(_call(admission, _scope("/valkyrie/x"))) for _ in range(3 * RUNNING_REQUESTS)]
        for _ in range(10):
            await asyncio.sleep(0)
        assert held.running == RUNNING_REQUESTS
        held.release.set()
        answers = await asyncio.gather(*calls)
        assert held.most_running == RUNNING_REQUESTS
        assert all(sent[0]["status"] == 200 for sent in answers)

    asyncio.run(scenario())


def test_healthz_is_answered_while_every_place_is_taken() -> None:
    async def scenario() -> None:
        held = HeldApp()
        admission = Admission(held, prefixes={"valkyrie": "/valkyrie"})
        calls = [asyncio.create_task(_call(admission, _scope("/valkyrie/x"))) for _ in range(2 * RUNNING_REQUESTS)]
        await asyncio.sleep(0)
        health = await _call(admission, _scope("/healthz"))
        head = await _call(admission, _scope("/healthz", "HEAD"))
        assert held.running == RUNNING_REQUESTS  # the probes went past the line, and the app never saw them
        assert health[0]["status"] == 200
        assert json.loads(health[1]["body"]) == {"status": "ok", "apis": {"valkyrie": "/valkyrie"}}
        assert head[0]["status"] == 200 and head[1]["body"] == b""
        held.release.set()
        await asyncio.gather(*calls)

    asyncio.run(scenario())


def test_a_post_to_healthz_goes_to_the_app() -> None:
    async def scenario() -> None:
        held = HeldApp()
        held.release.set()
        await _call(Admission(held, prefixes={}), _scope("/healthz", "POST"))
        assert held.most_running == 1

    asyncio.run(scenario())


def test_a_healthz_request_the_http_layer_refused_goes_to_the_app_for_its_error() -> None:
    async def scenario() -> None:
        held = HeldApp()
        held.release.set()
        refused = {**_scope("/healthz"), "extensions": {REFUSAL: object()}}
        await _call(Admission(held, prefixes={}), refused)
        assert held.most_running == 1

    asyncio.run(scenario())
