"""Request validators plugged into connexion's ``validator_map``: same rules, safer parsing, clearer messages."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, cast

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem, UnsupportedMediaTypeProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import JSONRequestBodyValidator, JSONResponseBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope

from mockserver.bounded_cache import BoundedCache
from mockserver.compiled_schemas import CompiledSchemas
from mockserver.errors import InvalidParameter
from mockserver.redaction import ECHO_LIMIT, any_sensitive, cut, is_sensitive, shown
from mockserver.schema_errors import first_error, key_path

# Sandbox requests are a few hundred bytes; anything far larger is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024


def readable(error: ValidationError, *, sensitive: bool = False) -> str:
    """jsonschema's message, without the client's value in full: withheld when ``sensitive``, otherwise cut, and a
    pattern shown as written rather than as a Python repr (doubled backslashes)."""
    value = shown(error.instance, sensitive=sensitive)
    if error.validator == "pattern":
        return f"{value} does not match {error.validator_value}"
    quoted = repr(error.instance)
    if error.message.startswith(quoted):
        return value + error.message[len(quoted) :]
    # The other messages name keys ('x' is a required property, ('y' was unexpected)); clients choose some of them.
    return cut(error.message, 2 * ECHO_LIMIT)


# A JSON escape of a UTF-16 surrogate; and a surrogate as a character, which no text a client sends should hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def holds_lone_surrogate(value: Any) -> bool:
    """True when a parsed JSON value holds, in any key or string, a surrogate that no pair made a character."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


@dataclass
class ValidationMemory:
    """What the validators of one app keep across requests: compiled schemas, and answers found valid (bounded in
    number and in bytes)."""

    schemas: CompiledSchemas = field(default_factory=CompiledSchemas)
    valid_answers: BoundedCache[tuple[int, bytes], Any] = field(
        default_factory=lambda: BoundedCache(max_entries=1024, max_bytes=1024 * 1024, max_item_bytes=64 * 1024)
    )


class _AppValidator:
    """connexion builds a validator per request from the class in ``validator_map``; what one app's validators
    share is set on a class made for that app and API by :func:`validator_map`."""

    memory: ClassVar[ValidationMemory]
    identity_fields: ClassVar[frozenset[str]] = frozenset()


class JsonBodyValidator(_AppValidator, JSONRequestBodyValidator):
    """Connexion's JSON body validator, without its 500s on bad bytes and with the most relevant error message."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        # connexion's own version decides from Content-Length alone whether a body came, so a chunked body (no
        # Content-Length) was refused as missing. Here every body is read; an empty one is refused by _validate.
        messages: list[Any] = []

        async def stream() -> AsyncGenerator[bytes, None]:
            more_body = True
            while more_body:
                message = await receive()
                messages.append(message)
                more_body = message.get("more_body", False)
                yield message.get("body", b"")

        body = await self._parse(stream(), scope=scope)
        self._validate(body)
        return self._insert_messages(receive, messages=messages), scope

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        if not any(name == b"content-type" for name, _ in scope["headers"]):
            # connexion validates such a body as JSON but hands the handler raw bytes; refuse it up front.
            raise UnsupportedMediaTypeProblem(detail="The request has no Content-Type; send application/json.")
        chunks, size = [], 0
        async for chunk in stream:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BadRequestProblem(detail=f"The request body is larger than {MAX_BODY_BYTES} bytes.")
            chunks.append(chunk)
        try:
            # connexion decodes outside its try block, so bytes that are not text became a 500.
            text = b"".join(chunks).decode(self._encoding)
        except (UnicodeDecodeError, LookupError):
            raise BadRequestProblem(detail=f"The request body is not valid {self._encoding} text.") from None
        if not text:
            return None
        try:
            body = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise BadRequestProblem(detail=f"The request body is not valid JSON: {exc}.") from None
        # json.loads turns an unpaired escape such as \ud800 into a string no UTF-8 encoder (nor the compiled
        # schema check) accepts; a text decoded with an exotic charset can hold one as it is.
        if (_SURROGATE_ESCAPE.search(text) or not text.isascii()) and holds_lone_surrogate(body):
            raise BadRequestProblem(
                detail="The request body holds a lone surrogate (\\ud800 to \\udfff without its pair), "
                "which is not a Unicode character."
            )
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is None:
            raise BadRequestProblem(detail="The request body must not be empty.")
        if self.memory.schemas.surely_valid(self._schema, body):
            return None
        validator = Draft4RequestValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        errors = list(validator.iter_errors(body))
        if errors:
            raise BadRequestProblem(detail=self.explain(body, errors))
        return None

    def explain(self, body: Any, errors: list[ValidationError]) -> str:
        """The message a client reads when its body breaks the schema; APIs override it for their own rules."""
        error = first_error(errors)
        assert error is not None
        path = list(error.path)
        message = readable(error, sensitive=any_sensitive(path, self.identity_fields))
        return f"{cut(key_path(path))}: {message}" if path else message


# What a numeric parameter may look like. int() and float() also take other scripts' digits (Arabic-Indic,
# fullwidth), '_' separators and surrounding blanks ('777_777', ' 777 '), which the spec's integer and number do not.
_NUMBER_SYNTAX = {
    "integer": re.compile(r"-?[0-9]+\Z"),
    "number": re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z"),
}


class NamedParameterValidator(_AppValidator, ParameterValidator):
    """Connexion's parameter validator that reports which parameter failed, so error bodies can depend on it."""

    def validate_parameter(
        self, parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if value is None:
            return "is required" if param.get("required") else None
        if is_nullable(param) and is_null(value):
            return None
        schema = param.get("schema", param)
        if self.memory.schemas.surely_valid(schema, value):
            return None
        error = first_error(Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).iter_errors(value))
        if error is None:
            return None
        sensitive = is_sensitive(param.get("name"), self.identity_fields)
        return f"is not valid: {readable(error, sensitive=sensitive)}"

    def validate_request(self, request: Any) -> None:
        if self.strict_validation:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            if extra:
                names = cut(", ".join(sorted(extra)), 2 * ECHO_LIMIT)
                raise InvalidParameter("query", names, "is not a parameter of this operation")
        checks = (
            ("query", self.validate_query_parameter),
            ("path", self.validate_path_parameter),
            ("header", self.validate_header_parameter),
            ("cookie", self.validate_cookie_parameter),
        )
        for location, check in checks:
            for param in self.parameters.get(location, []):
                message = self._number_syntax(location, param, request) or check(param, request)
                if message:
                    raise InvalidParameter(location, param["name"], message)

    def _number_syntax(self, location: str, param: dict[str, Any], request: Any) -> str | None:
        """Refuses a numeric parameter written other than in ASCII digits, before connexion's int() accepts it."""
        kind = param.get("schema", param).get("type")
        syntax = _NUMBER_SYNTAX.get(kind)
        if syntax is None:
            return None
        name = param["name"]
        if location == "query":
            values = QueryParams(request.scope["query_string"]).getlist(name)
        elif location == "header":
            values = request.headers.getlist(name)
        elif location == "path":
            values = [request.scope.get("path_params", {}).get(name)]
        else:
            return None
        for value in values:
            if isinstance(value, str) and not syntax.match(value):
                written = shown(value, sensitive=is_sensitive(name, self.identity_fields))
                return f"is not valid: {written} is not {'an' if kind == 'integer' else 'a'} {kind} in ASCII digits"
        return None


class JsonResponseValidator(_AppValidator, JSONResponseBodyValidator):
    """Connexion's response validator, with the compiled validity check first, and a memory of valid answers.

    The mock's answers are built from its fixtures, so the same bytes come back again and again; the same bytes
    against the same schema always get the same verdict. A body found valid once is recognised by its bytes and
    not parsed and validated again. Only valid bodies are remembered, bounded in number and in bytes.
    """

    def _parse(self, stream: Generator[bytes, None, None]) -> Any:
        self._raw = b"".join(stream)
        if self.memory.valid_answers.get((id(self._schema), self._raw)) is self._schema:
            return _SEEN_VALID
        return super()._parse(chunk for chunk in [self._raw])

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is _SEEN_VALID:
            return None
        if not self.memory.schemas.surely_valid(self._schema, body):
            super()._validate(body)  # raises, with connexion's message, when the body does not conform
        # The schema is kept with its key, so that the id cannot be reused by another schema.
        self.memory.valid_answers.put((id(self._schema), self._raw), self._schema, len(self._raw))
        return None


_SEEN_VALID = object()


V = TypeVar("V", bound=_AppValidator)


def for_app(validator: type[V], memory: ValidationMemory, identity_fields: frozenset[str] = frozenset()) -> type[V]:
    """``validator`` bound to one app's memory and one API's identity fields."""
    shared = {"memory": memory, "identity_fields": identity_fields}
    return cast(type[V], type(validator.__name__, (validator,), shared))


def validator_map(
    body_validator: type[JsonBodyValidator], memory: ValidationMemory, identity_fields: frozenset[str]
) -> dict[str, Any]:
    """The ``validator_map`` for one API of one app: its JSON body, parameter and response validators."""
    return {
        "parameter": for_app(NamedParameterValidator, memory, identity_fields),
        "body": MediaTypeDict({"*/*json": for_app(body_validator, memory, identity_fields)}),
        "response": MediaTypeDict({"*/*json": for_app(JsonResponseValidator, memory, identity_fields)}),
    }
