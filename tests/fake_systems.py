"""Small in-process systems for httpx.MockTransport: each answers the documented cases of one API for the shipped
mock profile (conformance/profiles/mock.yaml), and can be broken in one named way. No socket is involved.

They are deliberately minimal and independent of the mock: the documented cases only, bodies taken from the specs'
examples, time read from a fixed clock.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import jwt
import yaml
from support import MOCK_PROFILE, spec_example

# The fixed clock of the fakes and of the runs against them (seconds since the epoch).
NOW = 1_800_000_000
PROFILE: dict[str, Any] = yaml.safe_load(MOCK_PROFILE.read_text(encoding="utf-8"))
Handler = Callable[[httpx.Request], httpx.Response]


def _json(status: int, body: Any) -> httpx.Response:
    # A stream, as from the network: the suite's client reads raw bytes up to its cap, which a body given as
    # content (read at once by httpx) would not let it do.
    content = json.dumps(body).encode()
    return httpx.Response(status, headers={"content-type": "application/json"}, stream=httpx.ByteStream(content))


def _fields(request: httpx.Request) -> Any:
    """The request's body (POST) or query (GET), or None when the body is not JSON."""
    if request.method == "GET":
        return dict(parse_qsl(request.url.query.decode()))
    try:
        return json.loads(request.content)
    except ValueError:
        return None


# VIP Connect


def _vip_error(status: int, example: str | None = None) -> httpx.Response:
    if example:
        return _json(status, spec_example("vip-connect", VIP_PATH, "post", str(status), example))
    fields = ("errorCode", "transactionStage", "operatorErrorMessage", "operatorDeclineDescription")
    return _json(status, {**dict.fromkeys(fields, str(status)), "patronErrorMessage": "invalid request"})


VIP_PATH = "/api/patronsession/accountlookup"


def vip_connect(broken: str = "") -> Handler:
    """VIP Connect; ``broken="accepts-expired-tokens"`` ignores exp."""
    section = PROFILE["vip-connect"]
    keys = [base64.b64decode(secret) for secret in section["secret_base64"]]
    accounts = section["accounts"]

    def verified(authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer":
            return False
        for key in keys:
            try:
                options: jwt.types.Options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
                claims = jwt.decode(token, key, ["HS256"], audience=section["audience"], options=options)
            except jwt.PyJWTError:
                continue
            in_time = claims.get("nbf", 0) <= NOW + 60 and (broken == "accepts-expired-tokens" or claims["exp"] > NOW)
            return claims.get("iss") == section["operator_id"] and in_time
        return False

    def handle(request: httpx.Request) -> httpx.Response:
        if not verified(request.headers.get("authorization", "")):
            return _vip_error(401)
        body = _fields(request)
        if not isinstance(body, dict) or ("VipAccountNumber" in body) == ("IdType" in body):
            return _vip_error(400)
        lookup = {name: value for name, value in body.items()}
        if lookup == accounts["closed"]:
            return _vip_error(400, "accountClosed")
        if lookup not in (accounts["preferred"], accounts["online"], accounts["by_id"]):
            return _vip_error(404, "accountNotFound")
        example = "vipOnline" if lookup.get("ProductType") == "online" else "vipPreferred"
        account = copy.deepcopy(spec_example("vip-connect", VIP_PATH, "post", "200", example))
        account.pop("bankAccounts", None)  # the profile's toggle is off
        return _json(200, account)

    return handle


# Paytronix


def paytronix(broken: str = "") -> Handler:
    """Paytronix; ``broken="serves-the-invalid-status-card"`` answers success for the suspended card."""
    section = PROFILE["paytronix"]
    cards = section["cards"]
    active, suspended, guest = cards["active"], cards["invalid_status"], cards["guest"]
    basic = base64.b64encode(f"{section['client_id']}:{section['client_secret']}".encode()).decode()

    def result(fields: dict[str, Any]) -> str:
        style = fields.get("authentication")
        if str(fields.get("merchantId")) != str(section["merchant_id"]):
            return "failure"
        card = (fields.get("printedCardNumber"), fields.get("registrationCode"))
        if style == "card" and card == (active["printedCardNumber"], active["registrationCode"]):
            return "success"
        if style == "card" and card == (suspended["printedCardNumber"], suspended["registrationCode"]):
            return "success" if broken == "serves-the-invalid-status-card" else "invalidStatus"
        if style == "oauth" and fields.get("access_token") == active["access_token"]:
            return "success"
        if style == "guest" and (fields.get("username"), fields.get("password")) == tuple(guest.values()):
            return "success"
        return "failure"

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Basic {basic}":
            return _json(401, {"result": "failure", "errorCode": "auth", "errorMessage": "bad client credentials"})
        fields = _fields(request)
        example = result(fields) if isinstance(fields, dict) else "failure"
        path = "/rest/{release}/guest/accountInformation.json"
        return _json(200, spec_example("paytronix", path, request.method.lower(), "200", example))

    return handle


# Valkyrie PAM


def _pam_error(status: int, code: str) -> httpx.Response:
    return _json(status, {"status": "ERROR", "error": {"code": code, "message": code.lower()}})


def valkyrie(broken: str = "") -> Handler:
    """Valkyrie PAM; ``broken="serves-another-players-id"`` answers a live session under another player's id."""
    section = PROFILE["valkyrie"]
    players = section["players"]
    # token -> (player id, what the session answers)
    sessions = {
        players["active"]["token"]: (players["active"]["playerId"], "OK"),
        players["expired"]["token"]: (players["expired"]["playerId"], "PAM_ERR_SESSION_EXPIRED"),
        players["no_account"]["token"]: (players["no_account"]["playerId"], "PAM_ERR_ACC_NOT_FOUND"),
    }
    known_players = {player["playerId"] for name, player in players.items() if name != "unknown"}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {section['api_token']}":
            return _pam_error(401, "PAM_ERR_API_TOKEN")
        if "x-correlation-id" not in request.headers:
            return _pam_error(400, "PAM_ERR_UNDEFINED")
        if request.url.params.get("provider") != section["provider"]:
            return _pam_error(400, "PAM_ERR_MISSING_PROVIDER")
        session = sessions.get(request.headers.get("x-player-token", ""))
        player_id = request.url.path.split("/")[-2]
        if session is None:
            return _pam_error(401, "PAM_ERR_SESSION_NOT_FOUND")
        if player_id not in known_players:
            return _pam_error(200, "PAM_ERR_PLAYER_NOT_FOUND")
        owner, answer = session
        if player_id != owner and broken != "serves-another-players-id":
            return _pam_error(401, "PAM_ERR_SESSION_NOT_FOUND")
        if answer == "OK":
            return _json(200, {"status": "OK", "balance": {"cashAmount": 12.5, "bonusAmount": 0, "promoAmount": 1}})
        return _pam_error(200, answer)

    return handle


FAKES: dict[str, Callable[[str], Handler]] = {"vip-connect": vip_connect, "paytronix": paytronix, "valkyrie": valkyrie}
