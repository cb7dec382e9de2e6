"""The three OpenAPI documents the mock serves, and validators for their component schemas."""

from __future__ import annotations

import functools
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from mockserver.resources import SPECS_DIR

API_NAMES = ("vip-connect", "paytronix", "valkyrie")


@functools.cache
def load_spec(name: str) -> dict[str, Any]:
    """The parsed spec ``specs/<name>.yaml``; callers must not mutate it."""
    with (SPECS_DIR / f"{name}.yaml").open(encoding="utf-8") as stream:
        spec: dict[str, Any] = yaml.safe_load(stream)
    return spec


def schema_validator(spec: dict[str, Any], schema_name: str) -> OAS30Validator:
    """A validator for ``#/components/schemas/<schema_name>`` that resolves the spec's other components."""
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return OAS30Validator(root, format_checker=oas30_format_checker)
