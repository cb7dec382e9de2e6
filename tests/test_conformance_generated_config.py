"""schemathesis's configuration for each API of the shipped mock profile (conformance/generated/config.py): the
dicts compared whole, credentials minted from a fixed clock, and the profile's identities as the spec's examples."""

from __future__ import annotations

import base64
from typing import Any

import jwt
import pytest
from support import MOCK_PROFILE

from balancekit.specs import load_spec
from conformance import CATALOGUE, Options, load_profile
from conformance.api import Section
from conformance.apis.vip_connect.section import VipSection
from conformance.generated.config import ACCEPTED_VALID, schemathesis_config, spec_with_examples

NOW = 1_800_000_000


def section(api: str) -> Section:
    found = load_profile(MOCK_PROFILE, environ={}).section(api)
    assert found is not None
    return found


def config(api: str, budget_left: float = 100.0) -> dict[str, Any]:
    options = Options(apis=[api], seed=5, max_examples=12, timeout=3.0)
    return schemathesis_config(CATALOGUE.api(api), section(api), options, budget_left=budget_left, clock=lambda: NOW)


def examples(api: str) -> dict[str, Any]:
    return spec_with_examples(CATALOGUE.api(api), section(api))


def expected(api: str, auth: dict[str, Any], checks: dict[str, Any]) -> dict[str, Any]:
    return {
        "seed": 5,
        "base-url": f"http://127.0.0.1:8000/{api}",
        "request-timeout": 3.0,
        "suppress-health-check": ["all"],
        "continue-on-failure": True,
        "output": {"sanitization": {"enabled": False}},
        "generation": {"mode": "all", "max-examples": 12, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_VALID}, **checks},
        "auth": {"openapi": auth},
    }


def test_paytronix_sends_basic_client_credentials_and_counts_a_200_failure_as_a_rejection() -> None:
    rejections = ["200", "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429"]
    credentials = {
        "clientCredentials": {"username": "pxs-sandbox-integration", "password": "xN6FMEixD5hORTdruF0Cm-myeLJePRAq"}
    }
    assert config("paytronix") == expected(
        "paytronix", credentials, {"negative_data_rejection": {"expected-statuses": rejections}}
    )


def test_valkyrie_sends_the_api_token() -> None:
    token = {"pamApiToken": {"bearer": "pam-sandbox-api-token-56193593875a2cb08daa"}}
    assert config("valkyrie") == expected("valkyrie", token, {})


@pytest.mark.parametrize("budget_left", [100.0, 3600.0])
def test_vip_mints_an_operator_jwt_that_outlives_the_budget(budget_left: float) -> None:
    produced = config("vip-connect", budget_left)
    token = produced["auth"]["openapi"]["operatorJwt"]["bearer"]
    assert produced == expected("vip-connect", {"operatorJwt": {"bearer": token}}, {})
    vip = section("vip-connect")
    assert isinstance(vip, VipSection)
    times: jwt.types.Options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
    claims = jwt.decode(token, base64.b64decode(vip.secrets_base64[0]), ["HS256"], audience="vip-api", options=times)
    assert claims["iss"] == "da6f9fc7-077f-403e-8623-f8bbe2554075"
    assert (claims["iat"], claims["exp"]) == (NOW, NOW + int(budget_left) + 600)


def test_the_spec_copies_carry_the_profiles_identities_and_leave_the_shipped_specs_alone() -> None:
    vip = examples("vip-connect")
    body = vip["paths"]["/api/patronsession/accountlookup"]["post"]["requestBody"]["content"]["application/json"]
    assert body["examples"]["by_id"] == {"value": {"IdType": "SS", "IdNumber": "543083512"}}
    paytronix = examples("paytronix")
    item = paytronix["paths"]["/rest/{release}/guest/accountInformation.json"]
    assert item["parameters"][0]["schema"]["example"] == "25.33"
    assert {p["name"]: p.get("example") for p in item["get"]["parameters"]}["registrationCode"] == "418000"
    valkyrie = examples("valkyrie")
    parameters = {
        p["name"]: p["schema"].get("example")
        for p in valkyrie["paths"]["/players/{playerId}/balance"]["get"]["parameters"]
    }
    assert parameters["X-Player-Token"] == "762444345c88c70acc312795a840dd98fd55fc67"
    assert parameters["X-Correlation-ID"] == "conformance-examples"
    # Each call edits a copy of its own, never the spec every reader shares.
    again = examples("vip-connect")
    assert again == vip and again is not vip
    assert "543083512" not in str(load_spec(CATALOGUE.api("vip-connect").spec_path))
