"""The results formats grading platforms read, as JSON Schemas written from each platform's documentation.

- Gradescope: "Autograder Specifications", https://gradescope-autograders.readthedocs.io/en/latest/specs/
  (github.com/gradescope/autograder_samples, docs/specs.md): top-level score (or a score on every test),
  tests[] with score/max_score/status/name/number/output/tags/visibility, the four visibilities and the
  output formats.
- GitHub Classroom: what `classroom-resources/autograding-grading-reporter` (src/main.js,
  src/notify-classroom.js, src/console-results.js) reads after base64-decoding a step's `result`
  output: version, status (pass|fail|error: "fail" and "error" fail the job), max_score (points only
  count when it is set), tests[] with name, status, message, score (summed into the total), test_code,
  line_no, filename, duration.
- PrairieLearn: "External Grading", "Grading results" (PrairieLearn/PrairieLearn, docs/externalGrading.md):
  `score` in [0, 1] is mandatory when gradable; `gradable: false` marks an invalid submission, with
  `format_errors` a string or a list of strings; tests[] with name, description, points, max_points,
  message, output, images; the file is limited to 1 MB.
"""

from __future__ import annotations

import json

import jsonschema

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
GRADESCOPE_TEXT_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
NUMBER = {"type": "number"}
STRING = {"type": "string"}

GRADESCOPE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": NUMBER,
        "execution_time": NUMBER,
        "output": STRING,
        "output_format": GRADESCOPE_TEXT_FORMAT,
        "test_output_format": GRADESCOPE_TEXT_FORMAT,
        "test_name_format": GRADESCOPE_TEXT_FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "score": NUMBER,
                    "max_score": NUMBER,
                    "status": {"enum": ["passed", "failed"]},
                    "name": STRING,
                    "name_format": GRADESCOPE_TEXT_FORMAT,
                    "number": STRING,
                    "output": STRING,
                    "output_format": GRADESCOPE_TEXT_FORMAT,
                    "tags": {"type": "array", "items": STRING},
                    "visibility": VISIBILITY,
                    "extra_data": {"type": "object"},
                },
            },
        },
        "leaderboard": {"type": "array"},
    },
    # "score: optional, but required if not on each test case".
    "anyOf": [
        {"required": ["score"]},
        {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}},
    ],
}

CLASSROOM_STATUS = {"enum": ["pass", "fail", "error"]}
CLASSROOM = {
    "type": "object",
    "required": ["version", "status", "max_score", "tests"],
    "properties": {
        "version": {"const": 1},
        "status": CLASSROOM_STATUS,
        "max_score": {"type": "number", "minimum": 0},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "status", "score"],
                "properties": {
                    "name": STRING,
                    "status": CLASSROOM_STATUS,
                    "score": {"type": "number", "minimum": 0},
                    "message": {"type": ["string", "null"]},
                    "test_code": STRING,
                    "filename": STRING,
                    "line_no": {"type": "integer"},
                    "duration": NUMBER,
                },
            },
        },
    },
}

PRAIRIELEARN = {
    "type": "object",
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": STRING,
        "output": STRING,
        "format_errors": {"anyOf": [STRING, {"type": "array", "items": STRING}]},
        "images": {"type": "array"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "points", "max_points"],
                "properties": {
                    "name": STRING,
                    "description": STRING,
                    "points": {"type": "number", "minimum": 0},
                    "max_points": {"type": "number", "minimum": 0},
                    "message": STRING,
                    "output": STRING,
                    "images": {"type": "array"},
                },
            },
        },
    },
    "if": {"required": ["gradable"], "properties": {"gradable": {"const": False}}},
    "then": {"required": ["format_errors"]},
    "else": {"required": ["score"]},
}
PRAIRIELEARN_MAX_BYTES = 1_000_000

SCHEMAS = {"gradescope": GRADESCOPE, "classroom": CLASSROOM, "prairielearn": PRAIRIELEARN}


def validate(platform: str, text: str) -> dict:
    """Parse a report and check it against its platform's schema and the rules a schema cannot say."""
    data = json.loads(text)
    jsonschema.validate(data, SCHEMAS[platform])
    if platform == "prairielearn":
        assert len(text.encode()) <= PRAIRIELEARN_MAX_BYTES
    for test in data.get("tests", []):
        earned, most = (test["points"], test["max_points"]) if platform == "prairielearn" else (
            test["score"], test.get("max_score", data.get("max_score")))
        assert 0 <= earned <= most, test
    return data
