"""Paytronix's section of a profile: the integration client, the merchant and the cards that reach each case."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.profile_secrets import ProfileSecret, variable_name

SCHEMA: dict[str, Any] = json.loads((Path(__file__).parent / "profile.schema.json").read_text(encoding="utf-8"))
SECRET_KEYS = frozenset({"client_secret", "registrationCode", "access_token", "password"})


@dataclass(frozen=True)
class PaytronixSection:
    base_url: str
    release: str
    methods: tuple[str, ...]
    client_id: str
    client_secret: str
    merchant_id: int
    cards: Mapping[str, Mapping[str, str]]

    def secrets(self) -> Iterator[ProfileSecret]:
        # The client secret goes out as the password of HTTP Basic credentials: their header forms are secret too.
        yield ProfileSecret(
            "paytronix.client_secret", self.client_secret, "PTX_CLIENT_SECRET", basic_user=self.client_id
        )
        for name, card in self.cards.items():
            for field in ("registrationCode", "access_token", "password"):
                if card.get(field):
                    key = f"paytronix.cards.{name}.{field}"
                    yield ProfileSecret(key, card[field], variable_name("PTX", name, field))


def read_section(data: Mapping[str, Any], file: str) -> PaytronixSection:
    return PaytronixSection(
        base_url=data["base_url"].rstrip("/"),
        release=data.get("release", "25.33"),
        methods=tuple(data.get("methods", ["POST", "GET"])),
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        merchant_id=data["merchant_id"],
        cards=data["cards"],
    )
