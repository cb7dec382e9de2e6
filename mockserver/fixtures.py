"""Loads the fixture file of each API: YAML, then the API's fixture schema, then its own rules and spec schemas."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from balancekit.strict_yaml import DuplicateKeyError, UniqueKeyLoader
from mockserver.api import MockApi
from mockserver.apis import APIS
from mockserver.errors import FixtureError
from mockserver.faults.book import entity_rules
from mockserver.resources import FIXTURES_DIR, SHARED_FIXTURE_SCHEMA
from mockserver.schema_errors import key_path, raise_for_fixture, under


class Fixtures(Mapping[str, Any]):
    """The sandbox data of each API, checked and indexed, by API name; ``documents`` holds the fixture documents they
    were built from, which the shared state starts with."""

    def __init__(self, sandboxes: Mapping[str, Any], documents: Mapping[str, dict[str, Any]]) -> None:
        self._sandboxes = dict(sandboxes)
        self.documents = dict(documents)

    def __or__(self, other: Fixtures) -> Fixtures:
        """Both fixtures, ``other``'s for an API both hold."""
        return Fixtures({**self._sandboxes, **other._sandboxes}, {**self.documents, **other.documents})

    def __getitem__(self, api: str) -> Any:
        return self._sandboxes[api]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sandboxes)

    def __len__(self) -> int:
        return len(self._sandboxes)

    def __repr__(self) -> str:
        return f"Fixtures({self._sandboxes!r})"


def load_fixtures(directory: Path | str = FIXTURES_DIR, *, apis: Sequence[MockApi] = APIS) -> Fixtures:
    """Load ``<directory>/<api>.yaml`` for each API; raises FixtureError naming the file and the key."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FixtureError(
            "--fixtures", f"a directory holding {_listed(apis)}", f"{str(directory)!r}, which is not a directory"
        )
    documents, sandboxes = {}, {}
    for api in apis:
        path = directory / f"{api.name}.yaml"
        try:
            documents[api.name] = _read_yaml(path)
            sandboxes[api.name] = check_document(api, documents[api.name])
        except FixtureError as error:
            raise error.in_file(str(path)) from None
    return Fixtures(sandboxes, documents)


def _listed(apis: Sequence[MockApi]) -> str:
    """'a.yaml, b.yaml and c.yaml'."""
    files = [f"{api.name}.yaml" for api in apis]
    return files[0] if len(files) == 1 else f"{', '.join(files[:-1])} and {files[-1]}"


def check_document(api: MockApi, document: Any) -> Any:
    """The sandbox of one fixture document, checked exactly as a fixture file is at start-up (every key; no
    non-finite number; the API's fixture schema; each entity's ``fault``; the API's own rules and spec schemas).
    Raises FixtureError naming the key, what was expected and what was found. The admin API checks every change
    with it, and the shared state is rebuilt with it."""
    if not isinstance(document, dict):
        raise FixtureError("(top level)", "a mapping of keys", type(document).__name__)
    _refuse_non_finite(document, [])
    raise_for_fixture(_schema_validator(api).iter_errors(document), under())
    entity_rules(api.name, document, api.collections, api.fault_target)
    return api.build_sandbox(document, api.spec)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FixtureError("(file)", "a YAML fixture file", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError("(file)", "a readable UTF-8 file", str(exc)) from None
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        assert mark is not None
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        raise FixtureError(where, "each key once in a mapping", f"{exc.key!r} twice") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise FixtureError(where, "valid YAML", problem) from None
    return data


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


def _schema_validator(api: MockApi) -> Draft202012Validator:
    # An API's schema refers to the shared definitions by their $id, whichever directory it sits in.
    shared = json.loads(SHARED_FIXTURE_SCHEMA.read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(shared["$id"], Resource.from_contents(shared))
    return Draft202012Validator(
        api.fixture_schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
