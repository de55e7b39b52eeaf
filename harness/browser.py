"""The Web Worker's entry points: thin glue between the page's messages and the runner.

The worker calls `prepare` once with the problem bundle, then `grade` per run; progress goes back
through `on_event(kind, json_text)`, a JavaScript function.
"""

from __future__ import annotations

import json
import sys
from typing import Callable

from . import problem, runner
from .inprocess import InProcess

# Deep recursion must end as a RecursionError, not as a fatal overflow of the browser's own stack.
# Chromium's worker stack holds well over this many Python frames (tests/test_site.py checks it).
RECURSION_LIMIT = 800

_problem: problem.Problem | None = None


def prepare(bundle_json: str) -> None:
    global _problem
    _problem = problem.from_bundle(bundle_json)
    sys.setrecursionlimit(RECURSION_LIMIT)


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
