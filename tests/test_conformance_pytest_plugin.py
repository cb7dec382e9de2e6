"""The pytest plugin: inert without --conformance-profile; with it, one item per requirement, and the same distinctions
as `conformance run` between a failure, a requirement not tested and no verdict (bad profile, no system, no budget).

These runs reach no working system: an inner pytest session (pytester) against a closed port or a server that never
answers. The verdicts on working systems are in test_conformance_pytest_verdict.py.
"""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hostile_servers import read_request, serving
from junit_reports import junit_cases
from support import API_NAMES, closed_port, mock_profile_at

from conformance import CATALOGUE, REQUIREMENTS, Level

pytest_plugins = ("pytester",)

# The items, API by API in the profile's order, each API's requirements in catalogue order (as the summary lists them).
IDS = [requirement.id for api in API_NAMES for requirement in REQUIREMENTS if requirement.api == api]


@pytest.fixture
def unreachable_profile(pytester: pytest.Pytester) -> Path:
    """The mock's profile pointed at a port nothing listens on: it loads, and no request can be answered."""
    return mock_profile_at(pytester.path, f"http://127.0.0.1:{closed_port()}")


def test_without_a_profile_the_plugin_only_adds_its_options(pytester: pytest.Pytester) -> None:
    # A fresh interpreter, so that what is loaded is what this session loaded.
    pytester.makepyfile(
        """
        import sys

        def test_an_unrelated_session(pytestconfig):
            assert pytestconfig.pluginmanager.hasplugin("conformance")
            assert not pytestconfig.pluginmanager.hasplugin("conformance-certification")
            loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("conformance", "balancekit"))
            assert loaded == ["conformance", "conformance.options", "conformance.pytest_plugin"], loaded
            assert not [line for line in pytestconfig.getini("markers") if line.startswith(("must", "should"))]
        """
    )
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider", "--conformance-strict")
    result.assert_outcomes(passed=1)
    assert "conformance:" not in result.stdout.str()


def test_the_options_are_in_pytests_help(pytester: pytest.Pytester) -> None:
    help_text = pytester.runpytest("--help").stdout.str()
    for option in ("profile=FILE", "api=NAME", "strict", "seed=SEED", "budget=SECONDS", "timeout=SECONDS"):
        assert f"--conformance-{option}" in help_text, option
    assert "--conformance-max-examples=N" in help_text


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        ("--conformance-budget=0", "--conformance-budget: expected a number above 0 and at most 86400, got 0"),
        ("--conformance-timeout=nan", "--conformance-timeout: expected a number above 0 and at most 3600, got nan"),
        ("--conformance-max-examples=many", "--conformance-max-examples: expected a number, got 'many'"),
        ("--conformance-seed=x", "--conformance-seed: invalid int value: 'x'"),
        ("--conformance-api=acme", "--conformance-api: expected one of vip-connect, paytronix, valkyrie, got 'acme'"),
    ],
)
def test_a_bad_option_value_is_a_usage_error(
    pytester: pytest.Pytester, unreachable_profile: Path, option: str, problem: str
) -> None:
    result = pytester.runpytest(f"--conformance-profile={unreachable_profile}", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problem in result.stderr.str()


@pytest.mark.parametrize(
    ("edit", "options", "problem"),
    [
        (
            lambda text: text.replace("client_secret: ", "client_secret: ${CONFORMANCE_PLUGIN_UNSET}  # "),
            [],
            "paytronix.client_secret: environment variable CONFORMANCE_PLUGIN_UNSET is not set",
        ),
        (
            lambda text: re.sub(r"(active: \{playerId: \w+, token: )\w+", r"\1short", text),
            [],
            "valkyrie.players.active.token: expected a session token of 32-40 characters, got a value of 5 characters",
        ),
        (
            lambda text: text.split("\npaytronix:")[0],
            ["--conformance-api=valkyrie"],
            "valkyrie: expected a section for this API (asked for with --conformance-api)",
        ),
    ],
    ids=["unset variable", "bad value", "no section"],
)
def test_a_profile_that_cannot_be_used_is_a_collection_error_naming_file_and_key(
    pytester: pytest.Pytester, unreachable_profile: Path, edit: object, options: list[str], problem: str
) -> None:
    assert callable(edit)
    unreachable_profile.write_text(edit(unreachable_profile.read_text(encoding="utf-8")), encoding="utf-8")
    result = pytester.runpytest(f"--conformance-profile={unreachable_profile}", *options)
    # pytest's exit for an error during collection: 2, as `conformance run` exits without a verdict.
    assert result.ret == pytest.ExitCode.INTERRUPTED
    output = result.stdout.str()
    assert "ERROR collecting conformance" in output
    assert f"conformance: no verdict: {unreachable_profile}: {problem}" in output
    assert "Traceback" not in output and "pytest_items.py" not in output
    assert "certifying" not in output


def test_a_missing_profile_is_named(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance-profile=nowhere.yaml")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "conformance: no verdict: nowhere.yaml: (file): cannot be read: No such file or directory" in (
        result.stdout.str()
    )


def test_one_item_per_requirement_named_by_its_id_and_marked_with_its_level_and_api(
    pytester: pytest.Pytester, unreachable_profile: Path
) -> None:
    listed = pytester.runpytest(f"--conformance-profile={unreachable_profile}", "--co", "-q", "--strict-markers")
    assert listed.ret == pytest.ExitCode.OK
    assert [line for line in listed.outlines if line.startswith("conformance::")] == [f"conformance::{i}" for i in IDS]
    # Collecting sends nothing: the run waits for the tests to run.
    assert "certifying" not in listed.stdout.str()
    selected = pytester.runpytest(
        f"--conformance-profile={unreachable_profile}", "--co", "-q", "--strict-markers", "-m", "should and paytronix"
    )
    expected = [r.id for r in REQUIREMENTS if r.level is Level.SHOULD and r.api == "paytronix"]
    assert expected and [line for line in selected.outlines if line.startswith("conformance::")] == [
        f"conformance::{i}" for i in expected
    ]


def test_paths_on_the_command_line_add_tests_and_without_them_the_certification_runs_alone(
    pytester: pytest.Pytester, unreachable_profile: Path
) -> None:
    pytester.makepyfile(test_own="def test_own(): pass")
    alone = pytester.runpytest(f"--conformance-profile={unreachable_profile}", "--co", "-q")
    assert "test_own.py::test_own" not in alone.outlines and f"{len(IDS)} tests collected" in alone.stdout.str()
    both = pytester.runpytest(f"--conformance-profile={unreachable_profile}", "--co", "-q", "test_own.py")
    assert "test_own.py::test_own" in both.outlines and f"{len(IDS) + 1} tests collected" in both.stdout.str()
    assert pytester.runpytest("--co", "-q").outlines[0] == "test_own.py::test_own"


def test_an_unreachable_system_leaves_every_item_in_error_with_no_verdict(
    pytester: pytest.Pytester, unreachable_profile: Path
) -> None:
    port = re.search(r":(\d+)/", unreachable_profile.read_text(encoding="utf-8"))
    assert port is not None
    result = pytester.runpytest(
        f"--conformance-profile={unreachable_profile}", "--conformance-seed=4", "--junit-xml=out.xml", "-ra"
    )
    result.assert_outcomes(errors=len(IDS))
    cases = junit_cases(pytester.path / "out.xml")
    assert sorted(cases) == sorted(IDS)
    refused = f"cannot connect to http://127.0.0.1:{port[1]}"
    for name, case in cases.items():
        (error,) = list(case)
        assert error.tag == "error", (name, ElementTree.tostring(case))
        assert (error.text or "").startswith("no verdict: ") and refused in (error.text or ""), name
    output = result.stdout.str()
    # An error at setup, shown as its reason alone: no traceback of the plugin.
    assert "Traceback" not in output and "pytest_items.py" not in output
    assert "Verdict: NO VERDICT" in output


def never_answers(connection: socket.socket, stopping: threading.Event) -> None:
    read_request(connection, stopping)
    stopping.wait()


def test_a_spent_budget_leaves_what_it_did_not_finish_without_verdict(pytester: pytest.Pytester) -> None:
    with serving(never_answers) as url:
        profile = mock_profile_at(pytester.path, url)
        # A request may take ten minutes: only the budget can end the first one.
        result = pytester.runpytest(
            f"--conformance-profile={profile}",
            "--conformance-api=vip-connect",
            "--conformance-timeout=600",
            "--conformance-budget=1",
            "--junit-xml=out.xml",
        )
    vip = [requirement.id for requirement in CATALOGUE.requirements if requirement.api == "vip-connect"]
    result.assert_outcomes(errors=len(vip))
    messages = {name: case[0].text or "" for name, case in junit_cases(pytester.path / "out.xml").items()}
    assert sorted(messages) == sorted(vip)
    assert all("no verdict" in message and "budget" in message for message in messages.values()), messages
    assert any("before this check could finish" in message for message in messages.values()), messages
