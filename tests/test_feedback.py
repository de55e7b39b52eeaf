"""What a learner is told about a failure: their own frames, a call they can paste, honest advice."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import PROBLEMS
from harness import browser
from harness.core import problem, runner
from harness.inprocess import InProcess
from harness.core.plain import WrongResult, decode
from harness.core.submission import python_call

HELPER_RAISES = """\
import numpy as np

def helper(z):
    return 1 / 0

def label_smoothing_loss(logits, target, alpha):
    return helper(logits)
"""


@pytest.fixture(scope="module")
def label_smoothing():
    return problem.load(PROBLEMS / "label-smoothing")


def test_an_error_lists_the_learners_frames_innermost_first_and_no_harness_frame(label_smoothing):
    report = runner.run(label_smoothing, HELPER_RAISES, InProcess())
    frames = report.tests[0].to_dict()["frames"]
    assert frames == [{"line": 4, "function": "helper"}, {"line": 7, "function": "label_smoothing_loss"}]


def test_recursion_collapses_to_distinct_frames(label_smoothing):
    source = "def label_smoothing_loss(logits, target, alpha):\n    return label_smoothing_loss(logits, target, alpha)\n"
    result = runner.run(label_smoothing, source, InProcess()).tests[0].to_dict()
    assert result["frames"] == [{"line": 2, "function": "label_smoothing_loss"}]


def test_the_failing_call_is_python_that_rebuilds_the_inputs_exactly(label_smoothing):
    report = runner.run(label_smoothing, "def label_smoothing_loss(logits, target, alpha):\n    return 1.0\n", InProcess())
    example = next(t for t in report.tests if t.id == "worked_example")
    call = example.to_dict()["call"]
    assert call.startswith("label_smoothing_loss(np.array([-2.3025850929940455, ")
    args = eval(call.replace("label_smoothing_loss", "", 1), {"np": np})
    np.testing.assert_array_equal(args[0], np.log([0.1, 0.2, 0.6, 0.1]))
    assert args[1:] == (2, 0.1)


@pytest.mark.parametrize("value", [
    np.array([0.1, -np.inf, np.nan, 1e-300], dtype=np.float32), np.array([[1, 2], [3, 4]]), (0.1,), [True, 2.5],
])
def test_python_call_round_trips(value):
    rebuilt = eval(python_call("f", [value])[1:], {"np": np})
    if isinstance(value, np.ndarray):
        assert rebuilt.dtype == value.dtype
        np.testing.assert_array_equal(rebuilt, value)
    else:
        assert rebuilt == value


def test_an_array_comparison_carries_both_arrays_for_a_diff_and_no_more_digits_than_a_message():
    grad = problem.load(PROBLEMS / "label-smoothing-grad")
    source = (PROBLEMS / "label-smoothing-grad" / "mutants" / "sign_flipped.py").read_text()
    failed = [t.to_dict() for t in runner.run(grad, source, InProcess()).tests if t.status == "fail"]
    comparison = failed[0]["comparison"]
    got, want = np.array(comparison["got"]), np.array(comparison["want"])
    assert got.size == want.size == len(comparison["off"]) == int(np.prod(comparison["shape"]))
    np.testing.assert_allclose(got, -want, rtol=1e-3)  # the expected values, to 4 significant digits
    assert all(float(f"{w:.4g}") == w for w in want)
    errors = np.abs(got + want)
    assert comparison["worst"][0] == int(np.argmax(errors)) and len(comparison["worst"]) <= 3


def test_a_load_fault_is_in_the_report_with_its_line(label_smoothing):
    report = runner.run(label_smoothing, "def label_smoothing_loss(logits, target, alpha)\n    pass\n", InProcess())
    assert report.to_dict()["fault"]["line"] == 1


def test_a_one_element_array_is_not_blamed_on_a_missing_sum():
    with pytest.raises(WrongResult) as raised:
        decode({"kind": "array", "shape": [1], "dtype": "float64", "data": [0.5]}, "float", "f()")
    assert "sum" not in str(raised.value) and "x.item()" in str(raised.value)


def test_nan_advice_names_zero_over_zero_not_only_overflow():
    with pytest.raises(WrongResult) as raised:
        decode({"kind": "float", "value": float("nan")}, "float", "f()")
    assert "0/0" in str(raised.value)


def test_console_returns_value_prints_and_traceback(label_smoothing, monkeypatch):
    monkeypatch.setattr(browser, "_problem", label_smoothing)
    events = []
    source = HELPER_RAISES + "\ndef shout(x):\n    print('seen', x)\n    return x * 2\n"
    done = json.loads(browser.evaluate(source, "y = 3\nshout(y)", lambda kind, data: events.append(kind)))
    assert done == {"output": "seen 3\n", "result": "6", "error": None}
    assert events == ["start"]
    failed = json.loads(browser.evaluate(source, "label_smoothing_loss(np.zeros(3), 0, 0.1)", lambda *_: None))
    assert failed["error"]["frames"] == [{"line": 4, "function": "helper"}, {"line": 7, "function": "label_smoothing_loss"}]
    assert "ZeroDivisionError" in failed["error"]["message"]


def test_the_lines_a_wrong_value_can_leave_from_are_in_the_report(label_smoothing):
    source = (
        "def label_smoothing_loss(logits, target, alpha):\n"
        "    def inner():\n"
        "        return 0\n"
        "    if alpha:\n"
        "        return 1.0\n"
        "    return 2.0\n"
    )
    assert runner.run(label_smoothing, source, InProcess()).to_dict()["returns"] == [5, 6]
