"""VIP Connect's section of a profile: the operator, its keys and the accounts that reach each documented case."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import ProfileError
from conformance.profile_secrets import ProfileSecret, variable_name

SCHEMA: dict[str, Any] = json.loads((Path(__file__).parent / "profile.schema.json").read_text(encoding="utf-8"))
SECRET_KEYS = frozenset({"secret_base64"})


@dataclass(frozen=True)
class VipSection:
    base_url: str
    operator_id: str
    secrets_base64: tuple[str, ...]  # the operator's keys: one, or two while they rotate
    audience: str
    bank_accounts_toggle: bool
    accounts: Mapping[str, Mapping[str, str]]

    @property
    def secret_base64(self) -> str:
        """The first key: the suite signs its documented cases with it."""
        return self.secrets_base64[0]

    def secrets(self) -> Iterator[ProfileSecret]:
        for index, secret in enumerate(self.secrets_base64):
            suffix = f"[{index}]" if len(self.secrets_base64) > 1 else ""
            key = f"vip-connect.secret_base64{suffix}"
            yield ProfileSecret(key, secret, variable_name("VIP", f"secret_base64{suffix}"), signing_key=True)


def read_section(data: Mapping[str, Any], file: str) -> VipSection:
    secrets = data["secret_base64"]
    for index, secret in enumerate([secrets] if isinstance(secrets, str) else secrets):
        key = "vip-connect.secret_base64" + ("" if isinstance(secrets, str) else f"[{index}]")
        try:
            base64.b64decode(secret, validate=True)
        except (binascii.Error, ValueError):
            raise ProfileError(file, key, "expected valid base64, got a value that does not decode") from None
    return VipSection(
        base_url=data["base_url"].rstrip("/"),
        operator_id=data["operator_id"],
        secrets_base64=(secrets,) if isinstance(secrets, str) else tuple(secrets),
        audience=data.get("audience", "vip-api"),
        bank_accounts_toggle=data["bank_accounts_toggle"],
        accounts=data["accounts"],
    )
