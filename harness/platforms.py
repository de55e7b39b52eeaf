"""A report in the results formats grading platforms read, each with the points of every hidden test.

- `gradescope`: the autograder's `results.json` (https://gradescope-autograders.readthedocs.io, "Autograder
  Specifications"): hidden tests are shown to learners once the grades are published, public examples are
  not graded and left out;
- `classroom`: what GitHub Classroom's `autograding-grading-reporter` decodes from a step's `result`
  output (base64 of this JSON; the workflow `init` writes does the encoding);
- `prairielearn`: the external grader's `results.json`; `gradable: false` when the submission could not
  be loaded, so that the learner loses no attempt for a syntax error.

Only hidden tests are graded, as everywhere in the kit; the score of each is in the core's report.
"""

from __future__ import annotations

import json

from .core.runner import ERROR, PASS, Report, TestResult

# Gradescope's visibility for the hidden tests: their names and messages, not their code, once published.
GRADESCOPE_HIDDEN_VISIBILITY = "after_published"


def _dump(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _feedback(test: TestResult) -> str:
    """What a learner reads about one test: the verdict's message, then what their code printed."""
    parts = [test.message] if test.message else []
    if test.output:
        parts.append(f"Your code printed:\n{test.output}")
    return "\n\n".join(parts)


def _loading(report: Report) -> str:
    parts = [report.message] + ([f"Printed while loading:\n{report.output}"] if report.output else [])
    return "\n\n".join(parts)


def as_gradescope(report: Report) -> str:
    return _dump({
        "score": report.score,
        "execution_time": round(sum(t.duration_ms for t in report.tests) / 1000, 3),
        "output": _loading(report),
        "output_format": "text",
        "test_output_format": "text",
        "tests": [
            {
                "name": test.name,
                "number": str(number),
                "score": test.score,
                "max_score": test.max_score,
                "status": "passed" if test.status == PASS else "failed",
                "output": _feedback(test),
                "output_format": "text",
                "visibility": GRADESCOPE_HIDDEN_VISIBILITY,
            }
            for number, test in enumerate(report.graded, start=1)
        ],
    })


def as_classroom(report: Report) -> str:
    return _dump({
        "version": 1,
        "status": report.status,
        "max_score": report.max_score,
        "tests": [
            {
                "name": test.name,
                "status": test.status,
                "score": test.score,
                "message": _feedback(test),
                "test_code": "",
                "filename": "",
                "line_no": 0,
                "duration": round(test.duration_ms),
            }
            for test in report.graded
        ],
    })


def as_prairielearn(report: Report) -> str:
    if report.status == ERROR:  # the submission could not be loaded: no test ran
        return _dump({"gradable": False, "format_errors": [report.message], "message": report.message,
                      "output": report.output})
    return _dump({
        "gradable": True,
        "score": round(report.score / report.max_score, 4) if report.max_score else 0.0,
        "message": report.message,
        "output": report.output,
        "tests": [
            {
                "name": test.name,
                "points": test.score,
                "max_points": test.max_score,
                "message": test.message,
                "output": test.output,
            }
            for test in report.graded
        ],
    })


PLATFORM_FORMATS = {"gradescope": as_gradescope, "classroom": as_classroom, "prairielearn": as_prairielearn}
