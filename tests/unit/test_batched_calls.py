"""Batched calls: an `over=` test's named cases go to the submission at once, with every semantic of a
call one by one (the time limit, output, the reply bounds, the order of calls) in both executors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import PROBLEMS
from harness.batch import executor_for
from harness.core import problem as problems, runner
from harness.core.manifest import Entry, ProblemError
from harness.core.submission import OUTPUT_LIMIT, call_each
from harness.inprocess import InProcess
from harness.sandbox.executor import ForkedChild, Zygote

ENTRY = Entry("f", ("x",), "float")
FIVE = [[1], [2], [3], [4], [5]]
# Stops on its 2nd call: loops (CI's limit stops it) or is interrupted (how the browser's arrives).
STOPS_ON_THE_SECOND_CALL = '''
def f(x):
    print("call", x)
    if x == 2:
        {stop}
    return float(x)
'''
LOOPS = STOPS_ON_THE_SECOND_CALL.format(stop="while True: pass")
INTERRUPTED = STOPS_ON_THE_SECOND_CALL.format(stop="raise KeyboardInterrupt")


@pytest.fixture(scope="module")
def zygote():
    with Zygote() as running:
        yield running


def values(results: list) -> list:
    """The numbers the calls returned (None for a fault)."""
    return [plain and plain["value"] for plain, _, _ in results]


def in_process_batch(source: str, calls: list[list], timeout: float = 1.0) -> list:
    """A batch as the runner asks an executor without `call_many` (the browser's), one call at a time."""
    executor = InProcess()
    assert executor.load(source, ENTRY)[0] is None
    return call_each(lambda args: executor.call(args, timeout), calls)


def forked_batch(zygote: Zygote, source: str, calls: list[list], timeout: float = 1.0) -> tuple[list, ForkedChild]:
    executor = ForkedChild(zygote)
    assert executor.load(source, ENTRY)[0] is None
    return executor.call_many(calls, timeout), executor


def test_a_timeout_in_the_second_of_five_batched_calls_ends_the_batch_there(zygote):
    forked, executor = forked_batch(zygote, LOOPS, FIVE, timeout=0.3)
    executor.close()
    in_process = in_process_batch(INTERRUPTED, FIVE)
    for results in (forked, in_process):
        assert len(results) == 2  # the 3rd to 5th are never run
        assert values(results) == [1.0, None] and results[0][2] == "call 1\n"
        assert results[0][1] is None and results[1][1].kind == "timeout"


def test_each_batched_call_keeps_its_own_output_cut_to_the_limit(zygote):
    source = 'def f(x):\n    print(f"call {x}", "y" * 10_000)\n    return float(x)\n'
    forked, executor = forked_batch(zygote, source, FIVE)
    executor.close()
    for results in (forked, in_process_batch(source, FIVE)):
        assert values(results) == [1.0, 2.0, 3.0, 4.0, 5.0]
        for number, (_, _, output) in enumerate(results, 1):
            assert output.startswith(f"call {number} yyy") and OUTPUT_LIMIT <= len(output) < OUTPUT_LIMIT + 100


def test_a_batch_ends_after_the_same_call_in_both_executors(zygote):
    """Past 64 KiB of replies a batch ends, by one rule wherever the calls run: the same calls are made."""
    source = 'def f(x):\n    print("y" * 10_000)\n    return float(x)\n'
    twenty = [[number] for number in range(20)]
    forked, executor = forked_batch(zygote, source, twenty)
    executor.close()
    in_process = in_process_batch(source, twenty)
    assert all(fault is None for _, fault, _ in forked + in_process)
    assert 10 < len(forked) == len(in_process) < 20


# Replaces the harness's send function in the child: from the 2nd reply on, each carries `size` of output.
FLOODS_FROM_THE_SECOND_REPLY = '''
import sys

wire = sys.modules["harness.sandbox.wire"]
send, sent = wire.send, []


def flooding(fd, message):
    sent.append(message)
    return send(fd, {{**message, "output": "y" * {size}}} if len(sent) > 2 else message)


wire.send = flooding


def f(x):
    return float(x)
'''


def test_a_batched_reply_over_what_one_reply_may_carry_is_that_calls_error(zygote):
    results, executor = forked_batch(zygote, FLOODS_FROM_THE_SECOND_REPLY.format(size=9_000_000), FIVE)
    executor.close()
    assert values(results) == [1.0, None] and results[0][1] is None
    assert results[1][1].kind == "protocol" and "over the limit" in results[1][1].message


def test_a_large_reply_ends_a_batch_and_the_calls_after_it_go_one_by_one(zygote):
    """The replies held at once stay within one large reply: the batch stops after one that big."""
    results, executor = forked_batch(zygote, FLOODS_FROM_THE_SECOND_REPLY.format(size=7_000_000), FIVE)
    try:
        assert values(results) == [1.0, 2.0]
        assert results[1][2].endswith("[output truncated by the grader]")
        assert values([executor.call([3], 1.0)]) == [3.0]  # its own reply, not one left over from the batch
    finally:
        executor.close()


# Right on odd-numbered calls only: its verdicts depend on the order in which it is called.
COUNTS_ITS_CALLS = '''
import numpy as np

calls = 0


def label_smoothing_loss(logits, target, alpha):
    global calls
    calls += 1
    print(calls, alpha, end="; ")
    z = np.asarray(logits, dtype=float)
    log_p = z - z.max() - np.log(np.sum(np.exp(z - z.max())))
    return float(-(1 - alpha) * log_p[target] - alpha * log_p.mean()) + (calls % 2 == 0)
'''
# A test that calls with other arguments between its cases' calls.
MIXES_CALLS_AND_CASES = '''


@hidden("Mixes calls and cases", over=cases("formula/"))
def mixes_calls_and_cases(t, case):
    t.call(np.array([1.0, 2.0]), 0, 0.0)
    t.case(case)
'''


@pytest.fixture(scope="module")
def mixing_problem(tmp_path_factory) -> problems.Problem:
    folder = tmp_path_factory.mktemp("mixing") / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tests.py").write_text((folder / "tests.py").read_text() + MIXES_CALLS_AND_CASES)
    return problems.load(folder)


def test_a_stateful_submission_is_called_in_the_same_order_and_judged_the_same_in_both(zygote, mixing_problem):
    with executor_for(mixing_problem, zygote) as forked:
        in_ci = runner.run(mixing_problem, COUNTS_ITS_CALLS, forked).to_dict()
    in_browser = runner.run(mixing_problem, COUNTS_ITS_CALLS, InProcess()).to_dict()
    for report in (in_ci, in_browser):
        for test in report["tests"] + report["examples"]:
            test.pop("duration_ms")
    assert in_ci == in_browser
    mixed = next(t for t in in_ci["tests"] if t["id"] == "mixes_calls_and_cases")
    # The first attempt's own case asks for every case at once: after its first call (α = 0), the 7
    # formula cases, then the other six attempts' first calls, one by one.
    alphas = [call.split()[1] for call in mixed["output"].split("; ") if call]
    assert alphas[:6] == ["0.0", "0.1", "0.25", "0.2", "0.5", "1.0"] and alphas[8:] == ["0.0"] * 6
    assert mixed["status"] == "fail"


def test_a_timeout_midway_names_its_own_input_in_both_executors(zygote, tmp_path):
    folder = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", folder, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = folder / "problem.toml"
    manifest.write_text(manifest.read_text().replace("time_limit = 2.0", "time_limit = 0.3"))
    problem = problems.load(folder)
    source = (PROBLEMS / "label-smoothing" / "solution.py").read_text() + '''
_reference = label_smoothing_loss


def label_smoothing_loss(logits, target, alpha):
    if alpha == 0.25:  # the 2nd of the formula cases
        {stop}
    return _reference(logits, target, alpha)
'''
    with executor_for(problem, zygote) as forked:
        in_ci = runner.run(problem, source.format(stop="while True: pass"), forked, only=["matches_smoothed_formula"])
    in_browser = runner.run(problem, source.format(stop="raise KeyboardInterrupt"), InProcess(),
                            only=["matches_smoothed_formula"])
    for report in (in_ci, in_browser):
        (test,) = report.tests
        assert (test.status, test.fault) == ("error", "timeout")
        assert test.message.endswith("(1 of 7 inputs passed)")
        assert test.call == "label_smoothing_loss(np.array([0.5, -1.2, 3.3, 0.0, 2.1]), 3, 0.25)"
        assert test.score == round(1 / 7, 4)


# A test's own calls asked at once (`t.calls`), the 2nd of three at α = 0.5.
ASKS_THREE_AT_ONCE = '''


@hidden("Asks three calls at once")
def asks_three_at_once(t):
    losses = t.calls(*[(np.array([1.0, 2.0]), 0, alpha) for alpha in (0.0, 0.5, 1.0)])
    t.assert_close(losses[1] - losses[0], losses[2] - losses[1], about="the loss's growth")


@hidden("Asks twenty calls at once")
def asks_twenty_at_once(t):
    t.assert_close(t.calls(*[(np.array([1.0, 2.0]), 0, n / 20) for n in range(20)]), [n / 20 for n in range(20)])
'''
STOPS_AT_ALPHA_HALF = '''
import numpy as np


def label_smoothing_loss(logits, target, alpha):
    print("alpha=" + str(alpha), end="; ")
    if alpha == 0.5:
        {stop}
    return float(alpha)
'''
SECOND_OF_THREE = "label_smoothing_loss(np.array([1.0, 2.0]), 0, 0.5)"


@pytest.fixture(scope="module")
def three_calls_problem(tmp_path_factory) -> problems.Problem:
    folder = tmp_path_factory.mktemp("three-calls") / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tests.py").write_text((folder / "tests.py").read_text() + ASKS_THREE_AT_ONCE)
    manifest = folder / "problem.toml"
    manifest.write_text(manifest.read_text().replace("time_limit = 2.0", "time_limit = 0.5"))
    return problems.load(folder)


def both_executors(zygote, problem, in_ci: str, in_browser: str, only=None) -> list[runner.Report]:
    with executor_for(problem, zygote) as forked:
        reports = [runner.run(problem, in_ci, forked, only=only)]
    return reports + [runner.run(problem, in_browser, InProcess(), only=only)]


def test_a_tests_own_calls_at_once_are_made_in_the_same_order_and_judged_the_same_in_both(zygote, three_calls_problem):
    """Label-smoothing's property tests ask their calls at once too: every test's output shows the order."""
    in_ci, in_browser = (report.to_dict() for report in
                         both_executors(zygote, three_calls_problem, COUNTS_ITS_CALLS, COUNTS_ITS_CALLS))
    for report in (in_ci, in_browser):
        for test in report["tests"] + report["examples"]:
            test.pop("duration_ms")
    assert in_ci == in_browser
    three = next(t for t in in_ci["tests"] if t["id"] == "asks_three_at_once")
    assert [call.split()[1] for call in three["output"].split("; ") if call] == ["0.0", "0.5", "1.0"]


def test_a_fault_in_the_second_of_three_calls_ends_the_test_naming_that_call(zygote, three_calls_problem):
    source = STOPS_AT_ALPHA_HALF.format(stop="raise ValueError('no smoothing today')")
    for report in both_executors(zygote, three_calls_problem, source, source, only=["asks_three_at_once"]):
        (test,) = report.tests
        assert (test.status, test.fault) == ("error", "raised")
        assert test.message == ("label_smoothing_loss([1.0, 2.0], 0, 0.5): raised ValueError (line 8 of your code): "
                                "no smoothing today")
        assert test.call == SECOND_OF_THREE
        assert test.output == "alpha=0.0; alpha=0.5; alpha=1.0; "  # asked already, as an over= test's cases


def test_a_timeout_in_the_second_of_three_calls_ends_the_test_there_without_the_third(zygote, three_calls_problem):
    reports = both_executors(zygote, three_calls_problem, STOPS_AT_ALPHA_HALF.format(stop="while True: pass"),
                             STOPS_AT_ALPHA_HALF.format(stop="raise KeyboardInterrupt"), only=["asks_three_at_once"])
    for report in reports:
        (test,) = report.tests
        assert (test.status, test.fault) == ("error", "timeout") and test.call == SECOND_OF_THREE
        assert test.output.startswith("alpha=0.0; ") and "alpha=1.0" not in test.output


def test_calls_past_what_one_batch_holds_go_in_the_next_and_all_come_back(zygote, three_calls_problem):
    """A batch ends at 64 KiB of replies without a fault: the calls it left are asked, none dropped."""
    source = 'def label_smoothing_loss(logits, target, alpha):\n    print("y" * 10_000)\n    return float(alpha)\n'
    for report in both_executors(zygote, three_calls_problem, source, source, only=["asks_twenty_at_once"]):
        (test,) = report.tests
        assert test.status == "pass" and test.output.count("[output truncated: 6001 more characters]") == 20


def test_calls_given_bare_arguments_instead_of_tuples_is_the_problems_fault(tmp_path):
    folder = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tests.py").write_text((folder / "tests.py").read_text() + '''


@hidden("Forgets the tuples")
def forgets_the_tuples(t):
    t.calls(np.array([1.0, 2.0]), 0, 0.1)
''')
    problem = problems.load(folder)
    source = (PROBLEMS / "label-smoothing" / "solution.py").read_text()
    with pytest.raises(ProblemError, match="test 'forgets_the_tuples' raised TypeError: t.calls takes one tuple"):
        runner.run(problem, source, InProcess(), only=["forgets_the_tuples"])
