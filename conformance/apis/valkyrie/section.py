"""Valkyrie PAM's section of a profile: the api token, the provider and the players that reach each case."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.profile_secrets import ProfileSecret, variable_name

SCHEMA: dict[str, Any] = json.loads((Path(__file__).parent / "profile.schema.json").read_text(encoding="utf-8"))
SECRET_KEYS = frozenset({"api_token", "token"})


@dataclass(frozen=True)
class ValkyrieSection:
    base_url: str
    api_token: str
    provider: str
    players: Mapping[str, Mapping[str, str]]

    def secrets(self) -> Iterator[ProfileSecret]:
        yield ProfileSecret("valkyrie.api_token", self.api_token, "VALKYRIE_API_TOKEN")
        for name, player in self.players.items():
            if player.get("token"):
                # A player's token is a session token.
                key = f"valkyrie.players.{name}.token"
                yield ProfileSecret(key, player["token"], variable_name("VALKYRIE", name, "session_token"))


def read_section(data: Mapping[str, Any], file: str) -> ValkyrieSection:
    return ValkyrieSection(
        base_url=data["base_url"].rstrip("/"),
        api_token=data["api_token"],
        provider=data["provider"],
        players=data["players"],
    )
