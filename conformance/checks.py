"""How checks are written: a registry binding each check to a requirement id, and the context a check runs in.

A documented-case check sends requests with ``ApiContext.send`` and records what it sees with ``ApiContext.expect``.
Shapes are checked against the spec's schemas; errors on fields that a data rule owns (a date format, a mask)
are reported under that rule, the others under the case's own requirement.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from conformance.requirements import SEED_STATUSES
from conformance.results import Finding, Results
from conformance.specs import schema_validator
from conformance.transport import Client, Exchange, TransportError

# After this many transport problems in a row, the system is considered down for the rest of the API's checks.
DOWN_AFTER = 2
# Where the shape of an answer goes when its status is not one the seed documents: a SHOULD, not the case's MUST.
OTHER_STATUS_SCHEMA = {"paytronix": "PTX-SCHEMA-OTHER-STATUS", "valkyrie": "VALK-SCHEMA-OTHER-STATUS"}


@dataclass(frozen=True)
class Check:
    """A check as listed in the catalogue: the requirement it verifies, its name and how it runs."""

    requirement: str
    name: str
    kind: str  # "documented case", "data rule" or "generated requests"
    run: Callable[[ApiContext], None] | None = None


REGISTRY: list[Check] = []


def case(requirement: str, name: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register a documented-case check of ``requirement``."""

    def register(function: Callable[[Any], None]) -> Callable[[Any], None]:
        REGISTRY.append(Check(requirement, name, "documented case", function))
        return function

    return register


def rule(requirement: str, name: str) -> None:
    """List a data rule of ``requirement``: it runs on answers the cases receive, not on its own."""
    REGISTRY.append(Check(requirement, name, "data rule"))


def checks_for(requirement: str) -> list[Check]:
    return [check for check in REGISTRY if check.requirement == requirement]


class SystemDownError(Exception):
    """The system under test stopped answering; the API's remaining checks cannot reach a verdict."""


class ApiContext:
    """What a check of one API needs: where the system is, a bounded client, the findings so far."""

    api: str

    def __init__(self, base_url: str, client: Client, results: Results, seed: int) -> None:
        self.base_url = base_url
        # Made-up values (wrong tokens, keys, ids) come from the run's seed, so a run's requests can be replayed.
        self.random = random.Random(seed)
        self.client = client
        self.results = results
        self._problems_in_a_row = 0
        self._answered = False
        self.down_reason = ""

    def send(self, method: str, path: str, **kwargs: Any) -> Exchange:
        if self.down_reason:
            raise SystemDownError(self.down_reason)
        try:
            exchange = self.client.send(method, self.base_url + path, **kwargs)
        except TransportError as problem:
            self._problems_in_a_row += 1
            # A system that never answered is down at once; one that did gets a second chance.
            if not self._answered or self._problems_in_a_row >= DOWN_AFTER:
                self.down_reason = str(problem)
            raise
        self._problems_in_a_row = 0
        self._answered = True
        self.after_exchange(exchange)
        return exchange

    def after_exchange(self, exchange: Exchange) -> None:
        """Data rules that hold for every answer; APIs override it."""

    def expect(
        self,
        requirement: str,
        check: str,
        passed: bool,
        documented: str,
        exchange: Exchange | None,
        received: str | None = None,
    ) -> bool:
        """Record whether ``exchange`` shows what ``documented`` says; returns ``passed``. A passing finding keeps
        what was received too: a reader of the evidence sees what the system answered, not only that it passed."""
        if received is None:
            received = exchange.received() if exchange is not None else ""
        self.results.add(Finding(requirement, check, passed, documented, received, exchange))
        return passed

    def random_hex(self, characters: int) -> str:
        return self.random.randbytes((characters + 1) // 2).hex()[:characters]

    def random_text(self, like: str) -> str:
        """A random value shaped like ``like`` (each digit a digit, each letter a letter), never equal to it."""
        for _ in range(8):
            made_up = "".join(self._random_like(char) for char in like)
            if made_up != like:
                return made_up
        return "x" * (len(like) + 1)

    def _random_like(self, char: str) -> str:
        for alphabet in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
            if char in alphabet:
                return self.random.choice(alphabet)
        return char

    def expect_json(self, requirement: str, check: str, exchange: Exchange, status: int) -> Any:
        """Expect a JSON answer with ``status``; return its body, or None after recording the failure."""
        documented = f"HTTP {status} with a JSON body"
        body = exchange.json() if exchange.is_json else None
        ok = exchange.status == status and body is not None
        self.expect(requirement, check, ok, documented, exchange)
        return body if ok else None

    def expect_shape(
        self,
        requirement: str,
        check: str,
        exchange: Exchange,
        body: Any,
        schema: str,
        field_rules: Mapping[str, str] | None = None,
        section_rules: Mapping[str, str] | None = None,
    ) -> None:
        """Validate ``body`` against the spec's ``schema``. Format errors of a field in ``field_rules`` go to its
        rule; any error under a top-level key in ``section_rules`` to that key's requirement; the rest to
        ``requirement``. At a status the seed does not document, every error goes to the API's SHOULD of such
        statuses: the seed makes no shape there a MUST."""
        field_rules, section_rules = field_rules or {}, section_rules or {}
        if exchange.status not in SEED_STATUSES[self.api] and self.api in OTHER_STATUS_SCHEMA:
            requirement, field_rules, section_rules = OTHER_STATUS_SCHEMA[self.api], {}, {}
        errors = list(schema_validator(self.api, schema).iter_errors(body))
        owners: dict[str, list[str]] = {requirement: []}
        owners.update({rule_id: [] for rule_id in (*field_rules.values(), *section_rules.values())})
        for error in _leaves(errors):
            top = next(iter(error.absolute_path), None)
            owner = section_rules.get(top) if isinstance(top, str) else None
            owner = owner or _owner(error, field_rules) or requirement
            owners.setdefault(owner, []).append(_describe(error))
        ruled = {**field_rules, **section_rules}
        for owner, problems in owners.items():
            fields = ", ".join(name for name, rule_id in ruled.items() if rule_id == owner)
            documented = f"a body matching {schema} in the spec" + (f" ({fields})" if owner != requirement else "")
            received = f"{exchange.status}: " + "; ".join(problems[:5]) if problems else None
            self.expect(owner, check, not problems, documented, exchange, received)


def _leaves(errors: Iterable[ValidationError]) -> Iterable[ValidationError]:
    """The most specific errors: a failed oneOf/anyOf/allOf is replaced by what failed inside it."""
    for error in errors:
        if error.context and error.validator in ("allOf", "anyOf", "oneOf"):
            best = best_match(error.context)
            if best is not None:
                yield from _leaves([best])
                continue
        yield error


def _owner(error: ValidationError, field_rules: Mapping[str, str]) -> str | None:
    if error.validator not in ("pattern", "format", "type"):
        return None
    path = [part for part in error.absolute_path if isinstance(part, str)]
    return field_rules.get(path[-1]) if path else None


def _describe(error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(body)"
    if error.validator == "pattern":
        return f"{where}: {error.instance!r} does not match {error.validator_value}"
    return f"{where}: {error.message}"


def guard(context: ApiContext, requirement: str, function: Callable[[ApiContext], None]) -> None:
    """Run one check; a transport problem leaves its requirement without a verdict instead of ending the run."""
    try:
        function(context)
    except TransportError as problem:
        context.results.error(requirement, f"no verdict: {problem}")
