"""Which requirement a schemathesis check's result speaks for, and the answers that are legitimate whatever it says.

- A 501 to a method the API does not declare: RFC 9110 lets a server answer 501 to a method it does not implement
  at all, so it passes the method check and is no server error.
- A 404 where the spec documents none (Paytronix, Valkyrie): the request named a path the API does not serve (a
  release the system does not run, a made-up segment), and a real system may answer 404 there. It says nothing
  about status, shape or media type.
- The shape and media type of an answer with a status the seed does not document are SHOULDs of their own.
"""

from __future__ import annotations

import functools

from conformance.checks import OTHER_STATUS_SCHEMA, REGISTRY, Check
from conformance.requirements import SEED_STATUSES
from conformance.specs import load_spec

PREFIXES = {"vip-connect": "VIP", "paytronix": "PTX", "valkyrie": "VALK"}
CHECK_REQUIREMENTS = {
    "response_schema_conformance": "GEN-SCHEMA",
    "response_headers_conformance": "GEN-SCHEMA",
    "status_code_conformance": "GEN-STATUS",
    "ignored_auth": "GEN-AUTH",
    "content_type_conformance": "GEN-CONTENT-TYPE",
    "not_a_server_error": "GEN-NO-5XX",
    "negative_data_rejection": "GEN-INPUT-VALIDATION",
    "positive_data_acceptance": "GEN-INPUT-VALIDATION",
    "missing_required_header": "GEN-INPUT-VALIDATION",
    "unsupported_method": "GEN-METHODS",
    "allow_header_conformance": "GEN-METHODS",
    "object_level_authorization": "GEN-AUTH",
    "use_after_free": "GEN-STATUS",
    "ensure_resource_availability": "GEN-STATUS",
}
# A check schemathesis adds in a later version is reported under a SHOULD until it is mapped here.
UNMAPPED_CHECK = "GEN-INPUT-VALIDATION"
OTHER_STATUS_CONTENT_TYPE = {"valkyrie": "VALK-CONTENT-TYPE-OTHER-STATUS"}
# Checks that judge an answer's status, shape or media type: a 404 for a path not served tells them nothing.
_ANSWER_CHECKS = frozenset(
    {
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    }
)
_SHAPE_CHECKS = frozenset({"response_schema_conformance", "response_headers_conformance"})

for _api, _prefix in PREFIXES.items():
    for _name, _suffix in CHECK_REQUIREMENTS.items():
        REGISTRY.append(Check(f"{_prefix}-{_suffix}", f"schemathesis {_name}", "generated requests"))
    for _table, _name in ((OTHER_STATUS_SCHEMA, "response_schema_conformance"),
                          (OTHER_STATUS_CONTENT_TYPE, "content_type_conformance")):  # fmt: skip
        if _api in _table:
            REGISTRY.append(Check(_table[_api], f"schemathesis {_name}, statuses the seed does not document",
                                  "generated requests"))  # fmt: skip


def requirement_ids(api: str) -> list[str]:
    """Every requirement the generated requests of ``api`` speak for."""
    ids = {f"{PREFIXES[api]}-{suffix}" for suffix in CHECK_REQUIREMENTS.values()}
    ids.update(table[api] for table in (OTHER_STATUS_SCHEMA, OTHER_STATUS_CONTENT_TYPE) if api in table)
    return sorted(ids)


@functools.cache
def declared_methods(api: str) -> frozenset[str]:
    """The methods the spec of ``api`` declares, on any of its paths (each spec has one)."""
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return frozenset(
        method.upper() for item in load_spec(api)["paths"].values() for method in item if method in methods
    )


@functools.cache
def documented_statuses(api: str) -> frozenset[int]:
    """Every status the spec of ``api`` documents for any operation."""
    statuses: set[int] = set()
    for item in load_spec(api)["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                statuses.update(int(status) for status in operation["responses"] if status.isdigit())
    return frozenset(statuses)


def judge(api: str, check: str, method: str, status: int | None, failed: bool) -> tuple[str, bool] | None:
    """(requirement, failed) for one result of ``check`` on an answer with ``status`` to a ``method`` request, or
    None when the answer is legitimate and the check says nothing about the system."""
    suffix = CHECK_REQUIREMENTS.get(check, UNMAPPED_CHECK)
    requirement = f"{PREFIXES[api]}-{suffix}"
    if status == 501 and method.upper() not in declared_methods(api):
        return requirement, False
    if status == 404 and 404 not in documented_statuses(api) and check in _ANSWER_CHECKS:
        return None
    if status is not None and status not in SEED_STATUSES[api]:
        if check in _SHAPE_CHECKS and api in OTHER_STATUS_SCHEMA:
            requirement = OTHER_STATUS_SCHEMA[api]
        elif check == "content_type_conformance" and api in OTHER_STATUS_CONTENT_TYPE:
            requirement = OTHER_STATUS_CONTENT_TYPE[api]
    return requirement, failed
