"""The soak's hostile mix, beside its valid one: what a broken or hostile client sends, every outcome checked.

Each hostile case is one fresh connection. Most send one request the mock must refuse in the owning API's error
shape (oversized heads and tokens, lone surrogates, bytes that are not UTF-8, a trailing slash, a JWT whose exp is a
string), after which the mock closes the connection. Two never finish a request: one sends nothing, one dribbles its
head a byte at a time; the mock must close each, without an answer, within its idle or request timeout. A prober
meanwhile asks ``/healthz`` on a fresh connection every ``PROBE_EVERY`` seconds and records how long it waited.
SECURITY.md documents each of these answers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import benchlib

# `mockserver serve` defaults (mockserver.http_protocol.ConnectionLimits), and the slack allowed beyond them.
IDLE_TIMEOUT = 5.0
REQUEST_TIMEOUT = 10.0
SLACK = 3.0
ANSWER_TIMEOUT = 10.0
DRIBBLE_EVERY = 0.5
PROBE_EVERY = 0.1

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class HostileCase:
    name: str
    kind: str  # "answer": one request, one documented refusal, then a close; "idle" and "dribble": a close only
    request: bytes = b""
    status: int = 0
    check: Check | None = None


@dataclass
class HostileTally:
    sent: int = 0
    documented: int = 0
    problems: int = 0


@dataclass
class Probes:
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, seconds waited)
    failures: int = 0


def _shape(api: str, status: int, needle: str = "") -> Check:
    """The error body of ``api`` for ``status``; ``needle`` must appear in its message."""

    def check(body: Any) -> str | None:
        if not isinstance(body, dict):
            return f"body is not a JSON object: {body!r:.200}"
        if api == "vip-connect":
            ok = body.get("errorCode") == str(status) and body.get("transactionStage") == "VIP Account Inquiry"
            message = str(body.get("operatorDeclineDescription"))
        elif api == "paytronix":
            ok = body.get("result") == "failure" and bool(body.get("errorCode"))
            message = str(body.get("errorMessage"))
        elif api == "valkyrie":
            ok = body.get("status") == "ERROR" and body.get("error", {}).get("code") == "PAM_ERR_UNDEFINED"
            message = str(body.get("error", {}).get("message"))
        else:
            ok = set(body) == {"message", "apis"}
            message = str(body.get("message"))
        if not ok:
            return f"not the {api} error shape: {body!r:.200}"
        if needle not in message:
            return f"message {message!r:.200} does not mention {needle!r}"
        return None

    return check


def raw_request(method: str, target: str, headers: dict[str, str], body: bytes | None = None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: mock", *(f"{name}: {value}" for name, value in headers.items())]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def build_hostile_cases() -> list[HostileCase]:
    vip = "/vip-connect/api/patronsession/accountlookup"
    ptx = "/paytronix/rest/25.33/guest/accountInformation.json"
    alice = "/valkyrie/players/73619e57b3bc4b4e9014132be3bd12a9/balance"
    api_token, sessions = benchlib.valkyrie_credentials()
    pam = {"Authorization": f"Bearer {api_token}", "X-Player-Token": sessions["active"], "X-Correlation-ID": "hostile"}
    close = {"Connection": "close"}
    json_type = {"Content-Type": "application/json", **close}
    client_id, secret = benchlib.paytronix_basic()
    basic = {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}

    def bearer(**claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {benchlib.vip_jwt(extra_claims=claims)}"}

    body = b'{"VipAccountNumber": "7210988860"}'
    cases = [
        HostileCase("header line of 64 KiB", "answer", raw_request("GET", f"{alice}?provider=evolution",
                    {**pam, "X-Big": "a" * 65536}), 431, _shape("valkyrie", 431, "over")),
        HostileCase("JWT with a 1 MB claim", "answer", raw_request("POST", vip, {**bearer(pad="x" * 1_000_000),
                    **json_type}, body), 431, _shape("vip-connect", 431)),
        HostileCase("JWT over 4096 characters", "answer", raw_request("POST", vip, {**bearer(pad="x" * 4000),
                    **json_type}, body), 401, _shape("vip-connect", 401, "longer than")),
        HostileCase("request target over 8 KiB", "answer", raw_request("GET", f"{alice}?provider={'e' * 9000}", pam),
                    414, _shape("valkyrie", 414)),
        HostileCase("101 headers", "answer", raw_request("GET", ptx, {f"X-{n}": "a" for n in range(101)}), 431,
                    _shape("paytronix", 431)),
        HostileCase("not HTTP", "answer", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400,
                    _shape("outside", 400)),
        HostileCase("lone surrogate in a VIP body", "answer", raw_request("POST", vip, {**bearer(), **json_type},
                    rb'{"VipAccountNumber": "\ud800"}'), 400, _shape("vip-connect", 400, "surrogate")),
        HostileCase("lone surrogate as Paytronix authentication", "answer", raw_request("POST", ptx,
                    {**basic, **json_type}, rb'{"authentication": "\udc00", "merchantId": 777777}'), 400,
                    _shape("paytronix", 400, "surrogate")),
        HostileCase("query not UTF-8", "answer", raw_request("GET", f"{alice}?provider=%ff%fe", {**pam, **close}), 400,
                    _shape("valkyrie", 400, "UTF-8")),
        HostileCase("merchantId in Arabic-Indic digits", "answer", raw_request("GET", f"{ptx}?authentication=oauth&"
                    "merchantId=%D9%A7%D9%A7%D9%A7&access_token=x", {**basic, **close}), 400,
                    _shape("paytronix", 400, "merchantId")),
        HostileCase("JWT exp as a string", "answer", raw_request("POST", vip, {**bearer(exp="1999999999"),
                    **json_type}, body), 401, _shape("vip-connect", 401, "NumericDate")),
        HostileCase("trailing slash, foreign Host", "answer", raw_request("POST", vip + "/", {**bearer(), **json_type,
                    "Host": "evil.example:666"}, body), 404, _shape("vip-connect", 404)),
        HostileCase("idle connection", "idle"),
        HostileCase("dribbled head", "dribble", raw_request("GET", f"{alice}?provider=evolution", pam)[:-2]),
    ]  # fmt: skip
    return cases


def first_answer(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split(" ")[1]), headers, rest[: int(headers.get("content-length", "0"))]


async def read_to_close(reader: asyncio.StreamReader) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            data += chunk
    return data


async def run_case(port: int, case: HostileCase) -> str | None:
    """None when the mock did what SECURITY.md documents for ``case``, else what it did instead."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if case.kind == "answer":
            writer.write(case.request)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            raw = await asyncio.wait_for(read_to_close(reader), ANSWER_TIMEOUT)
            if not raw:
                return "closed without an answer"
            status, headers, content = first_answer(raw)
            if status != case.status:
                return f"HTTP {status}, expected {case.status}: {raw[:200]!r}"
            if "location" in headers:
                return f"a Location header: {headers['location']!r}"
            if not headers.get("content-type", "").startswith("application/json"):
                return f"Content-Type {headers.get('content-type')!r}"
            assert case.check is not None
            return case.check(json.loads(content))
        limit = IDLE_TIMEOUT if case.kind == "idle" else REQUEST_TIMEOUT
        if case.kind == "dribble":
            for byte in case.request:
                writer.write(bytes([byte]))
                try:
                    await writer.drain()
                    closed = await asyncio.wait_for(reader.read(1), DRIBBLE_EVERY) == b""
                except TimeoutError:
                    continue
                except ConnectionError:
                    closed = True
                if closed:
                    break
        raw = await asyncio.wait_for(read_to_close(reader), limit + SLACK)
        waited = time.monotonic() - started
        if raw:
            return f"answered a request that never ended: {raw[:200]!r}"
        if waited > limit + SLACK:
            return f"closed after {waited:.1f} s, over {limit:g} s"
        return None
    except TimeoutError:
        return f"still open after {time.monotonic() - started:.1f} s"
    finally:
        writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await writer.wait_closed()


async def drive_hostile(
    port: int, cases: list[HostileCase], seconds: float, connections: int, tallies: dict[str, HostileTally],
    examples: list[dict[str, Any]],
) -> None:  # fmt: skip
    """``connections`` workers, each running the hostile cases in turn until the deadline."""
    deadline = time.monotonic() + seconds

    async def worker(index: int) -> None:
        for case in itertools.islice(itertools.cycle(cases), index % len(cases), None):
            if time.monotonic() >= deadline:
                return
            await run_and_tally(port, case, tallies, examples)

    await asyncio.gather(*(worker(index) for index in range(connections)))


async def run_and_tally(
    port: int, case: HostileCase, tallies: dict[str, HostileTally], examples: list[dict[str, Any]]
) -> None:
    tally = tallies[case.name]
    tally.sent += 1
    try:
        problem = await run_case(port, case)
    except OSError as error:
        problem = f"socket error: {type(error).__name__}: {error}"
    if problem is None:
        tally.documented += 1
        return
    tally.problems += 1
    if len(examples) < 20:
        examples.append({"hostile case": case.name, "problem": problem})


def probe_health(port: int, seconds: float) -> Probes:
    """``GET /healthz`` on a fresh connection every PROBE_EVERY seconds; the wait of each.

    Meant for a process of its own: on the load generator's event loop, or in a thread waiting for its GIL, a probe
    would time the load generator as much as the mock.
    """
    probes = Probes()
    start = time.monotonic()
    deadline = start + seconds
    request = b"GET /healthz HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n"
    while time.monotonic() < deadline:
        sent = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT) as sock:
                sock.sendall(request)
                raw = b""
                while chunk := sock.recv(65536):
                    raw += chunk
            status, _, content = first_answer(raw)
            ok = status == 200 and json.loads(content).get("status") == "ok"
        except (OSError, ValueError, IndexError):
            ok = False
        if ok:
            probes.latencies.append((sent - start, time.monotonic() - sent))
        else:
            probes.failures += 1
        time.sleep(max(0.0, PROBE_EVERY - (time.monotonic() - sent)))
    return probes


def percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else None


def health_summary(probes: Probes, window: float = 10.0) -> dict[str, Any]:
    """p50, p99 and max of the probes' waits in ms, overall and per ``window`` seconds."""
    waits = [wait for _, wait in probes.latencies]
    windows: dict[int, list[float]] = {}
    for at, wait in probes.latencies:
        windows.setdefault(int(at // window), []).append(wait)

    def ms(value: float | None) -> float | None:
        return round(value * 1000, 2) if value is not None else None

    return {
        "probes": len(waits) + probes.failures,
        "failures": probes.failures,
        "p50_ms": ms(percentile(waits, 0.5)),
        "p99_ms": ms(percentile(waits, 0.99)),
        "max_ms": ms(max(waits) if waits else None),
        "p99_ms_by_window": {f"{int(k * window)}-{int((k + 1) * window)} s": ms(percentile(v, 0.99))
                             for k, v in sorted(windows.items())},
    }  # fmt: skip
