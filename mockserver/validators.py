"""Request validators plugged into connexion's ``validator_map``: same rules, safer parsing, clearer messages."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncGenerator, Generator
from typing import Any, ClassVar

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem, UnsupportedMediaTypeProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import JSONRequestBodyValidator, JSONResponseBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Scope

from mockserver.compiled_schemas import surely_valid
from mockserver.errors import InvalidParameter
from mockserver.schema_errors import first_error, key_path

# Sandbox requests are a few hundred bytes; anything far larger is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024


def readable(error: ValidationError) -> str:
    """jsonschema's message, with a pattern shown as written rather than as a Python repr (doubled backslashes)."""
    if error.validator == "pattern":
        return f"{error.instance!r} does not match {error.validator_value}"
    return error.message


class JsonBodyValidator(JSONRequestBodyValidator):
    """Connexion's JSON body validator, without its 500s on bad bytes and with the most relevant error message."""

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
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise BadRequestProblem(detail=f"The request body is not valid JSON: {exc}.") from None

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is None:
            raise BadRequestProblem(detail="The request body must not be empty.")
        if surely_valid(self._schema, body):
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
        where = key_path(list(error.path))
        return f"{where}: {readable(error)}" if where else readable(error)


class NamedParameterValidator(ParameterValidator):
    """Connexion's parameter validator that reports which parameter failed, so error bodies can depend on it."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if value is None:
            return "is required" if param.get("required") else None
        if is_nullable(param) and is_null(value):
            return None
        schema = param.get("schema", param)
        if surely_valid(schema, value):
            return None
        error = first_error(Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).iter_errors(value))
        return f"is not valid: {readable(error)}" if error is not None else None

    def validate_request(self, request: Any) -> None:
        if self.strict_validation:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            if extra:
                raise InvalidParameter("query", ", ".join(sorted(extra)), "is not a parameter of this operation")
        checks = (
            ("query", self.validate_query_parameter),
            ("path", self.validate_path_parameter),
            ("header", self.validate_header_parameter),
            ("cookie", self.validate_cookie_parameter),
        )
        for location, check in checks:
            for param in self.parameters.get(location, []):
                message = check(param, request)
                if message:
                    raise InvalidParameter(location, param["name"], message)


class JsonResponseValidator(JSONResponseBodyValidator):
    """Connexion's response validator, with the compiled validity check first, and a memory of valid answers.

    The mock's answers are built from its fixtures, so the same bytes come back again and again; the same bytes
    against the same schema always get the same verdict. A body found valid once is recognised by its bytes and
    not parsed and validated again. Only valid bodies are remembered, and only a bounded number of them.
    """

    REMEMBERED = 1024
    _valid: ClassVar[OrderedDict[tuple[int, bytes], Any]] = OrderedDict()

    def _parse(self, stream: Generator[bytes, None, None]) -> Any:
        self._raw = b"".join(stream)
        key = (id(self._schema), self._raw)
        if key in self._valid and self._valid[key] is self._schema:
            self._valid.move_to_end(key)
            return _SEEN_VALID
        return super()._parse(chunk for chunk in [self._raw])

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is _SEEN_VALID:
            return None
        if not surely_valid(self._schema, body):
            super()._validate(body)  # raises, with connexion's message, when the body does not conform
        # The schema is kept with its key, so that the id cannot be reused by another schema.
        self._valid[(id(self._schema), self._raw)] = self._schema
        if len(self._valid) > self.REMEMBERED:
            self._valid.popitem(last=False)
        return None


_SEEN_VALID = object()


def validator_map(body_validator: type[JsonBodyValidator] = JsonBodyValidator) -> dict[str, Any]:
    """The ``validator_map`` for one API: its JSON body, parameter and response validators."""
    return {
        "parameter": NamedParameterValidator,
        "body": MediaTypeDict({"*/*json": body_validator}),
        "response": MediaTypeDict({"*/*json": JsonResponseValidator}),
    }
