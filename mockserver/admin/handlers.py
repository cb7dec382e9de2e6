"""The admin API over HTTP: its handlers by operationId, its body validator, its error body, its root path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from connexion import AsyncApp
from connexion.context import request
from connexion.exceptions import BadRequestProblem
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import Receive, Scope

from balancekit.specs import load_spec, spec_path
from mockserver import security
from mockserver.admin.access import AdminAccess
from mockserver.admin.errors import AdminError, error_body
from mockserver.admin.location import ADMIN_PREFIX
from mockserver.admin.operations import SandboxAdmin
from mockserver.api import MockApi
from mockserver.error_bodies import Problem, Rendered
from mockserver.routes import HTTP_METHODS
from mockserver.validators import JsonBodyValidator, ValidationMemory, validator_map

ADMIN_SPEC = "sandbox-admin"

Answer = tuple[Any, int, dict[str, str]]
Handler = Callable[..., Awaitable[Answer]]


def admin_spec() -> dict[str, Any]:
    """The admin API's spec, specs/sandbox-admin.yaml; callers must not mutate it."""
    return load_spec(spec_path(ADMIN_SPEC))


def admin_handlers(
    admin: SandboxAdmin, access: AdminAccess, apis: Sequence[MockApi], threads: Executor | None = None
) -> dict[str, Handler]:
    """The handler of every operation of the admin spec, by operationId: the common ones here, those that belong to
    one API (minting its credentials) from its MockApi, and a 404 for those of an API the sandbox does not serve.
    ``threads`` run the calls (by default the event loop's default executor)."""

    async def answered(call: Callable[[], tuple[Any, int]]) -> Answer:
        try:
            access.check(request.headers.get("authorization"))
            # The store is a file: its calls, and a journal read's wait for every worker, run off the event loop.
            body, status = await asyncio.get_running_loop().run_in_executor(threads, call)
        except AdminError as refusal:
            return refusal.body(), refusal.status, dict(refusal.headers)
        return body, status, {}

    def removed(action: Callable[[], None]) -> tuple[Any, int]:
        action()
        return None, 204

    def created_or_replaced(result: tuple[Any, bool]) -> tuple[Any, int]:
        value, created = result
        return value, 201 if created else 200

    async def get_sandbox() -> Answer:
        return await answered(lambda: (admin.overview(), 200))

    async def reset_sandbox() -> Answer:
        return await answered(lambda: (admin.reset(), 200))

    async def reset_api(api: str) -> Answer:
        return await answered(lambda: (admin.reset(api), 200))

    async def get_document(api: str) -> Answer:
        return await answered(lambda: (admin.read_document(api), 200))

    async def get_key(api: str, key: str) -> Answer:
        return await answered(lambda: (admin.key(api, key), 200))

    async def put_key(api: str, key: str, body: Any) -> Answer:
        return await answered(lambda: (admin.put_key(api, key, body), 200))

    async def get_entity(api: str, collection: str, name: str) -> Answer:
        return await answered(lambda: (admin.entity(api, collection, name), 200))

    async def put_entity(api: str, collection: str, name: str, body: Any) -> Answer:
        return await answered(lambda: created_or_replaced(admin.put_entity(api, collection, name, body)))

    async def delete_entity(api: str, collection: str, name: str) -> Answer:
        return await answered(lambda: removed(lambda: admin.delete_entity(api, collection, name)))

    async def list_faults() -> Answer:
        return await answered(lambda: (admin.faults(), 200))

    async def get_fault(name: str) -> Answer:
        return await answered(lambda: (admin.fault(name), 200))

    async def put_fault(name: str, body: Any) -> Answer:
        return await answered(lambda: created_or_replaced(admin.put_fault(name, body)))

    async def delete_fault(name: str) -> Answer:
        return await answered(lambda: removed(lambda: admin.delete_fault(name)))

    async def get_journal(**filters: Any) -> Answer:
        return await answered(lambda: (admin.journal(**filters), 200))

    async def get_client_report(**options: Any) -> Answer:
        return await answered(lambda: (admin.client_report(**options), 200))

    async def clear_journal() -> Answer:
        return await answered(lambda: removed(admin.clear_journal))

    handlers: dict[str, Handler] = {
        "getSandbox": get_sandbox,
        "resetSandbox": reset_sandbox,
        "resetApi": reset_api,
        "getDocument": get_document,
        "getKey": get_key,
        "putKey": put_key,
        "getEntity": get_entity,
        "putEntity": put_entity,
        "deleteEntity": delete_entity,
        "listFaults": list_faults,
        "getFault": get_fault,
        "putFault": put_fault,
        "deleteFault": delete_fault,
        "getJournal": get_journal,
        "clearJournal": clear_journal,
        "getClientReport": get_client_report,
    }
    for api in apis:
        for operation_id, call in api.admin_calls.items():
            handlers[operation_id] = _api_call(call, admin, answered)
    for path, item in admin_spec()["paths"].items():
        for method in HTTP_METHODS:
            if method in item and item[method]["operationId"] not in handlers:
                handlers[item[method]["operationId"]] = _not_served(path, answered)
    return handlers


def _api_call(
    call: Callable[[SandboxAdmin, Mapping[str, Any], Any], tuple[Any, int]],
    admin: SandboxAdmin,
    answered: Callable[[Callable[[], tuple[Any, int]]], Awaitable[Answer]],
) -> Handler:
    async def handle(body: Any = None, **parameters: Any) -> Answer:
        return await answered(lambda: call(admin, parameters, body))

    return handle


def _not_served(path: str, answered: Callable[[Callable[[], tuple[Any, int]]], Awaitable[Answer]]) -> Handler:
    api = path.strip("/").split("/", 1)[0]

    def refuse() -> tuple[Any, int]:
        raise AdminError(404, f"No API named {api!r} is served, and this call belongs to it.")

    async def handle(body: Any = None, **parameters: Any) -> Answer:
        return await answered(refuse)

    return handle


def add_admin_api(app: AsyncApp, handlers: Mapping[str, Handler], memory: ValidationMemory | None = None) -> None:
    """Serves the admin spec under ADMIN_PREFIX on ``app``, validated both ways like the APIs, with its Swagger UI
    at ``/__admin/ui/``. The app's error handler renders its problems with :func:`admin_problem`, and the
    partner layer serves its root."""
    app.add_api(
        admin_spec(),
        base_path=ADMIN_PREFIX,
        name=ADMIN_SPEC,
        resolver=Resolver(function_resolver=handlers.__getitem__),
        strict_validation=True,
        validate_responses=True,
        validator_map=validator_map(AdminBodyValidator, memory or ValidationMemory(), frozenset()),
        # The token is optional in the spec (open on loopback), so connexion never refuses; AdminAccess decides.
        security_map=security.connexion_security_map(security.bearer_map(lambda token: {"sub": "admin"})),
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )


def admin_problem(problem: Problem) -> Rendered:
    """The admin API's body for what connexion refuses before a handler (routing, validation): an error renderer."""
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else {}
    return problem.status, error_body(problem.detail), headers


class AdminBodyValidator(JsonBodyValidator):
    """The JSON body validator, for bodies that are any JSON value and may be left out where the spec allows."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        if not self._required and not _announces_body(scope):
            return receive, scope
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: Any, scope: Scope) -> Any:
        body = await super()._parse(stream, scope=scope)
        try:
            json.dumps(body, allow_nan=False)
        except ValueError:
            # json.loads reads NaN and Infinity; stored, they would be served as invalid JSON.
            raise BadRequestProblem(
                detail="The request body holds NaN or Infinity, which JSON numbers cannot be."
            ) from None
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is None and not self._required:
            return None
        return super()._validate(body)


def _announces_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if (name == b"content-length" and value.strip() != b"0") or name == b"transfer-encoding":
            return True
    return False
