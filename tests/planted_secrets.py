"""Planted secrets: a profile whose secrets are distinctive values, a server that echoes every request back, and a
search of any output for any form of those secrets (computed here, not by the suite)."""

from __future__ import annotations

import base64
import binascii
import html
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import yaml
from support import running
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from conformance.near_miss import near_misses

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


def write_planted_profile(path: Path, url: str) -> dict[str, Any]:
    """Write the planted profile of the system at ``url`` to ``path``; return its data."""
    data = planted_profile(url)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return data


def planted_environ() -> dict[str, str]:
    """The environment with the planted values the profile takes from ${NAME}, and no other PLANTED_ variable."""
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith("PLANTED_")},
        "PLANTED_PTX_SECRET": str(PLANTED["client_secret"]),
        "PLANTED_PAM_TOKEN": str(PLANTED["api_token"]),
    }


def planted_keys() -> list[bytes]:
    """The planted VIP keys, decoded."""
    return [base64.b64decode(key) for key in PLANTED["vip_keys"]]


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


@contextmanager
def echo_serving() -> Iterator[str]:
    """The echo server on a free port of 127.0.0.1; yields its base URL."""
    with running(make_server("127.0.0.1", 0, echo, threaded=True, request_handler=_Quiet)) as url:
        yield url


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


def leaks(texts: dict[str, str], values: list[str], keys: list[bytes]) -> list[str]:
    """Where, among ``texts`` (output name -> its text), any form of any value, any decoded key or any JWT appears."""
    found = []
    for name, text in texts.items():
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
