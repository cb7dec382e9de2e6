"""TypeScript types generated from the specs by openapi-typescript: `tsc --strict` accepts a file using every form."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import API_NAMES, REPO, SPECS

pytestmark = pytest.mark.slow

TOOLS = REPO / "tests" / "typescript"
USES = TOOLS / "uses_generated_types.ts"
# The options of specs/README.md: JSON Schema's `type: object` without properties is any object, not an empty one.
GENERATE_OPTIONS = ["--empty-objects-unknown"]
TSC_OPTIONS = ["--strict", "--noEmit", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler"]


@dataclass(frozen=True)
class Run:
    command: list[str]
    returncode: int
    output: str

    def __str__(self) -> str:
        return f"{' '.join(self.command[:2])} ... exited {self.returncode}:\n{self.output}"


def run(command: list[str], cwd: Path, timeout: float = 300) -> Run:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    return Run(command, done.returncode, done.stdout + done.stderr)


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned npm packages of tests/typescript, installed from its lock file into a new directory."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH: this test needs Node.js 20 and npm to install tests/typescript/package.json")
    directory = tmp_path_factory.mktemp("typescript")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(TOOLS / name, directory / name)
    install = run([npm, "ci", "--no-audit", "--no-fund"], directory, timeout=600)
    assert install.returncode == 0, f"cannot install the TypeScript tools: {install}"
    return directory


def generate_types(tools: Path, api: str, output: Path) -> Run:
    command = [str(tools / "node_modules" / ".bin" / "openapi-typescript"), str(SPECS / f"{api}.yaml")]
    return run([*command, *GENERATE_OPTIONS, "--output", str(output)], tools)


def check(tools: Path, source: Path) -> Run:
    return run([str(tools / "node_modules" / ".bin" / "tsc"), *TSC_OPTIONS, str(source)], tools)


@dataclass(frozen=True)
class Generated:
    directory: Path
    runs: dict[str, Run]


@pytest.fixture(scope="module")
def generated(tools: Path, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The types of the three specs, generated once for the module."""
    directory = tmp_path_factory.mktemp("generated")
    return Generated(directory, {api: generate_types(tools, api, directory / f"{api}.ts") for api in API_NAMES})


def test_each_spec_generates_types_without_a_warning(generated: Generated) -> None:
    for api, generation in generated.runs.items():
        assert generation.returncode == 0, str(generation)
        assert "warn" not in generation.output.lower(), str(generation)
        assert "export interface components" in (generated.directory / f"{api}.ts").read_text(encoding="utf-8")


@pytest.fixture
def project(generated: Generated, tmp_path: Path) -> Path:
    """The usage file beside a copy of the generated types, which a test may change."""
    for generation in generated.runs.values():
        assert generation.returncode == 0, str(generation)
    shutil.copytree(generated.directory, tmp_path / "generated")
    shutil.copy(USES, tmp_path / USES.name)
    return tmp_path


def failing_lines(compiled: Run, file_name: str) -> list[int]:
    """The lines of ``file_name`` that tsc reports an error on: ``file.ts(LINE,COLUMN): error TS...``."""
    pattern = re.compile(re.escape(file_name) + r"\((\d+),\d+\): error")
    return sorted({int(match[1]) for match in pattern.finditer(compiled.output)})


def test_strict_tsc_accepts_every_request_form_and_answer(tools: Path, project: Path) -> None:
    compiled = check(tools, project / USES.name)
    assert compiled.returncode == 0, str(compiled)


def test_each_expected_error_is_an_error_for_its_own_reason(tools: Path, project: Path) -> None:
    """Without its @ts-expect-error line, each wrong value fails to compile on its own line, and nothing else does."""
    lines = USES.read_text(encoding="utf-8").splitlines()
    # enumerate counts from 0, compilers from 1: the line after the directive at index i is line i + 2.
    expected = [index + 2 for index, line in enumerate(lines) if line.startswith("// @ts-expect-error")]
    assert len(expected) >= 15
    unchecked = project / "unchecked.ts"
    unchecked.write_text("\n".join(line.replace("@ts-expect-error", "(an error)") for line in lines), encoding="utf-8")
    compiled = check(tools, unchecked)
    assert failing_lines(compiled, unchecked.name) == expected, str(compiled)


def test_a_form_without_its_fields_fails_to_compile(tools: Path, project: Path) -> None:
    """The check can fail: the card form as it was when its fields sat beside the oneOf, outside the form."""
    generated = project / "generated" / "paytronix.ts"
    text = generated.read_text(encoding="utf-8")
    start = text.index("        CardFields: {")
    end = text.index("};", start) + 2
    generated.write_text(
        text[:start] + '        CardFields: {\n            authentication?: "card";\n        };' + text[end:],
        encoding="utf-8",
    )
    compiled = check(tools, project / USES.name)
    lines = USES.read_text(encoding="utf-8").splitlines()
    card_line = next(index + 1 for index, line in enumerate(lines) if line.startswith("export const card:"))
    assert compiled.returncode != 0
    assert card_line in failing_lines(compiled, USES.name), str(compiled)
