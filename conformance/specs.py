"""The three specs the suite certifies against: where they are, their hashes, validators for their schemas."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from conformance.errors import NoVerdictError

_PACKAGE_DIR = Path(__file__).resolve().parent
# A wheel carries the specs inside the package (pyproject.toml force-include); a checkout has them one level up.
SPECS_DIR = _PACKAGE_DIR / "specs" if (_PACKAGE_DIR / "specs").is_dir() else _PACKAGE_DIR.parent / "specs"


def spec_path(api: str) -> Path:
    return SPECS_DIR / f"{api}.yaml"


@functools.cache
def load_spec(api: str) -> dict[str, Any]:
    """The parsed spec of ``api``; raises NoVerdictError when it cannot be read."""
    try:
        spec: dict[str, Any] = yaml.safe_load(spec_path(api).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NoVerdictError(f"{spec_path(api)}: cannot load the spec: {exc}") from None
    return spec


def spec_sha256(api: str) -> str:
    return hashlib.sha256(spec_path(api).read_bytes()).hexdigest()


@functools.cache
def schema_validator(api: str, schema_name: str) -> OAS30Validator:
    """A validator for ``#/components/schemas/<schema_name>`` of the spec of ``api``."""
    components = load_spec(api)["components"]
    return OAS30Validator(
        {"$ref": f"#/components/schemas/{schema_name}", "components": components}, format_checker=oas30_format_checker
    )
