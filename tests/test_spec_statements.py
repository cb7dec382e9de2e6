"""The seed-to-spec tables of ``specs/README.md`` stay true to the seeds and the specs.

Each seed section of the README maps the statements of one seed (``specs/seeds/*.txt``) to the elements of
one spec (``specs/*.yaml``). These tests check that every row quotes its seed exactly (after collapsing
whitespace), that every JSON Pointer of a row resolves in the spec, that a row encoding nothing says why,
and that every non-blank line of every seed is covered by some row. No network access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent
SPECS = ROOT / "specs"
SEEDS = SPECS / "seeds"
README = SPECS / "README.md"

NOT_ENCODED = "—"
# A seed section's heading names its seed file and its spec file, each in backticks.
SECTION_HEADING = re.compile(r"^#{2,6} .*?`(?P<seed>\d{3}_[0-9a-f]{16}\.txt)`.*?`(?P<spec>[\w.-]+\.yaml)`")
HEADING = re.compile(r"^#{1,6} ")
TABLE_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")
CELL_SPLIT = re.compile(r"(?<!\\)\|")
CODE_SPAN = re.compile(r"^`(?P<text>[^`]+)`$")
POINTER_SPAN = re.compile(r"`(?P<pointer>#/[^`]*)`")
POINTER_SEPARATORS = re.compile(r"^[\s,]*$")
MAX_REF_HOPS = 32


@dataclass(frozen=True)
class Row:
    """One row of a seed section's table."""

    seed: str
    spec: str
    readme_line: int
    excerpt: str
    element: str
    pointers: tuple[str, ...]
    note: str

    def label(self) -> str:
        return f"specs/README.md line {self.readme_line} ({self.seed}): `{self.excerpt}`"


@dataclass(frozen=True)
class SeedLine:
    """One non-blank line of a seed, whitespace-collapsed, with its span in the collapsed seed text."""

    number: int
    text: str
    start: int
    end: int


def collapse(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return " ".join(text.split())


def split_cells(line: str) -> list[str]:
    """The cells of a Markdown table row; ``\\|`` inside a cell is a literal pipe."""
    inner = line.strip()
    inner = inner.removeprefix("|")
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip().replace("\\|", "|") for cell in CELL_SPLIT.split(inner)]


def parse_readme(text: str) -> tuple[list[Row], list[str], list[tuple[str, str]]]:
    """The rows of every seed section, the problems met while parsing, and the (seed, spec) sections."""
    rows: list[Row] = []
    problems: list[str] = []
    sections: list[tuple[str, str]] = []
    current: tuple[str, str] | None = None
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if HEADING.match(line):
            match = SECTION_HEADING.match(line)
            current = (match["seed"], match["spec"]) if match else None
            if current:
                sections.append(current)
            header_seen = False
            continue
        if current is None or not line.lstrip().startswith("|"):
            continue
        if not header_seen:
            header_seen = True
            cells = split_cells(line)
            if cells != ["Seed statement", "Spec element", "Note"]:
                problems.append(f"specs/README.md line {number}: unexpected table header {cells}")
            continue
        if TABLE_SEPARATOR.match(line.strip()):
            continue
        cells = split_cells(line)
        if len(cells) != 3:
            problems.append(f"specs/README.md line {number}: expected 3 cells, got {len(cells)}: {line!r}")
            continue
        statement, element, note = cells
        span = CODE_SPAN.match(statement)
        if not span:
            problems.append(f"specs/README.md line {number}: the seed statement is not one code span: {statement!r}")
            continue
        pointers = tuple(m["pointer"] for m in POINTER_SPAN.finditer(element))
        rows.append(Row(current[0], current[1], number, span["text"], element, pointers, note))
    return rows, problems, sections


@cache
def readme() -> tuple[list[Row], list[str], list[tuple[str, str]]]:
    return parse_readme(README.read_text(encoding="utf-8"))


@cache
def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@cache
def seed_lines(name: str) -> tuple[str, tuple[SeedLine, ...]]:
    """The collapsed seed text and its non-blank lines, each with its span in that text."""
    pieces: list[str] = []
    lines: list[SeedLine] = []
    position = 0
    for number, raw in enumerate(seed_text(name).splitlines(), start=1):
        text = collapse(raw)
        if not text:
            continue
        if pieces:
            position += 1  # the space that joins this line to the previous one
        lines.append(SeedLine(number, text, position, position + len(text)))
        pieces.append(text)
        position += len(text)
    return " ".join(pieces), tuple(lines)


@cache
def spec(name: str) -> Any:
    with (SPECS / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def step(document: Any, node: Any, key: str) -> Any:
    """One JSON Pointer step from ``node``, through local ``$ref``s when the key is not there."""
    for _ in range(MAX_REF_HOPS):
        if isinstance(node, dict):
            if key in node:
                return node[key]
            if key.isdigit() and int(key) in node:
                return node[int(key)]
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                node = resolve(document, ref)
                continue
            raise LookupError(f"no key {key!r} among {sorted(map(str, node))}")
        if isinstance(node, list):
            if key.isdigit() and int(key) < len(node):
                return node[int(key)]
            raise LookupError(f"no index {key!r} in a list of {len(node)}")
        raise LookupError(f"cannot look up {key!r} in a {type(node).__name__}")
    raise LookupError(f"more than {MAX_REF_HOPS} $ref hops at {key!r}")


def resolve(document: Any, pointer: str) -> Any:
    """Resolve ``#/a/b~1c`` (RFC 6901, not percent-encoded) in ``document``."""
    if not pointer.startswith("#/"):
        raise LookupError(f"{pointer!r} does not start with '#/'")
    node = document
    for raw in pointer[2:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        try:
            node = step(document, node, key)
        except LookupError as error:
            raise LookupError(f"{pointer}: {error}") from None
    return node


def seed_names() -> list[str]:
    return sorted(path.name for path in SEEDS.glob("*.txt"))


def row_id(row: Row) -> str:
    return f"{row.seed}:L{row.readme_line}"


ROWS = readme()[0]


def test_readme_tables_parse() -> None:
    _, problems, _ = readme()
    assert not problems, "\n".join(problems)


def test_one_section_per_seed() -> None:
    _, _, sections = readme()
    named = sorted(seed for seed, _ in sections)
    assert named == seed_names(), f"seed sections {named} do not match the seeds in specs/seeds {seed_names()}"
    for seed, spec_name in sections:
        assert (SPECS / spec_name).is_file(), f"the section of {seed} names a missing spec specs/{spec_name}"
        assert any(row.seed == seed for row in ROWS), f"the section of {seed} has no table rows"


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_excerpt_is_in_seed(row: Row) -> None:
    collapsed_seed, _ = seed_lines(row.seed)
    excerpt = collapse(row.excerpt)
    assert excerpt, f"{row.label()}: the excerpt is empty"
    assert excerpt in collapsed_seed, f"{row.label()}: not an exact excerpt of specs/seeds/{row.seed}"


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_spec_element_exists(row: Row) -> None:
    if row.element == NOT_ENCODED:
        assert row.note, f"{row.label()}: a row marked {NOT_ENCODED} needs a note saying why"
        return
    assert row.pointers, f"{row.label()}: the spec element {row.element!r} is neither {NOT_ENCODED} nor pointers"
    leftover = POINTER_SPAN.sub("", row.element)
    assert POINTER_SEPARATORS.match(leftover), (
        f"{row.label()}: the spec element cell holds more than backticked pointers: {leftover!r}"
    )
    document = spec(row.spec)
    for pointer in row.pointers:
        try:
            resolve(document, pointer)
        except LookupError as error:
            pytest.fail(f"{row.label()}: {pointer} does not exist in specs/{row.spec} ({error})")


@pytest.mark.parametrize("seed", seed_names())
def test_every_seed_line_is_covered(seed: str) -> None:
    """A line is covered by a row whose excerpt lies within the line, or within which the line lies."""
    excerpts = [collapse(row.excerpt) for row in ROWS if row.seed == seed]
    _, lines = seed_lines(seed)
    uncovered = [
        f"specs/seeds/{seed} line {line.number}: {line.text!r}"
        for line in lines
        if not any(excerpt and (excerpt in line.text or line.text in excerpt) for excerpt in excerpts)
    ]
    assert not uncovered, "seed lines that no row of specs/README.md covers:\n" + "\n".join(uncovered)


@pytest.mark.parametrize("seed", seed_names())
def test_every_word_of_every_seed_line_is_quoted(seed: str) -> None:
    """Stricter than coverage: each letter and digit of a line lies inside some row's excerpt in the seed.

    This catches a long line that only one short excerpt touches (one code of the Valkyrie error list, say).
    """
    collapsed_seed, lines = seed_lines(seed)
    quoted = [False] * len(collapsed_seed)
    for row in ROWS:
        if row.seed != seed:
            continue
        excerpt = collapse(row.excerpt)
        if not excerpt:
            continue
        start = collapsed_seed.find(excerpt)
        while start != -1:
            quoted[start : start + len(excerpt)] = [True] * len(excerpt)
            start = collapsed_seed.find(excerpt, start + 1)
    unquoted: list[str] = []
    for line in lines:
        gaps = re.findall(
            r"\w+",
            "".join(
                char if char.isalnum() and not quoted[line.start + offset] else " "
                for offset, char in enumerate(line.text)
            ),
        )
        if gaps:
            unquoted.append(f"specs/seeds/{seed} line {line.number}: {line.text!r} leaves out {gaps}")
    assert not unquoted, "seed lines with words no row of specs/README.md quotes:\n" + "\n".join(unquoted)
