"""Valkyrie PAM Get player account balance, as the suite certifies it."""

from __future__ import annotations

from typing import Any

from balancekit.clock import Clock
from conformance.api import ConformanceApi
from conformance.apis.valkyrie import requirements
from conformance.apis.valkyrie.checks import CHECKS
from conformance.apis.valkyrie.context import ValkyrieContext
from conformance.apis.valkyrie.section import SCHEMA, SECRET_KEYS, ValkyrieSection, read_section


def schemathesis_auth(section: ValkyrieSection, lifetime: int, clock: Clock) -> dict[str, Any]:
    return {"pamApiToken": {"bearer": section.api_token}}


def schemathesis_examples(spec: dict[str, Any], section: ValkyrieSection) -> None:
    active = section.players["active"]
    values = {
        "playerId": active["playerId"],
        "provider": section.provider,
        "X-Player-Token": active["token"],
        "X-Correlation-ID": "conformance-examples",
    }
    for parameter in spec["paths"]["/players/{playerId}/balance"]["get"]["parameters"]:
        if parameter["name"] in values:
            parameter["schema"] = {**parameter["schema"], "example": values[parameter["name"]]}


API = ConformanceApi(
    name=requirements.API,
    prefix="VALK",
    seed=requirements.SEED,
    seed_title=requirements.SEED_TITLE,
    seed_statuses=requirements.SEED_STATUSES,
    requirements=requirements.REQUIREMENTS,
    untestable=requirements.UNTESTABLE,
    generated_sources=requirements.GENERATED,
    profile_schema=SCHEMA,
    read_section=read_section,
    context=ValkyrieContext,
    checks=CHECKS,
    schemathesis_auth=schemathesis_auth,
    schemathesis_examples=schemathesis_examples,
    secret_keys=SECRET_KEYS,
    other_status_schema=requirements.OTHER_STATUS_SCHEMA,
    other_status_content_type=requirements.OTHER_STATUS_CONTENT_TYPE,
    other_status_requirements=requirements.OTHER_STATUS_REQUIREMENTS,
)
