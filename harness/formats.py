"""A report as text for people, JSON for scripts, and JUnit XML for CI dashboards."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

from .core.runner import ERROR, FAIL, PASS, SCHEMA_VERSION, Report, TestResult
from .core.submission import one_line

_MARK = {PASS: "PASS", FAIL: "FAIL", ERROR: "ERROR"}


def as_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def as_text(report: Report) -> str:
    lines = [f"{report.problem}: {report.status.upper()} - {one_line(report.message)}, score {report.score:g} of "
             f"{report.max_score:g} (inputs drawn with seed {report.seed}: --seed {report.seed} reproduces this)"]
    if report.output:
        lines += ["  output while loading:", *_indent(report.output, 4)]
    for title, tests in (("examples", report.examples), ("tests", report.graded)):
        if tests:
            lines.append(f"  {title}:")
        for test in tests:
            lines.append(f"    {_MARK[test.status]:5} {test.name}" + (" [on held-out inputs]" if test.held_out else ""))
            if test.message:
                lines += _indent(test.message, 12)
            if test.output:
                lines += ["            output:", *_indent(test.output, 14)]
    return "\n".join(lines) + "\n"


def _indent(text: str, width: int) -> list[str]:
    """A learner's multi-line text (output, a message), indented, each line printable: a carriage return,
    an escape sequence or any other control is shown escaped, so it can neither move a terminal's cursor
    nor forge a line of the report. Tabs stay as they are."""
    return [" " * width + "\t".join(map(one_line, line.split("\t"))) for line in text.removesuffix("\n").split("\n")]


# Characters XML 1.0 cannot carry at all; a learner's output may contain them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never reads as a formula."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


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
        name=_xml(name),
        tests=str(len(tests)),
        failures=str(sum(t.status == FAIL for t in tests)),
        errors=str(sum(t.status == ERROR for t in tests)),
        time=f"{sum(t.duration_ms for t in tests) / 1000:.3f}",
    )
    if error:
        ET.SubElement(suite, "properties").append(ET.Element("property", name="error", value=_xml(error)))
    for test in tests:
        case = ET.SubElement(
            suite, "testcase", classname=_xml(name), name=_xml(test.name), time=f"{test.duration_ms / 1000:.3f}"
        )
        if test.status != PASS:
            tag = "failure" if test.status == FAIL else "error"
            ET.SubElement(case, tag, message=_xml(test.message)).text = _xml(test.message)
        if test.output:
            ET.SubElement(case, "system-out").text = _xml(test.output)


FORMATS = {"text": as_text, "json": as_json, "junit": as_junit}


# ---- Batches: one record per submission, and a summary ----------------------------------------------

def batch_json(problem: str, graded: list, summary: dict) -> str:
    records = [{"submission": g.submission, **g.report.to_dict()} for g in graded]
    data = {"version": SCHEMA_VERSION, "problem": problem, "summary": summary, "submissions": records}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def batch_text(problem: str, graded: list, summary: dict) -> str:
    # g.submission is already a printable line (batch.display); a message may hold the learner's newlines.
    lines = [f"{g.submission}: {g.report.status.upper()} - {one_line(g.report.message)}" for g in graded]
    lines.append(
        f"{problem}: {summary['submissions']} submissions: {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['errored']} could not be loaded, {summary['hit_limit']} hit a limit"
    )
    lines += [f"  {t['pass_rate']:7.1%}  {t['name']}" for t in summary["tests"]]
    lines.append(f"  each submission ran confined: {summary['isolation'] or 'no submission ran'}")
    return "\n".join(lines) + "\n"


def batch_csv(problem: str, graded: list, summary: dict) -> str:
    """One row per submission: its score (for a gradebook), verdict, counts, and each hidden test's status."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    test_ids = [t["id"] for t in summary["tests"]]
    writer.writerow(["submission", "score", "max_score", "status", "passed", "failed", "errors", "hit_limit",
                     "message", *test_ids])
    for g in graded:
        statuses = {t.id: t.status for t in g.report.graded}
        writer.writerow([_cell(g.submission), f"{g.report.score:g}", f"{g.report.max_score:g}", g.report.status,
                         g.report.count(PASS), g.report.count(FAIL), g.report.count(ERROR), int(g.hit_limit),
                         _cell(one_line(g.report.message)), *(statuses.get(i, "") for i in test_ids)])
    return out.getvalue()


def batch_junit(problem: str, graded: list, summary: dict) -> str:
    """One test suite per submission, named after it."""
    suites = ET.Element("testsuites", name=problem, tests=str(sum(len(g.report.graded) for g in graded)))
    for g in graded:
        _junit_suite(suites, g.submission, g.report.graded, g.report.message if g.report.status == ERROR else "")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


BATCH_FORMATS = {"text": batch_text, "json": batch_json, "junit": batch_junit, "csv": batch_csv}
