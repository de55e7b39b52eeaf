"""A report as text for people, JSON for scripts, and JUnit XML for CI dashboards."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from .runner import ERROR, FAIL, PASS, Report, TestResult

_MARK = {PASS: "PASS", FAIL: "FAIL", ERROR: "ERROR"}


def as_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def as_text(report: Report) -> str:
    lines = [f"{report.problem}: {report.status.upper()} - {report.message}"]
    if report.output:
        lines += ["  output while loading:", *_indent(report.output, 4)]
    for title, tests in (("examples", report.examples), ("tests", report.graded)):
        if tests:
            lines.append(f"  {title}:")
        for test in tests:
            lines.append(f"    {_MARK[test.status]:5} {test.name}")
            if test.message:
                lines += _indent(test.message, 12)
            if test.output:
                lines += ["            output:", *_indent(test.output, 14)]
    return "\n".join(lines) + "\n"


def _indent(text: str, width: int) -> list[str]:
    return [" " * width + line for line in text.splitlines()]


# Characters XML 1.0 cannot carry at all; a learner's output may contain them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def as_junit(report: Report) -> str:
    """One suite for the graded tests, and one for the public examples when there are any."""
    suites = ET.Element("testsuites")
    _junit_suite(suites, report.problem, report.graded, report.message if report.status == ERROR else "")
    if report.examples:
        _junit_suite(suites, f"{report.problem} (examples)", report.examples, "")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _junit_suite(parent: ET.Element, name: str, tests: list[TestResult], error: str) -> None:
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=name,
        tests=str(len(tests)),
        failures=str(sum(t.status == FAIL for t in tests)),
        errors=str(sum(t.status == ERROR for t in tests)),
        time=f"{sum(t.duration_ms for t in tests) / 1000:.3f}",
    )
    if error:
        ET.SubElement(suite, "properties").append(ET.Element("property", name="error", value=_xml(error)))
    for test in tests:
        case = ET.SubElement(
            suite, "testcase", classname=name, name=test.name, time=f"{test.duration_ms / 1000:.3f}"
        )
        if test.status != PASS:
            tag = "failure" if test.status == FAIL else "error"
            ET.SubElement(case, tag, message=_xml(test.message)).text = _xml(test.message)
        if test.output:
            ET.SubElement(case, "system-out").text = _xml(test.output)


FORMATS = {"text": as_text, "json": as_json, "junit": as_junit}
