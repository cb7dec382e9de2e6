"""The context a check runs in: where the system is, a bounded client, made-up values, and helpers that judge
answers. Checks are generators of findings; the helpers that send or judge are generators too, used with
``yield from``, so that a data rule that holds for every answer yields its findings in the check that got it.

Shapes are checked against the spec's schemas; errors on fields that a data rule owns (a date format, a mask)
are reported under that rule, the others under the case's own requirement.
"""

from __future__ import annotations

import random
import string
from collections.abc import Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from balancekit.clock import Clock
from balancekit.specs import load_spec
from conformance.results import Finding, Item
from conformance.transport import Client, Exchange, TransportError

if TYPE_CHECKING:
    from conformance.api import ConformanceApi

# After this many transport problems in a row, the system is considered down for the rest of the API's checks.
DOWN_AFTER = 2

# What a helper that sends or judges yields, and what it returns.
Judging = Generator[Item, None, Any]


class SystemDownError(Exception):
    """The system under test stopped answering; the API's remaining checks cannot reach a verdict."""


class ApiContext:
    """What a check of one API needs: where the system is, a bounded client, the run's seed and clock, and the
    API's spec and seed statuses to judge answers by."""

    def __init__(self, api: ConformanceApi, base_url: str, client: Client, seed: int, clock: Clock) -> None:
        self.base_url = base_url
        # Made-up values (wrong tokens, keys, ids) come from the run's seed, so a run's requests can be replayed.
        self.random = random.Random(seed)
        self.client = client
        self.clock = clock
        self.spec_path = api.spec_path
        # At a status the seed does not document, the shape of an answer is the API's other-status SHOULD, if any.
        self.seed_statuses = api.seed_statuses
        self.other_status_schema = api.other_status_schema
        self._validators: dict[str, OAS30Validator] = {}
        self._problems_in_a_row = 0
        self._answered = False
        self.down_reason = ""

    def send(self, method: str, path: str, **kwargs: Any) -> Exchange:
        """One exchange with the system; a transport problem raises TransportError and may mark the system down."""
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
        return exchange

    def request(self, method: str, path: str, **kwargs: Any) -> Judging:
        """:meth:`send`, then the data rules that hold for every answer; returns the exchange."""
        exchange = self.send(method, path, **kwargs)
        yield from self.every_answer(exchange)
        return exchange

    def every_answer(self, exchange: Exchange) -> Iterable[Item]:
        """Findings of the data rules that hold for every answer; APIs override it."""
        return ()

    @staticmethod
    def finding(
        requirement: str,
        check: str,
        passed: bool,
        documented: str,
        exchange: Exchange | None,
        received: str | None = None,
    ) -> Finding:
        """Whether ``exchange`` shows what ``documented`` says. A passing finding keeps what was received too: a
        reader of the evidence sees what the system answered, not only that it passed."""
        if received is None:
            received = exchange.received() if exchange is not None else ""
        return Finding(requirement, check, passed, documented, received, exchange)

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

    def expect_json(self, requirement: str, check: str, exchange: Exchange, status: int) -> Judging:
        """Expect a JSON answer with ``status``; return its body, or None after yielding the failure."""
        documented = f"HTTP {status} with a JSON body"
        body = exchange.json() if exchange.is_json else None
        ok = exchange.status == status and body is not None
        yield self.finding(requirement, check, ok, documented, exchange)
        return body if ok else None

    def schema_validator(self, schema_name: str) -> OAS30Validator:
        """A validator for ``#/components/schemas/<schema_name>`` of the API's spec."""
        if schema_name not in self._validators:
            components = load_spec(self.spec_path)["components"]
            root = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
            self._validators[schema_name] = OAS30Validator(root, format_checker=oas30_format_checker)
        return self._validators[schema_name]

    def expect_shape(
        self,
        requirement: str,
        check: str,
        exchange: Exchange,
        body: Any,
        schema: str,
        field_rules: Mapping[str, str] | None = None,
        section_rules: Mapping[str, str] | None = None,
    ) -> Iterable[Finding]:
        """Validate ``body`` against the spec's ``schema``. Format errors of a field in ``field_rules`` go to its
        rule; any error under a top-level key in ``section_rules`` to that key's requirement; the rest to
        ``requirement``. At a status the seed does not document, every error goes to the API's SHOULD of such
        statuses: the seed makes no shape there a MUST."""
        field_rules, section_rules = field_rules or {}, section_rules or {}
        if exchange.status not in self.seed_statuses and self.other_status_schema is not None:
            requirement, field_rules, section_rules = self.other_status_schema, {}, {}
        errors = list(self.schema_validator(schema).iter_errors(body))
        owners: dict[str, list[str]] = {requirement: []}
        owners.update({rule_id: [] for rule_id in (*field_rules.values(), *section_rules.values())})
        for error in _leaves(errors):
            top = next(iter(error.absolute_path), None)
            owner = section_rules.get(top) if isinstance(top, str) else None
            owner = owner or _owner(error, field_rules) or requirement
            owners.setdefault(owner, []).append(_describe(error))
        ruled = {**field_rules, **section_rules}
        findings = []
        for owner, problems in owners.items():
            fields = ", ".join(name for name, rule_id in ruled.items() if rule_id == owner)
            documented = f"a body matching {schema} in the spec" + (f" ({fields})" if owner != requirement else "")
            received = f"{exchange.status}: " + "; ".join(problems[:5]) if problems else None
            findings.append(self.finding(owner, check, not problems, documented, exchange, received))
        return findings


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
