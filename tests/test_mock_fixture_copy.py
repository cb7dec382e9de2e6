"""``mockserver fixtures init DIR`` and ``mockserver fixtures check DIR``: a copy to edit, and its checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixture_edits import BROKEN_EDITS, edit, fixture_copy, quoted_token_edit
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from support import API_NAMES, FIXTURES

from mockserver.cli import main
from mockserver.errors import FixtureError
from mockserver.fixture_copy import schema_line
from mockserver.fixtures import load_fixtures


def test_init_writes_a_copy_that_loads_as_the_bundled_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "new" / "my-fixtures"  # missing parents are made
    assert main(["fixtures", "init", str(directory)]) == 0
    assert load_fixtures(directory).documents == load_fixtures(FIXTURES).documents
    for api in API_NAMES:
        bundled = (FIXTURES / f"{api}.yaml").read_text(encoding="utf-8")
        assert (directory / f"{api}.yaml").read_text(encoding="utf-8") == schema_line(api) + bundled
        assert (directory / f"{api}.schema.json").read_bytes() == (FIXTURES / f"{api}.schema.json").read_bytes()
    assert (directory / "fixture.schema.json").read_bytes() == (FIXTURES / "fixture.schema.json").read_bytes()
    readme = (directory / "README.md").read_text(encoding="utf-8")
    assert f"mockserver serve --fixtures {directory} --watch" in readme
    assert f"mockserver fixtures check {directory}" in readme
    out = capsys.readouterr().out
    assert str(directory) in out and f"mockserver serve --fixtures {directory} --watch" in out


def test_the_copied_schemas_check_the_copied_files_as_an_editor_would(tmp_path: Path) -> None:
    directory = fixture_copy(tmp_path / "copy")
    # An editor resolves each file's schema from its first line, and the shared definitions beside it.
    schemas = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in directory.glob("*.schema.json")}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema)) for name, schema in schemas.items()
    )
    for api in API_NAMES:
        text = (directory / f"{api}.yaml").read_text(encoding="utf-8")
        named = text.splitlines()[0].removeprefix("# yaml-language-server: $schema=")
        validator = Draft202012Validator(schemas[named], registry=registry)
        assert list(validator.iter_errors(yaml.safe_load(text))) == []
        broken = yaml.safe_load(text)
        broken["surprise"] = True
        assert [error.validator for error in validator.iter_errors(broken)] == ["additionalProperties"]


def test_init_refuses_a_directory_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "valkyrie.yaml").write_text("mine: true\n", encoding="utf-8")
    assert main(["fixtures", "init", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert f"mockserver: fixtures init: {tmp_path} is not empty (it holds valkyrie.yaml)" in error
    assert "--force" in error
    assert (tmp_path / "valkyrie.yaml").read_text(encoding="utf-8") == "mine: true\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["valkyrie.yaml"]


def test_init_with_force_writes_over_the_kits_files_and_leaves_the_others(tmp_path: Path) -> None:
    (tmp_path / "valkyrie.yaml").write_text("mine: true\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("keep me\n", encoding="utf-8")
    assert main(["fixtures", "init", "--force", str(tmp_path)]) == 0
    assert load_fixtures(tmp_path).documents == load_fixtures(FIXTURES).documents
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


def test_init_refuses_a_file_in_place_of_the_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.write_text("a file\n", encoding="utf-8")
    assert main(["fixtures", "init", "--force", str(target)]) == 2
    assert f"{target} exists and is not a directory" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "a file\n"


def test_check_passes_a_good_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = fixture_copy(tmp_path)
    assert main(["fixtures", "check", str(directory)]) == 0
    assert "vip-connect.yaml, paytronix.yaml, valkyrie.yaml in" in capsys.readouterr().out


@pytest.mark.parametrize(("api", "old", "new", "key"), BROKEN_EDITS)
def test_check_refuses_a_bad_edit_naming_file_key_expected_and_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], api: str, old: str, new: str, key: str
) -> None:
    directory = fixture_copy(tmp_path)
    edit(directory, api, old, new)
    assert main(["fixtures", "check", str(directory)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"mockserver: fixtures check: {directory / f'{api}.yaml'}: {key}"), error
    assert ": expected " in error and ", got " in error
    assert error.count("\n") == 1


@pytest.mark.slow
def test_check_and_start_up_withhold_a_secret_they_would_quote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = fixture_copy(tmp_path)
    token = quoted_token_edit(directory)
    assert main(["fixtures", "check", str(directory)]) == 2
    error = capsys.readouterr().err
    assert "valkyrie.yaml: unknown.tokens[0]: expected a token no session has, got (withheld)" in error
    assert token not in error
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--fixtures", str(directory)]
    result = subprocess.run(command, timeout=30, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "mockserver: cannot start: " in result.stderr and "got (withheld)" in result.stderr
    assert token not in result.stderr


def test_check_refuses_a_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fixtures", "check", str(tmp_path / "nowhere")]) == 2
    assert "which is not a directory" in capsys.readouterr().err


def test_watch_needs_a_fixtures_directory(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--watch"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "usage: mockserver" in error and "--watch needs --fixtures DIR" in error


@pytest.mark.parametrize(
    ("key", "found", "shown"),
    [
        ("unknown.tokens[0]", "'762444345c88c70acc312795a840dd98fd55fc67'", "(withheld)"),
        ("operators.bank-accounts-operator.secret_base64", "'c2hvcnQ='", "(withheld)"),
        ("operators.bank-accounts-operator.secret_base64", "4 bytes", "4 bytes"),
        ("sessions.redtiger.token", "9", "9"),
        ("sessions.redtiger.player", "'dave'", "'dave'"),
    ],
)
def test_a_refusal_withholds_what_it_found_under_a_secrets_key_but_a_length(key: str, found: str, shown: str) -> None:
    problem = FixtureError(key, "something", found, file="valkyrie.yaml").without_secret()
    assert str(problem) == f"valkyrie.yaml: {key}: expected something, got {shown}"
