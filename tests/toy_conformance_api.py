"""The toy wallet API (tests/toy/toy.yaml) as the suite certifies it: everything an API brings, in one module."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from toy_mock_api import TOY_DIR

from balancekit.clock import Clock
from balancekit.requirements import Level, Requirement, cite
from conformance.api import ConformanceApi, GeneratedSources, Sourced, case
from conformance.context import ApiContext, Judging
from conformance.profile_secrets import ProfileSecret
from conformance.results import Item
from conformance.transport import Client

# The toy's "seed page" is its spec: a made-up API has no vendor.
SEED = "toy.yaml"


@dataclass(frozen=True)
class ToySection:
    base_url: str
    api_key: str
    wallets: Mapping[str, str]  # case -> wallet id: known, unknown

    def secrets(self) -> Iterator[ProfileSecret]:
        yield ProfileSecret("toy.api_key", self.api_key, "TOY_API_KEY")


PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "toy.profile.schema.json",
    "type": "object",
    "additionalProperties": False,
    "required": ["base_url", "api_key", "wallets"],
    "properties": {
        "base_url": {"$ref": "profile.schema.json#/$defs/base_url"},
        "api_key": {"type": "string", "minLength": 1},
        "wallets": {
            "type": "object",
            "additionalProperties": False,
            "required": ["known", "unknown"],
            "properties": {"known": {"type": "string"}, "unknown": {"type": "string"}},
        },
    },
}


def read_section(data: Mapping[str, Any], file: str) -> ToySection:
    return ToySection(data["base_url"].rstrip("/"), data["api_key"], data["wallets"])


class ToyContext(ApiContext):
    def __init__(self, api: ConformanceApi, section: ToySection, client: Client, seed: int, clock: Clock) -> None:
        super().__init__(api, section.base_url, client, seed, clock)
        self.profile = section

    def wallet(self, case: str, key: str | None = None) -> Judging:
        headers = {"Authorization": f"Bearer {key or self.profile.api_key}"}
        return (yield from self.request("GET", f"/wallets/{self.profile.wallets[case]}", headers=headers))


def known_wallet(ctx: ToyContext) -> Iterator[Item]:
    exchange = yield from ctx.wallet("known")
    body = yield from ctx.expect_json("TOY-200-WALLET", "the known wallet", exchange, 200)
    if body is not None:
        yield from ctx.expect_shape("TOY-200-WALLET", "the known wallet", exchange, body, "Wallet")


def unknown_wallet(ctx: ToyContext) -> Iterator[Item]:
    exchange = yield from ctx.wallet("unknown")
    body = yield from ctx.expect_json("TOY-404-UNKNOWN", "the unknown wallet", exchange, 404)
    if body is not None:
        yield from ctx.expect_shape("TOY-404-UNKNOWN", "the unknown wallet", exchange, body, "Error")


def wrong_key(ctx: ToyContext) -> Iterator[Item]:
    exchange = yield from ctx.wallet("known", key=ctx.random_text(ctx.profile.api_key))
    yield ctx.finding("TOY-401-KEY", "a random api key", exchange.status == 401, "HTTP 401", exchange)


def _r(id: str, title: str, quote: str) -> Requirement:
    return Requirement(id, "toy", Level.MUST, title, cite(SEED, quote))


API = ConformanceApi(
    name="toy",
    prefix="TOY",
    seed=SEED,
    seed_title="Toy wallet balance",
    seed_statuses=(200, 401, 404),
    requirements=(
        _r("TOY-200-WALLET", "A known wallet: 200 with its id and balance", "the wallet"),
        _r("TOY-404-UNKNOWN", "An unknown wallet: 404 with an error", "no such wallet"),
        _r("TOY-401-KEY", "A wrong api key: 401", "no or a wrong api key"),
    ),
    untestable=(),
    generated_sources=GeneratedSources(
        answers=cite(SEED, "the wallet"),
        statuses=Sourced(Level.MUST, cite(SEED, "no such wallet")),
        auth=Sourced(Level.MUST, cite(SEED, "no or a wrong api key")),
    ),
    profile_schema=PROFILE_SCHEMA,
    read_section=read_section,
    context=ToyContext,
    checks=(
        case("TOY-200-WALLET", "the profile's known wallet", known_wallet),
        case("TOY-404-UNKNOWN", "the profile's unknown wallet", unknown_wallet),
        case("TOY-401-KEY", "the known wallet with a random api key", wrong_key),
    ),
    schemathesis_auth=lambda section, lifetime, clock: {"toyKey": {"bearer": section.api_key}},
    schemathesis_examples=lambda spec, section: None,
    secret_keys=frozenset({"api_key"}),
    spec_dir=TOY_DIR,
)
