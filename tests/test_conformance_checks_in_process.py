"""Each API's checks, in process: the suite's client over an httpx.MockTransport, no socket, a fixed clock.

A small correct fake of each API (tests/fake_systems.py) passes every documented case; the same fake broken in
one way fails the requirement that covers it. A check is a generator of findings, so it runs alone too.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from fake_systems import FAKES, NOW
from support import API_NAMES, MOCK_PROFILE

from conformance import CATALOGUE, Options, Outcome, load_profile, run
from conformance.generated.requirements import requirement_ids
from conformance.results import Finding
from conformance.transport import Client

BROKEN = {
    "vip-connect": ("accepts-expired-tokens", "VIP-401-EXPIRED"),
    "paytronix": ("serves-the-invalid-status-card", "PTX-INVALID-STATUS"),
    "valkyrie": ("serves-another-players-id", "VALK-OTHER-PLAYER"),
}


@pytest.fixture(autouse=True)
def no_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test: everything here stays in process."""

    def refuse(*args: Any) -> None:
        raise AssertionError("a test of checks in process opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def certify(api: str, handler: httpx.MockTransport) -> dict[str, Outcome]:
    """The outcome of each requirement of ``api`` in a run without generated requests against ``handler``."""
    profile = load_profile(MOCK_PROFILE, environ={})
    options = Options(apis=[api], seed=3, generated=False)
    result = run(profile, options, transport=handler, clock=lambda: NOW)
    return {outcome.requirement.id: outcome.outcome for outcome in result.results}


@pytest.mark.parametrize("api", API_NAMES)
def test_a_correct_system_passes_every_documented_case(api: str) -> None:
    outcomes = certify(api, httpx.MockTransport(FAKES[api]("")))
    own = {requirement.id for requirement in CATALOGUE.api(api).requirements}
    assert {outcomes[requirement] for requirement in own} == {Outcome.PASSED}, outcomes
    # Only generated requests verify the rest; a requirement also judged on documented answers passed there.
    rest = {outcomes[requirement] for requirement in requirement_ids(CATALOGUE.api(api))}
    assert rest <= {Outcome.NOT_TESTED, Outcome.PASSED}, outcomes


@pytest.mark.parametrize("api", API_NAMES)
def test_a_system_broken_in_one_way_fails_that_requirement_only(api: str) -> None:
    fault, target = BROKEN[api]
    outcomes = certify(api, httpx.MockTransport(FAKES[api](fault)))
    failed = {requirement for requirement, outcome in outcomes.items() if outcome is Outcome.FAILED}
    assert failed == {target}


def test_a_check_runs_alone_and_yields_its_findings() -> None:
    api = CATALOGUE.api("vip-connect")
    (check,) = [check for check in api.checks if check.requirement == "VIP-401-EXPIRED"]
    section = load_profile(MOCK_PROFILE, environ={}).section("vip-connect")
    assert section is not None and check.run is not None
    for fault, passed in (("", True), ("accepts-expired-tokens", False)):
        client = Client(5.0, transport=httpx.MockTransport(FAKES["vip-connect"](fault)))
        (finding,) = list(check.run(api.new_context(section, client, 1, lambda: NOW)))
        assert isinstance(finding, Finding) and finding.exchange is not None
        assert (finding.requirement, finding.passed) == ("VIP-401-EXPIRED", passed)
        assert finding.exchange.status == (401 if passed else 200)


def test_the_untestable_statements_follow_the_catalogue_whatever_the_order_of_the_apis() -> None:
    fakes = {api: FAKES[api]("") for api in API_NAMES}
    transport = httpx.MockTransport(lambda request: fakes[request.url.path.split("/")[1]](request))
    profile = load_profile(MOCK_PROFILE, environ={})
    result = run(profile, Options(apis=["valkyrie", "vip-connect"], seed=3, generated=False), transport=transport)
    assert result.untestable == [
        item for item in CATALOGUE.untestable if item.seed in {CATALOGUE.api(name).seed for name in result.options.apis}
    ]
    assert result.untestable[0].seed == CATALOGUE.api("vip-connect").seed
