"""Python clients generated from the specs by openapi-python-client: complete models, every documented case."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from support import API_NAMES, SPECS, LiveMock, fixture, paytronix_auth, vip_token

pytestmark = [pytest.mark.slow, pytest.mark.live]

RELEASE = "25.33"


def package_name(api: str) -> str:
    return api.replace("-", "_") + "_client"


@dataclass(frozen=True)
class Generation:
    api: str
    returncode: int
    output: str


def generate(api: str, directory: Path) -> Generation:
    """The command of specs/README.md for one spec, run from the generator installed beside this interpreter."""
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(SPECS / f"{api}.yaml"),
        "--output-path",
        str(directory / package_name(api)),
        "--meta",
        "none",
        "--fail-on-warning",
    ]
    # The generator formats what it writes with ruff, a dependency installed beside it: PATH must find it there.
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    return Generation(api, done.returncode, done.stdout + done.stderr)


@dataclass(frozen=True)
class Clients:
    generations: list[Generation]
    root: Path

    def module(self, api: str, name: str) -> ModuleType:
        return importlib.import_module(f"{package_name(api)}.{name}")

    def models(self, api: str) -> Any:
        return self.module(api, "models")


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    root = tmp_path_factory.mktemp("generated")
    generations = [generate(api, root) for api in API_NAMES]
    sys.path.insert(0, str(root))
    try:
        yield Clients(generations, root)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] in map(package_name, API_NAMES)]:
            del sys.modules[name]


def assert_fully_typed(value: Any, where: str = "body") -> None:
    """Every field of the answer landed in a typed attribute: no model kept a key it does not declare."""
    if attrs.has(type(value)):
        extra = getattr(value, "additional_properties", {})
        assert not extra, f"{where}: {type(value).__name__} does not declare {sorted(extra)}"
        for attribute in attrs.fields(type(value)):
            if attribute.name != "additional_properties":
                assert_fully_typed(getattr(value, attribute.name), f"{where}.{attribute.name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_fully_typed(item, f"{where}[{index}]")


def call(clients: Clients, api: str, operation: str, client: Any, **arguments: Any) -> Any:
    """Call a generated operation on a new client, closed after the call; the typed body must hold every field."""
    tag = {"vip-connect": "patron_session", "paytronix": "guest", "valkyrie": "account"}[api]
    with client:
        response = clients.module(api, f"api.{tag}.{operation}").sync_detailed(client=client, **arguments)
    if response.parsed is not None:
        assert_fully_typed(response.parsed)
    return response


def test_each_spec_generates_without_a_warning(clients: Clients) -> None:
    for generation in clients.generations:
        lines = [line for line in generation.output.splitlines() if line.strip()]
        assert generation.returncode == 0, f"{generation.api}: exit {generation.returncode}\n{generation.output}"
        assert len(lines) == 1, f"{generation.api}: the generator said more than it generated:\n{generation.output}"
        assert lines[0].startswith("Generating "), generation.output


# --- VIP Connect -------------------------------------------------------------------------------------------------

# The operator whose feature toggle puts bankAccounts in the answers.
OPERATOR = "bank-accounts-operator"


def vip_client(clients: Clients, mock: LiveMock, operator: str = "example-operator", **claims: Any) -> Any:
    client_class = clients.module("vip-connect", "client").AuthenticatedClient
    return client_class(base_url=f"{mock.url}/vip-connect", token=vip_token(operator, **claims), timeout=10)


def test_vip_lookup_by_number_parses_a_preferred_and_an_online_account(clients: Clients, live_mock: LiveMock) -> None:
    models = clients.models("vip-connect")
    accounts = fixture("vip-connect")["accounts"]
    body = models.LookupByVipNumber(accounts["preferred"]["vip_account_number"])
    preferred = call(clients, "vip-connect", "account_lookup", vip_client(clients, live_mock, OPERATOR), body=body)
    assert preferred.status_code == 200
    assert isinstance(preferred.parsed, models.VipPreferredAccount)
    assert preferred.parsed.available_amount == accounts["preferred"]["patron"]["availableAmount"]
    assert preferred.parsed.bank_accounts
    assert all(isinstance(bank, models.PreferredBankAccount) for bank in preferred.parsed.bank_accounts)

    body = models.LookupByVipNumber(accounts["online"]["vip_account_number"], product_type=models.ProductType.ONLINE)
    online = call(clients, "vip-connect", "account_lookup", vip_client(clients, live_mock, OPERATOR), body=body)
    assert online.status_code == 200
    assert isinstance(online.parsed, models.VipOnlineAccount)
    assert online.parsed.available_amount is clients.module("vip-connect", "types").UNSET
    assert [bank.available_amount for bank in online.parsed.bank_accounts] == [
        bank["availableAmount"] for bank in accounts["online"]["bank_accounts"]
    ]
    assert all(isinstance(bank, models.OnlineBankAccount) for bank in online.parsed.bank_accounts)


def test_vip_lookup_by_id_details(clients: Clients, live_mock: LiveMock) -> None:
    models = clients.models("vip-connect")
    account = fixture("vip-connect")["accounts"]["by-id"]
    details = account["id_details"]
    body = models.LookupByIdDetails(
        id_type=models.IdType(details["IdType"]),
        id_number=details["IdNumber"],
        id_state=details.get("IdState", ""),
        product_type=models.ProductType.PREFERRED,
    )
    assert body.to_dict() == {**details, "IdState": details.get("IdState", ""), "ProductType": "preferred"}
    answer = call(clients, "vip-connect", "account_lookup", vip_client(clients, live_mock), body=body)
    assert answer.status_code == 200
    assert isinstance(answer.parsed, models.VipPreferredAccount)
    assert answer.parsed.vip_card_number == account["vip_account_number"]
    assert answer.parsed.id_number == "****" + details["IdNumber"][-4:]


def test_vip_documented_errors_parse_into_the_error_model(clients: Clients, live_mock: LiveMock) -> None:
    models = clients.models("vip-connect")
    data = fixture("vip-connect")
    unknown = models.LookupByVipNumber(data["unknown"]["vip_account_numbers"][0])
    not_found = call(clients, "vip-connect", "account_lookup", vip_client(clients, live_mock), body=unknown)
    assert not_found.status_code == 404
    assert isinstance(not_found.parsed, models.VipError)
    assert not_found.parsed.error_code == data["errors"]["account_not_found"]["errorCode"]

    closed_body = models.LookupByVipNumber(data["accounts"]["closed"]["vip_account_number"])
    closed = call(clients, "vip-connect", "account_lookup", vip_client(clients, live_mock), body=closed_body)
    assert closed.status_code == 400
    assert isinstance(closed.parsed, models.VipError)
    assert closed.parsed.error_code == data["errors"]["account_closed"]["errorCode"]


def test_vip_401_has_no_body_to_parse(clients: Clients, live_mock: LiveMock) -> None:
    models = clients.models("vip-connect")
    expired = vip_client(clients, live_mock, exp=1)
    answer = call(clients, "vip-connect", "account_lookup", expired, body=models.LookupByVipNumber("7210988860"))
    assert answer.status_code == 401
    assert answer.parsed is None


# --- Paytronix ---------------------------------------------------------------------------------------------------


def paytronix_fields(style: str, outcome: str) -> dict[str, Any]:
    """The request fields of one authentication style that reach one documented result, from the fixtures."""
    data = fixture("paytronix")
    account = data["accounts"]["suspended" if outcome == "invalid_status" else "active"]
    card = account["cards"][0]
    wrong = outcome == "failure"
    fields: dict[str, Any] = {"merchantId": account["merchant_id"]}
    if style == "oauth":
        fields["access_token"] = account["access_tokens"][0]["access_token"] + ("-unknown" if wrong else "")
    elif style == "card":
        fields["printedCardNumber"] = card["printed_card_number"]
        fields["registrationCode"] = card["registration_code"] + ("0" if wrong else "")
    else:
        fields["username"] = account["username"]
        fields["password"] = account["password"] + ("-wrong" if wrong else "")
    return fields


FAILURE_CODES = {
    "oauth": "invalid_access_token",
    "card": "invalid_registration_code",
    "guest": "invalid_guest_credentials",
}


def paytronix_client(clients: Clients, mock: LiveMock, credentials: tuple[str, str] | None = None) -> Any:
    client_class = clients.module("paytronix", "client").Client
    auth = credentials or paytronix_auth()
    return client_class(base_url=f"{mock.url}/paytronix", timeout=10, httpx_args={"auth": auth})


def post_body(models: Any, style: str, fields: dict[str, Any]) -> Any:
    """The style's own request model, built from its fields: each model declares all of them."""
    model = {"oauth": models.OAuthFields, "card": models.CardFields, "guest": models.GuestFields}[style]
    body = model.from_dict({"authentication": style, **fields})
    assert_fully_typed(body, f"{model.__name__} request")
    assert body.to_dict() == {"authentication": style, **fields}
    return body


def query_arguments(models: Any, style: str, fields: dict[str, Any]) -> dict[str, Any]:
    snake = {
        "merchantId": "merchant_id",
        "printedCardNumber": "printed_card_number",
        "registrationCode": "registration_code",
    }
    return {"authentication": models.AuthenticationType(style), **{snake.get(k, k): v for k, v in fields.items()}}


@pytest.mark.parametrize("method", ["post", "get"])
@pytest.mark.parametrize("style", ["oauth", "card", "guest"])
@pytest.mark.parametrize("outcome", ["success", "failure", "invalid_status"])
def test_paytronix_each_style_reaches_each_result(
    clients: Clients, live_mock: LiveMock, method: str, style: str, outcome: str
) -> None:
    models = clients.models("paytronix")
    fields = paytronix_fields(style, outcome)
    client = paytronix_client(clients, live_mock)
    if method == "post":
        arguments = {"body": post_body(models, style, fields)}
    else:
        arguments = query_arguments(models, style, fields)
    answer = call(clients, "paytronix", f"{method}_account_information", client, release=RELEASE, **arguments)

    assert answer.status_code == 200
    data = fixture("paytronix")
    if outcome == "success":
        assert isinstance(answer.parsed, models.AccountBalance)
        assert answer.parsed.username == data["accounts"]["active"]["username"]
        assert [wallet.balance for wallet in answer.parsed.point_balances] == [
            wallet["balance"] for wallet in data["accounts"]["active"]["balance"]["pointBalances"]
        ]
    elif outcome == "failure":
        assert isinstance(answer.parsed, models.Failure)
        assert answer.parsed.error_code == data["failures"][FAILURE_CODES[style]]["errorCode"]
    else:
        assert isinstance(answer.parsed, models.InvalidStatus)
        assert answer.parsed.error_code == data["errors"]["invalid_status"]["errorCode"]


@pytest.mark.parametrize("method", ["post", "get"])
def test_paytronix_bad_client_credentials_are_a_401(clients: Clients, live_mock: LiveMock, method: str) -> None:
    models = clients.models("paytronix")
    client_id, _ = paytronix_auth()
    client = paytronix_client(clients, live_mock, (client_id, "not-the-secret"))
    fields = paytronix_fields("card", "success")
    if method == "post":
        arguments = {"body": post_body(models, "card", fields)}
    else:
        arguments = query_arguments(models, "card", fields)
    answer = call(clients, "paytronix", f"{method}_account_information", client, release=RELEASE, **arguments)
    assert answer.status_code == 401
    assert answer.parsed is None  # the spec documents no 401 body


# --- Valkyrie ----------------------------------------------------------------------------------------------------


def valkyrie_call(clients: Clients, mock: LiveMock, player: str, session: str, **overrides: Any) -> Any:
    data = fixture("valkyrie")
    client_class = clients.module("valkyrie", "client").AuthenticatedClient
    client = client_class(
        base_url=f"{mock.url}/valkyrie", token=overrides.pop("api_token", data["api_token"]), timeout=10
    )
    arguments = {
        "player_id": data["players"][player]["player_id"] if player in data["players"] else player,
        "provider": data["sessions"][session]["provider"],
        "x_player_token": data["sessions"][session]["token"],
        "x_correlation_id": "generated-client",
        **overrides,
    }
    return call(clients, "valkyrie", "get_balance", client, **arguments)


def test_valkyrie_ok_parses_into_the_balance_model(clients: Clients, live_mock: LiveMock) -> None:
    models = clients.models("valkyrie")
    answer = valkyrie_call(clients, live_mock, "alice", "active")
    assert answer.status_code == 200
    assert isinstance(answer.parsed, models.BalanceOk)
    assert answer.parsed.status == models.BalanceOkStatus.OK
    assert answer.parsed.balance.to_dict() == fixture("valkyrie")["players"]["alice"]["balance"]


@pytest.mark.parametrize(
    ("player", "session", "code"),
    [
        ("does-not-exist", "active", "PAM_ERR_PLAYER_NOT_FOUND"),
        ("alice", "expired", "PAM_ERR_SESSION_EXPIRED"),
        ("carol", "no-account", "PAM_ERR_ACC_NOT_FOUND"),
    ],
)
def test_valkyrie_business_errors_parse_into_the_error_model(
    clients: Clients, live_mock: LiveMock, player: str, session: str, code: str
) -> None:
    models = clients.models("valkyrie")
    answer = valkyrie_call(clients, live_mock, player, session)
    assert answer.status_code == 200
    assert isinstance(answer.parsed, models.BalanceError)
    assert answer.parsed.status == models.BalanceErrorStatus.ERROR
    assert answer.parsed.error.code == models.PamErrorCode(code)


@pytest.mark.parametrize(
    ("status", "code", "overrides"),
    [
        (401, "PAM_ERR_SESSION_NOT_FOUND", {}),
        (401, "PAM_ERR_API_TOKEN", {"api_token": "not-the-api-token"}),
        (400, "PAM_ERR_MISSING_PROVIDER", {"provider": "unknown-provider"}),
    ],
)
def test_valkyrie_hard_errors_parse_into_the_error_response(
    clients: Clients, live_mock: LiveMock, status: int, code: str, overrides: dict[str, str]
) -> None:
    models = clients.models("valkyrie")
    # bob with alice's session: a token of another player is an unknown session.
    answer = valkyrie_call(clients, live_mock, "bob", "active", **overrides)
    assert answer.status_code == status
    assert isinstance(answer.parsed, models.PamErrorResponse)
    assert answer.parsed.status in ("ERROR", "Error")
    assert answer.parsed.error.code == models.PamErrorCode(code)
