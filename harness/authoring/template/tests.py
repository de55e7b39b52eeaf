"""Tests for __function__. TODO: say why the tolerances below are what they are."""

from harness.core.testing import Case, example, hidden

RTOL = 1e-6
ATOL = 1e-9

# Inputs whose reference outputs are kept in expected.json (`exercise-kit expected __id__`).
CASES = {
    "small": Case(2.0),
    "negative": Case(-3.0),
}


@example("Worked example from the statement")
def worked_example(t):
    t.assert_close(t.call(2.0), 4.0, rtol=RTOL, atol=ATOL, about=t.describe(2.0))


@hidden("TODO: a learner-facing name for what this test checks")
def matches_reference_values(t):
    for case in CASES:
        args = t.case_args(case)
        t.assert_close(t.case(case), t.expected(case), rtol=RTOL, atol=ATOL, about=t.describe(*args))
