"""What the mock knows of one API: the one object an API module defines, and the list of them is all the mock
serves (mockserver/apis/__init__.py)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from balancekit.clock import Clock
from balancekit.specs import SPECS_DIR, load_spec, spec_path
from mockserver.client_verdict.catalogue import ClientRequirement, DocumentedCase
from mockserver.dispatch import Handler
from mockserver.error_bodies import Problem, Renderer
from mockserver.faults.model import FaultRenderer, FaultTarget
from mockserver.routes import HTTP_METHODS
from mockserver.security import CredentialCheck
from mockserver.validators import JsonBodyValidator

if TYPE_CHECKING:
    from mockserver.admin.operations import SandboxAdmin

# An admin call that belongs to one API (minting its credentials): the admin operations, the path parameters and
# the body (None when none was sent) -> the answer's body and status. Raises admin.errors.AdminError.
AdminCall = Callable[["SandboxAdmin", Mapping[str, Any], Any], tuple[Any, int]]


@dataclass(frozen=True)
class Service:
    """How the app serves one API's sandbox: its handlers, its credential checks and its error body."""

    handlers: Mapping[str, Handler]  # by operationId
    security_map: Mapping[str, CredentialCheck]  # security scheme type ('bearer', 'basic') -> its check
    render_error: Renderer


@dataclass(frozen=True)
class TokenCommand:
    """``mockserver token <api>``: prints a credential of the API's sandbox. ``run`` returns the line to print, or
    raises errors.TokenError with a one-line reason."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, MockApi, Clock], str]


def any_code(code: str) -> str | None:
    """A fault's error code check that takes every code."""
    return None


def no_documented_case(problem: Problem) -> str | None:
    """An API whose error bodies are none of its documented cases."""
    return None


@dataclass(frozen=True)
class MockApi:
    """One API of the mock. ``name`` is the spec's stem, the URL prefix and the fixture file's stem."""

    name: str
    # The JSON Schema (2020-12) of the API's fixture file, checked before anything else; it may refer to the shared
    # definitions of fixtures/fixture.schema.json by that $id.
    fixture_schema: Mapping[str, Any]
    # The sandbox of a fixture that passed the schema, checked against the spec; raises FixtureError.
    build_sandbox: Callable[[dict[str, Any], dict[str, Any]], Any]
    # The handlers, credential checks and error renderer over a sandbox, reading time from the clock.
    serve: Callable[[Any, Clock], Service]
    body_validator: type[JsonBodyValidator] = JsonBodyValidator
    # Request fields that identify a person (compared as redaction.is_sensitive folds names): never echoed.
    identity_fields: frozenset[str] = frozenset()
    spec_dir: Path = SPECS_DIR
    # The answer of an `error` fault in the API's own shape; without one, the error body of a sandbox failure.
    render_fault: FaultRenderer | None = None
    # What an `error` fault's code must be in this API's shape: None when the code fits, else what is expected.
    check_fault_code: Callable[[str], str | None] = any_code
    # The admin spec's operations that belong to this API (minting its credentials), by operationId.
    admin_calls: Mapping[str, AdminCall] = field(default_factory=dict)
    token_command: TokenCommand | None = None
    # The client verdict (mockserver report): what the API asks of an integrator's client, judged request by request
    # from the journal, and the cases it documents, which the handlers note by their stable names.
    client_requirements: tuple[ClientRequirement, ...] = ()
    documented_cases: tuple[DocumentedCase, ...] = ()
    # The documented case an error body is (a refused credential is one), noted in the journal as a handler's are.
    error_case: Callable[[Problem], str | None] = no_documented_case

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    @property
    def spec(self) -> dict[str, Any]:
        """The parsed spec; callers must not mutate it."""
        return load_spec(spec_path(self.name, self.spec_dir))

    @property
    def operations(self) -> frozenset[str]:
        """The operationIds of the spec."""
        return frozenset(
            item[method]["operationId"]
            for item in self.spec["paths"].values()
            for method in HTTP_METHODS
            if method in item
        )

    @property
    def collections(self) -> tuple[str, ...]:
        """The fixture's collections of named entities: its top-level keys whose values map names to entities
        (``additionalProperties`` with an object schema). The admin API edits their entities one by one, and each
        entity may declare a ``fault``."""
        return tuple(
            key
            for key, schema in self.fixture_schema.get("properties", {}).items()
            if isinstance(schema.get("additionalProperties"), Mapping)
        )

    @property
    def fault_target(self) -> FaultTarget:
        return FaultTarget(self.operations, self.check_fault_code)
