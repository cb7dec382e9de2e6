"""The README's walkthrough, run exactly as written against a live ``mockserver serve --workers 2``: every command's
output is the one the README shows after it."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, start_mock

pytestmark = [pytest.mark.live, pytest.mark.slow]

README = REPO / "README.md"
MARKER = "<!-- walkthrough:"
DOCUMENTED_URL = "http://127.0.0.1:8000"
VENV_BIN = ".venv/bin/"


def _blocks() -> tuple[str, str]:
    """The start command (the sh block before the marker) and the walkthrough block (the one after it)."""
    text = README.read_text(encoding="utf-8")
    before, marker, after = text.partition(MARKER)
    assert marker, f"README.md has no {MARKER!r} block"
    start = re.findall(r"```sh\n(.*?)```", before, re.DOTALL)[-1].strip()
    walkthrough = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert walkthrough is not None
    return start, walkthrough.group(1)


def _steps(block: str) -> list[tuple[str, list[str]]]:
    """Each command of the block (continuation lines and quoted newlines joined) with the outputs shown after it."""
    steps: list[tuple[str, list[str]]] = []
    command: list[str] = []
    for line in block.splitlines():
        if line.startswith("# -> "):
            steps[-1][1].append(line.removeprefix("# -> "))
            continue
        command.append(line)
        joined = "\n".join(command)
        if not joined.endswith("\\") and _complete(joined):
            steps.append((joined, []))
            command = []
    assert not command, f"an unfinished command: {command}"
    return steps


def _complete(command: str) -> bool:
    try:
        shlex.split(command, comments=False)
    except ValueError:
        return False  # a quote still open: the command goes on
    return command.count("$(") <= command.count(")")


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    start, block = _blocks()
    assert start == f"{VENV_BIN}mockserver serve --workers 2"
    steps = _steps(block)
    assert len(steps) >= 8 and all(command.strip() for command, _ in steps)
    mock = start_mock("--workers", "2")
    try:
        # The same commands, pointed at the mock on its free port and at this interpreter's scripts.
        script = ["set -u"]
        for number, (command, _) in enumerate(steps):
            script.append(
                command.replace(DOCUMENTED_URL, mock.url).replace(VENV_BIN, f"{Path(sys.executable).parent}/")
            )
            script.append(f"echo '@@step {number}'")
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=120, cwd=REPO
        )
    finally:
        mock.stop()
    assert result.returncode == 0, result.stderr
    outputs = re.split(r"@@step \d+\n", result.stdout)
    for (command, expected), output in zip(steps, outputs, strict=False):
        assert output.splitlines() == expected, f"{command}\nprinted:\n{output}"
