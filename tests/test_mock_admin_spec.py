"""The admin API's spec: valid OpenAPI 3.0.3, served by connexion, every element described and traced."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate
from sandbox_state import admin_app, new_store, sandbox_admin
from starlette.testclient import TestClient
from support import SPECS, spec

from mockserver import APIS
from mockserver.admin.access import AdminAccess
from mockserver.admin.handlers import admin_handlers

ADMIN = "sandbox-admin"
METHODS = ("get", "put", "post", "delete")


# Keys whose values map names to elements that document something, and keys that hold one such element; the
# containers in between are walked through without being elements themselves.
_ELEMENT_MAPS = ("parameters", "responses", "headers", "schemas", "properties", "examples", "securitySchemes")
_ELEMENTS = (*METHODS, "requestBody")
_CONTAINER_MAPS = ("paths", "content")
_CONTAINERS = ("components", "schema", "items", "additionalProperties")


def _described(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every element below ``node`` that documents something: operations, parameters, request bodies, responses,
    headers, schemas and their properties, examples and security schemes. A ``$ref`` is visited where it points;
    the schema of a parameter or header, and an array's items, are described by their owner."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _ELEMENT_MAPS and isinstance(value, dict):
            children = [(True, f"{where}.{key}.{name}", child) for name, child in value.items()]
        elif key == "parameters" and isinstance(value, list):
            children = [(True, f"{where}.{key}[{index}]", child) for index, child in enumerate(value)]
        elif key in _CONTAINER_MAPS and isinstance(value, dict):
            children = [(False, f"{where}.{key}.{name}", child) for name, child in value.items()]
        elif key in _ELEMENTS or key in _CONTAINERS:
            children = [(key in _ELEMENTS, f"{where}.{key}", value)]
        else:
            continue
        for is_element, place, child in children:
            if isinstance(child, dict) and "$ref" not in child:
                if is_element:
                    yield place, child
                yield from _described(child, place)


def test_the_admin_spec_is_valid_openapi_3_0_3() -> None:
    assert spec(ADMIN)["openapi"] == "3.0.3"
    validate(spec(ADMIN))


def test_every_element_is_described_and_names_its_source() -> None:
    document = spec(ADMIN)
    elements = list(_described(document, "#"))
    assert len(elements) > 150
    problems = []
    for where, element in [("info", document["info"]), *elements]:
        source = element.get("x-source")
        if not isinstance(source, str) or not (source.startswith("decision: ") or source.startswith("https://")):
            problems.append(f"{where}: x-source is {source!r}")
        if not (element.get("description") or element.get("summary") or "$ref" in element.get("schema", {})):
            problems.append(f"{where}: no description")
    assert not problems, "\n".join(problems)


def _examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    document = spec(ADMIN)
    containers = [
        (f"{method} {path}", operation.get("requestBody", {}))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    containers += [(f"responses.{name}", response) for name, response in document["components"]["responses"].items()]
    for where, container in containers:
        for content in container.get("content", {}).values():
            for name, example in content.get("examples", {}).items():
                yield f"{where} {name}", content["schema"], example["value"]


def test_every_example_matches_its_schema() -> None:
    problems = []
    examples = list(_examples())
    assert len(examples) >= 5
    for where, schema, value in examples:
        root = {**schema, "components": spec(ADMIN)["components"]}
        problems += [
            f"{where}: {e.message}"
            for e in OAS30Validator(root, format_checker=oas30_format_checker).iter_errors(value)
        ]
    assert not problems, "\n".join(problems)


def test_every_operation_has_a_handler_and_every_handler_an_operation(tmp_path: Path) -> None:
    operations = {
        operation["operationId"]
        for item in spec(ADMIN)["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }
    store = new_store(tmp_path)
    try:
        assert set(admin_handlers(sandbox_admin(store), AdminAccess(None, required=False), APIS)) == operations
    finally:
        store.close()


def test_fixed_paths_come_before_the_templates_that_would_take_them() -> None:
    # Starlette routes a request to the first path that matches it, in the order connexion reads them.
    paths = list(spec(ADMIN)["paths"])
    for index, path in enumerate(paths):
        for earlier in paths[:index]:
            pattern = re.sub(r"\{[^/]+\}", "[^/]+", earlier) + "$"
            fixed = "{" not in path.split("/")[-1] or path.count("{") < earlier.count("{")
            assert not (re.match(pattern, path) and fixed and "{" in earlier and "{" not in path), (earlier, path)


def test_connexion_serves_the_spec_with_its_handlers(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    try:
        with TestClient(admin_app(store), raise_server_exceptions=False) as client:
            assert client.get("/__admin").status_code == 200
            assert client.get("/__admin/journal").status_code == 200
            assert client.get("/__admin/faults/none").status_code == 404
            assert client.get("/__admin/valkyrie/providers").json() == ["evolution", "redtiger", "caleta"]
    finally:
        store.close()


def test_the_spec_carries_no_framework_extensions() -> None:
    text = (SPECS / f"{ADMIN}.yaml").read_text(encoding="utf-8")
    assert set(re.findall(r"\bx-[A-Za-z]+", text)) == {"x-source"}
