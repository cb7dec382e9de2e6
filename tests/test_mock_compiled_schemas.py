"""The compiled validity check never accepts what Python's jsonschema refuses, on every schema the mock validates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from connexion.exceptions import NonConformingResponseBody
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from connexion.validators import JSONResponseBodyValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from support import spec

from mockserver.compiled_schemas import CompiledSchemas
from mockserver.validators import JsonResponseValidator, ValidationMemory, for_app


def _schemas() -> list[tuple[str, dict[str, Any], list[Any]]]:
    """Every request and response body schema of the three specs (refs inlined, as connexion serves them), with the
    spec's examples for each: valid instances to mutate."""
    found = []
    for api in ("vip-connect", "paytronix", "valkyrie"):
        resolved = resolve_refs(spec(api))
        for path, item in resolved["paths"].items():
            for method, operation in item.items():
                if method not in ("get", "post"):
                    continue
                contents = [("request", operation.get("requestBody", {}))]
                contents += [(status, response) for status, response in operation["responses"].items()]
                for label, container in contents:
                    for content in container.get("content", {}).values():
                        examples = [example["value"] for example in content.get("examples", {}).values()]
                        found.append((f"{api} {method.upper()} {path} {label}", content["schema"], examples))
        for parameter in (p for item in resolved["paths"].values() for p in item.get("get", {}).get("parameters", [])):
            found.append(
                (f"{api} parameter {parameter['name']}", parameter["schema"], [parameter["schema"].get("example")])
            )
    return found


SCHEMAS = _schemas()
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "7210988860",
            "7210988860\n",
            "٧٢١٠٩٨٨٨٦٠",
            "2022-08-01T00:00:00+00:00",
            "2014-02-30",
            "****3545",
            "1.50",
            "ACTIVE",
            "OK",
            "ERROR",
            "Error",
            "PAM_ERR_UNDEFINED",
            "success",
            "failure",
            "",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn, examples: list[Any]) -> Any:
    """A valid example with a few fields deleted, replaced or added, or an arbitrary JSON value."""
    usable = [example for example in examples if example is not None]
    if not usable or draw(st.booleans()):
        return draw(json_values)
    value = draw(st.sampled_from(usable))
    if not isinstance(value, dict):
        return draw(st.one_of(st.just(value), json_values))
    value = dict(value)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete" and value:
            value.pop(draw(st.sampled_from(sorted(value))))
        elif action == "replace" and value:
            value[draw(st.sampled_from(sorted(value)))] = draw(json_values)
        else:
            value[draw(st.text(max_size=8))] = draw(json_values)
    return value


@pytest.mark.slow
@pytest.mark.parametrize(("name", "schema", "examples"), SCHEMAS, ids=[name for name, _, _ in SCHEMAS])
def test_the_compiled_check_never_accepts_what_python_refuses(
    name: str, schema: dict[str, Any], examples: list[Any]
) -> None:
    python = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    surely_valid = CompiledSchemas().surely_valid

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(instance=mutated(examples))
    def agree(instance: Any) -> None:
        if surely_valid(schema, instance):
            assert python.is_valid(instance), f"{name}: compiled check accepts {instance!r}, Python refuses it"

    agree()


@pytest.mark.parametrize(("name", "schema", "examples"), SCHEMAS, ids=[name for name, _, _ in SCHEMAS])
def test_valid_examples_take_the_fast_path(name: str, schema: dict[str, Any], examples: list[Any]) -> None:
    python = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    surely_valid = CompiledSchemas().surely_valid
    for example in examples:
        if example is not None and python.is_valid(example):
            assert surely_valid(schema, example), f"{name}: the compiled check refuses the valid {example!r}"


def test_the_response_validator_remembers_only_valid_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["OK", "ERROR"]}}}
    memory = ValidationMemory()
    validator_class = for_app(JsonResponseValidator, memory)
    # What a validation costs when nothing is remembered: a JSON parse, then the compiled and the Python check.
    work: Counter[str] = Counter()

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            work[name] += 1
            return function(*args)

        return call

    monkeypatch.setattr(JSONResponseBodyValidator, "_parse", counted("parse", JSONResponseBodyValidator._parse))
    monkeypatch.setattr(memory.schemas, "surely_valid", counted("check", memory.schemas.surely_valid))

    def validate(raw: bytes) -> None:
        validator = validator_class({}, schema=schema, encoding="utf-8")
        validator._validate(validator._parse(chunk for chunk in [raw]))

    validate(b'{"status": "OK"}')
    assert work == {"parse": 1, "check": 1}
    validate(b'{"status": "OK"}')  # the same bytes again: recognised, not parsed or checked again
    assert work == {"parse": 1, "check": 1}
    assert len(memory.valid_answers) == 1
    with pytest.raises(NonConformingResponseBody):
        validate(b'{"status": "DONE"}')
    with pytest.raises(NonConformingResponseBody):
        validate(b'{"status": "DONE"}')  # a refused body is never remembered as valid
    assert work == {"parse": 3, "check": 3}
    assert len(memory.valid_answers) == 1
