"""The innermost layer: calls the routed operation's handler with the arguments connexion would pass.

connexion's own app layer rebuilds a handler's decorators for every request (it inspects the handler, wraps it
three times, converts the parameters and serializes the answer): about half of its per-request cost. This layer
sits inside connexion's whole stack (security, request and response validation, the request context, the error
handlers), so every check a request goes through is unchanged; only the call of the handler is direct.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[..., Awaitable[tuple[Any, int, Mapping[str, str]]]]
_COERCE: dict[str, Callable[[str], Any]] = {"integer": int, "number": float}


@dataclass(frozen=True)
class Operation:
    """One spec operation: how to turn a request into its handler's arguments (the handlers of every generation of
    the sandbox take the same ones)."""

    takes_body: bool
    path_parameters: tuple[str, ...]
    query_types: Mapping[str, str]  # declared query parameter the handler takes -> its JSON Schema type

    @classmethod
    def for_handler(
        cls, handler: Handler, spec_operation: Mapping[str, Any], path_item: Mapping[str, Any]
    ) -> Operation:
        parameters = [*path_item.get("parameters", []), *spec_operation.get("parameters", [])]
        signature = inspect.signature(handler).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.values())
        return cls(
            takes_body="body" in signature and "requestBody" in spec_operation,
            path_parameters=tuple(p["name"] for p in parameters if p["in"] == "path" and p["name"] in signature),
            query_types={
                p["name"]: p.get("schema", {}).get("type", "string")
                for p in parameters
                if p["in"] == "query" and (takes_any or p["name"] in signature)
            },
        )

    async def arguments(self, scope: Scope, receive: Receive) -> dict[str, Any]:
        arguments: dict[str, Any] = {name: scope["path_params"][name] for name in self.path_parameters}
        # The last of repeated query values wins, as in connexion; validation has already checked every value.
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        for name, kind in self.query_types.items():
            if name in query:
                arguments[name] = _COERCE.get(kind, str)(query[name])
        if self.takes_body:
            arguments["body"] = json.loads(await _read_body(receive) or b"null")
        return arguments


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class HandlerDispatch:
    """Calls our handler for the operation connexion's routing chose; anything else goes to connexion's app.
    ``handlers()`` gives the handlers in force (those of the current sandbox), keyed like ``operations`` by (API base
    path, operationId)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        operations: Mapping[tuple[str, str], Operation],
        handlers: Callable[[], Mapping[tuple[str, str], Handler]],
    ) -> None:
        self.app = app
        self._operations = operations
        self._handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get("connexion_routing", {}) if scope["type"] == "http" else {}
        key = (str(routing.get("api_base_path")), str(routing.get("operation_id")))
        operation = self._operations.get(key)
        if operation is None:
            await self.app(scope, receive, send)
            return
        body, status, headers = await self._handlers()[key](**await operation.arguments(scope, receive))
        # connexion's jsonifier: json.dumps and a trailing newline.
        payload = (json.dumps(body) + "\n").encode()
        raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        raw_headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})
