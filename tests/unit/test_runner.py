"""The runner against a scripted executor: verdicts, events, time budgets and broken tests, no process."""

from __future__ import annotations

import dataclasses
import importlib.util

import pytest

from conftest import PROBLEMS
from fakes import ScriptedExecutor
from harness.core import problem as problems, runner
from harness.core.manifest import ProblemError
from harness.core.submission import Fault

PROBLEM = problems.load(PROBLEMS / "label-smoothing")
HIDDEN = [t.id for t in PROBLEM.tests if t.visibility == "hidden"]


def reference():
    spec = importlib.util.spec_from_file_location("reference", PROBLEMS / "label-smoothing" / "solution.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.label_smoothing_loss


def grade(executor: ScriptedExecutor, **options) -> runner.Report:
    return runner.run(PROBLEM, "source is the executor's business", executor, **options)


def test_correct_answers_pass_every_hidden_test():
    function = reference()
    report = grade(ScriptedExecutor(answer=lambda args: function(*args)))
    assert (report.status, report.message) == ("pass", f"{len(HIDDEN)} of {len(HIDDEN)} tests passed")
    assert [t.id for t in report.graded] == HIDDEN and all(t.status == "pass" for t in report.tests)


def test_wrong_answers_fail_with_a_message():
    report = grade(ScriptedExecutor(answer=lambda args: 0.0))
    assert report.status == "fail" and report.count("pass") == 0
    assert all(t.status == "fail" and t.message for t in report.graded)
    assert report.graded[0].message.startswith("label_smoothing_loss([")


def test_a_load_fault_makes_every_test_an_error_and_none_runs():
    executor = ScriptedExecutor(load_fault=Fault("syntax", "SyntaxError on line 3", 3), output="printed")
    report = grade(executor)
    assert (report.status, report.message, report.output) == ("error", "SyntaxError on line 3", "printed")
    assert executor.calls == []
    assert {t.status for t in report.tests} == {"error"} and len(report.tests) == len(PROBLEM.tests)


def test_each_call_gets_what_remains_of_its_tests_time_limit():
    limit = PROBLEM.manifest.time_limit
    three_calls = dataclasses.replace(PROBLEM.tests[0], function=lambda check: [check.call([1.0], 0, 0.1) for _ in "abc"])
    executor = ScriptedExecutor(cost=limit / 4)
    runner.run(dataclasses.replace(PROBLEM, tests=(three_calls, three_calls)), "", executor)
    budgets = [budget for _, budget in executor.calls]
    assert budgets == pytest.approx([limit, limit * 3 / 4, limit / 2] * 2)


def test_a_timeout_is_an_error_that_names_the_limit():
    report = grade(ScriptedExecutor(answer=lambda args: Fault("timeout", "took too long")), only=HIDDEN[:1])
    (result,) = report.tests
    assert (result.status, result.fault) == ("error", "timeout")
    assert f"time limit of {PROBLEM.manifest.time_limit:g} s" in result.message


def test_events_announce_each_test_then_its_result_in_order():
    events = []
    grade(ScriptedExecutor(), on_event=lambda kind, data: events.append((kind, data["id"])))
    ids = [t.id for t in PROBLEM.tests]
    assert events == [(kind, i) for i in ids for kind in ("start", "done")]


def test_only_runs_the_tests_asked_for():
    report = grade(ScriptedExecutor(), only=[HIDDEN[-1]])
    assert [t.id for t in report.tests] == [HIDDEN[-1]]


def test_a_test_that_breaks_is_the_problems_fault_naming_tests_py_and_the_test():
    broken = dataclasses.replace(PROBLEM.tests[0], function=lambda check: 1 / 0)
    with pytest.raises(ProblemError, match=r"label-smoothing/tests\.py: test '\w+' raised ZeroDivisionError"):
        runner.run(dataclasses.replace(PROBLEM, tests=(broken,)), "", ScriptedExecutor())


def test_a_failure_of_the_executor_itself_is_raised_as_it_is():
    def broken_machinery(args):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        grade(ScriptedExecutor(answer=broken_machinery))


def test_public_examples_never_decide_the_verdict():
    function = reference()
    examples = {t.id for t in PROBLEM.tests if t.visibility != "hidden"}
    report = grade(ScriptedExecutor(answer=lambda args: function(*args)))
    assert examples and {t.id for t in report.examples} == examples
    assert report.to_dict()["passed"] == len(HIDDEN)
