"""Faults the sandbox acts out when asked, read from a mapping or a ``Prefer: fault=...`` header and checked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from connexion.exceptions import BadRequestProblem

from mockserver.errors import FixtureError
from mockserver.prefer import preferences
from mockserver.redaction import cut

# Bounds the admin spec documents: a forgotten fault never holds a connection for long.
MAX_DELAY_MS = 60_000
MAX_HANG_MS = 120_000  # also a hang's default: no answer until the client gives up, at most this long
MAX_TRICKLE_SECONDS = 60  # then the rest of the body is sent at once
MAX_BYTES_PER_SECOND = 1_000_000

# The parameters each kind takes, as mapping keys (a Prefer header writes them with '-' for '_').
PARAMETERS: dict[str, tuple[str, ...]] = {
    "delay": ("ms", "min_ms", "max_ms"),
    "error": ("status", "code"),
    "drop": (),
    "hang": ("ms",),
    "trickle": ("bytes_per_second",),
}
_INTEGER_RANGES = {
    "ms": (0, MAX_DELAY_MS),
    "min_ms": (0, MAX_DELAY_MS),
    "max_ms": (0, MAX_DELAY_MS),
    "status": (400, 599),
    "bytes_per_second": (1, MAX_BYTES_PER_SECOND),
}
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
RULE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# An error fault's answer in an API's own error shape: (status asked for or None, code asked for or None, message)
# -> (status, body, headers).
FaultRenderer = Callable[[int | None, str | None, str], tuple[int, Any, Mapping[str, str]]]


@dataclass(frozen=True)
class Fault:
    """What to act out; only the parameters of its ``kind`` are set."""

    kind: str
    ms: int | None = None  # a fixed delay, or how long a hang lasts at most
    min_ms: int | None = None  # a delay range
    max_ms: int | None = None
    status: int | None = None  # an error's status; the API's renderer picks one when None
    code: str | None = None  # an error's code in the API's own shape
    bytes_per_second: int | None = None

    def delay_ms(self, unit: float) -> int:
        """A delay's milliseconds; within a range, the point ``unit`` (0 to 1) of the way."""
        if self.ms is not None:
            return self.ms
        low, high = self.min_ms or 0, self.max_ms or 0
        return low + min(int(unit * (high - low + 1)), high - low)

    def describe(self) -> dict[str, Any]:
        """The fault as a mapping: its kind and the parameters set."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class FaultTarget:
    """What a fault may name of one API: its operations, and the error codes its error shape takes."""

    operations: frozenset[str]
    # A refused code -> what the API expects instead; None when the code is one of its own.
    check_code: Callable[[str], str | None] = field(default=lambda code: None)


@dataclass(frozen=True)
class FaultRule:
    """Which requests get a fault: routed to ``api`` (and ``operation``), reaching ``entity``, on a ``probability``
    share of them, chosen repeatably with ``seed``."""

    name: str
    api: str
    fault: Fault
    operation: str | None = None
    entity: str | None = None
    probability: float = 1.0
    seed: int | None = None
    source: str = "rule"  # 'rule' (admin API), 'fixture' (an entity's fault key) or 'prefer'

    @property
    def counter(self) -> str:
        """The shared draw counter of a seeded rule; it begins with :func:`counter_prefix` of its API."""
        return f"{counter_prefix(self.api)}{self.source}/{self.name}/"


def counter_prefix(api: str, source: str | None = None, name: str | None = None) -> str:
    """The beginning shared by the draw counters of an API (of one source, of one rule)."""
    return f"{api}/" + (f"{source}/" if source else "") + (f"{name}/" if source and name else "")


def fault_from_mapping(data: Any, key: str, target: FaultTarget | None = None) -> Fault:
    """The fault a mapping describes (``{"kind": "delay", "ms": 2000}``); raises FixtureError naming the key."""
    if not isinstance(data, Mapping):
        raise FixtureError(key, "a mapping with a kind", type(data).__name__)
    kind = data.get("kind")
    if kind not in PARAMETERS:
        raise FixtureError(f"{key}.kind", f"one of {', '.join(PARAMETERS)}", _found(kind))
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "kind":
            continue
        if name not in PARAMETERS[kind]:
            takes = ", ".join(PARAMETERS[kind]) or "no parameters"
            raise FixtureError(f"{key}.{name}", f"no such key (a {kind} fault takes {takes})", "one")
        values[name] = _checked_parameter(f"{key}.{name}", name, value, kind, target)
    _check_combination(key, kind, values)
    return Fault(kind=kind, **values)


def _checked_parameter(key: str, name: str, value: Any, kind: str, target: FaultTarget | None) -> Any:
    if name == "code":
        if not isinstance(value, str) or not _CODE.match(value):
            raise FixtureError(key, "a code of 1-64 letters, digits, '_', '.' or '-'", _found(value))
        expected = target.check_code(value) if target is not None else None
        if expected is not None:
            raise FixtureError(key, expected, _found(value))
        return value
    low, high = _INTEGER_RANGES[name]
    if kind == "hang" and name == "ms":
        low, high = 1, MAX_HANG_MS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FixtureError(key, f"an integer from {low} to {high}", _found(value))
    return value


def _check_combination(key: str, kind: str, values: dict[str, Any]) -> None:
    if kind == "delay":
        fixed, ranged = "ms" in values, ("min_ms" in values, "max_ms" in values)
        if fixed == any(ranged) or (not fixed and not all(ranged)):
            found = ", ".join(sorted(values)) or "neither"
            raise FixtureError(key, "either ms, or min_ms and max_ms", found)
        if not fixed and values["min_ms"] > values["max_ms"]:
            raise FixtureError(f"{key}.max_ms", f"at least min_ms ({values['min_ms']})", str(values["max_ms"]))
    elif kind == "trickle" and "bytes_per_second" not in values:
        raise FixtureError(f"{key}.bytes_per_second", "a rate in bytes per second", "nothing")


def _found(value: Any) -> str:
    return "nothing" if value is None else cut(repr(value))


def probability_from(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FixtureError(key, "a number from 0 to 1", _found(value))
    return float(value)


def seed_from(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise FixtureError(key, "a non-negative integer", _found(value))
    return value


_RULE_KEYS = ("api", "operation", "entity", "fault", "probability", "seed")


def rule_from_mapping(name: str, data: Any, targets: Mapping[str, FaultTarget]) -> FaultRule:
    """An admin fault rule (``{"api": ..., "fault": {...}, ...}``); raises FixtureError naming the key."""
    if not RULE_NAME.match(name):
        raise FixtureError(
            "name", "lower-case letters, digits, '-' and '_', starting with a letter or digit", repr(name)
        )
    if not isinstance(data, Mapping):
        raise FixtureError("(rule)", "a mapping with api and fault", type(data).__name__)
    for key in data:
        if key not in _RULE_KEYS:
            raise FixtureError(str(key), f"no such key (a rule takes {', '.join(_RULE_KEYS)})", "one")
    api = data.get("api")
    if not isinstance(api, str) or api not in targets:
        raise FixtureError("api", f"one of {', '.join(targets)}", _found(api))
    target = targets[api]
    operation = data.get("operation")
    if operation is not None and operation not in target.operations:
        raise FixtureError("operation", f"one of {', '.join(sorted(target.operations))}", _found(operation))
    entity = data.get("entity")
    if entity is not None and not (isinstance(entity, str) and RULE_NAME.match(entity)):
        raise FixtureError("entity", "a fixture entity's name", _found(entity))
    return FaultRule(
        name=name,
        api=api,
        fault=fault_from_mapping(data.get("fault"), "fault", target),
        operation=operation,
        entity=entity,
        probability=probability_from(data.get("probability", 1.0), "probability"),
        seed=seed_from(data["seed"], "seed") if data.get("seed") is not None else None,
    )


def entity_rule(api: str, entity: str, data: Any, key: str, target: FaultTarget) -> FaultRule:
    """The rule of a fixture entity's ``fault`` key: a fault mapping, with ``probability`` and ``seed`` beside its
    kind (``fault: {kind: error, status: 503, probability: 0.5, seed: 7}``)."""
    if not isinstance(data, Mapping):
        raise FixtureError(key, "a mapping with a kind", type(data).__name__)
    fault = {name: value for name, value in data.items() if name not in ("probability", "seed")}
    return FaultRule(
        name=key,
        api=api,
        fault=fault_from_mapping(fault, key, target),
        entity=entity,
        probability=probability_from(data.get("probability", 1.0), f"{key}.probability"),
        seed=seed_from(data["seed"], f"{key}.seed") if data.get("seed") is not None else None,
        source="fixture",
    )


class InvalidFaultPreference(BadRequestProblem):
    """A ``Prefer: fault=...`` the sandbox cannot act out; answered 400 in the API's error shape."""

    def __init__(self, preference: str, problem: FixtureError) -> None:
        self.problem = problem
        super().__init__(detail=f"Prefer: {cut(preference)}: {problem}")


def preferred_fault(header: str | None, api: str, target: FaultTarget | None = None) -> FaultRule | None:
    """The fault a ``Prefer`` header asks for (``fault=delay; ms=2000``), as a rule for this one request; None when
    it asks for none. Raises InvalidFaultPreference for a fault it cannot act out."""
    if not header or "fault" not in header.lower():
        return None
    for preference in preferences(header):
        if preference.name != "fault":
            continue
        data: dict[str, Any] = {"kind": preference.value}
        for key, value in preference.parameters:
            data[key.replace("-", "_")] = _number_or_text(value)
        try:
            probability = probability_from(data.pop("probability", 1.0), "probability")
            seed = seed_from(data.pop("seed"), "seed") if "seed" in data else None
            fault = fault_from_mapping(data, "fault", target)
        except FixtureError as problem:
            raise InvalidFaultPreference(preference.text, problem) from None
        # The canonical text names the seeded counter: the n-th request with the same preference draws the same.
        chances = {"probability": probability, "seed": seed}
        canonical = "; ".join(f"{key}={value}" for key, value in sorted({**fault.describe(), **chances}.items()))
        return FaultRule(name=canonical, api=api, fault=fault, probability=probability, seed=seed, source="prefer")
    return None


def _number_or_text(text: str) -> Any:
    # RFC 7240 values are tokens or quoted strings; numbers are read as numbers so the mapping's checks apply.
    if re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    if re.fullmatch(r"-?\d{0,18}\.\d{1,18}", text):
        return float(text)
    return text
