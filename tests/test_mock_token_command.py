"""``mockserver token <api>``: a credential the sandbox accepts, printed alone; a failure is one line and exit 2."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from starlette.testclient import TestClient
from support import (
    FIXTURES,
    PAYTRONIX_INFO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    operator_secrets,
    paytronix_headers,
    serving_in_thread,
    valkyrie_headers,
    valkyrie_player,
)

from mockserver import create_app
from mockserver.admin.access import AdminAccess
from mockserver.cli import main


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(["token", *arguments])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_operator_token_is_made_offline_and_the_sandbox_accepts_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "vip-connect", "--operator", "example-operator", "--lifetime", "120")
    assert (code, err) == (0, "")
    token = out.strip()
    assert out == token + "\n"  # the token alone, for TOKEN=$(mockserver token ...)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120
    with TestClient(create_app()) as client:
        lookup = client.post(
            VIP_LOOKUP, json={"VipAccountNumber": "7210988860"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert lookup.status_code == 200
    _, second, _ = run(capsys, "vip-connect", "--operator", "example-operator", "--key", "1")
    header = jwt.get_unverified_header(second.strip())
    assert header["alg"] == "HS256" and len(operator_secrets()) == 2


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--operator", "nobody"], "no operator is named 'nobody'; the operators are example-operator, "),
        (["--operator", "bank-accounts-operator", "--key", "1"], "operator bank-accounts-operator: key: expected"),
    ],
)
def test_an_operator_token_that_cannot_be_made_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], reason: str
) -> None:
    code, out, err = run(capsys, "vip-connect", *arguments)
    assert (code, out) == (2, "")
    assert err.startswith(f"mockserver: token vip-connect: {reason}") and err.count("\n") == 1


def test_a_broken_fixtures_directory_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "f")
    (tmp_path / "f" / "vip-connect.yaml").write_text("audiences: []\n", encoding="utf-8")
    code, _, err = run(capsys, "vip-connect", "--operator", "x", "--fixtures", str(tmp_path / "f"))
    assert code == 2 and "vip-connect.yaml: " in err and err.count("\n") == 1


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with serving_in_thread(create_app()) as url:
        yield url


@pytest.mark.slow
def test_a_valkyrie_session_and_a_paytronix_token_are_made_by_a_running_sandbox(
    capsys: pytest.CaptureFixture[str], sandbox: str
) -> None:
    code, out, err = run(capsys, "valkyrie", "--player", "bob", "--provider", "caleta", "--url", sandbox)
    assert (code, err) == (0, "") and len(out.strip()) == 40
    balance = httpx.get(
        f"{sandbox}{VALKYRIE_BALANCE.format(valkyrie_player('bob'))}",
        params={"provider": "caleta"},
        headers={**valkyrie_headers(), "X-Player-Token": out.strip()},
        timeout=10,
    )
    assert balance.json()["status"] == "OK"
    code, out, err = run(capsys, "paytronix", "--account", "gold", "--url", sandbox)
    assert (code, err) == (0, "")
    fields = {"authentication": "oauth", "merchantId": 777777, "access_token": out.strip()}
    info = httpx.post(f"{sandbox}{PAYTRONIX_INFO}", json=fields, headers=paytronix_headers(), timeout=10)
    assert info.json()["result"] == "success"


@pytest.mark.slow
def test_what_a_running_sandbox_refuses_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], sandbox: str
) -> None:
    code, out, err = run(capsys, "valkyrie", "--player", "nobody", "--provider", "caleta", "--url", sandbox)
    assert (code, out) == (2, "")
    assert err == (
        f"mockserver: token valkyrie: the sandbox at {sandbox} answered 400: "
        "player: expected a player's fixture name or player id, got 'nobody'\n"
    )
    code, _, err = run(capsys, "paytronix", "--account", "nobody", "--url", sandbox)
    assert code == 2 and "answered 404: paytronix accounts has no entity named 'nobody'." in err


@pytest.mark.slow
def test_a_sandbox_that_wants_an_admin_token_gets_it_from_the_option_or_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "admin-token-of-the-test-0123456789"
    with serving_in_thread(create_app(access=AdminAccess(token, required=True))) as url:
        code, _, err = run(capsys, "valkyrie", "--player", "bob", "--provider", "caleta", "--url", url)
        assert code == 2 and "answered 401: The admin token is missing or wrong" in err and token not in err
        code, out, _ = run(
            capsys, "valkyrie", "--player", "bob", "--provider", "caleta", "--url", url, "--admin-token", token
        )
        assert code == 0 and len(out.strip()) == 40
        monkeypatch.setenv("MOCKSERVER_ADMIN_TOKEN", token)
        code, out, _ = run(capsys, "paytronix", "--account", "gold", "--url", url)
        assert code == 0 and out.strip()


def test_an_unreachable_sandbox_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as closed:  # a port that was free a moment ago, and that nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    code, _, err = run(capsys, "valkyrie", "--player", "bob", "--provider", "caleta", "--url", url)
    assert code == 2 and err.startswith(f"mockserver: token valkyrie: cannot reach the sandbox at {url}")
    assert err.count("\n") == 1
