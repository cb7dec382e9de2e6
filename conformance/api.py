"""What the suite knows of one API: the one object an API package defines (conformance/apis/__init__.py lists them).

An API brings its requirements and the seed statements no exchange can test, its profile section (a JSON Schema
and the type it is read into), the context its checks run in, its checks, and what schemathesis needs to reach the
system's real success paths: credentials and the profile's test data as examples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from balancekit.clock import Clock
from balancekit.requirements import Level, Requirement, Untestable
from balancekit.specs import SPECS_DIR, spec_path
from conformance.profile_secrets import ProfileSecret
from conformance.results import Item

if TYPE_CHECKING:
    from conformance.context import ApiContext
    from conformance.transport import Client


class Section(Protocol):
    """An API's part of a profile: where the system is, and the secrets the reports must never show."""

    @property
    def base_url(self) -> str: ...

    def secrets(self) -> Iterator[ProfileSecret]: ...


@dataclass(frozen=True)
class Check:
    """A check as listed in the catalogue: the requirement it verifies, its name and how it runs.

    A documented case runs on its own: ``run`` yields its findings. A data rule runs inside the cases, on the
    answers they receive; a generated check inside schemathesis. Neither has a ``run`` of its own.
    """

    requirement: str
    name: str
    kind: str  # "documented case", "data rule" or "generated requests"
    run: Callable[[Any], Iterable[Item]] | None = None


def case(requirement: str, name: str, run: Callable[[Any], Iterable[Item]]) -> Check:
    return Check(requirement, name, "documented case", run)


def rule(requirement: str, name: str) -> Check:
    return Check(requirement, name, "data rule")


@dataclass(frozen=True)
class Sourced:
    """A level and the source that makes it so."""

    level: Level
    source: str


@dataclass(frozen=True)
class GeneratedSources:
    """Where the requirements of an API's generated requests come from (conformance.generated.requirements)."""

    answers: str  # the seed statement that lists the documented answers: shapes and no 5xx are MUSTs
    statuses: Sourced  # using documented statuses
    auth: Sourced  # refusing requests without valid credentials
    media_type: str | None = None  # the seed statement that answers are JSON, if there is one


@dataclass(frozen=True)
class ConformanceApi:
    """One API of the suite. ``name`` is the spec's stem and the profile's section key; ``prefix`` starts the ids of
    its requirements."""

    name: str
    prefix: str
    seed: str  # the seed page's file name
    seed_title: str  # the title the seed page carries, so that a reader knows which document a source is
    seed_statuses: tuple[int, ...]  # the HTTP statuses the seed documents
    requirements: tuple[Requirement, ...]  # documented cases, credential attacks and data rules
    untestable: tuple[Untestable, ...]
    generated_sources: GeneratedSources
    profile_schema: Mapping[str, Any]  # JSON Schema of the API's profile section
    # The section of a profile that passed the schema; raises ProfileError (given the file) for what it cannot state.
    read_section: Callable[[Mapping[str, Any], str], Section]
    context: Callable[[ConformanceApi, Any, Client, int, Clock], ApiContext]  # (api, section, client, seed, clock)
    checks: tuple[Check, ...]  # data rules, then documented cases in the order they run
    schemathesis_auth: Callable[[Any, int, Clock], dict[str, Any]]  # (section, lifetime in seconds, clock)
    schemathesis_examples: Callable[[dict[str, Any], Any], None]  # puts the section's identities into a spec copy
    # The profile keys whose values are credentials: a profile error never echoes them.
    secret_keys: frozenset[str] = frozenset()
    # Where the shape and the media type of an answer with a status the seed does not document are judged, and
    # those requirements (SHOULDs); None: under the case's own requirement and GEN-CONTENT-TYPE.
    other_status_schema: str | None = None
    other_status_content_type: str | None = None
    other_status_requirements: tuple[Requirement, ...] = ()
    # Statuses that reject invalid input, when the API rejects with more than schemathesis expects.
    rejection_statuses: tuple[str, ...] = ()
    spec_dir: Path = field(default=SPECS_DIR)

    @property
    def spec_path(self) -> Path:
        return spec_path(self.name, self.spec_dir)

    def new_context(self, section: Section, client: Client, seed: int, clock: Clock) -> ApiContext:
        """The context the API's checks run in, against the system of ``section``."""
        return self.context(self, section, client, seed, clock)
