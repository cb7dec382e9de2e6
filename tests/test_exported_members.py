"""Each package exports a short, deliberate list; anything else is internal and may change."""

from __future__ import annotations

import balancekit
import conformance
import mockserver
import mockserver.testing


def test_the_shared_core_exports() -> None:
    assert sorted(balancekit.__all__) == [
        "Clock",
        "Level",
        "Requirement",
        "SPECS_DIR",
        "SpecError",
        "Untestable",
        "cite",
        "load_spec",
        "requirements_of",
        "spec_path",
        "wall_clock",
    ]


def test_the_mock_exports() -> None:
    assert sorted(mockserver.__all__) == [
        "APIS",
        "FixtureError",
        "Fixtures",
        "MockApi",
        "Service",
        "create_app",
        "load_fixtures",
    ]


def test_what_an_integrators_tests_use_of_the_sandbox() -> None:
    assert sorted(mockserver.testing.__all__) == [
        "AdminCallError",
        "BalanceSandbox",
        "SandboxStartError",
        "Secret",
        "ValkyrieSession",
        "fault_preference",
    ]


def test_the_suite_exports() -> None:
    assert sorted(conformance.__all__) == [
        "APIS",
        "CATALOGUE",
        "Catalogue",
        "ConformanceApi",
        "Level",
        "NoVerdictError",
        "Options",
        "Outcome",
        "Profile",
        "ProfileError",
        "REQUIREMENTS",
        "Requirement",
        "Run",
        "load_profile",
        "run",
    ]


def test_every_exported_name_exists() -> None:
    for package in (balancekit, mockserver, mockserver.testing, conformance):
        missing = [name for name in package.__all__ if not hasattr(package, name)]
        assert not missing, f"{package.__name__}: {missing}"
