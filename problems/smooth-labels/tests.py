"""Tests for smooth_labels: five hidden, one public example.

Tolerances: every entry is at most 1, so a float32 implementation (machine epsilon 1.2e-7) is within
about 1e-7 of float64; RTOL = 1e-6 with ATOL = 1e-7 accepts it, while the pitfalls move entries by at
least alpha / K (0.02 or more on these cases) or change the length.
"""

import numpy as np

from harness.core.testing import Case, example, hidden

RTOL = 1e-6
ATOL = 1e-7

CASES = {
    "formula/four-classes": Case(2, 4, 0.1),
    "formula/first-class": Case(0, 3, 0.3),
    "formula/last-class": Case(9, 10, 0.2),
    "formula/two-classes": Case(1, 2, 0.5),
}


def one_hot(target, k):
    return np.eye(k)[target]


def check_shape(t, got, k, args):
    if np.shape(got) != (k,):
        t.fail(f"{t.describe(*args)} returned shape {np.shape(got)}; expected a vector of {k} entries")


@example("Worked example: y = 2, K = 4, α = 0.1")
def worked_example(t):
    got = t.call(2, 4, 0.1)
    t.assert_close(got, [0.025, 0.025, 0.925, 0.025], rtol=RTOL, atol=ATOL, about=t.describe(2, 4, 0.1))


@hidden("Returns a vector of K entries")
def returns_k_entries(t):
    for args in [(0, 2, 0.1), (3, 7, 0.2), (0, 1000, 0.05)]:
        check_shape(t, t.call(*args), args[1], args)


@hidden("The smoothed target sums to 1")
def sums_to_one(t):
    for args in [(1, 3, 0.1), (0, 5, 0.4), (6, 7, 0.9)]:
        total = float(np.sum(t.call(*args)))
        if not abs(total - 1.0) <= 1e-6:
            t.fail(f"{t.describe(*args)} sums to {total:.6g}; a probability distribution sums to 1. "
                   "Does the true class get its own share α/K too?")


@hidden("α = 0 gives the one-hot target")
def alpha_zero_is_one_hot(t):
    for target, k in [(0, 3), (4, 5)]:
        args = (target, k, 0.0)
        got = t.call(*args)
        check_shape(t, got, k, args)
        t.assert_close(got, one_hot(target, k), rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("α = 1 gives the uniform distribution")
def alpha_one_is_uniform(t):
    for target, k in [(0, 4), (2, 3)]:
        args = (target, k, 1.0)
        got = t.call(*args)
        check_shape(t, got, k, args)
        t.assert_close(got, np.full(k, 1 / k), rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("Matches (1 - α)·one_hot + α/K")
def matches_formula(t):
    for case in CASES:
        args = t.case_args(case)
        got = t.case(case)
        check_shape(t, got, args[1], args)
        t.assert_close(got, t.expected(case), rtol=RTOL, atol=ATOL, about=t.describe(*args))
        target, k, alpha = args
        t.assert_close(got, (1 - alpha) * one_hot(target, k) + alpha / k, rtol=RTOL, atol=ATOL,
                       about=t.describe(*args))
