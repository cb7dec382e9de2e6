"""The three specs: valid OpenAPI 3.0.3, loadable by schemathesis, every element traced to its source."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate
from schemathesis.core.result import Ok
from support import SPECS, spec

APIS = ["vip-connect", "paytronix", "valkyrie"]
SEEDS = {path.name: " ".join(path.read_text(encoding="utf-8").split()) for path in (SPECS / "seeds").glob("*.txt")}
SEED_SOURCE = re.compile(r'^(?P<seed>\S+\.txt): "(?P<quote>.*)"$', re.DOTALL)


@pytest.mark.parametrize("api", APIS)
def test_the_spec_is_valid_openapi_3_0_3(api: str) -> None:
    assert spec(api)["openapi"] == "3.0.3"
    validate(spec(api))


@pytest.mark.slow
@pytest.mark.parametrize("api", APIS)
def test_schemathesis_loads_every_operation(api: str) -> None:
    schema = schemathesis.openapi.from_dict(spec(api))
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    expected = sum(1 for item in spec(api)["paths"].values() for key in item if key in ("get", "post"))
    assert len(operations) == expected


def _schema_elements(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema below ``schema``, through nesting and combinators (``$ref`` targets are visited once)."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    for name, prop in schema.get("properties", {}).items():
        if "$ref" not in prop:
            yield f"{where}.properties.{name}", prop
        yield from _schema_elements(prop, f"{where}.properties.{name}")
    for key in ("items", "not", "additionalProperties"):
        yield from _schema_elements(schema.get(key), f"{where}.{key}")
    for key in ("allOf", "oneOf", "anyOf"):
        for index, part in enumerate(schema.get(key, [])):
            yield from _schema_elements(part, f"{where}.{key}[{index}]")


def _traced_elements(api: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The elements that must carry ``x-source``: operations, parameters, schemas and their properties,
    responses, examples and security schemes."""
    document = spec(api)
    yield "info", document["info"]
    for path, item in document["paths"].items():
        for index, parameter in enumerate(item.get("parameters", [])):
            yield f"{path}.parameters[{index}]", parameter
        for method in ("get", "post"):
            if method not in item:
                continue
            operation = item[method]
            yield f"{method.upper()} {path}", operation
            for parameter in operation.get("parameters", []):
                yield f"{method.upper()} {path} parameter {parameter['name']}", parameter
            bodies = [("requestBody", operation.get("requestBody"))]
            bodies += [(f"responses.{status}", response) for status, response in operation["responses"].items()]
            for name, body in bodies:
                if body and "$ref" not in body:
                    yield f"{method.upper()} {path} {name}", body
                    for content in body.get("content", {}).values():
                        for example_name, example in content.get("examples", {}).items():
                            yield f"{method.upper()} {path} {name} example {example_name}", example
    components = document["components"]
    for name, scheme in components.get("securitySchemes", {}).items():
        yield f"securitySchemes.{name}", scheme
    for name, response in components.get("responses", {}).items():
        yield f"responses.{name}", response
        for content in response.get("content", {}).values():
            for example_name, example in content.get("examples", {}).items():
                yield f"responses.{name} example {example_name}", example
    for name, header in components.get("headers", {}).items():
        yield f"headers.{name}", header
    for name, schema in components["schemas"].items():
        yield f"schemas.{name}", schema
        yield from _schema_elements(schema, f"schemas.{name}")


@pytest.mark.parametrize("api", APIS)
def test_every_element_names_its_source(api: str) -> None:
    problems = []
    for where, element in _traced_elements(api):
        sources = element.get("x-source")
        if not sources:
            problems.append(f"{where}: no x-source")
            continue
        for source in sources if isinstance(sources, list) else [sources]:
            match = SEED_SOURCE.match(source)
            if match:
                if match["seed"] not in SEEDS:
                    problems.append(f"{where}: no seed named {match['seed']}")
                elif " ".join(match["quote"].split()) not in SEEDS[match["seed"]]:
                    problems.append(f"{where}: {match['quote']!r} is not in {match['seed']}")
            elif not (source.startswith("https://") or source.startswith("decision: ")):
                problems.append(f"{where}: {source!r} is neither a seed quote, a vendor URL nor a decision")
    assert not problems, "\n".join(problems)


def _examples(api: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    document = spec(api)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post"):
                continue
            containers = [("request", operation.get("requestBody", {}))]
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                containers.append((status, response))
            for label, container in containers:
                for content in container.get("content", {}).values():
                    for name, example in content.get("examples", {}).items():
                        yield f"{method.upper()} {path} {label} {name}", content["schema"], example["value"]


@pytest.mark.parametrize("api", APIS)
def test_every_example_matches_its_schema(api: str) -> None:
    problems = []
    examples = list(_examples(api))
    assert examples
    for where, schema, value in examples:
        root = {**schema, "components": spec(api)["components"]}
        for error in OAS30Validator(root, format_checker=oas30_format_checker).iter_errors(value):
            problems.append(f"{where}: {error.message}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("api", APIS)
def test_the_spec_carries_no_framework_extensions(api: str) -> None:
    text = (SPECS / f"{api}.yaml").read_text(encoding="utf-8")
    extensions = set(re.findall(r"\bx-[A-Za-z]+", text)) - {"x-source"}
    assert not extensions, f"specs are for implementers; found {extensions}"
