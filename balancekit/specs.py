"""Where the specs are (inside the installed package, or beside it in a checkout) and loading one by API name."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import yaml


def data_dir(package_dir: Path, name: str) -> Path:
    """``<package_dir>/<name>`` in a wheel (pyproject.toml force-include), ``<package_dir>/../<name>`` in a checkout."""
    bundled = package_dir / name
    return bundled if bundled.is_dir() else package_dir.parent / name


SPECS_DIR = data_dir(Path(__file__).resolve().parent, "specs")


class SpecError(Exception):
    """A spec cannot be read or parsed."""


def spec_path(api: str, directory: Path = SPECS_DIR) -> Path:
    """The spec of ``api``: its stem is the API's name."""
    return directory / f"{api}.yaml"


def load_spec(path: Path) -> dict[str, Any]:
    """The parsed spec at ``path``; callers must not mutate it. Raises SpecError naming the file."""
    return _load(path.resolve())


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    # A memo of the file's content: every reader shares one parsed document, which none of them changes.
    try:
        spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot load the spec: {exc}") from None
    return spec


def spec_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
