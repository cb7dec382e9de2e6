"""A real ``mockserver serve`` process on a free port: the three APIs, the access log, the UI, the CLI's errors."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import httpx
import pytest
from support import (
    PAYTRONIX_INFO,
    VALKYRIE_BALANCE,
    VIP_LOOKUP,
    LiveMock,
    assert_documented,
    paytronix_auth,
    start_mock,
    until_every_worker_answered,
    valkyrie_headers,
    valkyrie_player,
    vip_headers,
)

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_health_lists_the_apis(live_mock: LiveMock) -> None:
    response = httpx.get(f"{live_mock.url}/healthz", timeout=5)
    assert response.json() == {
        "status": "ok",
        "apis": {"vip-connect": "/vip-connect", "paytronix": "/paytronix", "valkyrie": "/valkyrie"},
    }


def test_each_api_answers_over_a_real_socket_and_logs_one_line_per_request(live_mock: LiveMock) -> None:
    with httpx.Client(base_url=live_mock.url, timeout=5) as client:
        vip = client.post(
            VIP_LOOKUP,
            json={"VipAccountNumber": "7210988860"},
            headers={**vip_headers(), "X-Correlation-ID": "live-vip"},
        )
        paytronix = client.get(
            PAYTRONIX_INFO,
            params={
                "authentication": "guest",
                "merchantId": 777777,
                "username": "GuestREST",
                "password": "sandbox-guest-password",
            },
            auth=paytronix_auth(),
            headers={"X-Correlation-ID": "live-paytronix"},
        )
        valkyrie = client.get(
            VALKYRIE_BALANCE.format(valkyrie_player("alice")),
            params={"provider": "evolution"},
            headers=valkyrie_headers(**{"X-Correlation-ID": "live-valkyrie"}),
        )
    assert assert_documented(vip)["vipCardNumber"] == "7210988860"
    assert assert_documented(paytronix)["result"] == "success"
    assert assert_documented(valkyrie)["status"] == "OK"
    for name, response in [("vip", vip), ("paytronix", paytronix), ("valkyrie", valkyrie)]:
        assert response.headers["x-correlation-id"] == f"live-{name}"
        line = live_mock.wait_for_line(f"correlation=live-{name}")
        assert f'"{response.request.method} {response.request.url.path}" 200' in line
        assert sum(f"correlation=live-{name}" in logged for logged in live_mock.lines) == 1
    # Query strings can carry passwords; the access log records the path only.
    assert not any("sandbox-guest-password" in logged for logged in live_mock.lines)


@pytest.mark.parametrize("api", ["vip-connect", "paytronix", "valkyrie"])
def test_each_api_has_its_swagger_ui_and_spec(live_mock: LiveMock, api: str) -> None:
    ui = httpx.get(f"{live_mock.url}/{api}/ui/", timeout=5)
    assert ui.status_code == 200 and "text/html" in ui.headers["content-type"]
    spec = httpx.get(f"{live_mock.url}/{api}/openapi.json", timeout=5)
    assert spec.status_code == 200 and spec.json()["openapi"] == "3.0.3"


def test_the_process_shuts_down_gracefully_on_sigterm() -> None:
    mock = start_mock()
    mock.stop()
    # uvicorn finishes its shutdown, then re-raises the signal so the exit status reports it.
    assert mock.process.returncode == -signal.SIGTERM
    assert any("Finished server process" in line for line in mock.lines)


def test_workers_share_the_port_and_stop_together() -> None:
    mock = start_mock("--workers", "2")
    try:
        assert mock.wait_for_line(r"serving .*, 2 workers")
        # Each access line names the process that answered.

        def send(correlation: str) -> None:
            response = httpx.get(
                f"{mock.url}/valkyrie/players/x/balance",
                params={"provider": "evolution"},
                headers=valkyrie_headers(**{"X-Correlation-ID": correlation}),
                timeout=10,
            )
            assert assert_documented(response)["error"]["code"] == "PAM_ERR_PLAYER_NOT_FOUND"

        workers = until_every_worker_answered(mock, send)
        assert str(mock.process.pid) not in workers  # the supervisor hands every connection to a worker
    finally:
        mock.stop()
    assert sum("Finished server process" in line for line in mock.lines) == 2


def test_an_address_in_use_stops_start_up_with_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mockserver", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["serve", "--port", "http"],
        ["serve", "--port", "70000"],
        ["serve", "--idle-timeout", "0"],
        ["serve", "--request-timeout", "soon"],
        ["serve", "--max-connections", "-1"],
        ["listen"],
        [],
    ],
)
def test_bad_arguments_exit_2_with_usage(arguments: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", *arguments], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "usage: mockserver" in result.stderr
