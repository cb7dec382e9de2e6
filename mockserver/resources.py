"""Where the bundled fixtures are: inside the installed package, or beside it in a source checkout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from balancekit.specs import data_dir

FIXTURES_DIR = data_dir(Path(__file__).resolve().parent, "fixtures")
# The definitions every API's fixture schema (fixtures/<api>.schema.json) refers to.
SHARED_FIXTURE_SCHEMA = FIXTURES_DIR / "fixture.schema.json"


def fixture_schema(api: str) -> dict[str, Any]:
    """The bundled JSON Schema of ``api``'s fixture file, ``fixtures/<api>.schema.json``."""
    schema: dict[str, Any] = json.loads((FIXTURES_DIR / f"{api}.schema.json").read_text(encoding="utf-8"))
    return schema
