"""Turns a JSON Schema validation error into the key it concerns, what was expected and what was found."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from mockserver.errors import FixtureError

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def first_error(errors: Iterable[ValidationError]) -> ValidationError | None:
    """The most relevant error of a validation run, or None when the instance is valid."""
    return best_match(errors)


def key_path(parts: Sequence[Any]) -> str:
    """``['accounts', 'preferred', 'cards', 0]`` as ``accounts.preferred.cards[0]``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(error: ValidationError) -> tuple[list[Any], str, str]:
    """The path of the offending value (it may go one key deeper than ``error.path``), expected, found."""
    # absolute_path: an error found inside a oneOf branch keeps the key of the value it concerns.
    path = list(error.absolute_path)
    # The stubs type these as possibly unset; a validation error from iter_errors always has them.
    kind, value, schema, instance = str(error.validator), cast(Any, error.validator_value), error.schema, error.instance
    if not isinstance(schema, dict):
        schema = {}
    if kind == "required" and isinstance(instance, dict):
        missing = next(name for name in value if name not in instance)
        return [*path, missing], "a value", "nothing"
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = set(schema.get("properties", {}))
        extra = next((name for name in instance if name not in allowed), "?")
        return [*path, extra], f"one of the keys {', '.join(sorted(allowed))}", "an unexpected key"
    if kind == "not" and isinstance(value, dict) and "required" in value:
        present = next(name for name in value["required"])
        return [*path, present], f"no '{present}' key here", "one"
    if "propertyNames" in error.schema_path:
        # The error concerns a key of the mapping at `path`; `instance` is that key.
        return [*path, instance], _expected_from(schema, error), repr(instance)
    return path, _expected_from(schema, error), _found(kind, instance)


def _expected_from(schema: dict[str, Any], error: ValidationError) -> str:
    kind, value = str(error.validator), cast(Any, error.validator_value)
    description = str(schema.get("description", "")).rstrip(".")
    if kind == "type":
        names: list[str] = value if isinstance(value, list) else [value]
        return " or ".join(_TYPE_NAMES.get(name, name) for name in names)
    if kind == "enum":
        return "one of " + ", ".join(repr(option) for option in value)
    if kind in ("minLength", "maxLength"):
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None and high is not None:
            return f"{low}-{high} characters"
        return f"at least {low} characters" if kind == "minLength" else f"at most {high} characters"
    if kind in ("minItems", "minProperties"):
        return f"at least {value} {'items' if kind == 'minItems' else 'entries'}"
    if kind == "pattern":
        return description or f"a string matching {value}"
    if kind == "format":
        return description or f"a {value}"
    return description or error.message


def _found(kind: str, instance: Any) -> str:
    if kind in ("minLength", "maxLength") and isinstance(instance, str):
        return f"{len(instance)}"
    if kind in ("minItems", "minProperties") and isinstance(instance, (list, dict)):
        return f"{len(instance)}"
    text = repr(instance)
    if len(text) > 60:
        text = text[:57] + "..."
    if kind == "type":
        return f"{text} ({type(instance).__name__})"
    return text


def under(*keys: Any) -> Callable[[list[Any]], list[Any]]:
    """A ``key_of`` for :func:`raise_for_fixture` when the validated value sits at ``keys`` in the fixture."""
    return lambda path: [*keys, *path]


def raise_for_fixture(errors: Iterable[ValidationError], key_of: Callable[[list[Any]], list[Any]]) -> None:
    """Raise a FixtureError for the most relevant error; ``key_of`` maps a validated path to fixture keys."""
    error = first_error(errors)
    if error is not None:
        path, expected, found = describe(error)
        # describe() may go one key below the error's own path (a missing or an unexpected key).
        extra = path[len(error.path) :]
        raise FixtureError(key_path([*key_of(list(error.path)), *extra]), expected, found)
