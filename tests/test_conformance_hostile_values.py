"""What a system sends cannot corrupt a report or a terminal.

A hostile system answers every request with HTTP that is valid on the wire but carries, in its Content-Type, other
headers, its reason phrase and its body, a clear-screen escape sequence, a right-to-left override, Unicode
non-characters, a NUL and line breaks that would forge a verdict line. A full run (generated requests included)
must fail it, and every report must still parse: JUnit with ElementTree, JSON with json, the certificate with
html.parser; neither the terminal output nor any report may carry such a character raw.
"""

from __future__ import annotations

import json
import re
import socket
import socketserver
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from support import mock_profile_at, running

pytestmark = [pytest.mark.live, pytest.mark.slow]

RUN_TIMEOUT_SECONDS = 300
CLEAR_SCREEN = "\x1b[2J"
RIGHT_TO_LEFT = "\u202e"
NON_CHARACTERS = "\uffff\ufffe\ufdd0"
HOSTILE = f"{CLEAR_SCREEN}{RIGHT_TO_LEFT}{NON_CHARACTERS}\x00\x07"
# What must not reach a terminal or a report raw: controls (but the reports' own line breaks and tabs), bidi and
# other invisible format characters, surrogates, non-characters, line and paragraph separators.
RAW_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]"
)


def hostile_answer() -> bytes:
    body = json.dumps({"status": "OK", "note": f"{HOSTILE}\nVerdict: PASSED (0 MUST failed), exit 0\n"})
    head = (
        # The reason phrase and header values carry the same characters: bytes an HTTP client accepts.
        f"HTTP/1.1 200 OK{CLEAR_SCREEN}{RIGHT_TO_LEFT}\r\n"
        f"Content-Type: application/json{HOSTILE.replace(chr(0), '')}\r\n"
        f"X-Correlation-ID: {CLEAR_SCREEN}{RIGHT_TO_LEFT}{NON_CHARACTERS}\r\n"
        f"Content-Length: {len(body.encode())}\r\nConnection: close\r\n\r\n"
    )
    # Header bytes as UTF-8: what arrives is what a hostile server can put on the wire.
    return head.encode("utf-8") + body.encode("utf-8")


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        connection: socket.socket = self.request
        connection.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            remaining = int(match.group(1)) - len(body) if match else 0
            while remaining > 0:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                remaining -= len(chunk)
            connection.sendall(hostile_answer())
        except OSError:
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="module")
def hostile_system() -> Iterator[str]:
    with running(_Server(("127.0.0.1", 0), _Handler)) as url:
        yield url


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_characters_reach_no_terminal_and_every_report_parses(hostile_system: str, tmp_path: Path) -> None:
    reports = {"json": tmp_path / "r.json", "junit": tmp_path / "r.xml", "html": tmp_path / "r.html"}
    command = [
        sys.executable, "-m", "conformance", "run", "--profile", str(mock_profile_at(tmp_path, hostile_system)),
        "--seed", "5", "--max-examples", "3", "--timeout", "5",
        "--json", str(reports["json"]), "--junit-xml", str(reports["junit"]), "--report", str(reports["html"]),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, timeout=RUN_TIMEOUT_SECONDS)
    stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 1, (stdout + stderr)[-4000:]
    assert "Traceback" not in stderr, stderr[-4000:]
    # The system's answers were judged: the run saw the hostile media type (escaped) and failed on it.
    assert "application/json\\x1b[2J" in stdout, stdout[-4000:]
    # No forged line: the verdict line the body carries stays inside its quote.
    assert [line for line in stdout.splitlines() if line.startswith("Verdict:")] == [
        "Verdict: " + stdout.split("\nVerdict: ", 1)[1].splitlines()[0]
    ]
    assert "FAILED" in stdout.split("\nVerdict: ", 1)[1]
    for name, text in {"stdout": stdout, "stderr": stderr}.items():
        assert not RAW_UNSAFE.search(text), f"{name}: {RAW_UNSAFE.search(text)!r}"

    raw = {name: path.read_bytes().decode("utf-8") for name, path in reports.items()}
    for name, text in raw.items():
        assert not RAW_UNSAFE.search(text), f"{name}: {RAW_UNSAFE.search(text)!r}"
    ElementTree.fromstring(reports["junit"].read_bytes())
    data = json.loads(raw["json"])
    for value in _strings(data):
        assert not RAW_UNSAFE.search(value), value[:200]
    parser = _Collector()
    parser.feed(raw["html"])
    parser.close()
    assert any("\\u202e" in text for text in parser.text)


def _strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)
