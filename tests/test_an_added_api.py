"""The recipe of ARCHITECTURE.md holds: a fourth API (tests/toy/, one module per package) passed through ``apis=`` is
served by the mock next to the others, certified by the suite, generated requests included, and reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import toy_conformance_api
import toy_mock_api
from starlette.testclient import TestClient
from support import MOCK_PROFILE, VALKYRIE_BALANCE, serving_in_thread, valkyrie_headers, valkyrie_player

from conformance import APIS as SUITE_APIS
from conformance import Options, Outcome, load_profile, run
from conformance.certificate import certificate_html
from conformance.report import json_bytes
from mockserver import APIS as MOCK_APIS
from mockserver import FixtureError, Fixtures, create_app, load_fixtures

MOCK_WITH_TOY = (*MOCK_APIS, toy_mock_api.API)
SUITE_WITH_TOY = (*SUITE_APIS, toy_conformance_api.API)
KEY = "toy-sandbox-key-0123456789"


def fixtures() -> Fixtures:
    toy = load_fixtures(toy_mock_api.TOY_DIR / "fixtures", apis=[toy_mock_api.API])
    return load_fixtures() | toy


def test_the_mock_serves_the_added_api_beside_the_others() -> None:
    with TestClient(create_app(fixtures(), apis=MOCK_WITH_TOY), raise_server_exceptions=False) as client:
        assert client.get("/healthz").json()["apis"]["toy"] == "/toy"
        wallet = client.get("/toy/wallets/w-1", headers={"Authorization": f"Bearer {KEY}"})
        assert (wallet.status_code, wallet.json()) == (200, {"walletId": "w-1", "balance": "12.50"})
        # Validation, credentials and error bodies come from the API object, like any other API's.
        assert client.get("/toy/wallets/w-9", headers={"Authorization": f"Bearer {KEY}"}).status_code == 404
        refused = client.get("/toy/wallets/w-1", headers={"Authorization": "Bearer wrong"})
        assert (refused.status_code, refused.json()) == (401, {"error": "The api token does not match."})
        assert client.get("/toy/wallets/x", headers={"Authorization": f"Bearer {KEY}"}).status_code == 400
        assert client.get("/toy/openapi.json").json()["info"]["title"] == "Toy wallet balance"
        player = client.get(
            VALKYRIE_BALANCE.format(valkyrie_player("alice")),
            params={"provider": "evolution"},
            headers=valkyrie_headers(),
        )
        assert player.json()["status"] == "OK"


def test_a_broken_fixture_of_the_added_api_is_refused_by_its_own_schema(tmp_path: Path) -> None:
    (tmp_path / "toy.yaml").write_text("api_key: short\nwallets: {main: {wallet_id: w-1, balance: '1.00'}}\n")
    with pytest.raises(FixtureError, match=r"toy.yaml: api_key: expected at least 16 characters, got 5"):
        load_fixtures(tmp_path, apis=[toy_mock_api.API])


@pytest.fixture
def served_mock() -> Iterator[str]:
    """The mock with the added API, in a thread on a free port of 127.0.0.1; its base URL."""
    with serving_in_thread(create_app(fixtures(), apis=MOCK_WITH_TOY)) as url:
        yield url


@pytest.mark.slow
def test_the_suite_certifies_and_reports_the_added_api(served_mock: str, tmp_path: Path) -> None:
    profile_text = MOCK_PROFILE.read_text(encoding="utf-8") + (
        f"\ntoy:\n  base_url: {served_mock}/toy\n  api_key: {KEY}\n  wallets: {{known: w-1, unknown: w-404}}\n"
    )
    path = tmp_path / "profile.yaml"
    path.write_text(profile_text, encoding="utf-8")
    profile = load_profile(path, environ={}, apis=SUITE_WITH_TOY)
    result = run(profile, Options(apis=["toy"], seed=1, max_examples=5, budget=120), apis=SUITE_WITH_TOY)
    outcomes = {outcome.requirement.id: outcome.outcome for outcome in result.results}
    assert result.exit_code == 0, outcomes
    assert outcomes["TOY-200-WALLET"] is outcomes["TOY-GEN-SCHEMA"] is Outcome.PASSED, outcomes
    assert set(outcomes) == {
        requirement.id for requirement in result.catalogue.requirements if requirement.api == "toy"
    }
    report = json.loads(json_bytes(result))
    assert report["verdict"]["label"] == "PASSED" and report["systems"] == {
        "toy": {"base_url": f"{served_mock}/toy", "stopped_answering": None}
    }
    assert [entry["checks"] for entry in report["requirements"] if entry["id"] == "TOY-401-KEY"] == [
        ["the known wallet with a random api key"]
    ]
    page = certificate_html(result)
    assert "TOY-404-UNKNOWN" in page and "Toy wallet balance (toy.yaml)" in page
    # The api key is a secret of the profile: it appears in no report.
    assert KEY not in page and KEY not in json.dumps(report)
