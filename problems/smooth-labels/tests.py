"""Tests for smooth_labels: five hidden, one public example.

Tolerances: every entry is at most 1, so a float32 implementation (machine epsilon 1.2e-7) is within
about 1e-7 of float64; RTOL = 1e-6 with ATOL = 1e-7 accepts it, while the pitfalls move entries by at
least alpha / K (0.02 or more on these cases) or change the length.

Held-out cases: every hidden test also runs on inputs drawn afresh in each grading run.
"""

import numpy as np

from harness.core.testing import Case, Draw, cases, example, hidden

RTOL = 1e-6
ATOL = 1e-7


def drawn(alpha=None):
    """Random K, target and α (or the α given)."""
    def case(rng):
        k = int(rng.integers(2, 13))
        a = round(float(rng.uniform(0.05, 0.95)), 2) if alpha is None else alpha
        return Case(int(rng.integers(k)), k, a)
    return case


CASES = {
    "shape/two-classes": Case(0, 2, 0.1),
    "shape/seven-classes": Case(3, 7, 0.2),
    "shape/many-classes": Case(0, 64, 0.05),
    "shape/random": Draw(drawn()),
    "sum/three-classes": Case(1, 3, 0.1),
    "sum/five-classes": Case(0, 5, 0.4),
    "sum/heavy-smoothing": Case(6, 7, 0.9),
    "sum/random": Draw(drawn()),
    "alpha-zero/first": Case(0, 3, 0.0),
    "alpha-zero/last": Case(4, 5, 0.0),
    "alpha-zero/random": Draw(drawn(alpha=0.0)),
    "alpha-one/first": Case(0, 4, 1.0),
    "alpha-one/last": Case(2, 3, 1.0),
    "alpha-one/random": Draw(drawn(alpha=1.0)),
    "formula/four-classes": Case(2, 4, 0.1),
    "formula/first-class": Case(0, 3, 0.3),
    "formula/last-class": Case(9, 10, 0.2),
    "formula/two-classes": Case(1, 2, 0.5),
    "formula/random": Draw(drawn()),
}


def one_hot(target, k):
    return np.eye(k)[target]


@example("Worked example: y = 2, K = 4, α = 0.1")
def worked_example(t):
    t.assert_close(t.call(2, 4, 0.1), [0.025, 0.025, 0.925, 0.025])


@hidden("Returns a vector of K entries", over=cases("shape/"))
def returns_k_entries(t, case):
    args = t.args(case)
    got = t.call(*args)
    if np.shape(got) != (args[1],):
        t.fail(f"{t.describe(*args)} returned shape {np.shape(got)}; expected a vector of {args[1]} entries")
    t.assert_close(got, t.expected(case), about=t.describe(*args))  # the right shape, and the right entries


@hidden("The smoothed target sums to 1", over=cases("sum/"))
def sums_to_one(t, case):
    args = t.args(case)
    got = t.call(*args)
    total = float(np.sum(got))
    if not abs(total - 1.0) <= 1e-6:
        t.fail(f"{t.describe(*args)} sums to {total:.4g}; a probability distribution sums to 1. "
               "Does the true class get its own share α/K too?")
    t.assert_close(got, t.expected(case), about=t.describe(*args))  # a uniform vector sums to 1 too


@hidden("α = 0 gives the one-hot target", over=cases("alpha-zero/"))
def alpha_zero_is_one_hot(t, case):
    target, k, _ = t.args(case)
    t.assert_close(t.case(case), one_hot(target, k))


@hidden("α = 1 gives the uniform distribution", over=cases("alpha-one/"))
def alpha_one_is_uniform(t, case):
    _, k, _ = t.args(case)
    t.assert_close(t.case(case), np.full(k, 1 / k))


@hidden("Matches (1 - α)·one_hot + α/K", over=cases("formula/"))
def matches_formula(t, case):
    target, k, alpha = t.args(case)
    t.assert_close(t.case(case), (1 - alpha) * one_hot(target, k) + alpha / k)
