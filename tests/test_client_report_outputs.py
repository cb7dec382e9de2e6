"""The client report's renderings, from one evaluation: the terminal summary, JSON, JUnit XML and the HTML page. They
parse whatever the client sent (control codes, a right-to-left override, non-characters, lone surrogates), show it
escaped, and never show a secret the client sent."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
from every_case_client import ALICE, GUEST, OAUTH, PTX, VALK, VIP, BalanceClient, meet_every_documented_case
from starlette.testclient import TestClient
from support import VIP_LOOKUP, operator_secrets, paytronix_auth, paytronix_headers, vip_token

from mockserver import APIS, create_app
from mockserver.client_verdict.page import client_report_html
from mockserver.client_verdict.reports import client_junit, text_summary

HOSTILE = "\x1b[2J\u202eevil\ufffe\ud800\x00"
# Characters no report may carry raw: they drive terminals, reverse text, or make XML unparseable.
RAW = ("\x1b", "\u202e", "\ufffe", "\x00", "\x07")


@pytest.fixture(scope="module")
def outputs() -> Iterator[dict[str, Any]]:
    """The four renderings of one report over a good run, a guest on GET and requests with hostile values."""
    with TestClient(create_app(), raise_server_exceptions=False) as http:
        client = BalanceClient(http, "out-")
        meet_every_documented_case(client)
        client.paytronix("GET", GUEST)
        number = VIP["accounts"]["preferred"]["vip_account_number"]
        # A body with a lone surrogate is valid JSON text (an escape), which httpx would not encode itself.
        hostile_body = json.dumps({"VipAccountNumber": number, "ProductType": HOSTILE}).encode()
        headers = {"Authorization": f"Bearer {vip_token()}", "Content-Type": "application/json", **client.correlation()}
        assert http.post(VIP_LOOKUP, content=hostile_body, headers=headers).status_code == 400
        client.vip_lookup({"VipAccountNumber": number}, token=vip_token(iss=HOSTILE))
        # A request that breaks a SHOULD, so that the reports show it, with a hostile correlation id.
        client.balance(ALICE, **{"X-Correlation-ID": "out-\x1b[31mred\x07", "Authorization": "Basic cGFtOng="})
        answer = http.get("/__admin/report")
        assert answer.status_code == 200, answer.text
        report = answer.json()
        yield {
            "report": report,
            "terminal": text_summary(report, origin="http://127.0.0.1:1"),
            "json": json.dumps(report, indent=2),
            "junit": client_junit(report).decode("utf-8"),
            "html": client_report_html(report, origin="http://127.0.0.1:1"),
        }


def test_the_junit_has_one_testcase_per_requirement_and_per_case(outputs: dict[str, Any]) -> None:
    root = ElementTree.fromstring(outputs["junit"].encode())
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == [api.name for api in APIS]
    for api in APIS:
        names = [case.get("name", "") for case in suites[api.name].iter("testcase")]
        expected = len(api.client_requirements) + len(api.documented_cases)
        assert len(names) == expected == int(suites[api.name].get("tests", "0"))
    # The guest password on GET is a SHOULD: the testcase passes with a warning in system-out.
    ptx = suites["paytronix"]
    guest = next(case for case in ptx.iter("testcase") if case.get("name", "").startswith("CLIENT-PTX-GUEST-NOT-GET"))
    assert guest.find("failure") is None and "WARNING" in (guest.findtext("system-out") or "")
    assert ptx.get("failures") == "0"


def test_a_missed_required_case_fails_and_a_missed_optional_one_is_skipped() -> None:
    report = _report_of(lambda client: client.balance(ALICE))
    root = ElementTree.fromstring(client_junit(report))
    cases = {
        case.get("name", "").split(":")[1]: case
        for case in root.iter("testcase")
        if case.get("name", "").startswith("case valkyrie:")
    }
    assert cases["session_expired"].find("failure") is not None
    assert cases["account_not_found"].find("skipped") is not None
    assert cases["ok"].find("failure") is None and cases["ok"].find("skipped") is None


def _report_of(run: Any) -> dict[str, Any]:
    with TestClient(create_app(), raise_server_exceptions=False) as http:
        run(BalanceClient(http, "one-"))
        report: dict[str, Any] = http.get("/__admin/report").json()
        return report


def test_every_rendering_parses_and_shows_hostile_values_escaped(outputs: dict[str, Any]) -> None:
    assert json.loads(outputs["json"])["verdict"]["exit_code"] == 0
    ElementTree.fromstring(outputs["junit"].encode())
    for name in ("terminal", "junit", "html"):
        text = outputs[name]
        assert not [char for char in RAW if char in text], name
        assert not any(0xD800 <= ord(char) <= 0xDFFF for char in text), name
    # The hostile request is shown, escaped: a reader sees what was sent.
    assert "\\x1b[31mred\\x07" in outputs["terminal"]
    assert "\\u202eevil\\ufffe" in outputs["html"]


def _secrets() -> list[str]:
    client_secret = paytronix_auth()[1]
    account = PTX["accounts"]["active"]
    minted = vip_token()
    values = [
        *operator_secrets(),
        *(base64.b64decode(secret).hex() for secret in operator_secrets()),
        minted,
        minted.rsplit(".", 1)[1],
        client_secret,
        paytronix_headers()["Authorization"].split(" ", 1)[1],
        account["password"],
        OAUTH["access_token"],
        account["cards"][0]["registration_code"],
        account["cards"][0]["printed_card_number"],
        VALK["api_token"],
        *(session["token"] for session in VALK["sessions"].values()),
        VIP["accounts"]["by-id"]["id_details"]["IdNumber"],
    ]
    return [value for value in values if value]


def test_no_secret_the_client_sent_appears_in_any_rendering(outputs: dict[str, Any]) -> None:
    for name in ("terminal", "json", "junit", "html"):
        leaked = [secret[:4] + "..." for secret in _secrets() if secret in outputs[name]]
        assert not leaked, f"{name} shows {leaked}"


def test_the_html_page_is_one_self_contained_page(outputs: dict[str, Any]) -> None:
    html = outputs["html"]
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert 'src="' not in html and "<link" not in html
    # At a glance: the verdict, the requests that broke a requirement, the cases reached, forced and missed.
    assert 'id="verdict">PASSED<' in html and "Requests that broke a requirement" not in html
    warnings = html.split("Warnings (SHOULD not met)")[1].split("<h2>Summary")[0]
    assert all(f"CLIENT-{name}" in warnings for name in ("PTX-GUEST-NOT-GET", "VIP-CONFORMS", "VALK-API-TOKEN"))
