"""Tests for label_smoothing_grad: five hidden, one public example.

Tolerances: gradient entries lie in [-1, 1]; a float32 implementation is within about 1e-7 of
float64, so ATOL = 1e-6 accepts it. Central differences with h = 1e-5 on a float64 loss are accurate
to about 1e-9 here, well inside the same tolerance. The pitfalls move entries by at least alpha/K
(0.02 on these cases), flip signs, or give nan.
"""

import numpy as np

from harness.core.testing import Case, example, hidden

RTOL = 1e-5
ATOL = 1e-6
STEP = 1e-5

CASES = {
    "grad/three-classes": Case(np.array([2.0, 1.0, 0.1]), 0, 0.1),
    "grad/five-classes": Case(np.array([0.5, -1.2, 3.3, 0.0, 2.1]), 3, 0.25),
    "grad/alpha-zero": Case(np.array([4.0, -2.0, 0.5, 1.0]), 1, 0.0),
    "stable/large": Case(np.array([1000.0, 1001.0, 1002.0]), 2, 0.1),
}


def loss(z, y, alpha):
    """Independent of any submission: the decomposed loss on a max-shifted log-softmax."""
    log_p = z - (z.max() + np.log(np.exp(z - z.max()).sum()))
    return (1 - alpha) * -log_p[y] + alpha * -log_p.mean()


def finite_differences(z, y, alpha):
    z = np.asarray(z, dtype=np.float64)
    grad = np.zeros_like(z)
    for j in range(z.size):
        step = np.zeros_like(z)
        step[j] = STEP
        grad[j] = (loss(z + step, y, alpha) - loss(z - step, y, alpha)) / (2 * STEP)
    return grad


def gradient(t, *args):
    got = t.call(*args)
    if got.shape != np.shape(args[0]):
        t.fail(f"{t.describe(*args)} returned shape {got.shape}; expected one entry per logit, {np.shape(args[0])}")
    return got


@example("Worked example: p = [0.1, 0.2, 0.6, 0.1], y = 2, α = 0.1")
def worked_example(t):
    args = (np.log([0.1, 0.2, 0.6, 0.1]), 2, 0.1)
    t.assert_close(gradient(t, *args), [0.075, 0.175, -0.325, 0.075], rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("Matches central finite differences of the loss")
def matches_finite_differences(t):
    for case in ("grad/three-classes", "grad/five-classes", "grad/alpha-zero"):
        args = t.case_args(case)
        t.assert_close(gradient(t, *args), finite_differences(*args), rtol=RTOL, atol=ATOL,
                       about=f"{t.describe(*args)} against finite differences")


@hidden("Matches softmax(z) - q")
def matches_expected_values(t):
    for case in ("grad/three-classes", "grad/five-classes", "grad/alpha-zero"):
        args = t.case_args(case)
        t.assert_close(gradient(t, *args), t.expected(case), rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("Zero where softmax(z) equals the smoothed target")
def zero_at_the_smoothed_target(t):
    for y, k, alpha in [(2, 4, 0.1), (0, 3, 0.5), (4, 5, 1.0)]:
        q = np.full(k, alpha / k)
        q[y] += 1 - alpha
        args = (np.log(q), y, alpha)
        t.assert_close(gradient(t, *args), np.zeros(k), rtol=0.0, atol=ATOL,
                       about=f"{t.describe(*args)} (softmax of these logits is exactly the smoothed target)")


@hidden("The entries sum to zero")
def sums_to_zero(t):
    for args in [(np.array([0.3, -0.2, 1.7, 0.9]), 1, 0.2), (np.array([5.0, -5.0]), 0, 0.05)]:
        total = float(np.sum(gradient(t, *args)))
        if abs(total) > 1e-6:
            t.fail(f"the entries of {t.describe(*args)} sum to {total:.6g}; softmax(z) and q both sum to 1, "
                   "so p - q sums to 0")


@hidden("Numerically stable for large logits")
def stable_for_large_logits(t):
    args = t.case_args("stable/large")
    t.assert_close(gradient(t, *args), t.expected("stable/large"), rtol=RTOL, atol=ATOL, about=t.describe(*args),
                   hint="If only large logits go wrong: subtract max(logits) before exp()")
