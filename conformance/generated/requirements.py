"""The requirements of an API's generated requests (``<PREFIX>-GEN-*``) and the schemathesis checks that verify them.

Every API gets the same seven; their levels and sources come from the API's seed (conformance.api.GeneratedSources):
a MUST cites the seed statement that makes it one.
"""

from __future__ import annotations

from balancekit.requirements import Level, Requirement
from conformance.api import Check, ConformanceApi

# Which requirement suffix each schemathesis check speaks for.
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
RFC_405_501 = "https://www.rfc-editor.org/rfc/rfc9110#name-501-not-implemented"


def generated_requirements(api: ConformanceApi) -> tuple[Requirement, ...]:
    sources, prefix, name = api.generated_sources, api.prefix, api.name
    statuses = "/".join(map(str, api.seed_statuses))
    media_type = (
        Requirement(f"{prefix}-GEN-CONTENT-TYPE", name, Level.MUST, f"Answers with a status the seed documents "
                    f"({statuses}) are application/json", sources.media_type)
        if sources.media_type
        else Requirement(f"{prefix}-GEN-CONTENT-TYPE", name, Level.SHOULD, "Answers are application/json",
                         "decision: every documented body is JSON")
    )  # fmt: skip
    return (
        Requirement(f"{prefix}-GEN-SCHEMA", name, Level.MUST, "Answers to generated requests with a status the seed "
                    f"documents ({statuses}) match the spec's schema of that status", sources.answers),
        Requirement(f"{prefix}-GEN-STATUS", name, sources.statuses.level, "Answers to generated requests use "
                    "documented statuses", sources.statuses.source),
        Requirement(f"{prefix}-GEN-AUTH", name, sources.auth.level, "Requests without valid credentials are refused",
                    sources.auth.source),
        media_type,
        Requirement(f"{prefix}-GEN-NO-5XX", name, Level.MUST, "No request to the path and method the API serves "
                    "makes the server fail (5xx); a 501 to a method the API does not declare is not a failure",
                    sources.answers),
        Requirement(f"{prefix}-GEN-INPUT-VALIDATION", name, Level.SHOULD, "Invalid input is rejected and valid input "
                    "accepted", "decision: the specs state what a request may contain"),
        Requirement(f"{prefix}-GEN-METHODS", name, Level.SHOULD, "A method the API does not declare gets 405 with an "
                    "Allow header, or 501 Not Implemented", RFC_405_501),
    )  # fmt: skip


def generated_checks(api: ConformanceApi) -> tuple[Check, ...]:
    checks = [
        Check(f"{api.prefix}-{suffix}", f"schemathesis {check}", "generated requests")
        for check, suffix in CHECK_REQUIREMENTS.items()
    ]
    for requirement, check in (
        (api.other_status_schema, "response_schema_conformance"),
        (api.other_status_content_type, "content_type_conformance"),
    ):
        if requirement is not None:
            name = f"schemathesis {check}, statuses the seed does not document"
            checks.append(Check(requirement, name, "generated requests"))
    return tuple(checks)


def requirement_ids(api: ConformanceApi) -> list[str]:
    """Every requirement the generated requests of ``api`` speak for."""
    ids = {f"{api.prefix}-{suffix}" for suffix in CHECK_REQUIREMENTS.values()}
    ids.update(filter(None, (api.other_status_schema, api.other_status_content_type)))
    return sorted(ids)
