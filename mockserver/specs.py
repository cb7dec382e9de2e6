"""The three OpenAPI documents the mock serves, and validators for their component schemas."""

from __future__ import annotations

import functools
from typing import Any

import yaml
from jsonschema import Draft4Validator, FormatChecker

from mockserver.resources import SPECS_DIR

API_NAMES = ("vip-connect", "paytronix", "valkyrie")


@functools.cache
def load_spec(name: str) -> dict[str, Any]:
    """The parsed spec ``specs/<name>.yaml``; callers must not mutate it."""
    with (SPECS_DIR / f"{name}.yaml").open(encoding="utf-8") as stream:
        spec: dict[str, Any] = yaml.safe_load(stream)
    return spec


def schema_validator(spec: dict[str, Any], schema_name: str) -> Draft4Validator:
    """A validator for ``#/components/schemas/<schema_name>`` that resolves the spec's other components.

    The specs use no OpenAPI-only keyword (``nullable``, ``readOnly``), so JSON Schema draft 4 reads them as
    connexion does; the format checker knows every format (``date`` too, which draft 4 did not define).
    openapi-schema-validator would give the same verdicts but adds a fifth to the mock's start-up time.
    """
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return Draft4Validator(root, format_checker=FormatChecker())
