"""Profiles: one system under test, read from YAML, ``${NAME}`` substituted from the environment, then validated."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from balancekit.strict_yaml import UniqueKeyLoader
from conformance.api import ConformanceApi, Section
from conformance.apis import APIS
from conformance.errors import ProfileError

_SCHEMA_PATH = Path(__file__).resolve().parent / "profile.schema.json"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Profile:
    """A validated profile: a section for each API the system implements, in the order the APIs are listed."""

    path: str
    sha256: str
    sections: Mapping[str, Section]
    # The environment variable a value came from, by dotted key, for values given as a whole "${NAME}".
    variables: Mapping[str, str] = field(default_factory=dict)

    def section(self, api: str) -> Section | None:
        return self.sections.get(api)

    @property
    def apis(self) -> list[str]:
        return list(self.sections)


def load_profile(
    path: str | Path, environ: Mapping[str, str] | None = None, *, apis: Sequence[ConformanceApi] = APIS
) -> Profile:
    """Read, substitute and validate a profile with a section for some of ``apis``; raises ProfileError naming the
    file and the key."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ProfileError(file, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=UniqueKeyLoader)  # a SafeLoader subclass
    except UnicodeDecodeError:
        raise ProfileError(file, "(file)", "expected UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise ProfileError(file, where, f"expected valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        names = [api.name for api in apis]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and/or {names[-1]}"
        raise ProfileError(file, "(top level)", f"expected a mapping with {listed}")
    variables: dict[str, str] = {}
    data = _substitute(data, os.environ if environ is None else environ, file, [], variables)
    error = best_match(_validator(apis).iter_errors(data))
    if error is not None:
        key, problem = _explain(error, frozenset().union(*(api.secret_keys for api in apis)))
        raise ProfileError(file, key, problem)
    sections = {api.name: api.read_section(data[api.name], file) for api in apis if api.name in data}
    return Profile(file, hashlib.sha256(raw).hexdigest(), sections, variables)


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


def _validator(apis: Sequence[ConformanceApi]) -> Draft202012Validator:
    """The profile's schema: the shared definitions, and each API's section by the schema it brings."""
    root = json.loads(_SCHEMA_PATH.read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry()
    root["properties"] = {}
    for api in apis:
        uri = api.profile_schema.get("$id", f"{api.name}.profile.schema.json")
        registry = registry.with_resource(uri, DRAFT202012.create_resource(api.profile_schema))
        root["properties"][api.name] = {"$ref": uri}
    return Draft202012Validator(root, registry=registry)


def _explain(error: ValidationError, secret_keys: frozenset[str]) -> tuple[str, str]:
    """The key at fault and 'expected ..., got ...' for a schema error of the profile."""
    # absolute_path: an error found inside a oneOf/anyOf branch keeps the key of the value it concerns.
    path = [str(part) if not isinstance(part, int) else f"[{part}]" for part in error.absolute_path]
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind, instance = str(error.validator), error.instance
    if any(part.split("[", 1)[0] in secret_keys for part in path):
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
