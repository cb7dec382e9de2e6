"""The requirement catalogue against an independent server: a correct one passes, each fault fails its requirement."""

# One reference server (tests/reference_server.py) serves the correct behaviour and every fault, by path prefix.

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from reference_server import CREDENTIALS, NO_FAULT, RunningServer, serve, write_profile
from reference_server import FAULTS as SERVER_FAULTS
from support import API_NAMES

from conformance import CATALOGUE, REQUIREMENTS, Level, Options, Outcome, Run, load_profile, run
from conformance.generated.requirements import requirement_ids
from conformance.results import RequirementResult

pytestmark = pytest.mark.slow

SEED = 7
# The correct server gets the CLI's default number of examples; faults only need to be reached, and every
# generated-request fault is caught with as few as 5 examples (checked over several seeds), so 10 leaves a margin.
CORRECT_SERVER_EXAMPLES = 25
FAULT_EXAMPLES = 10
BUDGET_SECONDS = 120.0
TIMEOUT_SECONDS = 5.0

BY_ID = {requirement.id: requirement for requirement in REQUIREMENTS}

# Fault (the server's first path segment) -> (the requirement it must fail, its API). What each fault breaks is in
# reference_server.FAULTS.
FAULTS: dict[str, tuple[str, str]] = {
    "vip-preferred-drops-email": ("VIP-200-PREFERRED", "vip-connect"),
    "vip-online-keeps-available-amount": ("VIP-200-ONLINE", "vip-connect"),
    "vip-ignores-id-details": ("VIP-200-BY-ID", "vip-connect"),
    "vip-ignores-bank-toggle": ("VIP-BANK-ACCOUNTS", "vip-connect"),
    "vip-bank-account-drops-instant-flag": ("VIP-BANK-ACCOUNTS", "vip-connect"),
    "vip-unknown-wrong-message": ("VIP-404-UNKNOWN", "vip-connect"),
    "vip-serves-closed-account": ("VIP-400-CLOSED", "vip-connect"),
    "vip-number-wins-over-id": ("VIP-400-NOT-BOTH", "vip-connect"),
    "vip-bad-json-foreign-body": ("VIP-400-INVALID", "vip-connect"),
    "vip-accepts-missing-token": ("VIP-401-MISSING", "vip-connect"),
    "vip-accepts-non-jwt": ("VIP-401-MALFORMED", "vip-connect"),
    "vip-skips-signature": ("VIP-401-SIGNATURE", "vip-connect"),
    "vip-accepts-alg-none": ("VIP-401-ALG-NONE", "vip-connect"),
    "vip-ignores-exp": ("VIP-401-EXPIRED", "vip-connect"),
    "vip-ignores-audience": ("VIP-401-AUDIENCE", "vip-connect"),
    "vip-ignores-issuer": ("VIP-401-ISSUER", "vip-connect"),
    "vip-ignores-nbf": ("VIP-401-NOT-YET-VALID", "vip-connect"),
    "vip-first-key-only": ("VIP-SECOND-KEY", "vip-connect"),
    "vip-key-undecoded-accepted": ("VIP-401-SIGNATURE", "vip-connect"),
    "vip-unmasked-id-number": ("VIP-DATA-MASKED-ID", "vip-connect"),
    "vip-iso-date-of-birth": ("VIP-DATA-DATES", "vip-connect"),
    "vip-400-missing-field": ("VIP-GEN-SCHEMA", "vip-connect"),
    "vip-422-for-invalid-fields": ("VIP-GEN-STATUS", "vip-connect"),
    "vip-number-lookups-skip-auth": ("VIP-GEN-AUTH", "vip-connect"),
    "vip-problem-json-400": ("VIP-GEN-CONTENT-TYPE", "vip-connect"),
    "vip-500-on-non-json-media-type": ("VIP-GEN-NO-5XX", "vip-connect"),
    "vip-ignores-product-type": ("VIP-GEN-INPUT-VALIDATION", "vip-connect"),
    "vip-405-without-allow": ("VIP-GEN-METHODS", "vip-connect"),
    "ptx-oauth-always-fails": ("PTX-SUCCESS-OAUTH", "paytronix"),
    "ptx-card-drops-primary-card": ("PTX-SUCCESS-CARD", "paytronix"),
    "ptx-guest-always-fails": ("PTX-SUCCESS-GUEST", "paytronix"),
    "ptx-unknown-card-empty-message": ("PTX-FAILURE", "paytronix"),
    "ptx-suspended-card-succeeds": ("PTX-INVALID-STATUS", "paytronix"),
    "ptx-rejections-result-denied": ("PTX-RESULT", "paytronix"),
    "ptx-numeric-balances": ("PTX-DATA-DECIMALS", "paytronix"),
    "ptx-slashed-enroll-date": ("PTX-DATA-DATES", "paytronix"),
    "ptx-client-secret-unchecked": ("PTX-401-CLIENT", "paytronix"),
    "ptx-registration-code-unchecked": ("PTX-FAILURE-REGISTRATION-CODE", "paytronix"),
    "ptx-password-unchecked": ("PTX-FAILURE-PASSWORD", "paytronix"),
    "ptx-incomplete-request-succeeds": ("PTX-INVALID-INPUT", "paytronix"),
    "ptx-400-missing-message": ("PTX-SCHEMA-OTHER-STATUS", "paytronix"),
    "ptx-merchant-failure-numeric-code": ("PTX-GEN-SCHEMA", "paytronix"),
    "ptx-422-for-invalid-input": ("PTX-GEN-STATUS", "paytronix"),
    "ptx-unknown-client-skips-secret": ("PTX-GEN-AUTH", "paytronix"),
    "ptx-text-400": ("PTX-GEN-CONTENT-TYPE", "paytronix"),
    "ptx-500-without-merchant": ("PTX-GEN-NO-5XX", "paytronix"),
    "ptx-refuses-client-id": ("PTX-GEN-INPUT-VALIDATION", "paytronix"),
    "ptx-405-without-allow": ("PTX-GEN-METHODS", "paytronix"),
    "valk-ok-drops-promo": ("VALK-200-OK", "valkyrie"),
    "valk-unknown-player-wrong-code": ("VALK-PLAYER-NOT-FOUND", "valkyrie"),
    "valk-expired-session-served": ("VALK-SESSION-EXPIRED", "valkyrie"),
    "valk-no-account-zero-balance": ("VALK-ACC-NOT-FOUND", "valkyrie"),
    "valk-business-errors-404": ("VALK-BUSINESS-ERRORS-200", "valkyrie"),
    "valk-short-token-400": ("VALK-401-SESSION", "valkyrie"),
    "valk-api-token-undefined-code": ("VALK-401-API-TOKEN", "valkyrie"),
    "valk-unknown-provider-undefined": ("VALK-MISSING-PROVIDER", "valkyrie"),
    "valk-unknown-provider-200": ("VALK-400-MISSING-PROVIDER", "valkyrie"),
    "valk-seven-decimals": ("VALK-DATA-DECIMALS", "valkyrie"),
    "valk-serves-without-provider": ("VALK-MISSING-PROVIDER", "valkyrie"),
    "valk-correlation-id-text-400": ("VALK-400-CORRELATION-ID", "valkyrie"),
    "valk-serves-session-owner": ("VALK-OTHER-PLAYER", "valkyrie"),
    "valk-400-missing-message": ("VALK-SCHEMA-OTHER-STATUS", "valkyrie"),
    "valk-401-missing-message": ("VALK-GEN-SCHEMA", "valkyrie"),
    "valk-422-without-correlation-id": ("VALK-GEN-STATUS", "valkyrie"),
    "valk-accepts-missing-api-token": ("VALK-GEN-AUTH", "valkyrie"),
    "valk-text-400": ("VALK-CONTENT-TYPE-OTHER-STATUS", "valkyrie"),
    "valk-text-401": ("VALK-GEN-CONTENT-TYPE", "valkyrie"),
    "valk-500-without-correlation-id": ("VALK-GEN-NO-5XX", "valkyrie"),
    "valk-tolerates-missing-correlation-id": ("VALK-MISSING-CORRELATION-ID", "valkyrie"),
    "valk-rejects-unparsable-traceparent": ("VALK-GEN-INPUT-VALIDATION", "valkyrie"),
    "valk-405-without-allow": ("VALK-GEN-METHODS", "valkyrie"),
}
# Comparison bugs: each credential's near misses catch a fault of their own (reference_server.CREDENTIALS).
NEAR_MISS_TARGETS = {
    "vip-signature": ("VIP-401-SIGNATURE", "vip-connect"),
    "vip-issuer": ("VIP-401-ISSUER", "vip-connect"),
    "vip-audience": ("VIP-401-AUDIENCE", "vip-connect"),
    "ptx-client-secret": ("PTX-401-CLIENT", "paytronix"),
    "ptx-registration-code": ("PTX-FAILURE-REGISTRATION-CODE", "paytronix"),
    "ptx-access-token": ("PTX-FAILURE-ACCESS-TOKEN", "paytronix"),
    "ptx-password": ("PTX-FAILURE-PASSWORD", "paytronix"),
    "valk-api-token": ("VALK-401-API-TOKEN", "valkyrie"),
    "valk-session-token": ("VALK-401-SESSION", "valkyrie"),
}
FAULTS.update(
    {
        f"{credential}-{bug}": NEAR_MISS_TARGETS[credential]
        for credential, (_, bugs) in CREDENTIALS.items()
        for bug in bugs
    }
)


@pytest.fixture(scope="session")
def reference_server() -> Iterator[RunningServer]:
    """One server for the whole session: every fault is a path prefix, so no case starts its own."""
    with serve() as server:
        yield server


def _summary(result: Run) -> str:
    """The requirements that did not pass, with their first failures, for an assertion message."""
    lines = []
    for outcome in result.results:
        if outcome.outcome is Outcome.PASSED:
            continue
        lines.append(f"{outcome.requirement.id} ({outcome.requirement.level}): {outcome.outcome} {outcome.reason}")
        for finding in outcome.failures[:2]:
            lines.append(f"    {finding.check}: {finding.received[:300]}")
    return f"exit {result.exit_code}\n" + "\n".join(lines)


def _outcome(result: Run, requirement_id: str) -> RequirementResult:
    return next(outcome for outcome in result.results if outcome.requirement.id == requirement_id)


def test_every_requirement_is_the_target_of_a_fault() -> None:
    targets = {target for target, _ in FAULTS.values()}
    assert not set(BY_ID) - targets, f"requirements no fault breaks: {sorted(set(BY_ID) - targets)}"
    assert not targets - set(BY_ID), f"targets missing from the catalogue: {sorted(targets - set(BY_ID))}"
    wrong_api = {fault: api for fault, (target, api) in FAULTS.items() if BY_ID[target].api != api}
    assert not wrong_api, f"faults listed under another API than their requirement's: {wrong_api}"
    # The table and the server must name the same faults: a fault the server lacks would answer 404 everywhere.
    assert set(FAULTS) == set(SERVER_FAULTS)


def test_a_correct_server_with_other_data_and_different_choices_passes(
    reference_server: RunningServer, tmp_path: Path
) -> None:
    profile = load_profile(write_profile(tmp_path / "profile.yaml", reference_server.url, NO_FAULT))
    options = Options(
        apis=list(API_NAMES),
        seed=SEED,
        max_examples=CORRECT_SERVER_EXAMPLES,
        timeout=TIMEOUT_SECONDS,
        budget=BUDGET_SECONDS,
        strict=True,
        generated=True,
    )
    result = run(profile, options)
    # Strict, so a SHOULD the server misses would fail the run too; and the profile reaches every case, so nothing
    # is left untested either.
    assert result.exit_code == 0, _summary(result)
    assert all(outcome.outcome is Outcome.PASSED for outcome in result.results), _summary(result)


def test_the_cli_certifies_the_correct_server(reference_server: RunningServer, tmp_path: Path) -> None:
    profile = write_profile(tmp_path / "profile.yaml", reference_server.url, NO_FAULT)
    command = [sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", str(SEED), "--strict"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-6000:]
    assert "Verdict: PASSED" in completed.stdout


@pytest.mark.parametrize(("fault", "target", "api"), [(f, t, a) for f, (t, a) in FAULTS.items()], ids=list(FAULTS))
def test_each_fault_fails_its_target_requirement(
    reference_server: RunningServer, tmp_path: Path, fault: str, target: str, api: str
) -> None:
    requirement = BY_ID[target]
    # Generated requests only where the target is one of theirs: they add seconds and no signal to the others.
    generated = target in requirement_ids(CATALOGUE.api(api))
    profile = load_profile(write_profile(tmp_path / "profile.yaml", reference_server.url, fault))
    # A SHOULD is a warning unless --strict: check that the verdict follows the flag both ways.
    for strict in (False, True) if requirement.level is Level.SHOULD else (False,):
        options = Options(
            apis=[api],
            seed=SEED,
            max_examples=FAULT_EXAMPLES,
            timeout=TIMEOUT_SECONDS,
            budget=BUDGET_SECONDS,
            strict=strict,
            generated=generated,
        )
        result = run(profile, options)
        outcome = _outcome(result, target)
        assert outcome.outcome is Outcome.FAILED, f"{fault}: {target} was not caught\n{_summary(result)}"
        assert outcome.requirement.level is requirement.level
        expected_exit = 1 if requirement.level is Level.MUST or strict else 0
        assert result.exit_code == expected_exit, f"{fault} (strict={strict})\n{_summary(result)}"
