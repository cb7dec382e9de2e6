"""The HTML certificate: one self-contained page a vendor can hand to a partner (no scripts, no external files)."""

from __future__ import annotations

from collections import Counter
from html import escape

from conformance.checks import checks_for
from conformance.report import VERDICTS, verdict_line
from conformance.requirements import Level
from conformance.results import Outcome, RequirementResult
from conformance.runner import Run

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:28px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 10px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;color:#fff;font-weight:700;letter-spacing:.04em}
.v0{background:#1a7f37}.v1{background:#c62828}.v2{background:#b26a00}
.facts{border-collapse:collapse;margin:14px 0;background:#fff}
.facts th{text-align:left;padding:4px 14px 4px 8px;color:#5b6472;font-weight:500;vertical-align:top}
.facts td{padding:4px 8px;font-family:ui-monospace,Menlo,monospace;font-size:13px;word-break:break-all}
.cards{display:flex;gap:14px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 16px;min-width:250px;flex:1}
.card h3{margin:0 0 6px;font-size:16px}.card p{margin:2px 0}
table.reqs{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dde1e6}
.reqs th{background:#eef0f3;text-align:left;padding:6px 8px;font-size:13px}
.reqs td{border-top:1px solid #e6e9ed;padding:6px 8px;vertical-align:top;font-size:14px}
.id{font-family:ui-monospace,Menlo,monospace;font-size:13px;white-space:nowrap}
.o{font-weight:700;white-space:nowrap}.passed{color:#1a7f37}.failed{color:#c62828}.warning{color:#b26a00}
.error{color:#b26a00}.not-tested{color:#6b7280}
.src{font-size:12px;color:#5b6472;word-break:break-word}
details{margin-top:4px}summary{cursor:pointer;color:#2855a8;font-size:13px}
pre{white-space:pre-wrap;word-break:break-all;background:#f3f4f6;padding:6px 8px;border-radius:4px;
    font-size:12px;margin:4px 0}
.finding{border-left:3px solid #c62828;padding-left:8px;margin:6px 0}.finding.ok{border-color:#1a7f37}
ul.untestable li{margin:4px 0}
"""


def _outcome_class(result: RequirementResult, strict: bool) -> tuple[str, str]:
    if result.outcome is Outcome.FAILED and result.requirement.level is Level.SHOULD and not strict:
        return "warning", "warning"
    css = {Outcome.PASSED: "passed", Outcome.FAILED: "failed", Outcome.ERROR: "error", Outcome.NOT_TESTED: "not-tested"}
    return css[result.outcome], result.outcome.value


def _source(source: str) -> str:
    if source.startswith("https://"):
        return f'<a href="{escape(source)}">{escape(source)}</a>'
    return escape(source)


def _findings(result: RequirementResult) -> str:
    shown = result.failures or result.findings[:3]
    if not shown and not result.reason:
        return ""
    parts = []
    for finding in shown:
        request = f"<pre>{escape(finding.reproduce)}</pre>" if finding.reproduce else ""
        received = f"<div>Received: <pre>{escape(finding.received)}</pre></div>" if finding.received else ""
        parts.append(
            f'<div class="finding{"" if not finding.passed else " ok"}"><div><b>{escape(finding.check)}</b></div>'
            f"<div>Documented: {escape(finding.documented)}</div>{received}{request}</div>"
        )
    label = f"evidence ({len(result.findings)} findings)" if result.findings else "why"
    reason = f"<div>{escape(result.reason)}</div>" if result.reason else ""
    return f"<details><summary>{label}</summary>{reason}{''.join(parts)}</details>"


def _api_card(run: Run, api: str) -> str:
    tally: Counter[tuple[str, Level]] = Counter()
    for result in run.results:
        if result.requirement.api == api:
            tally[_outcome_class(result, run.options.strict)[1], result.requirement.level] += 1

    def total(label: str) -> int:
        return sum(count for (name, _), count in tally.items() if name == label)

    section = run.profile.section(api)
    down = run.systems_down.get(api)
    down_line = f'<p class="failed">The system stopped answering: {escape(down)}</p>' if down else ""
    return (
        f'<div class="card"><h3>{escape(api)}</h3><p class="src">{escape(getattr(section, "base_url", ""))}</p>'
        f'<p>MUST: <span class="passed">{tally["passed", Level.MUST]} passed</span>, '
        f'<span class="failed">{tally["failed", Level.MUST]} failed</span></p>'
        f'<p>SHOULD: <span class="passed">{tally["passed", Level.SHOULD]} passed</span>, '
        f'<span class="warning">{tally["warning", Level.SHOULD] + tally["failed", Level.SHOULD]} not met</span></p>'
        f'<p><span class="not-tested">{total("not tested")} not tested</span>, '
        f'<span class="error">{total("error")} without verdict</span></p>{down_line}</div>'
    )


def _requirement_rows(run: Run, api: str) -> str:
    rows = []
    for result in (result for result in run.results if result.requirement.api == api):
        css, label = _outcome_class(result, run.options.strict)
        requirement = result.requirement
        checks = ", ".join(check.name for check in checks_for(requirement.id))
        rows.append(
            f'<tr><td class="id">{escape(requirement.id)}</td><td>{requirement.level.value}</td>'
            f'<td class="o {css}">{escape(label)}</td>'
            f'<td>{escape(requirement.title)}<div class="src">Source: {_source(requirement.source)}</div>'
            f'<div class="src">Checks: {escape(checks)}</div>{_findings(result)}</td></tr>'
        )
    return "".join(rows)


def certificate_html(run: Run) -> str:
    facts = [
        ("Verdict", verdict_line(run)),
        (
            "Systems under test",
            "; ".join(f"{api}: {getattr(run.profile.section(api), 'base_url', '')}" for api in run.options.apis),
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
    fact_rows = "".join(f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in facts)
    sections = "".join(
        f'<h2>{escape(api)}</h2><table class="reqs"><tr><th>Requirement</th><th>Level</th><th>Outcome</th>'
        f"<th>What is required</th></tr>{_requirement_rows(run, api)}</table>"
        for api in run.options.apis
    )
    untestable = "".join(
        f"<li><i>{escape(item.quote)}</i> ({escape(item.seed)}): {escape(item.reason)}</li>" for item in run.untestable
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Conformance certificate: {escape(VERDICTS[run.exit_code])}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>Conformance certificate</h1>"
        f'<p><span class="verdict v{run.exit_code}" id="verdict">{escape(VERDICTS[run.exit_code])}</span></p>'
        f'<table class="facts">{fact_rows}</table>'
        f'<h2>Summary</h2><div class="cards">{"".join(_api_card(run, api) for api in run.options.apis)}</div>'
        f'{sections}<h2>Statements that cannot be tested over HTTP</h2><ul class="untestable">{untestable}</ul>'
        "<p class=\"src\">MUST: stated in the vendor's page for the API. SHOULD: stated only in the vendor's other "
        "material or chosen by the project; reported as a warning unless the run is strict.</p>"
        "</main></body></html>"
    )
