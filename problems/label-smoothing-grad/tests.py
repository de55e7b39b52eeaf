"""Tests for label_smoothing_grad: five hidden, one public example.

Tolerances: gradient entries lie in [-1, 1]; a float32 implementation is within about 1e-7 of
float64, so ATOL = 1e-6 accepts it. Central differences with h = 1e-5 on a float64 loss are accurate
to about 1e-9 here, well inside the same tolerance. The pitfalls move entries by at least alpha/K
(0.02 on these cases), flip signs, or give nan.

Held-out cases: every hidden test also runs on inputs drawn afresh in each grading run; drawn logits
are multiples of 1/4, exact in float32.
"""

import numpy as np

from harness.core.testing import Case, Draw, cases, example, hidden

RTOL = 1e-5
ATOL = 1e-6
STEP = 1e-5


def quarters(values):
    return np.round(np.asarray(values) * 4) / 4


def drawn(shift=0.0):
    def case(rng):
        k = int(rng.integers(2, 9))
        logits = quarters(rng.normal(0.0, 3.0, size=k)) + quarters(rng.uniform(shift, 1.5 * shift)) * rng.choice([-1, 1])
        return Case(logits, int(rng.integers(k)), round(float(rng.uniform(0.05, 0.95)), 2))
    return case


def at_the_target(y, k, alpha):
    """Logits whose softmax is exactly the smoothed target: the gradient there is zero."""
    q = np.full(k, alpha / k)
    q[y] += 1 - alpha
    return Case(np.log(q), y, alpha)


def drawn_at_the_target(rng):
    k = int(rng.integers(2, 9))
    return at_the_target(int(rng.integers(k)), k, round(float(rng.uniform(0.05, 1.0)), 2))


CASES = {
    "grad/three-classes": Case(np.array([2.0, 1.0, 0.1]), 0, 0.1),
    "grad/five-classes": Case(np.array([0.5, -1.2, 3.3, 0.0, 2.1]), 3, 0.25),
    "grad/alpha-zero": Case(np.array([4.0, -2.0, 0.5, 1.0]), 1, 0.0),
    "grad/random": Draw(drawn()),
    "at-target/four-classes": at_the_target(2, 4, 0.1),
    "at-target/heavy-smoothing": at_the_target(0, 3, 0.5),
    "at-target/alpha-one": at_the_target(4, 5, 1.0),
    "at-target/random": Draw(drawn_at_the_target),
    "sum/four-classes": Case(np.array([0.3, -0.2, 1.7, 0.9]), 1, 0.2),
    "sum/two-classes": Case(np.array([5.0, -5.0]), 0, 0.05),
    "sum/random": Draw(drawn()),
    "stable/large": Case(np.array([1000.0, 1001.0, 1002.0]), 2, 0.1),
    "stable/random": Draw(drawn(shift=800.0)),
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
    t.assert_close(gradient(t, np.log([0.1, 0.2, 0.6, 0.1]), 2, 0.1), [0.075, 0.175, -0.325, 0.075])


@hidden("Matches central finite differences of the loss", over=cases("grad/"))
def matches_finite_differences(t, case):
    args = t.args(case)
    t.assert_close(gradient(t, *args), finite_differences(*args), about=f"{t.describe(*args)} against finite differences")


@hidden("Matches softmax(z) - q", over=cases("grad/"))
def matches_expected_values(t, case):
    t.case(case)


@hidden("Zero where softmax(z) equals the smoothed target", over=cases("at-target/"))
def zero_at_the_smoothed_target(t, case):
    logits, _, _ = t.args(case)
    t.assert_close(t.case(case), np.zeros(logits.size), rtol=0.0,
                   hint="softmax of these logits is exactly the smoothed target, so the gradient is zero")


@hidden("The entries sum to zero", over=cases("sum/"))
def sums_to_zero(t, case):
    args = t.args(case)
    got = gradient(t, *args)
    total = float(np.sum(got))
    if abs(total) > 1e-6:
        t.fail(f"the entries of {t.describe(*args)} sum to {total:.4g}; softmax(z) and q both sum to 1, "
               "so p - q sums to 0")
    t.assert_close(got, t.expected(case), about=t.describe(*args))  # a vector of zeros sums to 0 too


@hidden("Numerically stable for large logits", over=cases("stable/"))
def stable_for_large_logits(t, case):
    t.case(case, hint="If only large logits go wrong: subtract max(logits) before exp()")
