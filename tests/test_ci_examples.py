"""The CI examples in examples/ci/: every mockserver, conformance and pytest command in them is one its parser accepts
(pytest's with the kit's plugin and its --conformance-* options)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import build_parser as conformance_parser
from mockserver.cli import build_parser as mockserver_parser

pytest_plugins = ("pytester",)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "ci"
PARSERS = {"mockserver": mockserver_parser, "conformance": conformance_parser}
PROGRAMS = {*PARSERS, "pytest"}
# Shell redirections, dropped before a line is split into words: `> file`, `2>&1`, `>> "$GITHUB_ENV"`.
REDIRECTION = re.compile(r"\d?>&\d|\d?>>?\s*(\"[^\"]*\"|\S+)")
CONTROL = {"&&", "||", ";", "&", "|", "(", ")"}
HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?")
# Values the CI platforms give their predefined variables at run time, for the commands that read them.
PLATFORM_VALUES = {"GITHUB_RUN_NUMBER": "17", "CI_PIPELINE_IID": "17"}
VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def shell_scripts(document: dict[str, Any]) -> Iterator[str]:
    """Every shell script of a GitHub Actions workflow (`run`) or a GitLab CI file (`script` and friends)."""
    for job in (document.get("jobs") or {}).values():
        for step in job.get("steps", []):
            if "run" in step:
                yield step["run"]
    for name, job in document.items():
        if isinstance(job, dict) and name != "jobs":
            for key in ("before_script", "script", "after_script"):
                lines = job.get(key, [])
                yield from [lines] if isinstance(lines, str) else lines


def commands(script: str) -> Iterator[list[str]]:
    """The simple commands of a script, as argument lists: continuations joined, heredoc bodies skipped."""
    lines = iter(script.replace("\\\n", " ").splitlines())
    for line in lines:
        heredoc = HEREDOC.search(line)
        if heredoc:
            for body in lines:
                if body.strip() == heredoc.group(1):
                    break
            line = line[: heredoc.start()]
        line = VARIABLE.sub(lambda match: PLATFORM_VALUES.get(match[1], match[0]), REDIRECTION.sub(" ", line))
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        command: list[str] = []
        for token in lexer:
            if token in CONTROL:
                yield from [command] if command else []
                command = []
            else:
                command.append(token)
        yield from [command] if command else []


def kit_invocation(command: list[str]) -> tuple[str, list[str]] | None:
    """('mockserver', 'conformance' or 'pytest', its arguments) when the command runs one of them."""
    words = [word for word in command if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word)] or [""]
    if Path(words[0]).name.startswith("python") and words[1:2] == ["-m"]:
        words = words[2:]
    program = Path(words[0]).name if words else ""
    return (program, words[1:]) if program in PROGRAMS else None


def refusal(program: str, arguments: list[str], pytester: pytest.Pytester) -> str | None:
    """The parser's complaint about ``arguments``, or None when it accepts them. pytest's parser is the one of a new
    session, with the plugins installed (the kit's among them)."""
    if program == "pytest":
        try:
            pytester.parseconfig(*arguments)
        except pytest.UsageError as problem:
            return f"pytest {shlex.join(arguments)}: refused ({problem})"
        return None
    try:
        PARSERS[program]().parse_args(arguments)
    except SystemExit as stop:
        return f"{program} {shlex.join(arguments)}: refused (exit {stop.code})"
    return None


def invocations(path: Path) -> list[tuple[str, list[str]]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [kit_invocation(command) for script in shell_scripts(document) for command in commands(script)]
    return [invocation for invocation in found if invocation is not None]


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yml"))


def test_there_are_examples_for_github_actions_and_gitlab_ci() -> None:
    assert [path.name for path in EXAMPLE_FILES] == ["github-actions.yml", "gitlab-ci.yml"]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.name)
def test_every_kit_command_is_one_the_cli_accepts(path: Path, pytester: pytest.Pytester) -> None:
    found = invocations(path)
    programs = {program for program, _ in found}
    assert programs == PROGRAMS, f"{path.name}: expected {sorted(PROGRAMS)}, found {found}"
    problems = [problem for program, arguments in found if (problem := refusal(program, arguments, pytester))]
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.name)
def test_the_certification_also_runs_as_pytest_tests_with_the_same_profile_and_seed(path: Path) -> None:
    runs = [arguments for program, arguments in invocations(path) if program == "conformance"]
    in_pytest = [
        arguments
        for program, arguments in invocations(path)
        if program == "pytest" and any(argument.startswith("--conformance-profile") for argument in arguments)
    ]
    assert len(runs) == 1 and len(in_pytest) == 1, f"{path.name}: {runs}, {in_pytest}"
    (run,), (tests,) = runs, in_pytest
    assert f"--conformance-profile={run[run.index('--profile') + 1]}" in tests
    assert f"--conformance-seed={run[run.index('--seed') + 1]}" in tests
    assert any(argument.startswith("--junit-xml=reports/") for argument in tests)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.name)
def test_the_certification_keeps_its_reports_and_gates_on_the_verdict(path: Path) -> None:
    runs = [arguments for program, arguments in invocations(path) if program == "conformance"]
    assert runs and all(arguments[0] == "run" for arguments in runs)
    for option in ("--junit-xml", "--report", "--json"):
        assert all(option in arguments for arguments in runs), f"{path.name}: no {option}"
    text = path.read_text(encoding="utf-8")
    # The reports are kept whatever the verdict; the step's exit code, the verdict, is never swallowed.
    assert "if: always()" in text or "when: always" in text
    assert not re.search(r"conformance run[^\n]*(\|\| *true|; *true)", text)


def test_github_actions_are_pinned_to_commits() -> None:
    document = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text(encoding="utf-8"))
    uses = [step["uses"] for job in document["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use) for use in uses), uses


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("conformance run --profile p.yaml --junit-xml j.xml --no-such-option", "conformance run --profile p.yaml"),
        ("VAR=1 python -m mockserver serve --port eighty > log 2>&1 &", "mockserver serve --port eighty"),
        ("mockserver serv", "mockserver serv"),
        ("python -m pytest --conformance-profile=p.yaml --conformance-budget=0", "pytest --conformance-profile"),
        ("pytest tests --conformance-profil=p.yaml", "pytest tests --conformance-profil=p.yaml"),
        ("pytest --conformance-seed=soon -q", "pytest --conformance-seed=soon -q: refused"),
    ],
)
def test_a_command_the_cli_refuses_is_found(script: str, problem: str, pytester: pytest.Pytester) -> None:
    found = [kit_invocation(command) for command in commands(script)]
    refused = [refusal(*invocation, pytester) for invocation in found if invocation is not None]
    assert refused and refused[0] is not None and refused[0].startswith(problem)


def test_heredoc_bodies_and_continuations_are_read_as_the_shell_reads_them() -> None:
    script = "cat <<'X'\nmockserver --bogus\nX\nconformance run \\\n  --profile p.yaml && echo ok"
    assert [kit_invocation(command) for command in commands(script)] == [
        None,
        ("conformance", ["run", "--profile", "p.yaml"]),
        None,
    ]
