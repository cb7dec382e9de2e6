"""Soak test: the mock under a mix of every documented case of the three APIs, and a hostile mix beside it.

    python bench/soak.py [--seconds 60] [--connections 64] [--hostile-connections 8] [--client raw|httpx]

Starts ``mockserver serve`` (its real CLI, bundled fixtures, a free port on 127.0.0.1) and drives it for
``--seconds`` with an asyncio load generator: ``--connections`` keep-alive connections, each sending the cases in
turn (each connection starts at another case, so the mix stays even). Every response is checked against the
documented status and the key fields of its case's body (fixtures/README.md), and must echo the request's unique
``X-Correlation-ID``. Beside it, ``--hostile-connections`` workers run the hostile mix (bench/hostile.py: oversized
heads and tokens, surrogates, idle and dribbling connections), each outcome checked against SECURITY.md, and a
prober times ``/healthz``. A warm-up (each case once, then ``--warmup`` seconds of the mix at full concurrency,
answers checked too) comes first. Exits 1 on any mismatch, any socket error of the valid mix, any hostile outcome
other than the documented one, a ``/healthz`` p99 over ``--max-healthz-p99`` ms, or RSS growth over
``--max-rss-growth`` MiB between the end of the warm-up and the end of the load; 0 otherwise. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import contextlib
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import hostile
import partner
from benchlib import BENCH, FIXTURES, Managed
from expected import EARLY_SLACK_SECONDS, Check, expect, pam_error, ptx, vip_error, with_length

from mockserver.faults.acting import FAULT_MESSAGE

REQUEST_TIMEOUT = 10.0
GRACE = 20.0
MAX_JOURNAL_FILL_SECONDS = 120.0  # the warm-up's bound while it fills the journal
JOURNAL_FILL_STEP_SECONDS = 2.0


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    target: str  # path and query string
    headers: dict[str, str]
    body: bytes | None
    status: int
    check: Check
    correlation: bool = True  # send a unique X-Correlation-ID and expect it echoed
    applied: str | None = None  # the Preference-Applied header expected (a fault asked for with Prefer)
    min_seconds: float = 0.0  # a delay asked for: the answer may not come sooner


@dataclass
class Tally:
    sent: int = 0
    mismatches: int = 0
    socket_errors: int = 0
    latencies: list[float] = field(default_factory=list)


def build_cases(*, faults: bool = True) -> list[Case]:
    """Every documented case of the three APIs; with ``faults``, faults asked for with ``Prefer`` too."""
    json_type = {"Content-Type": "application/json"}
    vip_path = "/vip-connect/api/patronsession/accountlookup"
    token = {"Authorization": f"Bearer {benchlib.vip_jwt('example-operator')}", **json_type}
    bank = {"Authorization": f"Bearer {benchlib.vip_jwt('bank-accounts-operator')}", **json_type}
    bad_jwt = {"Authorization": f"Bearer {benchlib.vip_jwt('example-operator', key_as_text=True)}", **json_type}

    def vip(name: str, headers: dict[str, str], body: dict[str, Any], status: int, check: Any, **kw: Any) -> Case:
        return Case(f"vip {name}", "POST", vip_path, headers, json.dumps(body).encode(), status, check, **kw)

    cases = [
        vip("preferred", token, {"VipAccountNumber": "7210988860"}, 200,
            expect(vipCardNumber="7210988860", name="JOHN SMITH", availableAmount=4500.0, bankAccounts=None)),
        vip("preferred, bankAccounts on", bank, {"VipAccountNumber": "7210988860", "ProductType": "preferred"}, 200,
            with_length("bankAccounts", 2, expect(vipCardNumber="7210988860", availableAmount=4500.0))),
        vip("online", token, {"VipAccountNumber": "7210988860", "ProductType": "online"}, 200,
            expect(vipCardNumber="7210988860", availableAmount=None, bankAccounts=None)),
        vip("by ID details (DL)", token, {"IdType": "DL", "IdNumber": "GA054983545", "IdState": "GA"}, 200,
            expect(vipCardNumber="7210988860", idType="DL", idNumber="****3545", idState="GA")),
        vip("by ID details (SS)", bank, {"IdType": "SS", "IdNumber": "543083512"}, 200,
            with_length("bankAccounts", 1, expect(vipCardNumber="7210695258", idType="SS", idState=""))),
        vip("closed 400", token, {"VipAccountNumber": "7210806973"}, 400, vip_error("13")),
        vip("unknown 404", token, {"VipAccountNumber": "7210000000"}, 404,
            vip_error("12", operatorErrorMessage="Account not found.")),
        vip("both forms 400", token, {"VipAccountNumber": "7210988860", "IdType": "SS", "IdNumber": "543083512"},
            400, vip_error("400", operatorDeclineDescription=(
                "Send ID details (IdType, IdNumber, IdState) or VipAccountNumber, not both."))),
        vip("bad JWT 401", bad_jwt, {"VipAccountNumber": "7210988860"}, 401,
            vip_error("401", operatorDeclineDescription="The token's signature does not verify with the operator's "
                      "secret.")),
    ]  # fmt: skip

    client_id, secret = benchlib.paytronix_basic()
    basic = {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}
    wrong_basic = {"Authorization": "Basic " + base64.b64encode(f"{client_id}:wrong-secret".encode()).decode()}
    ptx_path = "/paytronix/rest/25.33/guest/accountInformation.json"
    styles: list[tuple[str, dict[str, Any], dict[str, str], int, Check]] = [
        ("oauth success", {"authentication": "oauth", "merchantId": 777777,
                           "access_token": "rIe7dgL5pthisisnotarealtokenqrFbA268pw5GP"}, basic, 200,
         ptx("success", username="GuestREST", queryCardStatus="ACTIVE", primaryCard__maskedCardNumber="418000")),
        ("card success", {"authentication": "card", "merchantId": 777777, "printedCardNumber": "6000301000427019",
                          "registrationCode": "427019"}, basic, 200,
         ptx("success", username="GoldGuest", tierLabel="GOLD")),
        ("guest success", {"authentication": "guest", "merchantId": 777777, "username": "GuestREST",
                           "password": "sandbox-guest-password"}, basic, 200,
         ptx("success", username="GuestREST", tierLabel="REGISTERED")),
        ("invalid_status", {"authentication": "card", "merchantId": 777777, "printedCardNumber": "6000301000499001",
                            "registrationCode": "499001"}, basic, 200,
         ptx("invalid_status", "guest.card_not_in_required_state")),
        ("failure (wrong code)", {"authentication": "card", "merchantId": 777777,
                                  "printedCardNumber": "6000301000418000", "registrationCode": "000000"}, basic, 200,
         ptx("failure", "guest.invalid_registration_code")),
        ("failure (expired token)", {"authentication": "oauth", "merchantId": 777777,
                                     "access_token": "HxRrgfDBE4by_p5rj8OU_NoV7UL9kEYC2WEbFg2Z"}, basic, 200,
         ptx("failure", "guest.invalid_access_token")),
        ("bad Basic 401", {"authentication": "oauth", "merchantId": 777777,
                           "access_token": "rIe7dgL5pthisisnotarealtokenqrFbA268pw5GP"}, wrong_basic, 401,
         ptx("failure", "auth.invalid_client")),
        ("missing fields 400", {"authentication": "card", "merchantId": 777777,
                                "printedCardNumber": "6000301000418000"}, basic, 400,
         ptx("failure", "request.invalid_inputs")),
    ]  # fmt: skip
    for name, fields, headers, status, check in styles:
        cases.append(
            Case(f"paytronix POST {name}", "POST", ptx_path, {**headers, **json_type}, json.dumps(fields).encode(),
                 status, check)
        )  # fmt: skip
        cases.append(
            Case(f"paytronix GET {name}", "GET", f"{ptx_path}?{urlencode(fields)}", headers, None, status, check)
        )

    api_token, sessions = benchlib.valkyrie_credentials()
    pam = {"Authorization": f"Bearer {api_token}"}

    def valkyrie(
        name: str, player: str, session: str, provider: str | None, status: int, check: Any, **kw: Any
    ) -> Case:
        query = f"?{urlencode({'provider': provider})}" if provider is not None else ""
        headers = {**kw.pop("auth", pam), "X-Player-Token": session, **kw.pop("prefer", {})}
        return Case(f"valkyrie {name}", "GET", f"/valkyrie/players/{player}/balance{query}", headers, None, status,
                    check, **kw)  # fmt: skip

    alice, bob, carol = "73619e57b3bc4b4e9014132be3bd12a9", "5000001", "c4a0f1d2e3b4a5968778695a4b3c2d1e"
    cases += [
        valkyrie("OK", alice, sessions["active"], "evolution", 200,
                 expect(status="OK", balance__cashAmount=1236.123456, balance__bonusAmount=10.5, error=None)),
        valkyrie("OK (redtiger, upper case)", bob, sessions["redtiger"], "REDTIGER", 200,
                 expect(status="OK", balance__cashAmount=99.99, balance__promoAmount=2.000001)),
        valkyrie("expired", alice, sessions["expired"], "evolution", 200, pam_error("PAM_ERR_SESSION_EXPIRED")),
        valkyrie("no account", carol, sessions["no-account"], "evolution", 200, pam_error("PAM_ERR_ACC_NOT_FOUND")),
        valkyrie("unknown player", "does-not-exist", sessions["active"], "evolution", 200,
                 pam_error("PAM_ERR_PLAYER_NOT_FOUND")),
        valkyrie("unknown session 401", alice, "2f687bcf18c550ae44c7f4b89ec096d224a28a8c", "evolution", 401,
                 pam_error("PAM_ERR_SESSION_NOT_FOUND")),
        valkyrie("bad api token 401", alice, sessions["active"], "evolution", 401, pam_error("PAM_ERR_API_TOKEN"),
                 auth={"Authorization": "Bearer wrong-api-token"}),
        valkyrie("unknown provider 400", alice, sessions["active"], "pragmatic", 400,
                 pam_error("PAM_ERR_MISSING_PROVIDER")),
        valkyrie("missing correlation id 400", alice, sessions["active"], "evolution", 400,
                 pam_error("PAM_ERR_UNDEFINED"), correlation=False),
    ]  # fmt: skip
    if not faults:
        return cases
    # Faults asked for per request: an error in each API's own shape (status and code as asked, or the API's
    # default), and delays the answer may not beat. The partner mix (bench/partner.py) asks for the others.
    alice_ok = expect(status="OK", balance__cashAmount=1236.123456, error=None)
    oauth = {
        "authentication": "oauth",
        "merchantId": 777777,
        "access_token": "rIe7dgL5pthisisnotarealtokenqrFbA268pw5GP",
    }
    error: dict[str, Any] = {"applied": "fault=error"}
    cases += [
        vip("fault=error (Prefer) 500", {**token, "Prefer": "fault=error"}, {"VipAccountNumber": "7210988860"}, 500,
            vip_error("500", operatorDeclineDescription=FAULT_MESSAGE), **error),
        Case("paytronix POST fault=error (Prefer) 502", "POST", ptx_path,
             {**basic, **json_type, "Prefer": "fault=error; status=502; code=system.unavailable"},
             json.dumps(oauth).encode(), 502, ptx("failure", "system.unavailable", errorMessage=FAULT_MESSAGE),
             **error),
        valkyrie("fault=error (Prefer) 503 PAM_ERR_TIMEOUT", alice, sessions["active"], "evolution", 503,
                 pam_error("PAM_ERR_TIMEOUT"), prefer={"Prefer": "fault=error; status=503; code=PAM_ERR_TIMEOUT"},
                 **error),
        valkyrie("fault=delay 20 ms (Prefer)", alice, sessions["active"], "evolution", 200, alice_ok,
                 prefer={"Prefer": "fault=delay; ms=20"}, applied="fault=delay", min_seconds=0.020),
        Case("paytronix GET fault=delay 5-30 ms (Prefer)", "GET", f"{ptx_path}?{urlencode(oauth)}",
             {**basic, "Prefer": "fault=delay; min_ms=5; max_ms=30"}, None, 200, ptx("success", username="GuestREST"),
             applied="fault=delay", min_seconds=0.005),
    ]  # fmt: skip
    return cases


def judge(
    case: Case, status: int, headers: dict[str, str], raw: bytes, correlation: str | None, seconds: float
) -> str | None:
    """None when the answer is the documented one (``seconds`` after the request was sent), else what is wrong."""
    if status != case.status:
        return f"HTTP {status}, expected {case.status}: {raw[:200]!r}"
    if not headers.get("content-type", "").startswith("application/json"):
        return f"Content-Type {headers.get('content-type')!r}"
    try:
        body = json.loads(raw)
    except ValueError:
        return f"body is not JSON: {raw[:200]!r}"
    problem = case.check(body)
    if problem:
        return problem
    if correlation is not None and headers.get("x-correlation-id") != correlation:
        return f"X-Correlation-ID {headers.get('x-correlation-id')!r}, expected {correlation!r} echoed"
    if headers.get("preference-applied") != case.applied:
        return f"Preference-Applied {headers.get('preference-applied')!r}, expected {case.applied!r}"
    if seconds < case.min_seconds - EARLY_SLACK_SECONDS:
        return f"answered after {seconds * 1000:.1f} ms, before the {case.min_seconds * 1000:g} ms delay asked for"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Load generators: raw asyncio streams (one keep-alive connection per worker) or an httpx.AsyncClient pool.


class SocketError(Exception):
    pass


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client over asyncio streams: the fastest client this Python can be."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            if body is not None:
                lines.append(f"Content-Length: {len(body)}")
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            answer: dict[str, str] = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    answer[name.strip().lower()] = value.strip()
            if "content-length" in answer:
                content = await self.reader.readexactly(int(answer["content-length"]))
            elif answer.get("transfer-encoding", "").lower() == "chunked":
                content = await self._chunked()
            else:
                content = await self.reader.read()
                await self.close()
            if answer.get("connection", "").lower() == "close":
                await self.close()
            return status, answer, content
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as error:
            await self.close()
            raise SocketError(f"{type(error).__name__}: {error}") from error

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


async def drive(
    port: int, cases: list[Case], seconds: float, connections: int, client_kind: str, tallies: dict[str, Tally],
    mismatch_examples: list[dict[str, Any]],
) -> None:  # fmt: skip
    """``connections`` workers, each sending the cases in turn until the deadline."""
    import httpx

    deadline = time.monotonic() + seconds
    http_client = (
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            timeout=REQUEST_TIMEOUT,
        )
        if client_kind == "httpx"
        else None
    )

    async def one(case: Case, headers: dict[str, str], raw: RawConnection | None) -> tuple[int, dict[str, str], bytes]:
        if raw is not None:
            return await asyncio.wait_for(raw.request(case.method, case.target, headers, case.body), REQUEST_TIMEOUT)
        assert http_client is not None
        try:
            response = await http_client.request(case.method, case.target, headers=headers, content=case.body)
        except httpx.TransportError as error:
            raise SocketError(f"{type(error).__name__}: {error}") from error
        return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content

    async def worker(index: int) -> None:
        raw = RawConnection(port) if http_client is None else None
        serial = itertools.count()
        try:
            for case in itertools.islice(itertools.cycle(cases), index % len(cases), None):
                if time.monotonic() >= deadline:
                    return
                correlation = f"soak-{index}-{next(serial)}" if case.correlation else None
                headers = {**case.headers, **({"X-Correlation-ID": correlation} if correlation else {})}
                tally = tallies[case.name]
                tally.sent += 1
                started = time.perf_counter()
                try:
                    status, answer, content = await one(case, headers, raw)
                except (SocketError, TimeoutError) as error:
                    tally.socket_errors += 1
                    if raw is not None:
                        await raw.close()
                    if len(mismatch_examples) < 20:
                        mismatch_examples.append({"case": case.name, "socket_error": str(error) or repr(error)})
                    continue
                seconds = time.perf_counter() - started
                tally.latencies.append(seconds)
                problem = judge(case, status, answer, content, correlation, seconds)
                if problem:
                    tally.mismatches += 1
                    if len(mismatch_examples) < 20:
                        mismatch_examples.append({"case": case.name, "problem": problem})
        finally:
            if raw is not None:
                await raw.close()

    try:
        await asyncio.gather(*(worker(index) for index in range(connections)))
    finally:
        if http_client is not None:
            await http_client.aclose()


async def sample_rss(pid: int, samples: list[tuple[float, float]], t0: float, every: float = 5.0) -> None:
    while True:
        await asyncio.sleep(every)
        samples.append((round(time.monotonic() - t0, 1), benchlib.rss_mib(pid)))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its live descendants, the workers of --workers N (/proc/<pid>/stat)."""
    total = 0
    for process in [pid, *benchlib.children(pid)]:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def soak(port: int, pid: int, cases: list[Case], args: argparse.Namespace) -> dict[str, Any]:
    tallies = {case.name: Tally() for case in cases}  # the measured phase
    warm = {case.name: Tally() for case in cases}  # the warm-up: answers checked, not timed
    examples: list[dict[str, Any]] = []
    rss_initial = benchlib.rss_mib(pid)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    # Warm-up: every case once on its own connection, then the mix at full concurrency for --warmup seconds, so that
    # one-time set-up (lazy imports, caches, per-connection buffers) is not counted as growth.
    for case in cases:
        await drive_once(port, case, warm, examples)
    hostile_cases = hostile.build_hostile_cases() if args.hostile_connections else []
    hostile_tallies = {case.name: hostile.HostileTally() for case in hostile_cases}
    for hostile_case in hostile_cases:
        if hostile_case.kind == "answer":
            await hostile.run_and_tally(port, hostile_case, hostile_tallies, examples)
    partner_mix = partner.PartnerMix(port, rate=args.admin_changes, faults=args.faults, examples=examples)
    if args.admin_changes > 0:
        await asyncio.wait_for(partner_mix.one_round(), GRACE)  # at full speed: the deadline is not set yet
    if args.warmup > 0:
        await asyncio.wait_for(
            drive(port, cases, args.warmup, args.connections, args.client, warm, examples), args.warmup + GRACE
        )
    # RSS is measured with the journal full: until its ring holds --journal-size entries its file and SQLite's page
    # cache still grow, which is not growth under load. The mix goes on (checked too) until it is, within a bound.
    fill_deadline = time.monotonic() + MAX_JOURNAL_FILL_SECONDS
    while await partner.journal_size(port) < args.journal_size and time.monotonic() < fill_deadline:
        await asyncio.wait_for(
            drive(port, cases, JOURNAL_FILL_STEP_SECONDS, args.connections, args.client, warm, examples),
            JOURNAL_FILL_STEP_SECONDS + GRACE,
        )
    rss_start = benchlib.rss_mib(pid)
    samples: list[tuple[float, float]] = [(0.0, rss_start)]
    t0 = time.monotonic()
    cpu0, client_cpu0 = cpu_seconds(pid), time.process_time()
    sampler = asyncio.create_task(sample_rss(pid, samples, t0))
    prober = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        *_, probes = await asyncio.wait_for(
            asyncio.gather(
                drive(port, cases, args.seconds, args.connections, args.client, tallies, examples),
                hostile.drive_hostile(
                    port, hostile_cases, args.seconds, args.hostile_connections, hostile_tallies, examples
                ),
                partner_mix.run(args.seconds) if args.admin_changes > 0 else asyncio.sleep(0),
                asyncio.get_running_loop().run_in_executor(prober, hostile.probe_health, port, args.seconds),
            ),
            args.seconds + GRACE,
        )
    finally:
        sampler.cancel()
        prober.shutdown(cancel_futures=True)
    wall = time.monotonic() - t0
    mock_cpu, client_cpu = cpu_seconds(pid) - cpu0, time.process_time() - client_cpu0
    rss_end = benchlib.rss_mib(pid)
    # Every request of the valid mix that got an answer reached an API, and so the journal (unless it dropped it).
    answered = sum(t.sent - t.socket_errors for t in [*tallies.values(), *warm.values()])
    await partner_mix.check_summary(args.journal_size, answered)
    samples.append((round(wall, 1), rss_end))
    sent = sum(t.sent for t in tallies.values())
    latencies = sorted(x for t in tallies.values() for x in t.latencies)
    return {
        "wall_s": round(wall, 1),
        "requests": sent,
        "warmup_requests": sum(t.sent for t in warm.values()),
        "rps": round(sent / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2) if latencies else None,
        "mock_cpu_busy": round(mock_cpu / wall, 2),
        "client_cpu_busy": round(client_cpu / wall, 2),
        "mismatches": sum(t.mismatches for t in [*tallies.values(), *warm.values()]),
        "socket_errors": sum(t.socket_errors for t in [*tallies.values(), *warm.values()]),
        "rss_initial_mib": rss_initial,
        "rss_start_mib": rss_start,
        "rss_end_mib": rss_end,
        "rss_max_mib": max(v for _, v in samples),
        "rss_growth_mib": round(rss_end - rss_start, 1),
        "rss_samples_mib": samples,
        "cases": {
            name: {
                "sent": t.sent,
                "mismatches": t.mismatches + warm[name].mismatches,
                "socket_errors": t.socket_errors + warm[name].socket_errors,
            }
            for name, t in tallies.items()
        },
        "hostile": {
            name: {"sent": t.sent, "documented": t.documented, "problems": t.problems}
            for name, t in hostile_tallies.items()
        },
        "hostile_problems": sum(t.problems for t in hostile_tallies.values()),
        "partner": partner_mix.result.summary(),
        "healthz": hostile.health_summary(probes),
        "examples": examples,
        "load_average": {"start": load_at_start, "end": [round(x, 2) for x in os.getloadavg()]},
    }


async def drive_once(port: int, case: Case, tallies: dict[str, Tally], examples: list[dict[str, Any]]) -> None:
    """One request of one case on a fresh connection (the warm-up pass)."""
    connection = RawConnection(port)
    correlation = "soak-warmup" if case.correlation else None
    headers = {**case.headers, **({"X-Correlation-ID": correlation} if correlation else {})}
    tally = tallies[case.name]
    tally.sent += 1
    started = time.perf_counter()
    try:
        status, answer, content = await asyncio.wait_for(
            connection.request(case.method, case.target, headers, case.body), REQUEST_TIMEOUT
        )
    except (SocketError, TimeoutError) as error:
        tally.socket_errors += 1
        examples.append({"case": case.name, "socket_error": str(error)})
        return
    finally:
        await connection.close()
    problem = judge(case, status, answer, content, correlation, time.perf_counter() - started)
    if problem:
        tally.mismatches += 1
        examples.append({"case": case.name, "problem": problem, "warm-up": True})


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    out = [
        f"## Soak: {result['wall_s']:g} s, {args.connections} connections ({args.client} client), "
        f"{len(result['cases'])} cases in turn\n",
        "| requests | req/s | p50 ms | p99 ms | mismatches | socket errors | mock CPU | client CPU | "
        "RSS start MiB | RSS end MiB | growth MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result['requests']} | {result['rps']:.0f} | {result['p50_ms']} | {result['p99_ms']} | "
        f"{result['mismatches']} | {result['socket_errors']} | {result['mock_cpu_busy']:.0%} | "
        f"{result['client_cpu_busy']:.0%} | {result['rss_start_mib']:.1f} | {result['rss_end_mib']:.1f} | "
        f"{result['rss_growth_mib']:+.1f} |",
        "",
        f"RSS before any request {result['rss_initial_mib']:.1f} MiB; after the warm-up ({result['warmup_requests']} "
        f"requests, also checked) = start; max {result['rss_max_mib']:.1f} MiB; samples (s, MiB): "
        + ", ".join(f"{t:g}: {v:.1f}" for t, v in result["rss_samples_mib"]),
        "",
        f"Machine load average (1 min): {result['load_average']['start'][0]:.2f} at the start, "
        f"{result['load_average']['end'][0]:.2f} at the end.",
        "",
        "| case | sent | mismatches | socket errors |",
        "|---|---:|---:|---:|",
    ]
    out += [
        f"| {name} | {c['sent']} | {c['mismatches']} | {c['socket_errors']} |" for name, c in result["cases"].items()
    ]
    if result["hostile"]:
        out += ["", "| hostile case | sent | as documented | otherwise |", "|---|---:|---:|---:|"]
        out += [
            f"| {name} | {c['sent']} | {c['documented']} | {c['problems']} |" for name, c in result["hostile"].items()
        ]
    mix = result["partner"]
    if mix["steps"]:
        out += [
            "",
            f"Partner mix: {mix['rounds']} rounds, {mix['admin_changes']} admin changes; journal entries from "
            f"{mix['workers_seen_in_journal']} worker process(es), "
            f"{mix['journal_entries_evicted_before_read']} let go by the ring before they were read back; "
            f"journal after the load: {mix['journal']}",
            "",
            "| partner step | sent | as expected | otherwise |",
            "|---|---:|---:|---:|",
        ]
        out += [f"| {name} | {c['sent']} | {c['as_expected']} | {c['problems']} |" for name, c in mix["steps"].items()]
    health = result["healthz"]
    out += [
        "",
        f"/healthz on a fresh connection every {hostile.PROBE_EVERY:g} s: {health['probes']} probes, "
        f"{health['failures']} failed; p50 {health['p50_ms']} ms, p99 {health['p99_ms']} ms, max {health['max_ms']} ms;"
        " p99 by window: " + ", ".join(f"{k}: {v} ms" for k, v in health["p99_ms_by_window"].items()),
    ]
    if result["examples"]:
        out.append("\nFirst problems:")
        out += [f"- {json.dumps(example)}" for example in result["examples"][:10]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    benchlib.ensure_venv_python()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=64, help="concurrent keep-alive connections (default 64)")
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default="raw", help="load generator: raw asyncio streams or httpx"
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of the mix at full concurrency before RSS start (5)"
    )
    parser.add_argument("--max-rss-growth", type=float, default=5.0, help="MiB of RSS growth allowed (default 5)")
    parser.add_argument(
        "--hostile-connections", type=int, default=8, help="workers running the hostile mix, 0 for none (default 8)"
    )
    parser.add_argument(
        "--max-healthz-p99", type=float, default=50.0, help="ms allowed for the /healthz p99 (default 50)"
    )
    parser.add_argument(
        "--admin-changes",
        type=float,
        default=2.0,
        metavar="N",
        help="admin changes a second at most, by the partner mix (bench/partner.py); 0 leaves it out (default 2)",
    )
    parser.add_argument(
        "--faults",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="faults asked for with Prefer, in the valid mix and by the partner mix (default: on)",
    )
    parser.add_argument("--workers", type=int, default=1, help="the mock's worker processes (default 1)")
    parser.add_argument(
        "--journal-size", type=int, default=10_000, help="the mock's --journal-size, checked at the end (10000)"
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--out", type=Path, default=None, help="results JSON (default bench/results/soak-<ts>.json)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.connections < 1 or args.hostile_connections < 0 or args.admin_changes < 0:
        parser.error("--seconds and --connections must be positive, --hostile-connections and --admin-changes not "
                     "negative")  # fmt: skip
    if args.workers < 1 or args.journal_size < 1:
        parser.error("--workers and --journal-size must be at least 1")
    benchlib.stop_on_sigterm()
    started_at = datetime.now(UTC)
    out = args.out or BENCH / "results" / f"soak-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    cases = build_cases(faults=args.faults)
    started: list[Managed] = []
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as scratch:
        command = [*benchlib.mockserver_command(), "serve", "--host", "127.0.0.1", "--port", "0",
                   "--fixtures", str(FIXTURES), "--log-level", args.log_level, "--workers", str(args.workers),
                   "--journal-size", str(args.journal_size)]  # fmt: skip
        try:
            mock = benchlib.spawn("mock", command, Path(scratch) / "mock.log")
            started.append(mock)
            port = benchlib.wait_for_announcement(mock)
            print(f"soak: {len(cases)} cases, {args.seconds:g} s, {args.connections} connections", file=sys.stderr)
            result = asyncio.run(soak(port, mock.pid, cases, args))
            if not mock.alive():
                benchlib.fail(f"the mock exited during the soak:\n{mock.log_tail()}", code=1)
        except KeyboardInterrupt:
            print("soak: interrupted; stopping the mock", file=sys.stderr)
            return 130
        finally:
            benchlib.stop_all(started)
    result = {
        "date": started_at.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": {
            "seconds": args.seconds,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "client": args.client,
            "max_rss_growth_mib": args.max_rss_growth,
            "hostile_connections": args.hostile_connections,
            "max_healthz_p99_ms": args.max_healthz_p99,
            "admin_changes_per_s": args.admin_changes,
            "faults": args.faults,
            "workers": args.workers,
            "journal_size": args.journal_size,
            "log_level": args.log_level,
        },
        "mock_command": command,
        **result,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(report(result, args))
    failures = []
    if result["mismatches"]:
        failures.append(f"{result['mismatches']} answers differ from the documented ones")
    if result["socket_errors"]:
        failures.append(f"{result['socket_errors']} socket errors")
    if result["hostile_problems"]:
        failures.append(f"{result['hostile_problems']} hostile cases not answered as documented")
    health = result["healthz"]
    if health["failures"]:
        failures.append(f"{health['failures']} /healthz probes failed")
    if health["p99_ms"] is None or health["p99_ms"] > args.max_healthz_p99:
        failures.append(f"/healthz p99 {health['p99_ms']} ms (> {args.max_healthz_p99:g})")
    if result["rss_growth_mib"] > args.max_rss_growth:
        failures.append(f"RSS grew {result['rss_growth_mib']:.1f} MiB (> {args.max_rss_growth:g})")
    missing = [name for name, c in [*result["cases"].items(), *result["hostile"].items()] if c["sent"] < 2]
    if missing:
        failures.append(f"cases never sent under load: {missing}")
    mix = result["partner"]
    if mix["problems"]:
        failures.append(f"{mix['problems']} partner-mix answers (admin changes, faults, journal) not as expected")
    if args.admin_changes > 0 and mix["rounds"] < 2:
        failures.append("the partner mix finished no round of admin changes under load")
    print(f"\nsoak: results written to {out}")
    if failures:
        print("soak: FAIL: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("soak: PASS: every answer as documented, no socket errors, /healthz fast, RSS flat", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
