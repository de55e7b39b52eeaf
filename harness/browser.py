"""The Web Worker's entry points: thin glue between the page's messages and the runner.

The worker calls `prepare` once with the problem bundle, then `grade` per run and `evaluate` per
line typed in the "Try it" console; progress goes back through `on_event(kind, json_text)`, a
JavaScript function.
"""

from __future__ import annotations

import ast
import json
from typing import Any, Callable

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


CONSOLE = "<console>"
RESULT_LIMIT = 4_000


def evaluate(source: str, code: str, on_event: Callable[[str, str], None]) -> str:
    """Run the learner's module, then `code` in its namespace, as a Python prompt would; never graded.

    Returns JSON {output, result, error}: what was printed, the repr of the last expression's value
    (null when the code ends in a statement), and the fault (message, line, frames) if any.
    """
    assert _problem is not None, "prepare() the problem first"
    on_event("start", json.dumps({"id": CONSOLE, "name": "Try it", "time_limit": _problem.manifest.time_limit}))
    namespace, fault, output = submission.run_module(source)
    if fault is not None:
        return _evaluated(output, None, fault)
    namespace.setdefault("np", __import__("numpy"))
    with submission.captured_output() as printed:
        result, fault = _run_console(code, namespace)
    return _evaluated(output + printed.getvalue(), result, fault)


def _run_console(code: str, namespace: dict[str, Any]) -> tuple[str | None, submission.Fault | None]:
    try:
        tree = ast.parse(code, CONSOLE, "exec")
    except SyntaxError as exc:
        return None, submission.Fault("syntax", f"SyntaxError: {exc.msg}")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    try:
        exec(compile(tree, CONSOLE, "exec"), namespace)
        if last is None:
            return None, None
        value = eval(compile(ast.Expression(last.value), CONSOLE, "eval"), namespace)
        text = repr(value)
    except KeyboardInterrupt:
        return None, submission.Fault("timeout", f"took longer than the time limit of {_problem.manifest.time_limit:g} s")
    except BaseException as exc:  # noqa: BLE001 - the learner's error is the answer, shown as a traceback
        return None, submission.describe(exc, "")
    return text if len(text) <= RESULT_LIMIT else text[:RESULT_LIMIT] + " …", None


def _evaluated(output: str, result: str | None, fault: submission.Fault | None) -> str:
    return json.dumps({"output": output, "result": result, "error": None if fault is None else fault.to_dict()})
