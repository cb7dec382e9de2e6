"""Where the specs and bundled fixtures are: inside the installed package, or beside it in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries the data inside the package (pyproject.toml force-include); a checkout has it one level up.
    bundled = _PACKAGE_DIR / name
    return bundled if bundled.is_dir() else _PACKAGE_DIR.parent / name


SPECS_DIR = _data_dir("specs")
FIXTURES_DIR = _data_dir("fixtures")
FIXTURE_SCHEMA = FIXTURES_DIR / "fixture.schema.json"
