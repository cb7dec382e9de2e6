"""Paytronix Guest Service accountInformation, as the suite certifies it."""

from __future__ import annotations

from typing import Any

from balancekit.clock import Clock
from conformance.api import ConformanceApi
from conformance.apis.paytronix import requirements
from conformance.apis.paytronix.checks import CHECKS
from conformance.apis.paytronix.context import PaytronixContext
from conformance.apis.paytronix.section import SCHEMA, SECRET_KEYS, PaytronixSection, read_section

# Paytronix answers what it cannot use with HTTP 200 and result failure; that is a rejection too.
REJECTIONS = ("200", "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429")


def schemathesis_auth(section: PaytronixSection, lifetime: int, clock: Clock) -> dict[str, Any]:
    return {"clientCredentials": {"username": section.client_id, "password": section.client_secret}}


def schemathesis_examples(spec: dict[str, Any], section: PaytronixSection) -> None:
    item = spec["paths"]["/rest/{release}/guest/accountInformation.json"]
    card = section.cards["active"]
    card_fields = {
        "authentication": "card",
        "merchantId": section.merchant_id,
        "printedCardNumber": card["printedCardNumber"],
        "registrationCode": card["registrationCode"],
    }
    oauth_fields = {"authentication": "oauth", "merchantId": section.merchant_id, "access_token": card["access_token"]}
    body = item["post"]["requestBody"]["content"]["application/json"]
    body["examples"] = {"card": {"value": card_fields}, "oauth": {"value": oauth_fields}}
    # schemathesis prefers a schema's example to the parameter's; the profile's release must win in both.
    item["parameters"][0]["example"] = section.release
    item["parameters"][0]["schema"] = {**item["parameters"][0]["schema"], "example": section.release}
    for parameter in item["get"]["parameters"]:
        if parameter["name"] in card_fields:
            parameter["example"] = card_fields[parameter["name"]]


API = ConformanceApi(
    name=requirements.API,
    prefix="PTX",
    seed=requirements.SEED,
    seed_title=requirements.SEED_TITLE,
    seed_statuses=requirements.SEED_STATUSES,
    requirements=requirements.REQUIREMENTS,
    untestable=requirements.UNTESTABLE,
    generated_sources=requirements.GENERATED,
    profile_schema=SCHEMA,
    read_section=read_section,
    context=PaytronixContext,
    checks=CHECKS,
    schemathesis_auth=schemathesis_auth,
    schemathesis_examples=schemathesis_examples,
    secret_keys=SECRET_KEYS,
    other_status_schema=requirements.OTHER_STATUS_SCHEMA,
    other_status_requirements=requirements.OTHER_STATUS_REQUIREMENTS,
    rejection_statuses=REJECTIONS,
)
