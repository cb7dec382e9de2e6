"""VIP Connect Patron Account Inquiry, as the suite certifies it."""

from __future__ import annotations

from typing import Any

from balancekit.clock import Clock
from conformance.api import ConformanceApi
from conformance.apis.vip_connect import requirements
from conformance.apis.vip_connect.checks import CHECKS
from conformance.apis.vip_connect.context import PATH, VipContext, operator_token
from conformance.apis.vip_connect.section import SCHEMA, SECRET_KEYS, VipSection, read_section


def schemathesis_auth(section: VipSection, lifetime: int, clock: Clock) -> dict[str, Any]:
    return {"operatorJwt": {"bearer": operator_token(section, clock, lifetime=lifetime)}}


def schemathesis_examples(spec: dict[str, Any], section: VipSection) -> None:
    body = spec["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]
    body["examples"] = {name: {"value": dict(account)} for name, account in section.accounts.items()}


API = ConformanceApi(
    name=requirements.API,
    prefix="VIP",
    seed=requirements.SEED,
    seed_title=requirements.SEED_TITLE,
    seed_statuses=requirements.SEED_STATUSES,
    requirements=requirements.REQUIREMENTS,
    untestable=requirements.UNTESTABLE,
    generated_sources=requirements.GENERATED,
    profile_schema=SCHEMA,
    read_section=read_section,
    context=VipContext,
    checks=CHECKS,
    schemathesis_auth=schemathesis_auth,
    schemathesis_examples=schemathesis_examples,
    secret_keys=SECRET_KEYS,
)
