"""The partner layer pins the state in force once per request: every part of the request sees that one."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from starlette.types import Message, Receive, Scope

from mockserver.faults.acting import FaultActing
from mockserver.faults.book import FaultBook
from mockserver.journal.exchange import prefix_lookup
from mockserver.partner_layer import PartnerLayer
from mockserver.served import IN_FORCE, Served


def test_each_request_is_answered_from_the_state_in_force_when_it_arrived() -> None:
    generations = itertools.count(1)
    asked: list[int] = []

    def state() -> Served:
        # A new generation on every look, as if an admin change landed between any two.
        generation = next(generations)
        asked.append(generation)
        return Served(generation, {}, {}, {}, FaultBook())

    seen: list[int | None] = []

    async def app(scope: Scope, receive: Receive, send: Any) -> None:
        for _ in range(3):  # the credential check, the handler, the error body: each looks at the state in force
            pinned = IN_FORCE.get()
            seen.append(pinned.generation if pinned is not None else None)
            await asyncio.sleep(0)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    faults = FaultActing(renderers={}, targets={}, draw=lambda counter: 0)
    layer = PartnerLayer(
        app, state=state, faults=faults, record=lambda raw: None, api_of=prefix_lookup({"valkyrie": "/valkyrie"})
    )

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    def scope(path: str = "/valkyrie/x") -> dict[str, Any]:
        return {"type": "http", "method": "GET", "path": path, "headers": []}

    async def requests() -> list[Served | None]:
        await layer(scope(), receive, send)
        after_one = IN_FORCE.get()
        await asyncio.gather(layer(scope(), receive, send), layer(scope(), receive, send))
        await layer(scope("/healthz"), receive, send)
        return [after_one, IN_FORCE.get()]

    assert asyncio.run(requests()) == [None, None]  # nothing left pinned after a request
    assert asked == [1, 2, 3]  # once per API request
    assert seen[:3] == [1, 1, 1]
    assert sorted(generation or 0 for generation in seen[3:9]) == [2, 2, 2, 3, 3, 3]  # two at once: each its own
    assert seen[9:] == [None, None, None]  # a request outside the APIs pins nothing
