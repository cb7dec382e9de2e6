"""The pytest plugin (entry point ``conformance``): ``--conformance-profile FILE`` adds the certification as tests."""

# pytest loads this module in every session of every project that has the kit installed. It registers the options
# and nothing else: the suite itself is imported only when a session gives --conformance-profile.

from __future__ import annotations

import pytest

from conformance.options import RUN_ARGUMENTS

CERTIFICATION_PLUGIN = "conformance-certification"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "conformance", "certification of a system, as `conformance run` does it, with one test per requirement"
    )
    group.addoption(
        "--conformance-profile",
        metavar="FILE",
        help="certify the system this profile describes: one test per requirement of its APIs, named "
        "conformance::<requirement id>; without paths on the command line, only these tests run",
    )
    group.addoption(
        "--conformance-api",
        action="append",
        metavar="NAME",
        help="certify only this API (repeatable; default: every API in the profile)",
    )
    for name, settings in RUN_ARGUMENTS:
        group.addoption(f"--conformance-{name}", **settings)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("conformance_profile") is None:
        return
    # Imported here: only a session that asks for the certification pays for the suite and its libraries.
    from conformance.pytest_certification import Certification

    config.pluginmanager.register(Certification(config), CERTIFICATION_PLUGIN)
