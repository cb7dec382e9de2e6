"""Redaction and requests as scripts: secrets named in every form, and the scripts still run.

The scripts are run for real: bash expands each near miss from its variable to the value the suite sent, mints
each JWT from the key's variable, and curl replays requests against the reference server with the same outcome.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from reference_server import NO_FAULT, RunningServer, serve, write_profile

from conformance import load_profile
from conformance.near_miss import near_misses, signature_near_misses
from conformance.redaction import Redactor
from conformance.repro import render, split_words
from conformance.transport import Client, Exchange

BASH = shutil.which("bash")
CURL = shutil.which("curl")
needs_shell = pytest.mark.skipif(BASH is None or CURL is None, reason="bash and curl are needed to run the scripts")


@pytest.fixture(scope="module")
def reference() -> Iterator[RunningServer]:
    with serve() as server:
        yield server


@pytest.fixture(scope="module")
def redactor(reference: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Redactor:
    path = write_profile(tmp_path_factory.mktemp("profile") / "profile.yaml", reference.url, NO_FAULT)
    return Redactor.for_profile(load_profile(path, environ={}))


def environment(redactor: Redactor) -> dict[str, str]:
    """Each variable of the profile set to its value, as a reader of a report would set them."""
    values = {secret.variable.name: secret.value for secret in redactor.secrets if secret.expression.startswith("${")}
    base = {secret.variable.name: secret.value for secret in redactor.secrets if secret.label.startswith("$")}
    # The reports say to mint JWTs with the python3 of the suite's virtualenv (it has PyJWT).
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **values, **base, "PATH": path}


def run_bash(script: str, redactor: Redactor) -> str:
    assert BASH is not None
    result = subprocess.run(
        [BASH, "-e", "-c", script], capture_output=True, text=True, env=environment(redactor), timeout=60
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    return result.stdout


# Text.


def test_a_short_secret_is_replaced_only_where_it_stands_alone(redactor: Redactor) -> None:
    code = next(s.value for s in redactor.secrets if s.variable.key == "paytronix.cards.active.registrationCode")
    assert len(code) < 8
    text = f"card 7000123400{code} code {code}; {code}x"
    assert redactor.text(text) == f"card 7000123400{code} code $PTX_ACTIVE_REGISTRATION_CODE; {code}x"


@pytest.mark.parametrize(
    "form",
    [
        lambda value: value,
        lambda value: json.dumps(value)[1:-1],
        lambda value: base64.b64encode(value.encode()).decode(),
        lambda value: base64.b64encode(b"user:" + value.encode()).decode(),
        lambda value: base64.b64encode(b"ab:" + value.encode() + b"!").decode(),
        lambda value: httpx.QueryParams({"p": value + "&/ x"}).__str__()[2:],
    ],
    ids=["plain", "json", "base64", "inside base64 at offset 2", "inside base64 at offset 0", "url-encoded"],
)
def test_every_form_of_a_secret_is_replaced(redactor: Redactor, form: object) -> None:
    secret = next(s for s in redactor.secrets if s.variable.key == "paytronix.client_secret")
    shown = form(secret.value)  # type: ignore[operator]
    redacted = redactor.text(f"before {shown} after")
    assert secret.value not in redacted
    assert secret.value.encode() not in _decoded(redacted)
    assert "PTX_CLIENT_SECRET" in redacted


def _decoded(text: str) -> bytes:
    """Every word of ``text`` decoded as base64 at every alignment, concatenated (empty where it does not decode)."""
    found = b""
    for word in text.replace(":", " ").split():
        for start in range(4):
            chunk = word[start:][: (len(word) - start) // 4 * 4]
            try:
                found += base64.b64decode(chunk) + b"|"
            except ValueError:
                continue
    return found


def test_any_jwt_is_replaced_also_one_cut_short(redactor: Redactor) -> None:
    token = jwt.encode({"iss": "x"}, "k" * 32, algorithm="HS256")
    assert redactor.text(f"Bearer {token}.") == "Bearer $VIP_JWT."
    assert redactor.text(f"Bearer {token[:40]} ...") == "Bearer $VIP_JWT ..."


# Scripts.


@needs_shell
@pytest.mark.parametrize("value", ["s3cr3t-Value_z9", "Z", "ab/c+&=", "9", "pässwörd!"])
def test_each_near_miss_expansion_yields_the_near_miss(value: str) -> None:
    secret_environment = {**os.environ, "SECRET": value}
    for near in near_misses(value, upper_case=True):
        assert BASH is not None
        script = f'printf %s "{near.expansion("SECRET")}"'
        result = subprocess.run([BASH, "-c", script], capture_output=True, env=secret_environment, timeout=30)
        assert result.stdout.decode() == near.value, (value, near.kind)


def test_schemathesis_curl_samples_are_read_word_by_word() -> None:
    sample = (
        "curl -X POST -H 'Authorization: Basic dXNlcjpwYXNz' -H $'X-Odd: a\\tb\\x1b\\'c' "
        "-d '{\"a\": \"it'\"'\"'s\"}' 'http://127.0.0.1:1/p?x=1&y=2'"
    )
    assert split_words(sample) == [
        "curl", "-X", "POST", "-H", "Authorization: Basic dXNlcjpwYXNz", "-H", "X-Odd: a\tb\x1b'c",
        "-d", '{"a": "it\'s"}', "http://127.0.0.1:1/p?x=1&y=2",
    ]  # fmt: skip
    assert split_words("not a curl command") is None
    assert split_words("curl 'unterminated") is None


def _sign(key: bytes, signing_input: str) -> str:
    digest = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.slow
@needs_shell
def test_a_jwt_is_minted_again_from_the_key_variable(redactor: Redactor) -> None:
    key, second = redactor.keys
    now = int(time.time())
    claims = {"iss": "operator", "aud": "vip-api", "iat": now, "nbf": now - 5, "exp": now + 300}
    valid = jwt.encode(claims, key, algorithm="HS256")
    head, _, signature = valid.rpartition(".")
    cases: dict[str, str] = {
        "first key": valid,
        "second key": jwt.encode(claims, second, algorithm="HS256"),
        "undecoded key": jwt.encode(claims, base64.b64encode(key), algorithm="HS256"),
        **{near.kind: f"{head}.{near.value}" for near in signature_near_misses(signature)},
    }
    for case, token in cases.items():
        lines = render(["curl", "-H", f"Authorization: Bearer {token}", "http://x/"], redactor).splitlines()
        assert token not in "\n".join(lines)
        assert lines[-1] == 'curl -H "Authorization: Bearer ${VIP_JWT}" http://x/'
        assert json.loads(lines[1].split(": ", 1)[1]) == claims
        minted = run_bash("\n".join(lines[:-1]) + '\nprintf %s "$VIP_JWT"', redactor)
        minted_head, _, minted_signature = minted.rpartition(".")
        # The same claims, times relative to now, and the signature made the same way.
        minted_claims = json.loads(base64.urlsafe_b64decode(minted_head.split(".")[1] + "=="))
        assert minted_claims["exp"] - claims["exp"] in range(0, 60), case
        assert minted_claims["exp"] - minted_claims["iat"] == 300, case
        keys = {"first key": key, "second key": second, "undecoded key": base64.b64encode(key)}
        expected = _sign(keys.get(case, key), minted_head)
        if case not in keys:
            expected = next(n.value for n in signature_near_misses(expected) if n.kind == case)
        assert minted_signature == expected, case


@pytest.mark.slow
@needs_shell
def test_requests_replayed_from_their_scripts_get_the_same_answers(
    reference: RunningServer, redactor: Redactor
) -> None:
    """Each script, run by bash with the variables set, sends what the suite sent: the same status and body."""
    base = reference.url
    secret = {s.variable.key: s.value for s in redactor.secrets if s.label.startswith("$")}
    basic = "Basic " + base64.b64encode(f"ref-integration-7f3a:{secret['paytronix.client_secret']}".encode()).decode()
    token = jwt.encode(
        {
            "iss": "5c0e7d42-9a1b-4f3e-8d26-71b9e0a4c3f8",
            "aud": "vip-api",
            "iat": int(time.time()),
            "exp": int(time.time()) + 300,
        },
        redactor.keys[1],
        algorithm="HS256",
    )
    password = secret["paytronix.cards.guest.password"]
    requests = [
        ("POST", f"{base}/ok/vip-connect/api/patronsession/accountlookup", {"Authorization": f"Bearer {token}"},
         {"VipAccountNumber": "4410275533"}, None),
        ("GET", f"{base}/ok/paytronix/rest/24.17/guest/accountInformation.json", {"Authorization": basic}, None,
         {"merchantId": 424242, "authentication": "guest", "username": "RefGuest", "password": password[:-1]}),
        ("POST", f"{base}/ok/paytronix/rest/24.17/guest/accountInformation.json", {"Authorization": basic},
         {"merchantId": 424242, "authentication": "card", "printedCardNumber": "7000123400009876",
          "registrationCode": secret["paytronix.cards.active.registrationCode"]}, None),
        ("GET", f"{base}/ok/valkyrie/players/ref-player-0001/balance",
         {"Authorization": f"Bearer {secret['valkyrie.api_token']}", "X-Correlation-ID": "replay",
          "X-Player-Token": secret["valkyrie.players.active.token"].upper()}, None, {"provider": "PragmaticPlay"}),
    ]  # fmt: skip
    client = Client(10)
    try:
        for method, url, headers, body, params in requests:
            exchange = client.send(method, url, headers=headers, json_body=body, params=params)
            script = render(exchange.argv(), redactor)
            for value in secret.values():
                # A short value may stand inside a longer number (a code at the end of its card number).
                assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", script), value
            replayed = run_bash(script + " -o /dev/null -w '%{http_code}'", redactor)
            assert replayed == str(exchange.status), (script, exchange.received())
            assert _answer_of(script, redactor) == exchange.body
    finally:
        client.close()


def _answer_of(script: str, redactor: Redactor) -> bytes:
    assert BASH is not None
    result = subprocess.run([BASH, "-c", script], capture_output=True, env=environment(redactor), timeout=60)
    return result.stdout


def test_an_exchange_without_secrets_renders_as_plain_curl(redactor: Redactor) -> None:
    exchange = Exchange("GET", "http://127.0.0.1:1/a?b=c", {"X-Correlation-ID": "one two"}, None, 200, {}, b"")
    assert (
        render(exchange.argv(), redactor) == "curl -sS -X GET -H 'X-Correlation-ID: one two' 'http://127.0.0.1:1/a?b=c'"
    )


@pytest.mark.slow
def test_the_reference_profile_names_every_secret(redactor: Redactor, tmp_path: Path) -> None:
    names = {variable.name: variable.key for variable in redactor.variables}
    assert names["PTX_CLIENT_SECRET"] == "paytronix.client_secret"
    assert names["VIP_SECRET_BASE64_2"] == "vip-connect.secret_base64[1]"
    assert names["VALKYRIE_ACTIVE_SESSION_TOKEN"] == "valkyrie.players.active.token"
