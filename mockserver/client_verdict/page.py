"""The client report as one HTML page a person reads at a glance: the verdict, the requests that broke a requirement,
then per API the documented cases reached, forced and missed, and every requirement with its evidence.

Written from the report's JSON alone, in the kit's shared page shell (no script, nothing loaded from elsewhere).
Every value that came from a request is escaped twice over: safe_text for what no reader should get raw (controls,
bidi overrides, non-characters), then HTML escaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from balancekit.report_page import code_block, page, wrapped
from balancekit.safe_text import one_line, output_safe
from mockserver.client_verdict.reports import (
    Report,
    case_word,
    entry_json,
    outcome_word,
    request_line,
    requests_text,
    source_label,
)

_STYLE = """
.case-reached{color:#1a7f37}.case-forced{color:#2855a8}.case-MISSED{color:#c62828}.case-missed{color:#6b7280}
.cases col.state{width:90px}.cases col.name{width:210px}.reqs col.level{width:80px}
.problem{font-weight:600;margin:6px 0 2px}
"""
_CASE_CSS = {"reached": "case-reached", "forced": "case-forced", "MISSED": "case-MISSED", "missed": "case-missed"}


def _text(value: object) -> str:
    return escape(one_line(str(value)))


def _source(source: str) -> str:
    label = _text(source_label(source))
    return f'<a href="{escape(source)}">{label}</a>' if source.startswith("https://") else label


def _entry_details(entry: Mapping[str, Any] | None, summary: str = "the request as the journal keeps it") -> str:
    if not entry:
        return ""
    return f"<details><summary>{escape(summary)}</summary>{code_block(entry_json(entry))}</details>"


def _finding(finding: Mapping[str, Any]) -> str:
    return (
        f'<div class="finding"><div class="problem">{_text(finding["problem"])}</div>'
        f"<div>{wrapped(request_line(finding['entry']))}</div>{_entry_details(finding['entry'])}</div>"
    )


def _broken_requirement(result: Mapping[str, Any]) -> str:
    shown = len(result["findings"])
    cut = f"; the first {shown} are shown" if result["requests_broken"] > shown else ""
    return (
        f'<div class="failure"><h3><span class="id">{escape(result["id"])}</span> {escape(result["level"])}: '
        f'{_text(result["title"])}</h3><div class="src">Source: {_source(result["source"])}</div>'
        f"<p>{result['requests_broken']} of {result['requests_checked']} requests broke it{cut}.</p>"
        f"{''.join(_finding(finding) for finding in result['findings'])}</div>"
    )


def _what_broke(report: Report, strict: bool) -> str:
    broken = [result for result in report["requirements"] if result["outcome"] == "failed"]
    missed = [case for case in report["cases"] if case["required"] and not case["reached"]]
    boxes = []
    failing = [result for result in broken if outcome_word(result, strict) == "failed"]
    warnings = [result for result in broken if result not in failing]
    for title, results, css in (
        ("Requests that broke a requirement", failing, ""),
        ("Warnings (SHOULD not met)", warnings, " warnings"),
    ):
        if not results:
            continue
        items = "".join(_broken_requirement(result) for result in results)
        boxes.append(f'<section class="failed-box{css}"><h2>{title}</h2>{items}</section>')
    if missed:
        names = "".join(
            f'<li><span class="id">{escape(case["id"])}</span>: {_text(case["title"])}</li>' for case in missed
        )
        boxes.append(f'<section class="failed-box"><h2>Required cases never reached</h2><ul>{names}</ul></section>')
    return "".join(boxes)


def _facts(report: Report, origin: str) -> str:
    selection = report["selection"]
    journal = report["journal"]
    window = ", ".join(
        f"{name} {selection[key]}"
        for key, name in (("correlation_prefix", "correlation id prefix"), ("since", "since"), ("until", "until"))
        if selection[key]
    )
    strict = ", strict (a SHOULD broken fails)" if selection["strict"] else ""
    facts = [
        ("Sandbox", origin),
        ("APIs", ", ".join(selection["apis"]) or "(none)"),
        ("Window", window or "the whole journal"),
        ("Required cases", f"{selection['require']}{strict}"),
        (
            "Journal",
            f"{journal.get('size')} of {journal.get('capacity')} entries held, {journal.get('dropped')} dropped",
        ),
        ("Evaluated", f"{report['generated']} by {report['tool']['name']} {report['tool']['version']}"),
    ]
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{wrapped(one_line(value))}</td></tr>" for name, value in facts if value
    )
    return f'<table class="facts">{rows}</table>'


def _card(report: Report, api: Mapping[str, Any], strict: bool) -> str:
    results = [result for result in report["requirements"] if result["api"] == api["name"]]
    cases = [case for case in report["cases"] if case["api"] == api["name"]]
    words = [outcome_word(result, strict) for result in results]
    states = [case_word(case) for case in cases]

    def count(number: int, label: str, css: str) -> str:
        return f'<span class="{css if number else "zero"}">{number} {label}</span>'

    optional = states.count("missed")
    optional_missed = f", {count(optional, 'not required, missed', 'not-tested')}" if optional else ""
    return (
        f'<div class="card"><h3>{escape(api["name"])}</h3>'
        f"<p>{requests_text(api['requests'])}, {count(api['nonconforming'], 'not conforming', 'failed')}</p>"
        f"<p>Cases: {count(states.count('reached'), 'reached', 'passed')}, "
        f"{count(states.count('forced'), 'forced', 'case-forced')}, "
        f"{count(states.count('MISSED'), 'missed', 'failed')}{optional_missed}</p>"
        f"<p>Requirements: {count(words.count('passed'), 'held', 'passed')}, "
        f"{count(words.count('failed'), 'broken', 'failed')}, {count(words.count('warning'), 'warnings', 'warning')}, "
        f"{count(words.count('not tested'), 'not tested', 'not-tested')}</p></div>"
    )


def _case_rows(report: Report, api: str) -> str:
    rows = []
    for case in (case for case in report["cases"] if case["api"] == api):
        state = case_word(case)
        first = case["first"]
        reached = (
            f"<div>{wrapped(request_line(first))}</div>{_entry_details(first)}"
            if first
            else f'<div class="src">{"required: never reached" if case["required"] else "not required"}</div>'
        )
        rows.append(
            f'<tr><td class="o {_CASE_CSS[state]}">{escape(state)}</td><td class="id">{escape(case["name"])}</td>'
            f"<td>{_text(case['title'])}{reached}</td></tr>"
        )
    return "".join(rows)


def _requirement_rows(report: Report, api: str, strict: bool) -> str:
    rows = []
    for result in (result for result in report["requirements"] if result["api"] == api):
        word = outcome_word(result, strict)
        css = {"not tested": "not-tested"}.get(word, word)
        evidence = (
            f"<details><summary>{result['requests_broken']} of {result['requests_checked']} requests broke it</summary>"
            f"{''.join(_finding(finding) for finding in result['findings'])}</details>"
            if result["findings"]
            else f'<div class="src">{result["requests_checked"]} requests checked</div>'
        )
        rows.append(
            f'<tr><td class="id">{escape(result["id"])}</td><td>{escape(result["level"])}</td>'
            f'<td class="o {css}">{escape(word)}</td><td>{_text(result["title"])}'
            f'<div class="src">Source: {_source(result["source"])}</div>{evidence}</td></tr>'
        )
    return "".join(rows)


def client_report_html(report: Report, *, origin: str = "") -> str:
    strict = bool(report["selection"]["strict"])
    verdict = report["verdict"]
    sections = "".join(
        f'<h2>{escape(api["name"])}</h2><h3>Documented cases</h3><table class="reqs cases"><colgroup>'
        f'<col class="state"><col class="name"><col></colgroup><tr><th>Case</th><th>Name</th>'
        f"<th>What the sandbox answered, and the request that first reached it</th></tr>"
        f"{_case_rows(report, api['name'])}</table>"
        f'<h3>Client requirements</h3><table class="reqs"><colgroup><col class="id"><col class="level">'
        f'<col class="outcome"><col></colgroup><tr><th>Requirement</th><th>Level</th><th>Outcome</th>'
        f"<th>What the client must do</th></tr>{_requirement_rows(report, api['name'], strict)}</table>"
        for api in report["apis"]
    )
    body = (
        "<h1>Client report</h1>"
        f'<p><span class="verdict v{int(verdict["exit_code"])}" id="verdict">{escape(verdict["label"])}</span></p>'
        f'<p class="headline">{_text(verdict["summary"])}</p>'
        f"{_what_broke(report, strict)}{_facts(report, origin)}"
        f'<h2>Summary</h2><div class="cards">{"".join(_card(report, api, strict) for api in report["apis"])}</div>'
        f"{sections}"
        "<p class=\"src\">MUST: stated in the vendor's page for the API. SHOULD: stated only in the vendor's other "
        "material or chosen by the project; a warning unless the report is strict. A case is reached when the sandbox "
        "answered one of the client's requests with it; forced: only with <code>Prefer: example=</code>.</p>"
    )
    # Each part was escaped as it was written; a last pass keeps that true whatever a part took.
    return output_safe(page(f"Client report: {verdict['label']}", body, style=_STYLE))
