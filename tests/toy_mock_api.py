"""The toy wallet API (tests/toy/toy.yaml) as the mock serves it: everything an API brings, in one module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from balancekit.clock import Clock
from mockserver import security
from mockserver.api import MockApi, Service
from mockserver.error_bodies import Problem, Rendered
from mockserver.errors import FixtureError

TOY_DIR = Path(__file__).resolve().parent / "toy"

FIXTURE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "toy.schema.json",
    "type": "object",
    "additionalProperties": False,
    "required": ["api_key", "wallets"],
    "properties": {
        "api_key": {"type": "string", "minLength": 16},
        "wallets": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"$ref": "fixture.schema.json#/$defs/name"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["wallet_id", "balance"],
                "properties": {"wallet_id": {"type": "string"}, "balance": {"type": "string"}},
            },
        },
    },
}


@dataclass(frozen=True)
class ToySandbox:
    api_key: str
    balances: dict[str, str]  # by wallet id


def build_sandbox(raw: dict[str, Any], spec: dict[str, Any]) -> ToySandbox:
    balances: dict[str, str] = {}
    for name, wallet in raw["wallets"].items():
        if wallet["wallet_id"] in balances:
            raise FixtureError(f"wallets.{name}.wallet_id", "an id no other wallet has", repr(wallet["wallet_id"]))
        balances[wallet["wallet_id"]] = wallet["balance"]
    return ToySandbox(raw["api_key"], balances)


def render_error(problem: Problem) -> Rendered:
    return problem.status, {"error": problem.detail}, {}


def serve(sandbox: ToySandbox, clock: Clock) -> Service:
    async def get_wallet(walletId: str) -> tuple[dict[str, Any], int, dict[str, str]]:  # noqa: N803
        balance = sandbox.balances.get(walletId)
        if balance is None:
            return {"error": "no such wallet"}, 404, {}
        return {"walletId": walletId, "balance": balance}, 200, {}

    return Service(
        handlers={"getWallet": get_wallet},
        security_map=security.bearer_map(
            lambda token: security.verify_shared_token(token, sandbox.api_key, subject="toy")
        ),
        render_error=render_error,
    )


API = MockApi(name="toy", fixture_schema=FIXTURE_SCHEMA, build_sandbox=build_sandbox, serve=serve, spec_dir=TOY_DIR)
