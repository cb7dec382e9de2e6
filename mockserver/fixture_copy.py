"""``mockserver fixtures init DIR``: a copy of the bundled fixtures to edit, with their schemas and a short README."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mockserver.api import MockApi
from mockserver.apis import APIS
from mockserver.resources import FIXTURES_DIR, SHARED_FIXTURE_SCHEMA


class CopyRefusedError(Exception):
    """The copy was not made (nothing was written); the message is one line."""


def schema_line(api: str) -> str:
    """The first line of a copied fixture file: editors with a YAML language server check the file against its schema
    as it is typed."""
    return f"# yaml-language-server: $schema={api}.schema.json\n"


def copy_fixtures(directory: Path, *, force: bool = False, apis: Sequence[MockApi] = APIS) -> list[Path]:
    """Writes the bundled fixture files, their schemas and a README into ``directory`` (created if missing); returns
    the files written. Raises CopyRefusedError when ``directory`` is not a directory, or holds anything and ``force`` is
    not given: a copy never overwrites a file unasked."""
    if directory.exists() and not directory.is_dir():
        raise CopyRefusedError(f"{directory} exists and is not a directory")
    held = sorted(entry.name for entry in directory.iterdir()) if directory.is_dir() else []
    if held and not force:
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        raise CopyRefusedError(
            f"{directory} is not empty (it holds {shown}); name a new or empty directory, or pass --force to "
            "overwrite the kit's files in it"
        )
    contents: dict[str, str] = {}
    for api in apis:
        contents[f"{api.name}.yaml"] = schema_line(api.name) + _bundled(f"{api.name}.yaml")
        contents[f"{api.name}.schema.json"] = _bundled(f"{api.name}.schema.json")
    contents[SHARED_FIXTURE_SCHEMA.name] = _bundled(SHARED_FIXTURE_SCHEMA.name)
    contents["README.md"] = readme(directory, apis)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in contents.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _bundled(name: str) -> str:
    return (FIXTURES_DIR / name).read_text(encoding="utf-8")


def readme(directory: Path, apis: Sequence[MockApi] = APIS) -> str:
    files = ", ".join(f"`{api.name}.yaml`" for api in apis)
    return f"""# Sandbox fixtures to edit

A copy of the fixtures bundled with the balance sandbox kit, made by `mockserver fixtures init`: {files}, one
file per API. The format of each file and every check the mock makes are described in the kit's `fixtures/README.md`
(sections 7 and 8).

Serve them, reloaded whenever a file is saved:

```sh
mockserver serve --fixtures {directory} --watch
```

On each save the mock reads all the files and checks them exactly as at start-up. If they pass, every API whose data
changed is reset to it in one step, for every worker: its admin changes and fault rules are dropped (the other APIs
keep theirs), and the log says which APIs were reset. If they do not, the log says why in one line (file, key, what
was expected, what was found) and the mock keeps serving the last good data; the next good save loads.

Check them without serving (exit code 0 when they pass, 2 with the problem on stderr otherwise):

```sh
mockserver fixtures check {directory}
```

The `*.schema.json` files describe the fixture files to editors: the first line of each YAML file points a YAML
language server at its schema. The mock checks with its own copy of the schemas, so editing these changes nothing.
"""
