"""The certification in a pytest session: the profile read at collection, one run before the tests, its verdict."""

from __future__ import annotations

import random
import shlex
import warnings
from collections.abc import Generator, Sequence
from pathlib import Path

import pytest

from balancekit.requirements import Level, Requirement
from balancekit.safe_text import output_safe
from balancekit.specs import SpecError
from conformance.catalogue import CATALOGUE
from conformance.errors import NoVerdictError
from conformance.evidence import Evidence
from conformance.options import DEFAULT_BUDGET, DEFAULT_MAX_EXAMPLES, DEFAULT_TIMEOUT, Options
from conformance.profile import Profile, load_profile
from conformance.pytest_items import CertificationCollector, Judgement, RequirementItem, Verdict
from conformance.redaction import Redactor
from conformance.report import failure_text, heading, never_answered, verdict_line
from conformance.results import Outcome, RequirementResult, Run
from conformance.runner import run

COLLECTOR_NAME = "conformance"


class Certification:
    """The session's certification of the system a profile describes: its requirements collected as items, one run
    of the suite before the tests, each item judged by it, and the verdict in the terminal summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        names = [api.name for api in CATALOGUE.apis]
        self.asked_apis: list[str] = list(dict.fromkeys(config.getoption("conformance_api") or []))
        unknown = [name for name in self.asked_apis if name not in names]
        if unknown:
            raise pytest.UsageError(f"--conformance-api: expected one of {', '.join(names)}, got {unknown[0]!r}")
        self.profile_path: str = config.getoption("conformance_profile")
        seed = config.getoption("conformance_seed")
        self.seed_drawn = seed is None
        self.seed: int = random.randrange(2**31) if seed is None else seed
        self.strict: bool = config.getoption("conformance_strict")
        self.profile: Profile | None = None
        self.run: Run | None = None
        self.problem = ""  # why the run reached no verdict at all
        config.addinivalue_line("markers", "conformance: a requirement of the certification (--conformance-profile)")
        config.addinivalue_line("markers", "must: a requirement the vendor's page states (MUST)")
        config.addinivalue_line("markers", "should: a requirement of other sources or of the kit's decisions (SHOULD)")
        for name in names:
            config.addinivalue_line("markers", f"{name}: a requirement of the {name} API")

    def requirements(self) -> list[Requirement]:
        """The requirements of the APIs to certify, after reading the profile; NoVerdictError if it cannot be used."""
        try:
            profile = load_profile(self.profile_path)
        except SpecError as problem:
            raise NoVerdictError(str(problem)) from None
        apis = self.asked_apis or profile.apis
        missing = [api for api in apis if profile.section(api) is None]
        if missing:
            raise NoVerdictError(
                f"{self.profile_path}: {missing[0]}: expected a section for this API (asked for with --conformance-api)"
            )
        self.profile = profile
        return [requirement for api in apis for requirement in CATALOGUE.requirements if requirement.api == api]

    def pytest_report_header(self) -> list[str]:
        seed = f"seed {self.seed}" + (f" (drawn; --conformance-seed {self.seed} repeats the run)" * self.seed_drawn)
        strict = ", strict (a SHOULD not met fails)" if self.strict else ""
        return [f"conformance: {self.profile_path}, {seed}{strict}"]

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
        report = yield
        if isinstance(collector, pytest.Session) and report.passed:
            certification = CertificationCollector.from_parent(
                collector,
                name=COLLECTOR_NAME,
                nodeid=COLLECTOR_NAME,
                path=Path(self.profile_path).absolute(),
                requirements=self.requirements,
            )
            # `pytest --conformance-profile FILE` alone runs the certification alone: paths on the command line add
            # tests to it, the testpaths setting or the current directory do not.
            if self.config.args_source is pytest.Config.ArgsSource.ARGS:
                report.result.append(certification)
            else:
                report.result = [certification]
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        items = [item for item in session.items if isinstance(item, RequirementItem)]
        interrupted = session.testsfailed and not session.config.option.continue_on_collection_errors
        if items and not (session.config.option.collectonly or interrupted):
            self._certify(items)
        return (yield)

    def _certify(self, items: Sequence[RequirementItem]) -> None:
        """One run for every item: of the APIs whose requirements are selected (-k and -m may leave out some)."""
        assert self.profile is not None
        options = Options(
            apis=list(dict.fromkeys(item.requirement.api for item in items)),
            seed=self.seed,
            max_examples=self.config.getoption("conformance_max_examples"),
            timeout=self.config.getoption("conformance_timeout"),
            budget=self.config.getoption("conformance_budget"),
            strict=self.strict,
        )
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        redactor = Redactor.for_profile(self.profile)

        def say(line: str) -> None:
            if reporter is not None:
                reporter.write_line(output_safe(redactor.text(line)))

        say(f"conformance: certifying {', '.join(options.apis)} (seed {self.seed}); this takes a while")
        try:
            with warnings.catch_warnings():
                # The session's warning filters (often "error") are for the code under test: a warning of the suite's
                # libraries must not end the certification. It is shown instead, as `conformance run` shows it.
                warnings.simplefilter("default")
                # The progress lines of `conformance run` only with -v: pytest's own output stays compact.
                self.run = run(self.profile, options, say if self.config.get_verbosity() > 0 else lambda line: None)
        except (NoVerdictError, SpecError) as problem:
            self.problem = f"no verdict: {problem}"
        results = {result.requirement.id: result for result in self.run.results} if self.run else {}
        evidence = Evidence(self.run) if self.run else None
        for item in items:
            result = results.get(item.requirement.id)
            if result is None or evidence is None:
                item.judge(Verdict(Judgement.NO_VERDICT, self.problem or "no verdict: the certification did not run"))
            else:
                item.judge(self._verdict(result, evidence))

    def _verdict(self, result: RequirementResult, evidence: Evidence) -> Verdict:
        if result.outcome is Outcome.PASSED:
            return Verdict(Judgement.PASSED)
        if result.outcome is Outcome.NOT_TESTED:
            return Verdict(Judgement.NOT_TESTED, f"not tested: {evidence.clean(result.reason)}")
        if result.outcome is Outcome.ERROR:
            reason = evidence.clean(result.reason)
            return Verdict(Judgement.NO_VERDICT, reason if reason.startswith("no verdict") else f"no verdict: {reason}")
        text = failure_text(result, evidence)
        if result.requirement.level is Level.MUST or self.strict:
            return Verdict(Judgement.FAILED, text)
        return Verdict(Judgement.WARNING, f"SHOULD not met, a warning (--conformance-strict fails it):\n{text}")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.run is None and not self.problem:
            return
        terminalreporter.write_sep("-", "conformance")
        if self.run is None:
            terminalreporter.write_line(f"conformance: {output_safe(self.problem)}")
            return
        evidence = Evidence(self.run)
        lines = [heading(self.run)]
        for api, reason in self.run.systems_down.items():
            whole = "any of its requirements" if never_answered(self.run, api) else "what was left"
            lines.append(f"{api}: no verdict for {whole}, the system stopped answering: {reason}")
        lines.append(f"Verdict: {verdict_line(self.run)} (the exit code of `conformance run`)")
        if any(result.outcome is Outcome.FAILED for result in self.run.results):
            lines += evidence.how_to_run()
        lines.append(f"The same run with its HTML certificate: {self._command()} --report certificate.html")
        for line in evidence.clean("\n".join(lines)).splitlines():
            terminalreporter.write_line(line)

    def _command(self) -> str:
        """`conformance run` with the options of this run (those left at their defaults left out)."""
        assert self.run is not None and self.profile is not None
        options = self.run.options
        words = ["conformance", "run", "--profile", self.profile_path, "--seed", str(options.seed)]
        if options.apis != self.profile.apis:
            words += [word for api in options.apis for word in ("--api", api)]
        for name, value, default in (
            ("--max-examples", options.max_examples, DEFAULT_MAX_EXAMPLES),
            ("--timeout", options.timeout, DEFAULT_TIMEOUT),
            ("--budget", options.budget, DEFAULT_BUDGET),
        ):
            words += [name, f"{value:g}"] if value != default else []
        return shlex.join(words + ["--strict"] * options.strict)
