"""The Web Worker's entry points: thin glue between the page's messages and the runner.

The worker calls `prepare` once with the problem bundle, then `grade` per run and `evaluate` per
line typed in the "Try it" console; progress goes back through `on_event(kind, json_text)`, a
JavaScript function. When a run outlives its worker (a test over its time limit without isolation, or
a crash), the page starts a new worker and calls `grade` again with what it already knows, and the
report is assembled here as if nothing had happened.
"""

from __future__ import annotations

import ast
import json
from typing import Any, Callable

from .core import problem, runner, submission
from .core.runner import ERROR, TestResult
from .inprocess import InProcess

_problem: problem.Problem | None = None


def prepare(bundle_json: str) -> None:
    global _problem
    _problem = problem.from_bundle(bundle_json)
    # Deep recursion must end as a RecursionError, not as a fatal overflow of the worker's stack
    # (tests/test_site.py checks that Chromium's worker holds this depth).
    submission.cap_recursion()


def grade(source: str, prior_json: str, on_event: Callable[[str, str], None]) -> str:
    """Grade `source`, returning the report as JSON.

    `prior_json` lists what earlier workers learnt in this run: tests' results (as reported), and
    `{"id", "fault": "timeout" | "crashed", "message"}` for a step that ended with the worker (a null
    id is the loading of the code). Only the other tests run. Events: `start` with the step's id (null
    for the loading) and time limit, so the page can time it; `done` with each result.
    """
    assert _problem is not None, "prepare() the problem first"
    notify: runner.Listener = lambda kind, data: on_event(kind, json.dumps(data))
    limit = _problem.manifest.time_limit
    specs = {spec.id: spec for spec in _problem.tests}
    known: dict[str, TestResult] = {}
    for entry in json.loads(prior_json):
        if "fault" not in entry:
            known[entry["id"]] = TestResult(**entry)  # a result as reported: to_dict's fields
            continue
        message = runner.timeout_message(limit) if entry["fault"] == "timeout" else entry["message"]
        if entry["id"] is None:
            return json.dumps(runner.unloadable(_problem, message, notify=notify).to_dict())
        known[entry["id"]] = runner.stopped(specs[entry["id"]], entry["fault"], message)
        notify("done", known[entry["id"]].to_dict())

    notify("start", {"id": None, "time_limit": limit})  # loading the code is timed like a test
    rest = runner.run(
        _problem, source, InProcess(), only=[s for s in specs if s not in known], on_event=notify
    )
    if not known:
        return json.dumps(rest.to_dict())
    ran = {result.id: result for result in rest.tests}
    results = [known.get(spec_id) or ran[spec_id] for spec_id in specs]
    if rest.status == ERROR:  # runner.run's only error: the code could not be loaded this time
        return json.dumps(runner.Report(_problem.id, ERROR, rest.message, results, rest.output, _problem.seed,
                                         fault=rest.fault).to_dict())
    return json.dumps(runner.finished(_problem, results, rest.output, rest.returns).to_dict())


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
        return None, submission.Fault("timeout", runner.timeout_message(_problem.manifest.time_limit))
    except BaseException as exc:  # noqa: BLE001 - the learner's error is the answer, shown as a traceback
        return None, submission.describe(exc, "")
    return text if len(text) <= RESULT_LIMIT else text[:RESULT_LIMIT] + " …", None


def _evaluated(output: str, result: str | None, fault: submission.Fault | None) -> str:
    return json.dumps({"output": output, "result": result, "error": None if fault is None else fault.to_dict()})
