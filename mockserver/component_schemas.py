"""Validators for a spec's component schemas, which fixture values that end up in answers are checked against."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft4Validator, FormatChecker


def schema_validator(spec: dict[str, Any], schema_name: str) -> Draft4Validator:
    """A validator for ``#/components/schemas/<schema_name>`` that resolves the spec's other components.

    The specs use no OpenAPI-only keyword (``nullable``, ``readOnly``), so JSON Schema draft 4 reads them as
    connexion does; the format checker knows every format (``date`` too, which draft 4 did not define).
    openapi-schema-validator would give the same verdicts but adds a fifth to the mock's start-up time.
    """
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return Draft4Validator(root, format_checker=FormatChecker())
