"""The requirement vocabulary every catalogue of the kit uses: an id, an API, a level, a title and a source.

MUST: stated in the vendor's page for the API (a seed). SHOULD: stated only by the vendor's other material, or a
project decision (specs/DECISIONS.md states each one with its reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"


@dataclass(frozen=True)
class Requirement:
    id: str
    api: str
    level: Level
    title: str
    source: str  # '<seed>.txt: "<quote>"', a vendor URL, or 'decision: <reason>'


@dataclass(frozen=True)
class Untestable:
    """A seed statement no HTTP exchange can confirm, and why."""

    seed: str
    quote: str
    reason: str


def cite(seed: str, quote: str) -> str:
    """The source of a requirement stated in a seed: the seed's file name and the quoted statement."""
    return f'{seed}: "{quote}"'


def requirements_of(api: str) -> Callable[[str, Level, str, str], Requirement]:
    """A maker of ``api``'s requirements: ``(id, level, title, source)``, so a catalogue states each one on its own."""

    def requirement(id: str, level: Level, title: str, source: str) -> Requirement:
        return Requirement(id, api, level, title, source)

    return requirement
