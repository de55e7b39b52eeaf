"""The authoring API (`harness.core.testing`) and the runner's points, against a fake executor: no process.

Each problem here is a tiny `double(x)` problem built from texts, graded with a scripted executor
that answers with a plain Python function and counts the calls.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import typing

import pytest

from fakes import ScriptedExecutor
from harness.core import arguments, problem as problems, runner
from harness.core.manifest import ProblemError
from harness.core.submission import Fault
from harness.core.testing import PUBLISHED_SEED, Candidate, Draw

MANIFEST = """id = "double"
title = "Double"
difficulty = "easy"
tags = []
time_limit = 1.0

[entry]
name = "double"
params = ["x"]
returns = "float"
"""
HEADER = "import numpy as np\nfrom harness.core.testing import Case, Draw, cases, example, hidden\n"


def make(tests: str, expected: dict | None = None) -> problems.Problem:
    files = {"problem.toml": MANIFEST, "statement.md": "", "stub.py": "", "tests.py": HEADER + tests,
             "expected.json": json.dumps({k: {"kind": "float", "value": v} for k, v in (expected or {}).items()})}
    return problems.from_files(files, "problems/double")


def grade(problem: problems.Problem, function) -> tuple[runner.Report, ScriptedExecutor]:
    executor = ScriptedExecutor(answer=lambda args: function(*args))
    return runner.run(problem, "", executor), executor


def only_test(report: runner.Report) -> runner.TestResult:
    (result,) = report.graded
    return result


def test_the_problems_tolerances_are_the_default():
    tests = "RTOL = {}\n@hidden('doubles')\ndef doubles(t):\n    t.assert_close(t.call(2.0), 4.0)\n"
    five_percent_off = lambda x: 2 * x * 1.05  # noqa: E731
    assert only_test(grade(make(tests.format(0.1)), five_percent_off)[0]).status == "pass"
    assert only_test(grade(make(tests.format(0.01)), five_percent_off)[0]).status == "fail"


def test_the_message_describes_the_last_call_and_not_more_digits_than_a_learner_needs():
    problem = make("@hidden('doubles')\ndef doubles(t):\n    t.call(1.0)\n    t.assert_close(t.call(0.3), 0.123456789)\n")
    message = only_test(grade(problem, lambda x: 2 * x)[0]).message
    assert message == "double(0.3): got 0.6, expected 0.1235"


def test_values_equal_to_the_shown_digits_say_how_far_apart_they_are():
    problem = make("RTOL = 1e-9\n@hidden('doubles')\ndef doubles(t):\n    t.assert_close(t.call(1.0), 2.0)\n")
    message = only_test(grade(problem, lambda x: 2.00001)[0]).message
    assert message == "double(1.0): got 2.0, expected 2.0 (equal to 4 digits, but 1e-05 apart: more than the tolerance)"


def test_one_call_checks_a_named_case_against_its_expected_value():
    tests = "CASES = {'two': Case(2.0)}\n@hidden('doubles')\ndef doubles(t):\n    t.case('two', hint='Multiply by 2')\n"
    problem = make(tests, {"two": 4.0})
    report, executor = grade(problem, lambda x: x + 1)
    assert only_test(report).message == "double(2.0): got 3.0, expected 4.0. Multiply by 2"
    assert [args for args, _ in executor.calls] == [[2.0]]
    assert only_test(grade(problem, lambda x: 2 * x)[0]).status == "pass"


OVER_FOUR = ("CASES = {{f'n/{{i}}': Case(float(i)) for i in range(4)}}\n"
             "@hidden('doubles', points={points}, over=cases('n/'))\n"
             "def doubles(t, case):\n    t.case(case)\n")
FOUR_EXPECTED = {f"n/{i}": 2.0 * i for i in range(4)}


def test_a_loop_over_inputs_goes_past_a_failure_and_gives_partial_credit():
    problem = make(OVER_FOUR.format(points=2), FOUR_EXPECTED)
    report, executor = grade(problem, lambda x: 99.0 if x == 1.0 else 2 * x)
    result = only_test(report)
    assert len(executor.calls) == 4
    assert (result.status, result.score, result.max_score) == ("fail", 1.5, 2.0)
    assert result.message == "double(1.0): got 99.0, expected 2.0 (3 of 4 inputs passed)"
    assert (report.score, report.max_score, report.status) == (1.5, 2.0, "fail")


def test_an_error_on_one_input_scores_it_zero_and_the_loop_goes_on():
    problem = make(OVER_FOUR.format(points=1), FOUR_EXPECTED)
    raises = Fault("raised", "ValueError: no")
    report, executor = grade(problem, lambda x: raises if x == 0.0 else 2 * x)
    result = only_test(report)
    assert (result.status, result.score, len(executor.calls)) == ("error", 0.75, 4)


def test_a_timeout_ends_the_test_and_the_inputs_it_did_not_reach_score_nothing():
    problem = make(OVER_FOUR.format(points=1), FOUR_EXPECTED)
    report, executor = grade(problem, lambda x: Fault("timeout", "too slow") if x == 1.0 else 2 * x)
    result = only_test(report)
    assert (result.status, result.score, len(executor.calls)) == ("error", 0.25, 2)
    assert "did not finish within the time limit of 1 s" in result.message


def test_points_are_reported_per_test_and_in_total_and_examples_carry_none():
    tests = ("@hidden('a', points=2)\ndef a(t):\n    t.assert_close(t.call(1.0), 2.0)\n"
             "@hidden('b', points=0.5)\ndef b(t):\n    t.assert_close(t.call(1.0), 3.0)\n"
             "@example('c')\ndef c(t):\n    t.assert_close(t.call(1.0), 2.0)\n")
    report = grade(make(tests), lambda x: 2 * x)[0].to_dict()
    assert (report["version"], report["score"], report["max_score"]) == (2, 2.0, 2.5)
    assert [(t["score"], t["max_score"]) for t in report["tests"]] == [(2.0, 2.0), (0.0, 0.5)]
    assert [(t["score"], t["max_score"]) for t in report["examples"]] == [(0.0, 0.0)]


def test_an_unloadable_submission_scores_zero_of_the_full_points():
    report = runner.unloadable(make("@hidden('a', points=3)\ndef a(t):\n    pass\n"), "SyntaxError")
    assert (report.score, report.max_score) == (0.0, 3.0)


@pytest.mark.parametrize("points", ["0", "-1", "'2'", "True", "float('nan')", "float('inf')"])
def test_points_must_be_a_positive_number(points):
    with pytest.raises(ProblemError, match=r"^problems/double/tests.py: test 'a': points must be a positive number"):
        make(f"@hidden('a', points={points})\ndef a(t):\n    pass\n")


@pytest.mark.parametrize("tests, reason", [
    ("@hidden('a', over=cases('nope/'))\ndef a(t, c):\n    pass\n", "cases('nope/') matches no name in CASES"),
    ("@hidden('a', over=[])\ndef a(t, c):\n    pass\n", "over= has no inputs"),
    ("CASES = {'d': Draw(lambda rng: 1.0)}\n@hidden('a')\ndef a(t):\n    pass\n", "Draw 'd' must return a Case(...)"),
    ("CASES = {'d': Draw(lambda rng: 1 / 0)}\n@hidden('a')\ndef a(t):\n    pass\n",
     "Draw 'd' failed (seed 0): ZeroDivisionError"),
    ("RTOL = 'tight'\n@hidden('a')\ndef a(t):\n    pass\n", "RTOL must be a number from 0 up to 1"),
])
def test_authoring_mistakes_name_tests_py(tests, reason):
    with pytest.raises(ProblemError, match=r"^problems/double/tests.py: ") as error:
        make(tests)
    assert reason in str(error.value)


DRAWN = ("CASES = {'fixed': Case(1.0), 'random': Draw(lambda rng: Case(float(rng.integers(1000))), count=4)}\n"
         "@hidden('drawn', over=cases('random'))\ndef drawn(t, case):\n    t.call(*t.args(case))\n"
         "@hidden('fixed')\ndef fixed(t):\n    t.call(*t.args('fixed'))\n")


def test_draws_are_named_reproducible_from_their_seed_and_differ_between_seeds():
    problem = make(DRAWN)
    assert sorted(problem.drawn) == ["random#1", "random#2", "random#3", "random#4"]
    args = lambda p: [p.cases[n].args for n in sorted(p.drawn)]  # noqa: E731
    assert args(problems.redraw(problem, 7)) == args(problems.redraw(problem, 7))
    assert args(problems.redraw(problem, 7)) != args(problems.redraw(problem, 8))
    assert args(problem) == args(problems.redraw(problems.redraw(problem, 7), PUBLISHED_SEED))


def test_the_site_ships_the_published_draws_and_the_browser_does_not_draw_again(monkeypatch):
    problem = make(DRAWN)
    shipped = problems.bundle(problem)
    monkeypatch.setattr(Draw, "cases", lambda *_: pytest.fail("the browser drew the cases again"))
    site = problems.from_bundle(shipped)
    assert sorted(site.cases) == sorted(problem.cases)
    assert all(arguments.pack(list(site.cases[n].args)) == arguments.pack(list(problem.cases[n].args)) for n in problem.cases)


@pytest.mark.parametrize("argument", ["{1, 2}", "np.arange(5_000.0)", "np.float64(0.5)", "np.ma.masked_array([1.0], mask=[True])",
                                      "10 ** 5000"],
                         ids=["cannot be packed", "too large to ship", "a numpy scalar", "a masked array", "a huge int"])
def test_draws_the_site_does_not_ship_are_made_in_the_browser(argument):
    problem = make(f"CASES = {{'odd': Draw(lambda rng: Case({argument}), count=1)}}\n"
                   "@hidden('doubles', points=1, over=cases('odd'))\ndef doubles(t, case):\n    t.case(case)\n")
    shipped = problems.bundle(problem)
    assert "drawn" not in json.loads(shipped)
    site = problems.from_bundle(shipped)
    assert pickle.dumps(site.cases["odd#1"].args) == pickle.dumps(problem.cases["odd#1"].args)  # types too


def test_only_tests_that_ran_on_inputs_drawn_for_this_run_are_marked_held_out():
    published = grade(make(DRAWN), lambda x: x)[0]
    fresh = grade(problems.redraw(make(DRAWN), 12345), lambda x: x)[0]
    assert [t.held_out for t in published.graded] == [False, False]
    assert [t.held_out for t in fresh.graded] == [True, False]
    assert (published.to_dict()["seed"], fresh.to_dict()["seed"]) == (PUBLISHED_SEED, 12345)


# Two public inputs (0 and 1) and two drawn ones (10 to 99) under one test, worth 4 points.
MIXED = ("CASES = {'n/0': Case(0.0), 'n/1': Case(1.0), 'n/random': Draw(lambda rng: Case(float(rng.integers(10, 100))), count=2)}\n"
         "@hidden('doubles', points=4, over=cases('n/'))\ndef doubles(t, case):\n    t.case(case)\n")


def mixed(seed: int) -> problems.Problem:
    """The problem as `grade` has it: its draws for `seed`, with the reference's values."""
    public = make(MIXED, {"n/0": 0.0, "n/1": 2.0, **{f"n/random#{i}": 0.0 for i in (1, 2)}})
    drawn = problems.redraw(public, seed)
    values = {n: {"kind": "float", "value": 2 * drawn.cases[n].args[0]} for n in drawn.drawn}
    return dataclasses.replace(drawn, expected={**drawn.expected, **values})


def table_of_the_public_inputs(x: float) -> float:
    return {0.0: 0.0, 1.0: 2.0}.get(x, 3 * x)


@pytest.mark.parametrize(
    "function, score",
    [(table_of_the_public_inputs, 0.0),  # replaying the site's cases earns nothing
     (lambda x: 2 * x if x != 0.0 else 1.0, 0.0),  # a public input failed: the gate is shut
     (lambda x: 2 * x if x < 70 else 3 * x, 2.0),  # one of the two held-out inputs (66 and 79) passes
     (lambda x: 2 * x, 4.0)],
    ids=["table", "public-input-fails", "some-held-out-pass", "correct"],
)
def test_in_a_held_out_run_only_inputs_no_learner_has_seen_earn_credit(function, score):
    problem = mixed(31)
    assert sorted(problem.cases[n].args[0] for n in problem.drawn) == [66.0, 79.0]
    assert only_test(grade(problem, function)[0]).score == score


def test_where_every_input_is_public_each_passed_input_earns_its_share():
    published = make(MIXED, {"n/0": 0.0, "n/1": 2.0, "n/random#1": 0.0, "n/random#2": 0.0})
    result = only_test(grade(published, table_of_the_public_inputs)[0])
    assert (result.status, result.score) == ("fail", 2.0)


def test_fail_never_returns():
    assert typing.get_type_hints(Candidate.fail)["return"] is typing.NoReturn


def test_a_test_that_changes_a_cases_arguments_changes_no_other_test():
    tests = ("CASES = {'v': Case(np.array([1.0, 2.0]))}\n"
             "@hidden('changes')\ndef changes(t):\n    t.args('v')[0][:] = 0.0\n"
             "@hidden('reads')\ndef reads(t):\n    t.call(*t.args('v'))\n")
    report, executor = grade(make(tests), lambda x: 1.0)
    assert [args[0].tolist() for args, _ in executor.calls] == [[1.0, 2.0]]
