"""Instructions a request, counted by valgrind's callgrind: the mock's app called in process, beside an earlier commit.

    python bench/instructions.py [--requests 512] [--warmup 300] [--kinds vip,valkyrie] [--baseline REV] [--out FILE]

wrk measures seconds, and on a shared machine one run of one target moves by 20 % from the next; callgrind counts
the instructions the interpreter runs, which do not move with the machine's load, so two states of the code can be
compared to a fraction of a per cent. It does not see what the kernel does (system calls, packets) nor what the
caches do: a change there shows in `bench/run.py` only.

For each request kind and each code state (this checkout, and the ``--baseline`` commit in a ``git archive``), a
process builds the app with ``create_app()`` on the bundled fixtures, starts its lifespan (so the journal is written
on the event loop, as when served), answers ``--warmup`` requests, then ``--requests`` more with callgrind's
collection on for those alone: the driver runs them through ``sys.call_tracing``, the C function named by
``--toggle-collect``. The requests are the two of ``bench/run.py``, byte for byte, and every answer must be 200.
The hash seed is fixed (0), so each state's dicts are laid out alike from one run to the next. Needs valgrind (Debian;
installed when missing and root). Results go to bench/results/instructions-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import run as bench_run
from benchlib import ROOT

RESULTS_DIR = bench_run.RESULTS_DIR
# The C function callgrind collects inside: sys.call_tracing's, which the driver calls the measured requests through.
TOGGLE = "sys_call_tracing"
HASH_SEED = "0"
TIMEOUT_SECONDS = 1800  # one count; a few minutes with the defaults
_COLLECTED = re.compile(r"Collected : (\d+)")
_DROP_CONNECTION = "mockserver.drop_connection"  # mockserver.http_protocol.DROP_CONNECTION, in any code state


def parse_collected(valgrind_output: str) -> int | None:
    """The instruction count callgrind's summary reports, or None without one."""
    found = _COLLECTED.findall(valgrind_output)
    return int(found[-1]) if found else None


# ---------------------------------------------------------------------------------------------------------------
# The driver: runs under callgrind, in a process whose PYTHONPATH puts the measured code state first


def drive(kind: str, requests: int, warmup: int) -> int:
    """Answers ``warmup`` then ``requests`` requests of ``kind`` through the app, the latter through
    ``sys.call_tracing``; returns how many were answered 200 in the measured part."""
    from mockserver.app import create_app  # the code state under measure, from PYTHONPATH

    request = bench_run.benchmark_requests()[kind]
    path, _, query = request.path.partition("?")
    body = (request.body or "").encode()
    headers = [(name.lower().encode(), value.encode()) for name, value in request.headers.items()]
    headers += [(b"host", b"127.0.0.1")] + ([(b"content-length", str(len(body)).encode())] if body else [])
    loop = asyncio.new_event_loop()
    app = create_app()
    answered = 0

    async def one() -> None:
        nonlocal answered
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 50000), "scheme": "http", "method": request.method,
            "root_path": "", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
            "headers": list(headers), "state": {}, "extensions": {_DROP_CONNECTION: lambda: None},
        }  # fmt: skip
        sent = False
        statuses = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # no disconnect while the answer is under way
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)
        if statuses != [200]:
            raise SystemExit(f"bench: the {kind} request was answered {statuses}, not 200")
        answered += 1

    async def many(count: int) -> None:
        for _ in range(count):
            await one()
        await asyncio.sleep(0.2)  # the journal's writer looks in: what waits is written, inside the count

    lifespan_in: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    lifespan_out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def lifespan(event: str) -> None:
        await lifespan_in.put({"type": f"lifespan.{event}"})
        message = await lifespan_out.get()
        if not message["type"].endswith(".complete"):
            raise SystemExit(f"bench: the app's lifespan {event} failed: {message}")

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    running = loop.create_task(app(scope, lifespan_in.get, lifespan_out.put))
    loop.run_until_complete(lifespan("startup"))
    loop.run_until_complete(many(warmup))
    answered = 0
    sys.call_tracing(loop.run_until_complete, (many(requests),))
    loop.run_until_complete(lifespan("shutdown"))
    loop.run_until_complete(running)
    loop.close()
    return answered


# ---------------------------------------------------------------------------------------------------------------
# The counts


def count(valgrind: str, tree: Path, kind: str, args: argparse.Namespace) -> int:
    """Instructions for ``args.requests`` requests of ``kind`` with the code of ``tree``."""
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as scratch:
        command = [
            valgrind, "--tool=callgrind", "--collect-atstart=no", f"--toggle-collect={TOGGLE}",
            f"--callgrind-out-file={scratch}/callgrind.out", sys.executable, str(Path(__file__).resolve()),
            "--drive", kind, "--requests", str(args.requests), "--warmup", str(args.warmup),
        ]  # fmt: skip
        # The scratch directory as working directory: `python -m`-style imports from the checkout's root would
        # otherwise shadow the baseline's tree.
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": HASH_SEED}
        try:
            result = subprocess.run(
                command, cwd=scratch, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            benchlib.fail(f"counting {kind} with {tree} took over {TIMEOUT_SECONDS} s")
    if result.returncode != 0:
        benchlib.fail(f"counting {kind} with {tree} failed (exit {result.returncode}): {result.stderr[-2000:]}")
    collected = parse_collected(result.stderr)
    if not collected:
        benchlib.fail(
            f"callgrind counted nothing for {kind}: this Python's library may lack the symbol {TOGGLE} "
            "(a stripped build), which the count is toggled on"
        )
    return collected


def report(results: dict[str, Any]) -> str:
    lines = [
        f"## Instructions a request ({results['settings']['requests']} requests after "
        f"{results['settings']['warmup']}, in process, callgrind)",
        "",
        "| request | code | instructions a request | the baseline's over this |",
        "|---|---|---:|---:|",
    ]
    for kind, counts in results["counts"].items():
        mine = counts["mock"]
        lines.append(f"| {kind} | this checkout | {mine:,.0f} | |")
        if "baseline" in counts:
            theirs = counts["baseline"]
            lines.append(f"| {kind} | {results['baseline'][:12]} | {theirs:,.0f} | {theirs / mine:.3f} |")
    lines += ["", "Over 1: this checkout runs fewer instructions a request than the baseline."]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=512, help="measured requests per count (default 512)")
    parser.add_argument("--warmup", type=int, default=300, help="requests before the count (default 300)")
    parser.add_argument("--kinds", default="vip,valkyrie", help="request kinds, of bench/run.py's")
    parser.add_argument("--baseline", help="a git revision of this repository, counted beside this checkout")
    parser.add_argument("--out", type=Path, help="where the JSON results go")
    parser.add_argument("--drive", metavar="KIND", help=argparse.SUPPRESS)  # the measured process itself
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",")
    unknown = sorted(set(kinds) - set(bench_run.KINDS))
    if unknown:
        parser.error(f"--kinds: unknown {unknown}; known: {', '.join(bench_run.KINDS)}")
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")
    args.kinds = kinds
    return args


def main(argv: list[str] | None = None) -> int:
    benchlib.ensure_venv_python()
    args = parse_args(argv)
    if args.drive:
        answered = drive(args.drive, args.requests, args.warmup)
        print(f"bench: {answered} {args.drive} requests answered 200 in the count", file=sys.stderr)
        return 0
    valgrind = benchlib.ensure_debian_tool("valgrind")
    results: dict[str, Any] = {
        "settings": {"requests": args.requests, "warmup": args.warmup, "hash_seed": HASH_SEED, "toggle": TOGGLE},
        "counts": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as scratch:
        trees = {"mock": ROOT}
        if args.baseline:
            trees["baseline"], results["baseline"] = bench_run.export_baseline(args.baseline, Path(scratch))
        for kind in args.kinds:
            results["counts"][kind] = {}
            for name, tree in trees.items():
                print(f"bench: counting {kind} with {name} ({tree})", file=sys.stderr)
                results["counts"][kind][name] = count(valgrind, tree, kind, args) / args.requests
    print(report(results))
    out = args.out or RESULTS_DIR / f"instructions-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nbench: results written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
