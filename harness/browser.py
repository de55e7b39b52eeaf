"""The Web Worker's entry points: thin glue between the page's messages and the runner.

The worker calls `prepare` once with the problem bundle, then `grade` per run; progress goes back
through `on_event(kind, json_text)`, a JavaScript function.
"""

from __future__ import annotations

import json
from typing import Callable

from .core import problem, runner, submission
from .inprocess import InProcess

_problem: problem.Problem | None = None


def prepare(bundle_json: str) -> None:
    global _problem
    _problem = problem.from_bundle(bundle_json)
    # Deep recursion must end as a RecursionError, not as a fatal overflow of the worker's stack
    # (tests/test_site.py checks that Chromium's worker holds this depth).
    submission.cap_recursion()


def grade(source: str, only: list[str] | None, on_event: Callable[[str, str], None]) -> str:
    assert _problem is not None, "prepare() the problem first"
    report = runner.run(
        _problem,
        source,
        InProcess(),
        only=None if only is None else list(only),
        on_event=lambda kind, data: on_event(kind, json.dumps(data)),
    )
    return json.dumps(report.to_dict())
