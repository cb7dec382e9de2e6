"""Benchmark: the mock vs an earlier commit of it vs Prism vs a bare Starlette endpoint, on two requests, with wrk.

    python bench/run.py [--duration 10] [--rounds 3] [--connections 32] [--workers N] [--baseline REV] [--out FILE]

Installs wrk (Debian) and Prism (npm, into bench/.prism/) when missing, starts every target on 127.0.0.1 on a free
port, checks that each answers both benchmark requests with 200, then for each round, for each request kind, runs
wrk once against each target (the order of the targets rotates from round to round). Reports the median over the
rounds of req/s, p50 and p99, the errors, RSS before and after, the mock's start-up time and an RSS flatness run,
and writes everything to bench/results/<timestamp>.json. Every process it starts is stopped by PID at the end,
also on Ctrl-C or an error. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

import benchlib
from benchlib import BENCH, ROOT, SPECS, Managed

PRISM_DIR = BENCH / ".prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
RESULTS_DIR = BENCH / "results"
TARGETS = ("mock", "mock-workers", "baseline", "baseline-workers", "prism", "bare")
MOCKS = ("mock", "mock-workers")
# Each mock target compared with the baseline of the same number of workers (the same CLI at --baseline REV).
BASELINE_OF = {"mock": "baseline", "mock-workers": "baseline-workers"}
KINDS = ("vip", "valkyrie")


@dataclass(frozen=True)
class BenchRequest:
    """One benchmark request; ``path`` is the mock's, ``prefix`` what a server without it leaves out."""

    kind: str
    method: str
    path: str
    prefix: str
    headers: dict[str, str]
    body: str | None

    def path_for(self, target: str) -> str:
        # Prism serves the spec's paths without the `servers` prefix (OpenAPI 3 server.url is not matched).
        return self.path.removeprefix(self.prefix) if target == "prism" else self.path


def benchmark_requests() -> dict[str, BenchRequest]:
    api_token, sessions = benchlib.valkyrie_credentials()
    return {
        "vip": BenchRequest(
            kind="vip",
            method="POST",
            path="/vip-connect/api/patronsession/accountlookup",
            prefix="/vip-connect",
            headers={"Authorization": f"Bearer {benchlib.vip_jwt()}", "Content-Type": "application/json"},
            body=json.dumps({"VipAccountNumber": benchlib.VIP_ACCOUNT_NUMBER}),
        ),
        "valkyrie": BenchRequest(
            kind="valkyrie",
            method="GET",
            path=f"/valkyrie/players/{benchlib.VALKYRIE_PLAYER}/balance?provider={benchlib.VALKYRIE_PROVIDER}",
            prefix="/valkyrie",
            headers={
                "Authorization": f"Bearer {api_token}",
                "X-Player-Token": sessions[benchlib.VALKYRIE_SESSION],
                "X-Correlation-ID": "bench-run-1",
            },
            body=None,
        ),
    }


# ---------------------------------------------------------------------------------------------------------------
# Tools


def ensure_prism() -> Path:
    if PRISM_BIN.exists():
        return PRISM_BIN
    npm = shutil.which("npm")
    if not npm:
        benchlib.fail("Prism is not installed and npm is missing: install Node.js and npm, or use --targets mock,bare")
    print(f"bench: installing {PRISM_PACKAGE} into {PRISM_DIR.relative_to(ROOT)}/ (npm)", file=sys.stderr)
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PRISM_DIR), PRISM_PACKAGE], timeout=900, check=True
    )
    if not PRISM_BIN.exists():
        benchlib.fail(f"npm install finished but {PRISM_BIN} is missing")
    return PRISM_BIN


def tool_version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except OSError as error:
        return f"unavailable ({error})"
    return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else "?"


def environment(wrk: str, prism: Path | None) -> dict[str, Any]:
    from importlib.metadata import version

    cpu = "?"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in ("connexion", "starlette", "uvicorn", "uvloop", "httptools")},
        "wrk": tool_version([wrk, "--version"]),
        "node": tool_version(["node", "--version"]),
        "prism": tool_version([str(prism), "--version"]) if prism else None,
    }


# ---------------------------------------------------------------------------------------------------------------
# Targets


def send(port: int, request: BenchRequest, target: str, timeout: float = 10.0) -> tuple[int, bytes]:
    import httpx

    response = httpx.request(
        request.method,
        f"http://127.0.0.1:{port}{request.path_for(target)}",
        headers=request.headers,
        content=request.body.encode() if request.body is not None else None,
        timeout=timeout,
    )
    return response.status_code, response.content


def verify(target: str, port: int, request: BenchRequest) -> bytes:
    status, body = send(port, request, target)
    if status != 200:
        benchlib.fail(f"{target} answered the {request.kind} benchmark request with HTTP {status}: {body[:500]!r}")
    json.loads(body)
    return body


def wait_until_200(managed: Managed, request: BenchRequest, target: str, timeout: float) -> float:
    """Polls the benchmark request until a 200; returns the seconds since the process was started."""
    import httpx

    started, deadline = time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not managed.alive():
            benchlib.fail(f"{managed.name} exited with {managed.process.returncode}:\n{managed.log_tail()}")
        try:
            status, body = send(managed.port, request, target, timeout=2.0)
        except httpx.HTTPError:
            time.sleep(0.05)
            continue
        if status == 200:
            return time.monotonic() - started
        benchlib.fail(f"{managed.name} answered HTTP {status}: {body[:500]!r}")
    benchlib.fail(f"{managed.name} did not answer within {timeout:.0f} s:\n{managed.log_tail()}")


def start_mock(
    logs: Path, started: list[Managed], workers: int, name: str = "mock", tree: Path | None = None
) -> Managed:
    """``mockserver serve`` of this checkout, or of ``tree`` (an earlier commit's files, run with the same
    virtualenv's packages: its directory comes first on the module path, and is the working directory)."""
    cli = benchlib.mockserver_command() if tree is None else [sys.executable, "-m", "mockserver"]
    command = [*cli, "serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    env = {"PYTHONPATH": str(tree)} if tree is not None else None
    mock = benchlib.spawn(name, command, logs / f"{name}.log", env=env, cwd=tree or ROOT)
    started.append(mock)
    mock.extra["command"] = command
    benchlib.wait_for_announcement(mock)
    return mock


def start_mocks(
    args: argparse.Namespace,
    logs: Path,
    started: list[Managed],
    requests: dict[str, BenchRequest],
    bodies: dict[str, bytes],
    baseline_tree: Path | None,
    mock: Managed | None = None,
) -> dict[str, Managed]:
    """The mock targets asked for (``mock`` is started unless given), each checked to answer the mock's bodies."""
    mocks = {"mock": mock or start_mock(logs, started, 1)}
    wanted: list[tuple[str, int, Path | None]] = [("mock", 1, None), ("mock-workers", args.workers, None)]
    if baseline_tree is not None:
        wanted += [("baseline", 1, baseline_tree), ("baseline-workers", args.workers, baseline_tree)]
    for name, workers, tree in wanted:
        if name in args.targets and name not in mocks:
            mocks[name] = start_mock(logs, started, workers, name=name, tree=tree)
    for name, target in mocks.items():
        for kind, request in requests.items():
            if verify("mock", target.port, request) != bodies[kind]:
                benchlib.fail(f"the {name} target's {kind} body differs from the mock's")
    return mocks


def export_baseline(revision: str, directory: Path) -> tuple[Path, str]:
    """The files of ``revision`` (``git archive``) in ``directory``, and the commit it names."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{revision}^{{commit}}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if commit.returncode != 0:
        benchlib.fail(f"--baseline {revision}: not a commit of this repository ({commit.stderr.strip()})")
    tree = directory / "baseline"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit.stdout.strip()], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree, commit.stdout.strip()


def journal_status(port: int) -> dict[str, Any] | None:
    """The mock's journal fill (``GET /__admin``), or None from a mock without an admin API."""
    import httpx

    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/__admin", timeout=10)
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    status: dict[str, Any] = answer.json()["journal"]
    return status


def start_bare(logs: Path, started: list[Managed], bodies: dict[str, bytes]) -> Managed:
    bodies_file = logs / "bare-bodies.json"
    bodies_file.write_text(json.dumps({kind: body.decode("utf-8") for kind, body in bodies.items()}), encoding="utf-8")
    command = [sys.executable, str(BENCH / "bare_app.py"), "--host", "127.0.0.1", "--port", "0"]
    bare = benchlib.spawn("bare", command, logs / "bare.log", env={"BENCH_BARE_BODIES": str(bodies_file)})
    started.append(bare)
    bare.extra["command"] = command
    benchlib.wait_for_announcement(bare)
    return bare


def start_prism(
    prism: Path, kind: str, spec: str, request: BenchRequest, logs: Path, started: list[Managed]
) -> Managed:
    # Prism cannot report a port it picked; take a free one (retried if another process grabs it first).
    for _attempt in range(3):
        port = benchlib.free_port()
        # Static mode (the spec's examples), request validation on, no violation-to-error promotion, no request log.
        command = [str(prism), "mock", "--host", "127.0.0.1", "--port", str(port), "--verboseLevel", "warn",
                   "--errors", "false", "--dynamic", "false", str(SPECS / spec)]  # fmt: skip
        managed = benchlib.spawn(f"prism-{kind}", command, logs / f"prism-{kind}.log")
        started.append(managed)
        managed.port, managed.extra["command"] = port, command
        try:
            managed.extra["first_200_s"] = round(wait_until_200(managed, request, "prism", timeout=90), 2)
            return managed
        except SystemExit:
            if "EADDRINUSE" not in managed.log_path.read_text(errors="replace"):
                raise
            managed.stop()
    benchlib.fail(f"prism for {spec} could not bind a free port")


# ---------------------------------------------------------------------------------------------------------------
# wrk


def lua_string(text: str) -> str:
    if not text.isascii():
        raise ValueError(f"non-ASCII text in a wrk script: {text!r}")
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,\\"connect\\":%d,\\"read\\":%d," ..
    "\\"write\\":%d,\\"timeout\\":%d,\\"status\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d," ..
    "\\"max_us\\":%d,\\"mean_us\\":%.1f}\\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def wrk_script(request: BenchRequest, directory: Path) -> Path:
    lines = [f"wrk.method = {lua_string(request.method)}"]
    lines += [f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in request.headers.items()]
    if request.body is not None:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    path = directory / f"{request.kind}.lua"
    path.write_text("\n".join(lines) + "\n" + WRK_DONE, encoding="ascii")
    return path


def run_wrk(wrk: str, url: str, script: Path, seconds: float, connections: int, threads: int) -> dict[str, Any]:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s", "--latency",
               "-s", str(script), url]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if result.returncode != 0:
        benchlib.fail(f"wrk failed ({result.returncode}): {result.stderr.strip()}\n{result.stdout}")
    return parse_wrk(result.stdout)


def parse_wrk(output: str) -> dict[str, Any]:
    line = next((line for line in output.splitlines() if line.startswith("WRK_JSON ")), None)
    if line is None:
        benchlib.fail(f"no WRK_JSON line in wrk's output:\n{output}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    text_non2xx = 0
    for text in output.splitlines():  # wrk's own summary line, kept as a cross-check of the Lua counters
        if text.strip().startswith("Non-2xx or 3xx responses:"):
            text_non2xx = int(text.split(":")[1])
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 3),
        "p90_ms": round(raw["p90_us"] / 1000, 3),
        "p99_ms": round(raw["p99_us"] / 1000, 3),
        "max_ms": round(raw["max_us"] / 1000, 3),
        "mean_ms": round(raw["mean_us"] / 1000, 3),
        "socket_errors": {name: raw[name] for name in ("connect", "read", "write", "timeout")},
        "non_2xx_3xx": raw["status"],
        "non_2xx_3xx_text": text_non2xx,
        "output": output,
    }


# ---------------------------------------------------------------------------------------------------------------
# Measurements


def measure_startup(runs: int, request: BenchRequest, logs: Path, started: list[Managed]) -> dict[str, Any]:
    """Spawn `mockserver serve --port <free>`; time to /healthz 200 and to the first VIP 200 (and to the
    announcement line, as seen by a poll loop that also sends /healthz, so only roughly)."""
    import http.client

    samples: list[dict[str, float]] = []
    for index in range(runs):
        port = benchlib.free_port()
        command = [*benchlib.mockserver_command(), "serve", "--port", str(port), "--log-level", "warning"]
        t0 = time.monotonic()
        managed = benchlib.spawn(f"mock-startup-{index}", command, logs / f"startup-{index}.log")
        managed.port = port
        started.append(managed)
        try:
            sample: dict[str, float] = {}
            deadline = t0 + 60
            while "healthz_s" not in sample:
                if "announced_s" not in sample and benchlib.ANNOUNCEMENT.search(
                    managed.log_path.read_text(errors="replace")
                ):
                    sample["announced_s"] = time.monotonic() - t0
                if time.monotonic() > deadline or not managed.alive():
                    benchlib.fail(f"the mock did not answer /healthz within 60 s:\n{managed.log_tail()}")
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                try:
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        sample["healthz_s"] = time.monotonic() - t0
                except OSError:
                    time.sleep(0.005)
                finally:
                    connection.close()
            status, body = send(port, request, "mock")
            sample["first_vip_200_s"] = time.monotonic() - t0
            if status != 200:
                benchlib.fail(f"the first VIP request after start-up answered {status}: {body[:300]!r}")
            samples.append({key: round(value, 3) for key, value in sample.items()})
        finally:
            managed.stop()
            started.remove(managed)
    return {
        "runs": runs,
        "samples": samples,
        "median_healthz_s": round(statistics.median(s["healthz_s"] for s in samples), 3),
        "median_first_vip_200_s": round(statistics.median(s["first_vip_200_s"] for s in samples), 3),
        "min_healthz_s": min(s["healthz_s"] for s in samples),
        "min_first_vip_200_s": min(s["first_vip_200_s"] for s in samples),
    }


def measure_conformance(port: int, directory: Path) -> dict[str, Any]:
    """Wall time of `conformance run` with default settings against the mock: each API alone, then all three."""
    profile_text = (ROOT / "conformance" / "profiles" / "mock.yaml").read_text(encoding="utf-8")
    profile = directory / "bench-profile.yaml"
    profile.write_text(profile_text.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}"), encoding="utf-8")
    timings: dict[str, Any] = {}
    for apis in (["vip-connect"], ["paytronix"], ["valkyrie"], ["vip-connect", "paytronix", "valkyrie"]):
        api_args = [argument for api in apis for argument in ("--api", api)]
        command = [sys.executable, "-m", "conformance", "run", "--profile", str(profile), "--seed", "1", "--quiet",
                   *api_args]  # fmt: skip
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
        label = "all three" if len(apis) == 3 else apis[0]
        verdict = next((line for line in result.stdout.splitlines() if line.startswith("Verdict:")), "")
        timings[label] = {"seconds": round(time.monotonic() - started, 2), "exit_code": result.returncode,
                          "verdict": verdict}  # fmt: skip
    return timings


def measure_flatness(
    wrk: str, mock: Managed, request: BenchRequest, script: Path, seconds: float, connections: int, threads: int
) -> dict[str, Any]:
    """The mock under wrk for ``seconds`` on the VIP request, sampling RSS every 5 s; with the journal's fill before
    and after (its ring holds the last ``--journal-size`` requests: full, and wrapped, long before the end)."""
    journal_before = journal_status(mock.port)
    url = f"http://127.0.0.1:{mock.port}{request.path_for('mock')}"
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s", "--latency",
               "-s", str(script), url]  # fmt: skip
    samples: list[tuple[float, float]] = [(0.0, benchlib.rss_mib(mock.pid))]
    t0 = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        next_sample = 5.0
        while process.poll() is None:
            elapsed = time.monotonic() - t0
            if elapsed >= next_sample:
                samples.append((round(elapsed, 1), benchlib.rss_mib(mock.pid)))
                next_sample += 5.0
            if elapsed > seconds + 60:
                benchlib.fail("wrk did not stop during the flatness run")
            time.sleep(0.1)
        output, errors = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        benchlib.fail(f"wrk failed in the flatness run: {errors}")
    samples.append((round(time.monotonic() - t0, 1), benchlib.rss_mib(mock.pid)))
    values = [rss for _, rss in samples]
    load = parse_wrk(output)
    load.pop("output")
    return {
        "seconds": seconds,
        "connections": connections,
        "samples_mib": samples,
        "start_mib": values[0],
        "end_mib": values[-1],
        "max_mib": max(values),
        "growth_mib": round(values[-1] - values[0], 1),
        "load": load,
        "journal_before": journal_before,
        "journal_after": journal_status(mock.port),
    }


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return round(float(statistics.median(run[key] for run in runs)), 3)


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": round(statistics.median(run["rps"] for run in runs), 1),
        "p50_ms": median_of(runs, "p50_ms"),
        "p99_ms": median_of(runs, "p99_ms"),
        "rps_per_round": [run["rps"] for run in runs],
        "socket_errors": sum(sum(run["socket_errors"].values()) for run in runs),
        "non_2xx_3xx": sum(run["non_2xx_3xx"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
    }


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def paired_ratio(mine: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> float | None:
    """The median over rounds of each round's req/s ratio. Within a round the two targets ran one after the other,
    seconds apart, so a round's ratio holds less of the machine's drift than a ratio of medians taken over
    minutes."""
    by_round = {run["round"]: run["rps"] for run in theirs}
    ratios = [run["rps"] / by_round[run["round"]] for run in mine if by_round.get(run["round"])]
    return round(float(statistics.median(ratios)), 3) if ratios else None


# ---------------------------------------------------------------------------------------------------------------
# Report


def report(results: dict[str, Any]) -> str:
    out: list[str] = []
    settings = results["settings"]
    out.append(
        f"## Throughput and latency ({settings['rounds']} rounds x {settings['duration_s']:g} s per target and "
        f"request, wrk -t{settings['threads']} -c{settings['connections']}; medians over rounds)\n"
    )
    out.append(
        "| request | target | req/s | p50 ms | p99 ms | socket errors | non-2xx | RSS before MiB | RSS after MiB |"
    )
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        for target in results["targets"]:
            summary = results["summary"][kind][target]
            rss = results["rss"][f"{target}:{kind}"]
            out.append(
                f"| {kind} | {target} | {summary['rps']:.0f} | {summary['p50_ms']:.2f} | {summary['p99_ms']:.2f} | "
                f"{summary['socket_errors']} | {summary['non_2xx_3xx']} | {rss['before_round_1']:.1f} | "
                f"{rss['after_last_round']:.1f} |"
            )
    if results["ratios"]:
        out.append("\n## Ratios (same run; req/s ratio > 1 means the mock is faster, latency ratio > 1 slower)\n")
        out.append("| request | comparison | req/s ratio | req/s ratio, paired | p50 ratio | p99 ratio |")
        out.append("|---|---|---:|---:|---:|---:|")
        for kind in KINDS:
            for name, values in results["ratios"][kind].items():
                out.append(
                    f"| {kind} | {name} | {values['rps']} | {values['rps_paired']} | {values['p50_ms']} | "
                    f"{values['p99_ms']} |"
                )
        out.append("\nreq/s ratio: of the medians over rounds; paired: the median over rounds of each round's ratio.")
    startup = results.get("startup")
    if startup:
        out.append(f"\n## Mock start-up ({startup['runs']} spawns of `mockserver serve`, process start to answer)\n")
        out.append("| | to /healthz 200 | to first VIP 200 |")
        out.append("|---|---:|---:|")
        out.append(f"| median | {startup['median_healthz_s']:.2f} s | {startup['median_first_vip_200_s']:.2f} s |")
        out.append(f"| min | {startup['min_healthz_s']:.2f} s | {startup['min_first_vip_200_s']:.2f} s |")
    timings = results.get("conformance")
    if timings:
        out.append("\n## Conformance suite wall time (`conformance run --seed 1`, default settings, one-worker mock)\n")
        out.append("| APIs | seconds | exit | verdict |")
        out.append("|---|---:|---:|---|")
        for label, timing in timings.items():
            out.append(f"| {label} | {timing['seconds']:.1f} | {timing['exit_code']} | {timing['verdict']} |")
    flat = results.get("flatness")
    if flat:
        out.append(
            f"\n## Mock RSS flatness (wrk -c{flat['connections']} on the VIP request for {flat['seconds']:g} s, "
            f"RSS every 5 s)\n"
        )
        out.append("| start MiB | end MiB | max MiB | end - start MiB | req/s | non-2xx | socket errors |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|")
        load = flat["load"]
        out.append(
            f"| {flat['start_mib']:.1f} | {flat['end_mib']:.1f} | {flat['max_mib']:.1f} | {flat['growth_mib']:+.1f} | "
            f"{load['rps']:.0f} | {load['non_2xx_3xx']} | {sum(load['socket_errors'].values())} |"
        )
        out.append("\nRSS samples (s, MiB): " + ", ".join(f"{t:g}: {v:.1f}" for t, v in flat["samples_mib"]))
        for moment in ("before", "after"):
            journal = flat.get(f"journal_{moment}")
            if journal:
                out.append(
                    f"\nJournal {moment} the run: {journal['size']} of {journal['capacity']} entries, "
                    f"{journal['dropped']} dropped"
                )
    load = results["load_average"]
    out.append(
        f"\nMachine: {results['environment']['cpus']} CPUs, load average (1 min) {load['start'][0]:.2f} at the start, "
        f"{load['end'][0]:.2f} at the end; wall time {results['wall_s']:.0f} s."
    )
    if results["notes"]:
        out.append("\nNotes:")
        out.extend(f"- {note}" for note in results["notes"])
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="whole seconds of each measured wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="whole seconds of warm-up per target and request (3)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--restart",
        action="store_true",
        help="start the mock targets afresh before each round after the first (and warm them up again)",
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--workers", type=int, default=2, help="workers of the mock-workers target; 1 leaves it out (2)"
    )
    parser.add_argument("--flat-seconds", type=int, default=60, help="RSS flatness run, 0 to skip (default 60)")
    parser.add_argument("--flat-connections", type=int, default=64, help="wrk connections of that run (default 64)")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        default=None,
        help="also measure the mock of this git revision (targets baseline, baseline-workers), side by side",
    )
    parser.add_argument("--startup-runs", type=int, default=5, help="start-up spawns, 0 to skip (default 5)")
    parser.add_argument(
        "--no-conformance", dest="conformance", action="store_false", help="skip timing the conformance suite"
    )
    parser.add_argument(
        "--targets",
        default=None,
        help=f"comma-separated subset of {','.join(TARGETS)} (default: all; the baselines only with --baseline)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results JSON (default bench/results/<timestamp>.json)")
    args = parser.parse_args(argv)
    default = [name for name in TARGETS if args.baseline is not None or not name.startswith("baseline")]
    args.targets = [name.strip() for name in args.targets.split(",") if name.strip()] if args.targets else default
    if args.workers <= 1:
        args.targets = [name for name in args.targets if not name.endswith("-workers")]
    if args.baseline is None and any(name.startswith("baseline") for name in args.targets):
        parser.error("the baseline targets need --baseline REV")
    unknown = set(args.targets) - set(TARGETS)
    if unknown or "mock" not in args.targets:
        parser.error(f"--targets must include mock and name only {', '.join(TARGETS)}")
    if args.rounds < 1 or args.duration <= 0 or args.connections < 1 or args.threads < 1:
        parser.error("--rounds, --duration, --connections and --threads must be positive")
    if args.threads > args.connections:
        parser.error("--threads must not exceed --connections")
    return args


def main(argv: list[str] | None = None) -> int:
    benchlib.ensure_venv_python()
    args = parse_args(argv)
    benchlib.stop_on_sigterm()
    started_at = datetime.now(UTC)
    out = args.out or RESULTS_DIR / f"{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    wrk = benchlib.ensure_debian_tool("wrk")
    prism = ensure_prism() if "prism" in args.targets else None
    requests = benchmark_requests()
    notes: list[str] = []
    started: list[Managed] = []
    clock = time.monotonic()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        logs = Path(scratch)
        try:
            print("bench: starting the targets", file=sys.stderr)
            mock = start_mock(logs, started, 1)
            bodies = {kind: verify("mock", mock.port, request) for kind, request in requests.items()}
            baseline_tree = None
            if args.baseline is not None:
                baseline_tree, commit = export_baseline(args.baseline, logs)
                notes.append(f"baseline: the mock of {args.baseline} (commit {commit[:12]}), same requests")
            if "mock-workers" in args.targets:
                notes.append(
                    f"mock-workers: `mockserver serve --workers {args.workers}`; its RSS is the sum of the "
                    f"supervisor and its {args.workers} workers"
                )
            mocks = start_mocks(args, logs, started, requests, bodies, baseline_tree, mock)
            servers: dict[str, dict[str, Managed]] = {name: dict.fromkeys(KINDS, m) for name, m in mocks.items()}
            if "bare" in args.targets:
                bare = start_bare(logs, started, bodies)
                for kind, request in requests.items():
                    if verify("bare", bare.port, request) != bodies[kind]:
                        benchlib.fail(f"the bare app's {kind} body differs from the mock's")
                servers["bare"] = dict.fromkeys(KINDS, bare)
            if prism is not None:
                specs = {"vip": "vip-connect.yaml", "valkyrie": "valkyrie.yaml"}
                servers["prism"] = {
                    kind: start_prism(prism, kind, specs[kind], requests[kind], logs, started) for kind in KINDS
                }
                for kind, request in requests.items():
                    verify("prism", servers["prism"][kind].port, request)
            targets = [name for name in TARGETS if name in servers]
            rss: dict[str, dict[str, float]] = {
                f"{t}:{k}": {"idle": benchlib.rss_mib(servers[t][k].pid)} for t in targets for k in KINDS
            }
            scripts = {kind: wrk_script(request, logs) for kind, request in requests.items()}

            def url(target: str, kind: str) -> str:
                return f"http://127.0.0.1:{servers[target][kind].port}{requests[kind].path_for(target)}"

            if args.warmup > 0:
                print(f"bench: warm-up, {args.warmup:g} s per target and request", file=sys.stderr)
                for kind in KINDS:
                    for target in targets:
                        run_wrk(wrk, url(target, kind), scripts[kind], args.warmup, args.connections, args.threads)
            for key, entry in rss.items():
                target, kind = key.split(":")
                entry["before_round_1"] = benchlib.rss_mib(servers[target][kind].pid)

            runs: dict[str, dict[str, list[dict[str, Any]]]] = {k: {t: [] for t in targets} for k in KINDS}
            for round_index in range(args.rounds):
                if args.restart and round_index > 0:
                    # New processes: each interpreter draws its own hash seed, and with it the layout of its dicts
                    # and caches, which moves a Python server's speed by a few percent from one start to the next.
                    print(f"bench: round {round_index + 1}: the mock targets started afresh", file=sys.stderr)
                    for name in mocks:
                        mocks[name].stop()
                    mocks = start_mocks(args, logs, started, requests, bodies, baseline_tree)
                    for name, restarted in mocks.items():
                        servers[name] = dict.fromkeys(KINDS, restarted)
                    for kind in KINDS:
                        for name in mocks if args.warmup > 0 else ():
                            run_wrk(wrk, url(name, kind), scripts[kind], args.warmup, args.connections, args.threads)
                    mock = mocks["mock"]
                order = targets[round_index % len(targets) :] + targets[: round_index % len(targets)]
                for kind in KINDS:
                    for target in order:
                        result = run_wrk(
                            wrk, url(target, kind), scripts[kind], args.duration, args.connections, args.threads
                        )
                        result["round"] = round_index + 1
                        runs[kind][target].append(result)
                        print(
                            f"bench: round {round_index + 1}/{args.rounds} {kind:8} {target:5} "
                            f"{result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                            f"p99 {result['p99_ms']:7.2f} ms"
                            f"  non-2xx {result['non_2xx_3xx']}  socket errors {sum(result['socket_errors'].values())}",
                            file=sys.stderr,
                        )
            for key, entry in rss.items():
                target, kind = key.split(":")
                entry["after_last_round"] = benchlib.rss_mib(servers[target][kind].pid)

            summary = {kind: {target: summarise(runs[kind][target]) for target in targets} for kind in KINDS}
            ratios: dict[str, dict[str, dict[str, float | None]]] = {kind: {} for kind in KINDS}
            for kind in KINDS:
                for mine_name in (name for name in MOCKS if name in targets):
                    for other in (BASELINE_OF[mine_name], "prism", "bare"):
                        if other in targets:
                            mine, theirs = summary[kind][mine_name], summary[kind][other]
                            ratios[kind][f"{mine_name}/{other}"] = {
                                **{key: ratio(mine[key], theirs[key]) for key in ("rps", "p50_ms", "p99_ms")},
                                "rps_paired": paired_ratio(runs[kind][mine_name], runs[kind][other]),
                            }
            for target in targets:
                if target != "mock":
                    for kind in KINDS:
                        servers[target][kind].stop()

            conformance = None
            if args.conformance:
                print("bench: conformance run per API against the one-worker mock", file=sys.stderr)
                conformance = measure_conformance(mock.port, logs)
            flatness = None
            if args.flat_seconds > 0:
                print(f"bench: RSS flatness run, {args.flat_seconds:g} s", file=sys.stderr)
                flatness = measure_flatness(
                    wrk, mock, requests["vip"], scripts["vip"], args.flat_seconds, args.flat_connections, args.threads
                )
            mock.stop()
            startup = None
            if args.startup_runs > 0:
                print(f"bench: start-up, {args.startup_runs} spawns", file=sys.stderr)
                startup = measure_startup(args.startup_runs, requests["vip"], logs, started)
        except KeyboardInterrupt:
            print("bench: interrupted; stopping the targets", file=sys.stderr)
            return 130
        finally:
            benchlib.stop_all(started)

    for kind in KINDS:
        for target in targets:
            for run in runs[kind][target]:
                if run["non_2xx_3xx"] == 0 and not any(run["socket_errors"].values()):
                    run.pop("output")  # wrk's text is kept only for runs that went wrong
    results: dict[str, Any] = {
        "date": started_at.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "wall_s": round(time.monotonic() - clock, 1),
        "load_average": {"start": load_at_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "restart": args.restart,
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
            "flat_seconds": args.flat_seconds,
            "flat_connections": args.flat_connections,
            "baseline": args.baseline,
            "startup_runs": args.startup_runs,
        },
        "environment": environment(wrk, prism),
        "targets": targets,
        "commands": {
            name: servers[name][kind].extra.get("command") for name in targets for kind in KINDS if name != "prism"
        }
        | {f"prism-{kind}": servers["prism"][kind].extra.get("command") for kind in KINDS if "prism" in servers},
        "requests": {
            kind: {"method": r.method, "path": r.path, "prism_path": r.path_for("prism"), "headers": sorted(r.headers)}
            for kind, r in requests.items()
        },
        "prism_first_200_s": {kind: servers["prism"][kind].extra.get("first_200_s") for kind in KINDS}
        if "prism" in servers
        else None,
        "summary": summary,
        "ratios": ratios if len(targets) > 1 else {},
        "rss": rss,
        "startup": startup,
        "conformance": conformance,
        "flatness": flatness,
        "runs": runs,
        "notes": notes,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(report(results))
    print(f"\nbench: results written to {out} (wall time {results['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
