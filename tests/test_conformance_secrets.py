"""No secret of a profile reaches any output of a run, in any form, whether the run passes or fails.

Two full runs of the CLI (all three APIs, generated requests included): one that passes (the reference server),
one that fails everything (a server that echoes each request back: headers, query, body, also in base64). Every
output is searched: stdout, stderr, the JSON, the JUnit XML and the HTML certificate. The forms searched for are
computed here, not by the suite: each secret and each near miss the suite derives from it, as sent, JSON-escaped,
HTML-escaped, URL-encoded, inside any base64 text (decoded at every alignment), the decoded VIP keys in hex, and
any JWT at all.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml
from reference_server import NO_FAULT, serve, write_profile
from reference_server import profile_data as reference_profile
from support import running
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from conformance.near_miss import near_misses

pytestmark = [pytest.mark.live, pytest.mark.slow]

RUN_TIMEOUT_SECONDS = 300
SHORT = 8
BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
# Any JWT, also one cut short after its header.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]")

# Distinctive values, some with characters that encodings change (quotes, &, +, /, non-ASCII).
PLANTED: dict[str, Any] = {
    "vip_keys": [
        base64.b64encode(b"planted vip key number one, 40 bytes...").decode(),
        base64.b64encode(b"planted vip key number two, another 40 b").decode(),
    ],
    "client_secret": "planted-client-secret/7Q2x+&=",
    "registration_code": "739164",
    "held_registration_code": "582047",
    "access_token": "plantedAccessTokenZr81kQwe",
    "password": 'pl@nted "guest" pässword&x=1',
    "api_token": "planted-pam-api-token-Hq37",
    "sessions": {
        "active": "plantedsessionactive0123456789abcdef",
        "expired": "plantedsessionexpired123456789abcdef",
        "no_account": "plantedsessionnoaccount3456789abcdef",
    },
}


def planted_profile(url: str) -> dict[str, Any]:
    """A profile of the echo server with the planted secrets; the client secret and api token from ${ENV}."""
    return {
        "vip-connect": {
            "base_url": f"{url}/vip-connect",
            "operator_id": "0f4d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
            "secret_base64": PLANTED["vip_keys"],
            "bank_accounts_toggle": False,
            "accounts": {
                "preferred": {"VipAccountNumber": "5550001111"},
                "by_id": {"IdType": "DL", "IdNumber": "X12345678", "IdState": "NV"},
                "closed": {"VipAccountNumber": "5550002222"},
                "unknown": {"VipAccountNumber": "5550003333"},
            },
        },
        "paytronix": {
            "base_url": f"{url}/paytronix",
            "client_id": "planted-client",
            "client_secret": "${PLANTED_PTX_SECRET}",
            "merchant_id": 9191,
            "cards": {
                "active": {
                    "printedCardNumber": "6000300000739164",
                    "registrationCode": PLANTED["registration_code"],
                    "access_token": PLANTED["access_token"],
                },
                "guest": {"username": "planted-guest", "password": PLANTED["password"]},
                "invalid_status": {
                    "printedCardNumber": "6000300000582047",
                    "registrationCode": PLANTED["held_registration_code"],
                },
                "unknown": {"printedCardNumber": "6000300000000001"},
            },
        },
        "valkyrie": {
            "base_url": f"{url}/valkyrie",
            "api_token": "${PLANTED_PAM_TOKEN}",
            "provider": "evolution",
            "players": {
                "active": {"playerId": "planted-player-1", "token": PLANTED["sessions"]["active"]},
                "expired": {"playerId": "planted-player-1", "token": PLANTED["sessions"]["expired"]},
                "no_account": {"playerId": "planted-player-2", "token": PLANTED["sessions"]["no_account"]},
                "unknown": {"playerId": "planted-player-9"},
            },
        },
    }


def echo(environ: dict[str, Any], start_response: Any) -> Any:
    """Answers every request with 200 and everything it received, as text and as base64."""
    request = Request(environ)
    body = request.get_data()
    answer = {
        "method": request.method,
        "path": request.full_path,
        "headers": dict(request.headers),
        "body": body.decode("utf-8", errors="replace"),
        "body_base64": base64.b64encode(body).decode(),
        "query_base64": base64.b64encode(request.query_string).decode(),
    }
    headers = {"X-Echo-Authorization": request.headers.get("Authorization", "")}
    return Response(json.dumps(answer), headers=headers, content_type="application/json")(environ, start_response)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log."""


@pytest.fixture(scope="module")
def echo_server() -> Iterator[str]:
    with running(make_server("127.0.0.1", 0, echo, threaded=True, request_handler=_Quiet)) as url:
        yield url


@dataclass(frozen=True)
class Outputs:
    exit_code: int
    texts: dict[str, str]  # output name -> its text


def run_cli(profile: Path, directory: Path, environ: dict[str, str], *options: str) -> Outputs:
    reports = {"json": directory / "out.json", "junit": directory / "out.xml", "html": directory / "out.html"}
    command = [
        sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", "3", "--max-examples", "5",
        "--json", str(reports["json"]), "--junit-xml", str(reports["junit"]), "--report", str(reports["html"]),
        *options,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, env=environ)
    texts = {"stdout": result.stdout, "stderr": result.stderr}
    texts.update({name: path.read_text(encoding="utf-8") for name, path in reports.items()})
    return Outputs(result.returncode, texts)


def secret_values(profile: dict[str, Any], environ: dict[str, str]) -> list[str]:
    """Every secret of a profile (``${NAME}`` resolved) and every near miss the suite derives from it."""
    vip, ptx, valk = profile["vip-connect"], profile["paytronix"], profile["valkyrie"]
    keys = vip["secret_base64"] if isinstance(vip["secret_base64"], list) else [vip["secret_base64"]]
    values = [*keys, ptx["client_secret"], valk["api_token"]]
    fields = ("registrationCode", "access_token", "password")
    values += [card[field] for card in ptx["cards"].values() for field in fields if field in card]
    values += [player["token"] for player in valk["players"].values() if "token" in player]
    values = [re.sub(r"\$\{(\w+)\}", lambda match: environ[match.group(1)], value) for value in values]
    derived = [near.value for value in values[len(keys) :] for near in near_misses(value, upper_case=True)]
    return values + derived


def forms(value: str) -> set[str]:
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
        html.escape(value, quote=False),
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
    }


def occurs(form: str, text: str) -> bool:
    if len(form) >= SHORT:
        return form in text
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", text) is not None


def decoded_base64(text: str) -> Iterator[bytes]:
    """Every run of base64 or base64url characters, decoded at each of the four alignments."""
    for match in BASE64_RUN.finditer(text):
        run = match.group().rstrip("=").replace("-", "+").replace("_", "/")
        for start in range(4):
            chunk = run[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            try:
                yield base64.b64decode(chunk)
            except (binascii.Error, ValueError):
                continue


def leaks(outputs: Outputs, values: list[str], keys: list[bytes]) -> list[str]:
    """Where any form of any value, any decoded key or any JWT appears."""
    found = []
    for name, text in outputs.texts.items():
        for value in values:
            for form in forms(value):
                if occurs(form, text):
                    found.append(f"{name}: {form!r} (a form of a secret)")
        for key in keys:
            for form in (key.hex(), base64.urlsafe_b64encode(key).decode().rstrip("=")):
                if form in text:
                    found.append(f"{name}: a VIP key as {form[:8]}...")
        found += [f"{name}: a JWT {match.group()[:20]}..." for match in JWT.finditer(text)]
        blobs = list(decoded_base64(text))
        for value in values:
            if len(value) >= SHORT and any(value.encode() in blob for blob in blobs):
                found.append(f"{name}: {value!r} inside base64")
    return found


def test_a_failing_run_against_an_echoing_server_shows_no_secret(echo_server: str, tmp_path: Path) -> None:
    environ = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PLANTED_")},
        "PLANTED_PTX_SECRET": str(PLANTED["client_secret"]),
        "PLANTED_PAM_TOKEN": str(PLANTED["api_token"]),
    }
    data = planted_profile(echo_server)
    profile = tmp_path / "planted.yaml"
    profile.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    outputs = run_cli(profile, tmp_path, environ)
    assert outputs.exit_code == 1, outputs.texts["stdout"][-3000:]
    assert "Traceback" not in outputs.texts["stderr"], outputs.texts["stderr"][-3000:]
    keys = [base64.b64decode(key) for key in PLANTED["vip_keys"]]
    found = leaks(outputs, secret_values(data, environ), keys)
    assert not found, "\n".join(found[:40])
    # The echoes were seen (the run did look at what came back) and are named instead of shown.
    # Values from ${NAME} keep the profile's own variable names.
    assert "${PLANTED_PTX_SECRET}" in outputs.texts["json"]
    assert "Authorization: Bearer ${PLANTED_PAM_TOKEN}" in outputs.texts["stdout"]
    # Values that are not secret stay readable: an authentication type, a card number.
    assert '\\"authentication\\": \\"card\\"' in outputs.texts["json"]
    assert "6000300000739164" in outputs.texts["json"]


def test_a_passing_run_shows_no_secret(tmp_path: Path) -> None:
    environ = dict(os.environ)
    with serve() as server:
        profile = write_profile(tmp_path / "profile.yaml", server.url, NO_FAULT)
        outputs = run_cli(profile, tmp_path, environ, "--strict")
        data = reference_profile(server.url, NO_FAULT)
    assert outputs.exit_code == 0, outputs.texts["stdout"][-3000:]
    keys = [base64.b64decode(key) for key in data["vip-connect"]["secret_base64"]]
    found = leaks(outputs, secret_values(data, environ), keys)
    assert not found, "\n".join(found[:40])
    # Passed evidence shows what was received, requests included, with the secrets named.
    assert "${VALKYRIE_API_TOKEN}" in outputs.texts["html"]
