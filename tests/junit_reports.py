"""Reading the JUnit XML pytest writes: its testcases by name, and what each came to."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree


def junit_cases(path: Path) -> dict[str, ElementTree.Element]:
    """Testcase name: testcase."""
    return {case.get("name", ""): case for case in ElementTree.parse(path).getroot().iter("testcase")}


def outcome(case: ElementTree.Element) -> str:
    """passed, failed, xfailed, skipped or error, as pytest reports the testcase."""
    children = [child for child in case if child.tag in ("failure", "error", "skipped")]
    if not children:
        return "passed"
    if children[0].tag == "skipped":
        return "xfailed" if children[0].get("type") == "pytest.xfail" else "skipped"
    return children[0].tag.replace("failure", "failed")
