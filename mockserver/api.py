"""What the mock knows of one API: the one object an API module defines, and the list of them is all the mock
serves (mockserver/apis/__init__.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from balancekit.clock import Clock
from balancekit.specs import SPECS_DIR, load_spec, spec_path
from mockserver.dispatch import Handler
from mockserver.error_bodies import Renderer
from mockserver.validators import JsonBodyValidator


@dataclass(frozen=True)
class Service:
    """How the app serves one API's sandbox: its handlers, its credential check and its error body."""

    handlers: Mapping[str, Handler]  # by operationId
    security_map: Mapping[str, Any]  # connexion's security_map: scheme type -> security handler
    render_error: Renderer


@dataclass(frozen=True)
class MockApi:
    """One API of the mock. ``name`` is the spec's stem, the URL prefix and the fixture file's stem."""

    name: str
    # The JSON Schema (2020-12) of the API's fixture file, checked before anything else; it may refer to the shared
    # definitions of fixtures/fixture.schema.json by that $id.
    fixture_schema: Mapping[str, Any]
    # The sandbox of a fixture that passed the schema, checked against the spec; raises FixtureError.
    build_sandbox: Callable[[dict[str, Any], dict[str, Any]], Any]
    # The handlers, credential check and error renderer over a sandbox, reading time from the clock.
    serve: Callable[[Any, Clock], Service]
    body_validator: type[JsonBodyValidator] = JsonBodyValidator
    # Request fields that identify a person (compared as redaction.is_sensitive folds names): never echoed.
    identity_fields: frozenset[str] = frozenset()
    spec_dir: Path = SPECS_DIR

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    @property
    def spec(self) -> dict[str, Any]:
        """The parsed spec; callers must not mutate it."""
        return load_spec(spec_path(self.name, self.spec_dir))
