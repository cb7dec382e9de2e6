"""The HTML certificate: one self-contained page a vendor can hand to a partner (no scripts, no external files).

It reads at a glance: the verdict, then (when something failed) what failed, expanded, with the request, what
was received and what is documented; then the facts that make the run reproducible, the counts per API (a zero is
grey, not red or green) and every requirement with its evidence, passed ones included.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from balancekit.report_page import code_block, page, wrapped
from balancekit.requirements import Level
from conformance.evidence import Evidence
from conformance.report import VERDICTS, never_answered, verdict_line
from conformance.results import Finding, Outcome, RequirementResult, Run


class _Page:
    """The certificate of one run."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.evidence = Evidence(run)

    def text(self, value: str) -> str:
        """Text a system or the profile gave, cleaned and escaped for HTML."""
        return escape(self.evidence.clean(value))

    def code(self, value: str) -> str:
        """A URL, request or answer in a <pre>, with line breaks allowed after / ? & only."""
        return code_block(value)

    def source(self, source: str) -> str:
        titled = self.text(self.evidence.source_title(source))
        if source.startswith("https://"):
            return f'<a href="{escape(source)}">{titled}</a>'
        return titled

    def outcome(self, result: RequirementResult) -> tuple[str, str]:
        """The CSS class and the word of an outcome; a SHOULD not met is a warning unless the run is strict."""
        if (
            result.outcome is Outcome.FAILED
            and result.requirement.level is Level.SHOULD
            and not self.run.options.strict
        ):
            return "warning", "warning"
        classes = {Outcome.PASSED: "passed", Outcome.FAILED: "failed", Outcome.ERROR: "error"}
        return classes.get(result.outcome, "not-tested"), result.outcome.value

    def finding(self, finding: Finding) -> str:
        request = self.evidence.request(finding)
        received = self.evidence.clean(finding.received)
        compare = (
            f'<div class="compare"><div><div class="label">Received</div>{self.code(received or "(nothing)")}</div>'
            f'<div><div class="label">Documented</div>{self.code(self.evidence.clean(finding.documented))}</div></div>'
        )
        request_block = f'<div class="label">Request</div>{self.code(request)}' if request else ""
        mark = "" if finding.passed else ' <span class="failed">failed</span>'
        return (
            f'<div class="finding{" ok" if finding.passed else ""}"><div><b>{self.text(finding.check)}</b>{mark}</div>'
            f"{request_block}{compare}</div>"
        )

    def what_failed(self) -> str:
        """The failures first, expanded: what a reader of a failed certificate needs before anything else."""
        failed = [result for result in self.run.results if result.outcome is Outcome.FAILED]
        if not failed:
            return ""
        counted = [r for r in failed if r.requirement.level is Level.MUST or self.run.options.strict]
        warnings = [r for r in failed if r not in counted]
        boxes = []
        for title, results, css in (("What failed", counted, ""), ("Warnings (SHOULD not met)", warnings, " warnings")):
            if not results:
                continue
            items = "".join(self.failure(result) for result in results)
            boxes.append(f'<section class="failed-box{css}"><h2>{title}</h2>{items}</section>')
        return "".join(boxes) + self.how_to_run()

    def failure(self, result: RequirementResult) -> str:
        requirement = result.requirement
        css, _ = self.outcome(result)
        findings = "".join(self.finding(finding) for finding in result.failures)
        return (
            f'<div class="failure"><h3><span class="id">{escape(requirement.id)}</span> '
            f'<span class="{css}">{requirement.level.value}</span>: {self.text(requirement.title)}</h3>'
            f'<div class="src">Source: {self.source(requirement.source)}</div>{findings}</div>'
        )

    def how_to_run(self) -> str:
        intro, *exports, minting = self.evidence.how_to_run()
        commands = "\n".join(exports)
        return f'<p class="src">{self.text(intro)}</p>{self.code(commands)}<p class="src">{self.text(minting)}</p>'

    def evidence_of(self, result: RequirementResult) -> str:
        shown = result.failures or result.findings[:3]
        if not shown and not result.reason:
            return ""
        count = len(result.findings)
        label = f"evidence ({count} finding{'' if count == 1 else 's'})" if result.findings else "why"
        reason = f"<div>{self.text(result.reason)}</div>" if result.reason else ""
        # Failures are already open at the top of the page; here they stay closed like the rest.
        return f"<details><summary>{label}</summary>{reason}{''.join(self.finding(f) for f in shown)}</details>"

    def count(self, number: int, label: str, css: str) -> str:
        return f'<span class="{css if number else "zero"}">{number} {label}</span>'

    def api_card(self, api: str) -> str:
        tally: Counter[tuple[str, Level]] = Counter()
        for result in self.run.results:
            if result.requirement.api == api:
                tally[self.outcome(result)[1], result.requirement.level] += 1
        total = Counter({name: 0 for name in ("not tested", "error")})
        for (name, _), number in tally.items():
            total[name] += number
        section = self.run.profile.section(api)
        down = self.run.systems_down.get(api)
        down_line = f'<p class="error">No verdict, the system stopped answering: {self.text(down)}</p>' if down else ""
        should_missed = tally["warning", Level.SHOULD] + tally["failed", Level.SHOULD]
        return (
            f'<div class="card"><h3>{escape(api)}</h3><div class="src">{self.code(getattr(section, "base_url", ""))}'
            f"</div><p>MUST: {self.count(tally['passed', Level.MUST], 'passed', 'passed')}, "
            f"{self.count(tally['failed', Level.MUST], 'failed', 'failed')}</p>"
            f"<p>SHOULD: {self.count(tally['passed', Level.SHOULD], 'passed', 'passed')}, "
            f"{self.count(should_missed, 'not met', 'failed' if self.run.options.strict else 'warning')}</p>"
            f"<p>{self.count(total['not tested'], 'not tested', 'not-tested')}, "
            f"{self.count(total['error'], 'without verdict', 'error')}</p>{down_line}</div>"
        )

    def requirement_rows(self, api: str) -> str:
        if never_answered(self.run, api):
            return '<tr><td colspan="4">No requirement has a verdict: the system did not answer (see above).</td></tr>'
        rows = []
        for result in (result for result in self.run.results if result.requirement.api == api):
            css, label = self.outcome(result)
            requirement = result.requirement
            checks = ", ".join(self.evidence.checks_of(requirement.id))
            rows.append(
                f'<tr><td class="id">{escape(requirement.id)}</td><td>{requirement.level.value}</td>'
                f'<td class="o {css}">{escape(label)}</td>'
                f'<td>{self.text(requirement.title)}<div class="src">Source: {self.source(requirement.source)}</div>'
                f'<div class="src">Checks: {self.text(checks)}</div>{self.evidence_of(result)}</td></tr>'
            )
        return "".join(rows)

    def facts(self) -> str:
        run = self.run
        facts = [
            (
                "Systems under test",
                "\n".join(f"{api}: {getattr(run.profile.section(api), 'base_url', '')}" for api in run.options.apis),
            ),
            ("Profile", f"{run.profile.path} (sha256 {run.profile.sha256})"),
            *((f"Spec {api}", f"sha256 {digest}") for api, digest in run.spec_hashes.items()),
            ("Tool", f"balance-sandbox-kit conformance {run.tool_version}, schemathesis {run.schemathesis_version}"),
            ("Seed", f"{run.options.seed} (re-run with --seed {run.options.seed})"),
            ("Date", f"{run.started:%Y-%m-%d %H:%M:%S} UTC, {run.duration:.1f} s"),
            (
                "Settings",
                f"max examples {run.options.max_examples}, timeout {run.options.timeout:g} s, budget "
                f"{run.options.budget:g} s, strict {'yes' if run.options.strict else 'no'}",
            ),
        ]
        rows = "".join(
            f"<tr><th>{escape(name)}</th><td>{'<br>'.join(self.wrapped(line) for line in value.splitlines())}</td></tr>"
            for name, value in facts
        )
        return f'<table class="facts">{rows}</table>'

    def wrapped(self, value: str) -> str:
        return wrapped(self.evidence.clean(value))

    def html(self) -> str:
        run = self.run
        sections = "".join(
            f'<h2>{escape(api)}</h2><table class="reqs"><colgroup><col class="id"><col class="level">'
            f'<col class="outcome"><col></colgroup><tr><th>Requirement</th><th>Level</th><th>Outcome</th>'
            f"<th>What is required</th></tr>{self.requirement_rows(api)}</table>"
            for api in run.options.apis
        )
        titles = run.catalogue.seed_titles
        untestable = "".join(
            f"<li><i>{escape(item.quote)}</i> ({escape(titles.get(item.seed, ''))}, {escape(item.seed)}): "
            f"{escape(item.reason)}</li>"
            for item in run.untestable
        )
        verdict = VERDICTS[run.exit_code]
        return page(
            f"Conformance certificate: {verdict}",
            "<h1>Conformance certificate</h1>"
            f'<p><span class="verdict v{run.exit_code}" id="verdict">{escape(verdict)}</span></p>'
            f'<p class="headline">{self.text(verdict_line(run))}</p>'
            f"{self.what_failed()}{self.facts()}"
            f'<h2>Summary</h2><div class="cards">{"".join(self.api_card(api) for api in run.options.apis)}</div>'
            f'{sections}<h2>Statements that cannot be tested over HTTP</h2><ul class="untestable">{untestable}</ul>'
            "<p class=\"src\">MUST: stated in the vendor's page for the API. SHOULD: stated only in the vendor's other "
            "material or chosen by the project; reported as a warning unless the run is strict.</p>",
        )


def certificate_html(run: Run) -> str:
    certificate = _Page(run)
    # Every part is cleaned as it is written; a last pass over the page keeps that true whatever a part took.
    return certificate.evidence.clean(certificate.html())
