"""schemathesis's configuration for one API of a profile, and the API's spec with the profile's identities as its
examples: plain data, built in the suite's process and handed to the child.

The profile's identities replace the spec's examples, so the examples phase reaches the system's real success
paths; the coverage and fuzzing phases then send positive and negative variations. A correct server gets no
failure: statuses a spec documents for valid input (a closed account's 400, an unknown provider's 400) are accepted
for valid input.
"""

from __future__ import annotations

import copy
from typing import Any

from balancekit.clock import Clock
from balancekit.specs import load_spec
from conformance.api import ConformanceApi, Section
from conformance.options import Options

# schemathesis's defaults for valid input, plus 400: each spec documents a 400 that valid input can meet.
ACCEPTED_VALID = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
# Minted credentials outlive the budget by this much: the generated requests may be the last thing it allows.
CREDENTIAL_SLACK_SECONDS = 600


def schemathesis_config(
    api: ConformanceApi, section: Section, options: Options, *, budget_left: float, clock: Clock
) -> dict[str, Any]:
    """What ``SchemathesisConfig.from_dict`` reads for the generated requests of ``api``: the run's seed, examples and
    timeout, and credentials that outlive what is left of the budget."""
    checks: dict[str, Any] = {"positive_data_acceptance": {"expected-statuses": ACCEPTED_VALID}}
    if api.rejection_statuses:
        checks["negative_data_rejection"] = {"expected-statuses": list(api.rejection_statuses)}
    lifetime = int(budget_left) + CREDENTIAL_SLACK_SECONDS
    return {
        "seed": options.seed,
        "base-url": section.base_url,
        "request-timeout": options.timeout,
        "suppress-health-check": ["all"],
        # A check failing on a legitimate answer (a 501 to a method the API does not declare, judged afterwards
        # by conformance.generated.rules) must not stop the operation's other requests.
        "continue-on-failure": True,
        # Code samples keep their real values: the suite's own redaction names every secret of the profile (and
        # a value schemathesis would mask, "[Filtered]", makes a request nobody can run).
        "output": {"sanitization": {"enabled": False}},
        "generation": {"mode": "all", "max-examples": options.max_examples, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "checks": checks,
        "auth": {"openapi": api.schemathesis_auth(section, lifetime, clock)},
    }


def spec_with_examples(api: ConformanceApi, section: Section) -> dict[str, Any]:
    """A copy of the API's spec whose request examples are the profile's identities."""
    spec = copy.deepcopy(load_spec(api.spec_path))
    api.schemathesis_examples(spec, section)
    return spec
