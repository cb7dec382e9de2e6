"""The page shell every HTML report of the kit shares: one self-contained file (no scripts, no external files), its
styles, and the blocks that show a URL, a request or an answer.

The text a page shows is the caller's to clean (redact, escape what safe_text escapes); these helpers escape HTML.
"""

from __future__ import annotations

import re
from html import escape

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:28px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 10px}h3{font-size:16px;margin:0 0 6px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;color:#fff;font-weight:700;letter-spacing:.04em}
.v0{background:#1a7f37}.v1{background:#c62828}.v2{background:#b26a00}
.headline{font-size:16px;margin:8px 0 0}
.failed-box{background:#fff;border:2px solid #c62828;border-radius:8px;padding:14px 18px;margin:18px 0}
.failed-box.warnings{border-color:#b26a00}.failed-box h2{margin:0 0 10px}
.failure{border-top:1px solid #eceef1;padding:12px 0 4px}.failure:first-of-type{border-top:0;padding-top:4px}
.facts{border-collapse:collapse;margin:14px 0;background:#fff}
.facts th{text-align:left;padding:4px 14px 4px 8px;color:#5b6472;font-weight:500;vertical-align:top}
.facts td{padding:4px 8px;font-family:ui-monospace,Menlo,monospace;font-size:13px;overflow-wrap:break-word}
.cards{display:flex;gap:14px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 16px;min-width:250px;flex:1}
.card p{margin:2px 0}
table.reqs{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dde1e6;table-layout:fixed}
.reqs th{background:#eef0f3;text-align:left;padding:6px 8px;font-size:13px}
.reqs td{border-top:1px solid #e6e9ed;padding:6px 8px;vertical-align:top;font-size:14px;overflow-wrap:break-word}
.reqs col.id{width:250px}.reqs col.level{width:70px}.reqs col.outcome{width:100px}
.id{font-family:ui-monospace,Menlo,monospace;font-size:13px}
.o{font-weight:700;white-space:nowrap}.passed{color:#1a7f37}.failed{color:#c62828}.warning{color:#b26a00}
.error{color:#b26a00}.not-tested,.zero{color:#6b7280}.zero{font-weight:400}
.src{font-size:12px;color:#5b6472;overflow-wrap:break-word}
details{margin-top:4px}summary{cursor:pointer;color:#2855a8;font-size:13px}
pre{white-space:pre-wrap;overflow-wrap:break-word;background:#f3f4f6;padding:6px 8px;border-radius:4px;
    font-size:12px;margin:4px 0}
.finding{border-left:3px solid #c62828;padding-left:8px;margin:6px 0}.finding.ok{border-color:#1a7f37}
.compare{display:grid;grid-template-columns:1fr 1fr;gap:10px}.compare>div{min-width:0}
.label{font-size:12px;color:#5b6472;text-transform:uppercase;letter-spacing:.05em;margin-top:6px}
ul.untestable li{margin:4px 0}
"""
# Break opportunities in a URL or command: after a slash, a question mark or an ampersand, never inside a host name.
_URL_BREAKS = re.compile(r"(?<=[/?&])(?=[^/])(?<!://)")


def wrapped(value: str) -> str:
    """Text escaped for HTML, with line breaks allowed after / ? & only."""
    return "<wbr>".join(escape(part) for part in _URL_BREAKS.split(value))


def code_block(value: str) -> str:
    """A URL, request or answer in a <pre>, with line breaks allowed after / ? & only."""
    return f"<pre>{wrapped(value)}</pre>"


def page(title: str, body: str, *, style: str = "") -> str:
    """The whole page: ``body`` (HTML) in the shared shell, ``style`` added to the shared styles."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}{style}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
