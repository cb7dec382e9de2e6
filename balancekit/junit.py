"""JUnit XML, as CI systems read it: one testsuite per API, one testcase per requirement or case.

Every text and attribute passes through safe_text.output_safe on its way in, so no value a system or a client sent
(a control code, a lone surrogate, a non-character) can make the file unparseable, whatever the caller cleaned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

from balancekit.safe_text import output_safe


@dataclass(frozen=True)
class Failure:
    type: str
    message: str
    text: str


@dataclass(frozen=True)
class TestCase:
    """A testcase: passed unless it carries a failure, an error or a reason it was skipped."""

    __test__ = False  # not a pytest test class, whatever its name

    classname: str
    name: str
    failure: Failure | None = None
    error: str | None = None
    skipped: str | None = None
    system_out: str | None = None


@dataclass(frozen=True)
class TestSuite:
    __test__ = False

    name: str
    cases: Sequence[TestCase]
    properties: Sequence[tuple[str, str]] = ()


def junit_xml(name: str, suites: Sequence[TestSuite], *, time: float | None = None) -> bytes:
    """The JUnit XML document of ``suites``, UTF-8 with its declaration."""
    attributes = {"name": output_safe(name)}
    if time is not None:
        attributes["time"] = f"{time:.3f}"
    root = ElementTree.Element("testsuites", attributes)
    for suite in suites:
        root.append(_suite(suite))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _suite(suite: TestSuite) -> ElementTree.Element:
    element = ElementTree.Element("testsuite", name=output_safe(suite.name), tests=str(len(suite.cases)))
    properties = ElementTree.SubElement(element, "properties")
    for name, value in suite.properties:
        ElementTree.SubElement(properties, "property", name=output_safe(name), value=output_safe(value))
    for case in suite.cases:
        testcase = ElementTree.SubElement(
            element, "testcase", classname=output_safe(case.classname), name=output_safe(case.name)
        )
        if case.failure is not None:
            failure = ElementTree.SubElement(
                testcase, "failure", type=output_safe(case.failure.type), message=output_safe(case.failure.message)
            )
            failure.text = output_safe(case.failure.text)
        elif case.error is not None:
            ElementTree.SubElement(testcase, "error", message=output_safe(case.error))
        elif case.skipped is not None:
            ElementTree.SubElement(testcase, "skipped", message=output_safe(case.skipped))
        if case.system_out is not None:
            ElementTree.SubElement(testcase, "system-out").text = output_safe(case.system_out)
    element.set("failures", str(sum(case.failure is not None for case in suite.cases)))
    element.set("errors", str(sum(case.failure is None and case.error is not None for case in suite.cases)))
    element.set("skipped", str(sum(_skipped(case) for case in suite.cases)))
    return element


def _skipped(case: TestCase) -> bool:
    return case.failure is None and case.error is None and case.skipped is not None
