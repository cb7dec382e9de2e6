"""Which requirement a schemathesis check's result speaks for, and the answers that are legitimate whatever it says.

- A 501 to a method the API does not declare: RFC 9110 lets a server answer 501 to a method it does not implement
  at all, so it passes the method check and is no server error.
- A 404 where the spec documents none: the request named a path the API does not serve (a release the system
  does not run, a made-up segment), and a real system may answer 404 there. It says nothing about status, shape or
  media type.
- The shape and media type of an answer with a status the seed does not document are SHOULDs of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.api import ConformanceApi
from conformance.generated.requirements import CHECK_REQUIREMENTS, UNMAPPED_CHECK

_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
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


@dataclass(frozen=True)
class Judge:
    """What judging one API's generated results needs: plain data, so that it crosses to the child process."""

    prefix: str
    seed_statuses: frozenset[int]
    declared_methods: frozenset[str]  # the methods the spec declares, on any of its paths (upper case)
    documented_statuses: frozenset[int]  # every status the spec documents for any operation
    other_status_schema: str | None
    other_status_content_type: str | None

    @classmethod
    def of(cls, api: ConformanceApi, spec: dict[str, Any]) -> Judge:
        paths = spec["paths"].values()
        statuses = {
            int(status)
            for item in paths
            for operation in item.values()
            if isinstance(operation, dict) and "responses" in operation
            for status in operation["responses"]
            if status.isdigit()
        }
        return cls(
            prefix=api.prefix,
            seed_statuses=frozenset(api.seed_statuses),
            declared_methods=frozenset(method.upper() for item in paths for method in item if method in _HTTP_METHODS),
            documented_statuses=frozenset(statuses),
            other_status_schema=api.other_status_schema,
            other_status_content_type=api.other_status_content_type,
        )

    def judge(self, check: str, method: str, status: int | None, failed: bool) -> tuple[str, bool] | None:
        """(requirement, failed) for one result of ``check`` on an answer with ``status`` to a ``method`` request,
        or None when the answer is legitimate and the check says nothing about the system."""
        requirement = f"{self.prefix}-{CHECK_REQUIREMENTS.get(check, UNMAPPED_CHECK)}"
        if status == 501 and method.upper() not in self.declared_methods:
            return requirement, False
        if status == 404 and 404 not in self.documented_statuses and check in _ANSWER_CHECKS:
            return None
        if status is not None and status not in self.seed_statuses:
            if check in _SHAPE_CHECKS and self.other_status_schema is not None:
                requirement = self.other_status_schema
            elif check == "content_type_conformance" and self.other_status_content_type is not None:
                requirement = self.other_status_content_type
        return requirement, failed
