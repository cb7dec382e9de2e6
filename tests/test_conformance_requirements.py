"""The requirement catalogue is sound, each requirement is checked, and every seed line is accounted for.

A seed line is accounted for when the suite says something about each of its words: a requirement or an
UNTESTABLE entry quotes them, or specs/README.md maps them to a spec element (checked through the spec's schemas
by the API's GEN-SCHEMA requirement), or specs/README.md marks them ``—`` with a note (not encoded: a heading,
JSON punctuation, a cross-reference). No network access.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from balancekit.requirements import Level, Requirement, Untestable
from conformance import CATALOGUE

REQUIREMENTS, UNTESTABLE, BY_ID = CATALOGUE.requirements, CATALOGUE.untestable, CATALOGUE.by_id

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "specs" / "seeds"
SPECS_README = REPO / "specs" / "README.md"

PREFIXES = {api.prefix: api.name for api in CATALOGUE.apis}
REQUIREMENT_ID = re.compile(rf"(?P<prefix>{'|'.join(PREFIXES)})(-[A-Z0-9]+)+")
# '<seed file>: "<quote>"'; the quote is literal, quotes inside it included.
SEED_SOURCE = re.compile(r'(?P<seed>\d{3}_[0-9a-f]{16}\.txt): "(?P<quote>.+)"', re.DOTALL)
NOT_ENCODED = "—"
# specs/README.md: a seed section's heading names its seed and its spec; the spec's stem is the API's name.
SECTION_HEADING = re.compile(r"^#{2,6} .*?`(?P<seed>\d{3}_[0-9a-f]{16}\.txt)`.*?`(?P<api>[\w-]+)\.yaml`")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
WORD = re.compile(r"\w+")


def collapse(text: str) -> str:
    """Runs of whitespace as one space, the rule by which quotes are compared with the seeds."""
    return " ".join(text.split())


def seed_quote(source: str) -> tuple[str, str] | None:
    """The (seed file, quote) a source cites, or None for a URL or a decision."""
    match = SEED_SOURCE.fullmatch(source)
    return (match["seed"], match["quote"]) if match else None


@cache
def seed_text(seed: str) -> str:
    return (SEEDS / seed).read_text(encoding="utf-8")


def seed_names() -> list[str]:
    return sorted(path.name for path in SEEDS.glob("*.txt"))


@dataclass(frozen=True)
class Row:
    """A row of a seed table of specs/README.md."""

    seed: str
    readme_line: int
    excerpt: str
    element: str
    note: str

    @property
    def encoded(self) -> bool:
        return self.element != NOT_ENCODED


@cache
def readme() -> tuple[dict[str, str], tuple[Row, ...]]:
    """The API of each seed section and the rows of its table, from specs/README.md."""
    apis: dict[str, str] = {}
    rows: list[Row] = []
    seed = ""
    for number, line in enumerate(SPECS_README.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#"):
            heading = SECTION_HEADING.match(line)
            seed = heading["seed"] if heading else ""
            if heading:
                apis[seed] = heading["api"]
            continue
        if not seed or not line.startswith("|") or line.startswith(("| Seed statement", "|---")):
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in UNESCAPED_PIPE.split(line.strip()[1:-1])]
        assert len(cells) == 3, f"specs/README.md line {number}: expected 3 cells, got {cells}"
        statement, element, note = cells
        assert statement.startswith("`") and statement.endswith("`"), f"specs/README.md line {number}: {statement}"
        rows.append(Row(seed, number, statement[1:-1], element, note))
    return apis, tuple(rows)


SEED_APIS, ROWS = readme()


def test_the_readme_has_a_table_for_every_seed() -> None:
    assert sorted(SEED_APIS) == seed_names()
    assert sorted(SEED_APIS.values()) == sorted(PREFIXES.values())
    assert {row.seed for row in ROWS} == set(SEED_APIS)


# The catalogue.


def test_requirement_ids_are_unique() -> None:
    repeated = [id for id, count in Counter(requirement.id for requirement in REQUIREMENTS).items() if count > 1]
    assert not repeated


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=lambda requirement: requirement.id)
def test_id_prefix_and_api_agree(requirement: Requirement) -> None:
    match = REQUIREMENT_ID.fullmatch(requirement.id)
    assert match, f"{requirement.id}: expected <{'|'.join(PREFIXES)}>-<WORDS>"
    assert requirement.api == PREFIXES[match["prefix"]], f"{requirement.id}: api {requirement.api!r}"
    assert requirement.level in (Level.MUST, Level.SHOULD)
    assert requirement.title.strip()


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=lambda requirement: requirement.id)
def test_a_must_cites_its_seed_and_a_should_another_source(requirement: Requirement) -> None:
    cited = seed_quote(requirement.source)
    if requirement.level is Level.MUST:
        assert cited, f"{requirement.id}: a MUST cites a seed statement, not {requirement.source!r}"
        assert SEED_APIS.get(cited[0]) == requirement.api, f"{requirement.id}: {cited[0]} is not the seed of its API"
    else:
        # A SHOULD that quoted a seed would be a MUST under specs/DECISIONS.md.
        assert requirement.source.startswith(("https://", "decision: ")), (
            f"{requirement.id}: a SHOULD cites a vendor URL or 'decision: <reason>', not {requirement.source!r}"
        )
        assert cited is None
        assert requirement.source.removeprefix("decision: ").strip(), f"{requirement.id}: the decision has no reason"


def quotes() -> list[tuple[str, str, str]]:
    """(who, seed, quote) for every seed quote of the catalogue."""
    cited = [(requirement.id, *quote) for requirement in REQUIREMENTS if (quote := seed_quote(requirement.source))]
    return cited + [(f"UNTESTABLE {item.quote[:40]!r}", item.seed, item.quote) for item in UNTESTABLE]


@pytest.mark.parametrize(("who", "seed", "quote"), quotes(), ids=[who for who, _, _ in quotes()])
def test_every_seed_quote_is_an_exact_excerpt_of_its_seed(who: str, seed: str, quote: str) -> None:
    assert seed in seed_names(), f"{who}: no seed specs/seeds/{seed}"
    assert collapse(quote), f"{who}: empty quote"
    assert collapse(quote) in collapse(seed_text(seed)), f"{who}: {quote!r} is not an excerpt of specs/seeds/{seed}"


@pytest.mark.parametrize("item", UNTESTABLE, ids=lambda item: item.quote[:40])
def test_each_untestable_statement_says_why(item: Untestable) -> None:
    assert item.reason.strip(), f"UNTESTABLE {item.quote!r}: no reason"


def test_untestable_statements_are_listed_once() -> None:
    repeated = [quote for quote, count in Counter(item.quote for item in UNTESTABLE).items() if count > 1]
    assert not repeated


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=lambda requirement: requirement.id)
def test_every_requirement_has_a_check(requirement: Requirement) -> None:
    assert CATALOGUE.checks_for(requirement.id), f"{requirement.id}: no registered check verifies it"


def test_every_check_names_an_existing_requirement() -> None:
    unknown = [f"{check.requirement} ({check.name})" for check in CATALOGUE.checks if check.requirement not in BY_ID]
    assert not unknown
    # A documented case runs on its own; rules and generated checks are run by others and have nothing to call.
    assert all((check.run is not None) == (check.kind == "documented case") for check in CATALOGUE.checks)
    assert {check.kind for check in CATALOGUE.checks} == {"documented case", "data rule", "generated requests"}


# Coverage of the seeds.


@dataclass(frozen=True)
class Account:
    """A text of a seed the suite accounts for, and who accounts for it."""

    excerpt: str
    by: str


def accounts(
    seed: str, requirements: Iterable[Requirement], untestable: Iterable[Untestable], rows: Iterable[Row]
) -> list[Account]:
    """Everything that accounts for statements of ``seed``."""
    requirements = list(requirements)
    found = [
        Account(quote[1], requirement.id)
        for requirement in requirements
        if (quote := seed_quote(requirement.source)) and quote[0] == seed
    ]
    found += [Account(item.quote, "UNTESTABLE") for item in untestable if item.seed == seed]
    prefix = next(prefix for prefix, api in PREFIXES.items() if api == SEED_APIS[seed])
    # A statement mapped to a spec element is certified only while answers are checked against the spec's schemas.
    schemas_checked = any(requirement.id == f"{prefix}-GEN-SCHEMA" for requirement in requirements)
    for row in rows:
        counts = schemas_checked if row.encoded else bool(row.note)
        if row.seed == seed and counts:
            found.append(Account(row.excerpt, f"specs/README.md line {row.readme_line}"))
    return found


def unaccounted_lines(
    seed: str,
    requirements: Iterable[Requirement] = REQUIREMENTS,
    untestable: Iterable[Untestable] = UNTESTABLE,
    rows: Iterable[Row] = ROWS,
) -> list[str]:
    """The non-blank lines of ``seed`` with a word (or, for punctuation, the line itself) nothing accounts for."""
    lines = [(number, collapse(raw)) for number, raw in enumerate(seed_text(seed).splitlines(), start=1)]
    lines = [(number, text) for number, text in lines if text]
    collapsed = " ".join(text for _, text in lines)
    # Mark each character of the collapsed seed that lies in some occurrence of an accounted excerpt.
    marked = [False] * len(collapsed)
    excerpts = {collapse(account.excerpt) for account in accounts(seed, requirements, untestable, rows)}
    for excerpt in filter(None, excerpts):
        start = collapsed.find(excerpt)
        while start != -1:
            marked[start : start + len(excerpt)] = [True] * len(excerpt)
            start = collapsed.find(excerpt, start + 1)
    problems, offset = [], 0
    for number, text in lines:
        words = [word for word in WORD.finditer(text) if not all(marked[offset + word.start() : offset + word.end()])]
        bare = not WORD.search(text) and not any(excerpt in text or text in excerpt for excerpt in excerpts)
        if words or bare:
            left_out = [word.group() for word in words] or [text]
            problems.append(f"specs/seeds/{seed} line {number}: {text[:100]!r} leaves out {left_out}")
        offset += len(text) + 1
    return problems


@pytest.mark.parametrize("seed", seed_names())
def test_every_seed_line_is_accounted_for(seed: str) -> None:
    problems = unaccounted_lines(seed)
    assert not problems, (
        "seed lines no requirement, UNTESTABLE entry or specs/README.md row accounts for:\n" + "\n".join(problems)
    )


# The coverage check is not vacuous. Every line of today's seeds is also covered by specs/README.md, so no
# catalogue entry is the only coverage of a line; these tests remove the README's row in memory first.


def test_deleting_the_only_untestable_entry_of_a_line_names_the_line() -> None:
    seed, statement = "002_27cf806cf9a7ff4a.txt", "Most Guest websites or mobile applications show the guest’s"
    rows = [row for row in ROWS if not (row.seed == seed and row.excerpt.startswith(statement))]
    assert len(rows) == len(ROWS) - 1
    assert unaccounted_lines(seed, rows=rows) == [], "the UNTESTABLE entry should account for the line"
    untestable = [item for item in UNTESTABLE if not item.quote.startswith(statement)]
    assert len(untestable) == len(UNTESTABLE) - 1
    problems = unaccounted_lines(seed, untestable=untestable, rows=rows)
    assert len(problems) == 1
    assert problems[0].startswith(f"specs/seeds/{seed} line 5: 'Most Guest websites")
    assert "'immediately'" in problems[0]


def test_deleting_the_only_requirement_of_a_line_names_the_line() -> None:
    seed, statement = "004_f21aa5306a131be3.txt", "PAM_ERR_PLAYER_NOT_FOUND- WhenplayerIdis not found."
    rows = [row for row in ROWS if not (row.seed == seed and row.excerpt == statement)]
    assert len(rows) == len(ROWS) - 1
    assert unaccounted_lines(seed, rows=rows) == [], "VALK-PLAYER-NOT-FOUND should account for the statement"
    requirements = [requirement for requirement in REQUIREMENTS if requirement.id != "VALK-PLAYER-NOT-FOUND"]
    problems = unaccounted_lines(seed, requirements=requirements, rows=rows)
    assert len(problems) == 1
    assert problems[0].startswith(f"specs/seeds/{seed} line 33: ")
    assert problems[0].endswith("leaves out ['PAM_ERR_PLAYER_NOT_FOUND', 'WhenplayerIdis', 'not', 'found']")


def test_deleting_gen_schema_leaves_the_statements_only_the_spec_encodes() -> None:
    seed = "000_be245cba7e24ec14.txt"
    requirements = [requirement for requirement in REQUIREMENTS if requirement.id != "VIP-GEN-SCHEMA"]
    problems = unaccounted_lines(seed, requirements=requirements)
    # The example's field lines are mapped only to schema properties; nothing else accounts for them.
    assert f"specs/seeds/{seed} line 30: '\"firstName\": \"JOHN\",' leaves out ['firstName', 'JOHN']" in problems
    assert not unaccounted_lines("002_27cf806cf9a7ff4a.txt", requirements=requirements)
