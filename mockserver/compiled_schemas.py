"""Fast validity checks: a compiled (Rust) validator per schema, consulted before Python's jsonschema.

jsonschema_rs is at least as strict as Python's jsonschema on these specs (it anchors patterns at the very end and
checks more formats), never more lenient. So an instance it accepts is valid, and only an instance it refuses goes
to the Python validator, which gives the verdict and the message exactly as before. tests/test_mock_compiled_schemas.py
holds that property on generated inputs.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs


class CompiledSchemas:
    """The compiled validators of one app, one per schema it validates with."""

    def __init__(self) -> None:
        # Schemas are the spec's own dicts, alive as long as the app; each entry keeps its schema so that an id is
        # never taken for another schema's.
        self._validators: dict[int, tuple[Any, jsonschema_rs.Draft4Validator]] = {}

    def surely_valid(self, schema: Any, instance: Any) -> bool:
        """True when ``instance`` is valid against ``schema``; False means 'ask the Python validator'."""
        entry = self._validators.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = (schema, jsonschema_rs.Draft4Validator(_without_components(schema), validate_formats=True))
            self._validators[id(schema)] = entry
        return bool(entry[1].is_valid(instance))

    def __len__(self) -> int:
        return len(self._validators)


def _without_components(schema: Any) -> Any:
    """The schema without the ``components`` connexion attaches for $ref resolution.

    connexion has already inlined every $ref, and it attaches ``components`` to schema dicts that other schemas
    also contain, which makes the structure cyclic; the compiled validator needs neither.
    """
    if isinstance(schema, dict):
        return {key: _without_components(value) for key, value in schema.items() if key != "components"}
    if isinstance(schema, list):
        return [_without_components(value) for value in schema]
    return schema
