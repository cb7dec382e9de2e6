"""``conformance run``: certify a system against the three APIs' documented behaviour; the exit code is the verdict.

Exit 0: every MUST holds (with --strict, every SHOULD too). 1: a requirement failed. 2: no verdict (usage,
profile, spec or connection problem).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from balancekit.safe_text import output_safe
from balancekit.specs import SpecError
from conformance.catalogue import CATALOGUE
from conformance.certificate import certificate_html
from conformance.errors import NoVerdictError
from conformance.options import Options
from conformance.profile import load_profile
from conformance.redaction import Redactor
from conformance.report import json_bytes, junit_xml, text_summary
from conformance.results import EXIT_NO_VERDICT
from conformance.runner import run

API_NAMES = [api.name for api in CATALOGUE.apis]


def _bounded(kind: type[int] | type[float], limit: float) -> type:
    """A parser of numbers above 0 and at most ``limit`` (nan and inf are not numbers a run can wait for)."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and 0 < value <= limit):
            raise argparse.ArgumentTypeError(f"expected a number above 0 and at most {limit:g}, got {text}")
        return value

    return parse  # type: ignore[return-value]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conformance", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    runner = commands.add_parser("run", help="certify the system a profile describes")
    runner.add_argument("--profile", required=True, metavar="FILE", help="the profile of the system under test")
    runner.add_argument(
        "--api",
        action="append",
        choices=API_NAMES,
        metavar="NAME",
        help="certify only this API (repeatable; default: every API in the profile)",
    )
    runner.add_argument("--junit-xml", metavar="FILE", help="write JUnit XML, one testcase per requirement")
    runner.add_argument("--report", metavar="FILE.html", help="write the HTML certificate")
    runner.add_argument("--json", metavar="FILE", help="write the full results as JSON")
    runner.add_argument("--seed", type=int, help="seed of the generated requests (default: random, printed)")
    runner.add_argument(
        "--max-examples",
        type=_bounded(int, 10_000),
        default=25,
        metavar="N",
        help="generated examples per operation and phase (default: %(default)s)",
    )
    runner.add_argument("--strict", action="store_true", help="a SHOULD not met fails the run too")
    runner.add_argument(
        "--timeout",
        type=_bounded(float, 3600),
        default=10.0,
        metavar="SECONDS",
        help="per-request timeout (default: %(default)s)",
    )
    runner.add_argument(
        "--budget",
        type=_bounded(float, 86_400),
        default=600.0,
        metavar="SECONDS",
        help="overall time budget; what is left unrun has no verdict (default: %(default)s)",
    )
    runner.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    listing = commands.add_parser("requirements", help="list the requirement catalogue")
    listing.add_argument("--api", action="append", choices=API_NAMES, metavar="NAME")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "requirements":
        try:
            return _list_requirements(args.api or list(API_NAMES))
        except BrokenPipeError:
            # The reader stopped early (`| head`); that is not an error.
            sys.stderr.close()
            return 0
    try:
        return _run(args)
    except (NoVerdictError, SpecError) as problem:
        print(f"conformance: no verdict: {problem}", file=sys.stderr)
        return EXIT_NO_VERDICT


def _run(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    apis = args.api or profile.apis
    missing = [api for api in apis if profile.section(api) is None]
    if missing:
        raise NoVerdictError(f"{args.profile}: {missing[0]}: expected a section for this API (asked for with --api)")
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    options = Options(
        apis=apis,
        seed=seed,
        max_examples=args.max_examples,
        timeout=args.timeout,
        budget=args.budget,
        strict=args.strict,
    )

    redactor = Redactor.for_profile(profile)

    def progress(line: str) -> None:
        # A progress line may quote a system (a transport error) or carry a value of the profile: cleaned like
        # every report.
        if not args.quiet:
            print(output_safe(redactor.text(line)), file=sys.stderr, flush=True)

    result = run(profile, options, progress)
    print(text_summary(result))
    outputs = {
        args.junit_xml: junit_xml,
        args.json: json_bytes,
        args.report: lambda run: certificate_html(run).encode(),
    }
    for path, render in outputs.items():
        if path:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_bytes(render(result))
            except OSError as exc:
                raise NoVerdictError(f"{path}: cannot write the report: {exc.strerror or exc}") from None
            print(f"wrote {path}")
    return result.exit_code


def _list_requirements(apis: list[str]) -> int:
    for requirement in CATALOGUE.requirements:
        if requirement.api in apis:
            print(f"{requirement.id:<30} {requirement.level.value:<6} {requirement.title}")
            print(f"{'':<37} source: {requirement.source}")
            for check in CATALOGUE.checks_for(requirement.id):
                print(f"{'':<37} {check.kind}: {check.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
