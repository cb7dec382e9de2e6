"""Helpers shared by the tests: bundled fixture values, JWT minting, spec checks of responses, a live mock."""

from __future__ import annotations

import base64
import functools
import importlib
import os
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import jwt
import uvicorn
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

REPO = Path(__file__).resolve().parent.parent


def bench_module(name: str) -> ModuleType:
    """A script of bench/ imported as a module (bench/ is not a package; its scripts import each other by name)."""
    bench = str(REPO / "bench")
    sys.path.insert(0, bench)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(bench)


SPECS = REPO / "specs"
FIXTURES = REPO / "fixtures"

API_NAMES = ("vip-connect", "paytronix", "valkyrie")
# The shipped profile of the bundled mock, which expects the mock on port 8000.
MOCK_PROFILE = REPO / "conformance" / "profiles" / "mock.yaml"
MOCK_BASE = "http://127.0.0.1:8000"

VIP_LOOKUP = "/vip-connect/api/patronsession/accountlookup"
PAYTRONIX_INFO = "/paytronix/rest/25.33/guest/accountInformation.json"
VALKYRIE_BALANCE = "/valkyrie/players/{}/balance"

# The vendor's published sample token: issued by the example operator, signed with its decoded secret,
# expired in October 2022.
VENDOR_SAMPLE_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYmYiOjE2MzUyNjExNzUsImV4cCI6MTY2Njc5NzE3NSwiaWF0IjoxNjM1MjYxMTc1LCJpc3Mi"
    "OiJkYTZmOWZjNy0wNzdmLTQwM2UtODYyMy1mOGJiZTI1NTQwNzUiLCJhdWQiOiJ2aXAtYXBpIn0.XwcWyt4hrlhh7QBXtWxkwVQuTnxWhoOQFn5zH"
    "Pef4F8"
)


@functools.cache
def fixture(api: str) -> dict[str, Any]:
    """The bundled fixture file of ``api``, as parsed YAML."""
    data: dict[str, Any] = yaml.safe_load((FIXTURES / f"{api}.yaml").read_text(encoding="utf-8"))
    return data


@functools.cache
def spec(api: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SPECS / f"{api}.yaml").read_text(encoding="utf-8"))
    return data


def spec_example(api: str, path: str, method: str, status: str, name: str) -> Any:
    operation = spec(api)["paths"][path][method]
    response = operation["responses"][status]
    if "$ref" in response:
        response = spec(api)["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["examples"][name]["value"]


def mock_profile_at(directory: Path, base: str) -> Path:
    """The mock's profile with its three base URLs pointing at ``base``: valid, so only the system can fail."""
    text = MOCK_PROFILE.read_text(encoding="utf-8")
    assert text.count(MOCK_BASE) == 3
    profile = directory / "profile.yaml"
    profile.write_text(text.replace(MOCK_BASE, base), encoding="utf-8")
    return profile


def operator_secrets(operator: str = "example-operator") -> list[str]:
    """The base64 keys of a fixture operator: one, or two while it rotates them."""
    secrets = fixture("vip-connect")["operators"][operator]["secret_base64"]
    return [secrets] if isinstance(secrets, str) else list(secrets)


def vip_token(operator: str = "example-operator", *, key: bytes | None = None, **claims: Any) -> str:
    """A token for a fixture operator, signed with its first key unless ``key`` is given; ``claims`` override the
    defaults, a None value drops the claim."""
    entry = fixture("vip-connect")["operators"][operator]
    now = int(time.time())
    # A day of validity: tokens minted when a module loads stay valid however long the suite runs.
    payload = {"iss": entry["operator_id"], "aud": "vip-api", "nbf": now - 5, "iat": now, "exp": now + 86400}
    payload.update(claims)
    secret = key if key is not None else base64.b64decode(operator_secrets(operator)[0])
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


def vip_headers(operator: str = "example-operator", **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {vip_token(operator, **claims)}"}


def paytronix_auth() -> tuple[str, str]:
    client = next(iter(fixture("paytronix")["clients"].values()))
    return client["client_id"], client["client_secret"]


def paytronix_headers() -> dict[str, str]:
    """The HTTP Basic header of the first fixture client."""
    return {"Authorization": "Basic " + base64.b64encode(":".join(paytronix_auth()).encode()).decode()}


def valkyrie_headers(session: str = "active", **overrides: str | None) -> dict[str, str]:
    """Headers of a balance request for a fixture session; an override of None drops the header."""
    data = fixture("valkyrie")
    headers: dict[str, str | None] = {
        "Authorization": f"Bearer {data['api_token']}",
        "X-Player-Token": data["sessions"][session]["token"],
        "X-Correlation-ID": "test-correlation-id",
    }
    headers.update(overrides)
    return {name: value for name, value in headers.items() if value is not None}


def valkyrie_player(name: str) -> str:
    player_id: str = fixture("valkyrie")["players"][name]["player_id"]
    return player_id


def _operation_for(api: str, path: str, method: str) -> dict[str, Any]:
    for template, item in spec(api)["paths"].items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            operation: dict[str, Any] = item[method.lower()]
            return operation
    raise AssertionError(f"{method} {path} is not an operation of {api}")


def assert_documented(response: httpx.Response) -> Any:
    """Assert that the response's status is documented for its operation and its body matches the schema.

    Error-handler responses are not validated by connexion, so every test runs its responses through this.
    Returns the parsed JSON body.
    """
    request = response.request
    api, _, rest = request.url.path.lstrip("/").partition("/")
    operation = _operation_for(api, "/" + rest, request.method)
    status = str(response.status_code)
    assert status in operation["responses"], f"{request.method} {request.url.path}: undocumented status {status}"
    definition = operation["responses"][status]
    if "$ref" in definition:
        definition = spec(api)["components"]["responses"][definition["$ref"].rsplit("/", 1)[1]]
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    content = definition.get("content", {}).get("application/json")
    if content is not None:
        root = {**content["schema"], "components": spec(api)["components"]}
        errors = [
            error.message for error in OAS30Validator(root, format_checker=oas30_format_checker).iter_errors(body)
        ]
        assert not errors, f"{request.method} {request.url.path} {status}: body breaks the spec: {errors}"
    return body


def assert_api_error(response: Any, path: str) -> dict[str, Any]:
    """The body is JSON in the shape of the API that owns ``path`` (a small one outside them); the status is a 4xx."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    api = path.split("/")[1]
    if api == "vip-connect":
        assert set(body) == {
            "errorCode",
            "transactionStage",
            "operatorErrorMessage",
            "operatorDeclineDescription",
            "patronErrorMessage",
        }
        assert body["errorCode"].isdigit()
    elif api == "paytronix":
        assert body["result"] == "failure" and body["errorCode"] and body["errorMessage"]
    elif api == "valkyrie":
        assert body["status"] == "ERROR" and body["error"]["code"].startswith("PAM_ERR_")
    else:
        assert set(body) == {"message", "apis"}
    assert "Traceback" not in response.text
    return body


@dataclass
class LiveMock:
    """A ``mockserver serve`` process on a free port; its stderr is collected line by line."""

    process: subprocess.Popen[str]
    url: str = ""
    lines: list[str] = field(default_factory=list)

    def wait_for_line(self, pattern: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            if self.process.poll() is not None and not any(re.search(pattern, line) for line in self.lines):
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in mockserver output:\n" + "".join(self.lines))

    def stop(self) -> None:
        """Stop the process this test started, by its PID, and close its pipe."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


def until_every_worker_answered(mock: LiveMock, send: Callable[[str], None], workers: int = 2) -> set[str]:
    """Calls ``send`` with a new correlation id (each call on a new connection) until ``workers`` processes have
    answered one, as the access log's ``pid=`` says; returns their process ids. Which worker accepts a connection is
    the kernel's choice, so this goes on for as many requests as it takes, within a bound that only stops a broken
    pool from hanging the test."""
    answered: set[str] = set()
    for index in range(500):
        correlation = f"worker-{index}"
        send(correlation)
        line = mock.wait_for_line(f"correlation={correlation}$")
        match = re.search(r" pid=(\d+) ", line)
        assert match, line
        answered.add(match.group(1))
        if len(answered) == workers:
            return answered
    raise AssertionError(f"only {answered} answered all {index + 1} requests")


def start_mock(
    *args: str, timeout: float = 20.0, env: dict[str, str] | None = None, cwd: Path | None = None
) -> LiveMock:
    """Start ``mockserver serve --port 0`` and wait until it prints the URL it listens on; raise if it does not.
    ``env`` adds environment variables to the test's own; ``cwd`` is the directory it runs in."""
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", *args]
    environment = {**os.environ, **env} if env else None
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=environment, cwd=cwd
    )
    mock = LiveMock(process)
    assert process.stderr is not None
    stream = process.stderr

    def collect() -> None:
        for line in stream:
            mock.lines.append(line)

    threading.Thread(target=collect, daemon=True).start()
    try:
        line = mock.wait_for_line(r"serving .* on http://", timeout=timeout)
    except AssertionError:
        mock.stop()
        raise
    match = re.search(r"(http://[\d.]+:\d+)", line)
    assert match is not None
    mock.url = match.group(1)
    return mock


def closed_port() -> int:
    """A port nothing listens on: bound for a moment to get a free number, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def running(server: socketserver.BaseServer) -> Iterator[str]:
    """``server``, bound to a free port of 127.0.0.1, serving in a thread; yields its base URL, then stops it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        address = server.server_address
        assert isinstance(address, tuple)
        yield f"http://{address[0]}:{address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def serving_in_thread(app: Any, **options: Any) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free port of 127.0.0.1 (``options`` go to uvicorn's Config); yields
    its base URL, then stops it. Raises if it does not start."""
    config = uvicorn.Config(app, **{"host": "127.0.0.1", "port": 0, "log_level": "warning", **options})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started, "the test server did not start"
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
