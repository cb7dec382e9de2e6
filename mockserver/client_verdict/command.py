"""``mockserver report``: the client verdict of a running sandbox, printed and written as JSON, JUnit XML and HTML.

The sandbox evaluates (``GET /__admin/report``, after every worker has written its journal); this command renders
what it answered. The exit code is the verdict: 0 every MUST held and every required case was reached, 1 otherwise,
2 no verdict (the sandbox unreachable, the admin API refused, no request in the window, a bad option).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from balancekit.safe_text import one_line
from balancekit.verdicts import EXIT_NO_VERDICT
from mockserver.admin.client import add_admin_arguments, call_admin
from mockserver.api import MockApi
from mockserver.client_verdict.page import client_report_html
from mockserver.client_verdict.reports import client_junit, text_summary
from mockserver.client_verdict.selection import REQUIRE_DEFAULT
from mockserver.errors import TokenError

HELP = "the verdict on an integrator's client, from a running sandbox's journal"


def add_report_arguments(parser: argparse.ArgumentParser, apis: Sequence[MockApi]) -> None:
    add_admin_arguments(parser)
    parser.add_argument(
        "--api",
        nargs="+",
        choices=[api.name for api in apis],
        default=[],
        help="report these APIs (default: every API the window holds a request of)",
    )
    parser.add_argument("--since", metavar="T", help="requests received at or after T (RFC 3339, or epoch seconds)")
    parser.add_argument("--until", metavar="T", help="requests received before T (RFC 3339, or epoch seconds)")
    parser.add_argument(
        "--correlation-prefix", metavar="P", help="requests whose X-Correlation-ID starts with P (one test run)"
    )
    parser.add_argument(
        "--require",
        metavar="default|all|none|API:CASE,...",
        default=REQUIRE_DEFAULT,
        help="the documented cases that must be reached: those each API marks required (default), all, none, or "
        "the cases named (the reports list every case with its name)",
    )
    parser.add_argument("--strict", action="store_true", help="a SHOULD broken fails the verdict, as a MUST does")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the report as JSON")
    parser.add_argument("--junit", metavar="FILE", type=Path, help="write the report as JUnit XML")
    parser.add_argument("--html", metavar="FILE", type=Path, help="write the report as one self-contained HTML page")


def run_report(args: argparse.Namespace) -> int:
    options: list[tuple[str, Any]] = [("api", name) for name in args.api]
    for key in ("since", "until", "correlation_prefix", "require"):
        if getattr(args, key) is not None:
            options.append((key, getattr(args, key)))
    if args.strict:
        options.append(("strict", "true"))
    try:
        report = call_admin(args, "GET", "/report", params=options)
        print(text_summary(report, origin=args.url))
        outputs = (
            (args.json, lambda: json.dumps(report, indent=2).encode()),
            (args.junit, lambda: client_junit(report)),
            (args.html, lambda: client_report_html(report, origin=args.url).encode()),
        )
        for path, rendered in outputs:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(rendered())
    except TokenError as problem:
        return _no_verdict(str(problem))
    except (KeyError, TypeError, ValueError) as problem:
        return _no_verdict(f"the sandbox at {args.url} answered a report this command cannot read ({problem!r})")
    except OSError as problem:
        return _no_verdict(f"cannot write the report: {problem}")
    exit_code = report["verdict"]["exit_code"]
    return exit_code if exit_code in (0, 1, 2) else EXIT_NO_VERDICT


def _no_verdict(reason: str) -> int:
    print(f"mockserver: report: {one_line(reason)}", file=sys.stderr)
    return EXIT_NO_VERDICT
