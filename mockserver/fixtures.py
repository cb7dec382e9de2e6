"""Loads the three fixture files: YAML, then the fixture schema, then each API's own rules and spec schemas."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from mockserver import paytronix, valkyrie, vip_connect
from mockserver.errors import FixtureError
from mockserver.resources import FIXTURE_SCHEMA, FIXTURES_DIR
from mockserver.schema_errors import key_path, raise_for_fixture, under
from mockserver.specs import load_spec


@dataclass(frozen=True)
class Fixtures:
    """The sandbox data of the three APIs, checked and indexed."""

    vip_connect: vip_connect.VipSandbox
    paytronix: paytronix.PaytronixSandbox
    valkyrie: valkyrie.ValkyrieSandbox


_BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "vip-connect": vip_connect.build_sandbox,
    "paytronix": paytronix.build_sandbox,
    "valkyrie": valkyrie.build_sandbox,
}


def load_fixtures(directory: Path | str = FIXTURES_DIR) -> Fixtures:
    """Load ``<directory>/<api>.yaml`` for each API; raises FixtureError naming the file and the key."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FixtureError(
            "--fixtures",
            "a directory holding vip-connect.yaml, paytronix.yaml and valkyrie.yaml",
            f"{str(directory)!r}, which is not a directory",
        )
    built = {name: _load_one(directory / f"{name}.yaml", name) for name in _BUILDERS}
    return Fixtures(vip_connect=built["vip-connect"], paytronix=built["paytronix"], valkyrie=built["valkyrie"])


def _load_one(path: Path, api: str) -> Any:
    try:
        raw = _read_yaml(path)
        raise_for_fixture(_schema_validator(api).iter_errors(raw), under())
        return _BUILDERS[api](raw, load_spec(api))
    except FixtureError as error:
        raise error.in_file(str(path)) from None


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FixtureError("(file)", "a YAML fixture file", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError("(file)", "a readable UTF-8 file", str(exc)) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise FixtureError(where, "valid YAML", problem) from None
    if not isinstance(data, dict):
        raise FixtureError("(top level)", "a mapping of keys", type(data).__name__)
    _refuse_non_finite(data, [])
    return data


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping, where PyYAML would keep the last silently."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise FixtureError(
                    f"line {mark.line + 1}, column {mark.column + 1}", "each key once in a mapping", f"{key!r} twice"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _refuse_non_finite(value: Any, path: list[Any]) -> None:
    # YAML's .nan and .inf would be served as NaN and Infinity, which are not JSON.
    if isinstance(value, float) and not math.isfinite(value):
        raise FixtureError(key_path(path), "a finite number", repr(value))
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_non_finite(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_non_finite(item, [*path, index])


@functools.cache
def _schema_validator(api: str) -> Draft202012Validator:
    schema = json.loads(FIXTURE_SCHEMA.read_text(encoding="utf-8"))
    root = {"$ref": f"#/$defs/{api}", "$defs": schema["$defs"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
