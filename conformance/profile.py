"""Profiles: one system under test, read from YAML, ``${NAME}`` substituted from the environment, then validated."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from conformance.errors import ProfileError

_SCHEMA_PATH = Path(__file__).resolve().parent / "profile.schema.json"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
API_NAMES = ("vip-connect", "paytronix", "valkyrie")


# The keys whose values are credentials: never echoed in an error, redacted from every report.
SECRET_KEYS = frozenset(
    {"secret_base64", "client_secret", "registrationCode", "access_token", "password", "api_token", "token"}
)


@dataclass(frozen=True)
class VipProfile:
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


@dataclass(frozen=True)
class PaytronixProfile:
    base_url: str
    release: str
    methods: tuple[str, ...]
    client_id: str
    client_secret: str
    merchant_id: int
    cards: Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class ValkyrieProfile:
    base_url: str
    api_token: str
    provider: str
    players: Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Profile:
    """A validated profile; sections are None for the APIs the system does not implement."""

    path: str
    sha256: str
    vip_connect: VipProfile | None
    paytronix: PaytronixProfile | None
    valkyrie: ValkyrieProfile | None
    # The environment variable a value came from, by dotted key, for values given as a whole "${NAME}".
    variables: Mapping[str, str] = field(default_factory=dict)

    def section(self, api: str) -> VipProfile | PaytronixProfile | ValkyrieProfile | None:
        return {"vip-connect": self.vip_connect, "paytronix": self.paytronix, "valkyrie": self.valkyrie}[api]

    @property
    def apis(self) -> list[str]:
        return [api for api in API_NAMES if self.section(api) is not None]


def load_profile(path: str | Path, environ: Mapping[str, str] | None = None) -> Profile:
    """Read, substitute and validate a profile; raises ProfileError naming the file and the key."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ProfileError(file, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except UnicodeDecodeError:
        raise ProfileError(file, "(file)", "expected UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise ProfileError(file, where, f"expected valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(file, "(top level)", "expected a mapping with vip-connect, paytronix and/or valkyrie")
    variables: dict[str, str] = {}
    data = _substitute(data, os.environ if environ is None else environ, file, [], variables)
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        key, problem = _explain(error)
        raise ProfileError(file, key, problem)
    if "vip-connect" in data:
        secrets = data["vip-connect"]["secret_base64"]
        for index, secret in enumerate([secrets] if isinstance(secrets, str) else secrets):
            key = "vip-connect.secret_base64" + ("" if isinstance(secrets, str) else f"[{index}]")
            try:
                base64.b64decode(secret, validate=True)
            except (binascii.Error, ValueError):
                raise ProfileError(file, key, "expected valid base64, got a value that does not decode") from None
    return _build(file, hashlib.sha256(raw).hexdigest(), data, variables)


class _UniqueKeyLoader(yaml.SafeLoader):
    """Refuses a key given twice in one mapping; PyYAML would silently keep the last (a whole second section)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is given twice", mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _substitute(value: Any, environ: Mapping[str, str], file: str, path: list[str], variables: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item, environ, file, [*path, str(key)], variables) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, environ, file, [*path, f"[{index}]"], variables) for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value
    whole = _VARIABLE.fullmatch(value)
    if whole:
        # A report names this value by the variable the profile took it from.
        variables[_dotted(path)] = whole.group(1)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ProfileError(file, _dotted(path), f"environment variable {name} is not set")
        return environ[name]

    return _VARIABLE.sub(replace, value)


def _dotted(path: list[str]) -> str:
    return ".".join(path).replace(".[", "[") or "(top level)"


def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(_SCHEMA_PATH.read_text(encoding="utf-8")))


def _explain(error: ValidationError) -> tuple[str, str]:
    """The key at fault and 'expected ..., got ...' for a schema error of the profile."""
    # absolute_path: an error found inside a oneOf/anyOf branch keeps the key of the value it concerns.
    path = [str(part) if not isinstance(part, int) else f"[{part}]" for part in error.absolute_path]
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind, instance = str(error.validator), error.instance
    if any(part.split("[", 1)[0] in SECRET_KEYS for part in path):
        # A credential is not echoed, even a malformed one: the terminal may be shared or logged.
        expected = schema.get("description") or f"a valid {path[-1]}"
        if isinstance(instance, str):
            found = f"a value of {len(instance)} characters"
        else:
            found = f"{len(instance)} values" if isinstance(instance, list) else f"a {type(instance).__name__}"
        return _dotted(path), f"expected {expected}, got {found}"
    if kind == "required" and isinstance(instance, dict):
        missing = next(name for name in error.validator_value if name not in instance)  # type: ignore[union-attr]
        return _dotted([*path, missing]), "expected a value, got nothing"
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = next(name for name in instance if name not in allowed)
        return _dotted([*path, extra]), f"expected one of the keys {', '.join(allowed)}, got an unexpected key"
    if kind in ("oneOf", "anyOf") and schema.get("description"):
        return _dotted(path), f"expected {schema['description']}, got {instance!r}"
    if kind == "minProperties" and isinstance(instance, dict):
        return _dotted(path), f"expected at least one of the keys {', '.join(schema.get('properties', {}))}, got none"
    if kind in ("minLength", "minItems") and not schema.get("description"):
        return _dotted(path), f"expected a non-empty value, got {instance!r}"
    expected = schema.get("description") or error.message
    if kind == "enum":
        expected = "one of " + ", ".join(map(repr, error.validator_value))  # type: ignore[arg-type]
    elif kind == "type":
        expected = f"a value of type {error.validator_value}"
    return _dotted(path), f"expected {expected}, got {instance!r}"


def _build(file: str, digest: str, data: dict[str, Any], variables: dict[str, str]) -> Profile:
    vip = data.get("vip-connect")
    ptx = data.get("paytronix")
    valk = data.get("valkyrie")
    return Profile(
        path=file,
        sha256=digest,
        vip_connect=VipProfile(
            base_url=vip["base_url"].rstrip("/"),
            operator_id=vip["operator_id"],
            secrets_base64=(vip["secret_base64"],)
            if isinstance(vip["secret_base64"], str)
            else tuple(vip["secret_base64"]),
            audience=vip.get("audience", "vip-api"),
            bank_accounts_toggle=vip["bank_accounts_toggle"],
            accounts=vip["accounts"],
        )
        if vip
        else None,
        paytronix=PaytronixProfile(
            base_url=ptx["base_url"].rstrip("/"),
            release=ptx.get("release", "25.33"),
            methods=tuple(ptx.get("methods", ["POST", "GET"])),
            client_id=ptx["client_id"],
            client_secret=ptx["client_secret"],
            merchant_id=ptx["merchant_id"],
            cards=ptx["cards"],
        )
        if ptx
        else None,
        valkyrie=ValkyrieProfile(
            base_url=valk["base_url"].rstrip("/"),
            api_token=valk["api_token"],
            provider=valk["provider"],
            players=valk["players"],
        )
        if valk
        else None,
        variables=variables,
    )
