"""Tests for label_smoothing_loss: five hidden, one public example.

Tolerances: a correct float32 implementation (machine epsilon 1.2e-7) loses a few ulps per
operation over a handful of classes, so it lands within about 1e-6 relative of float64; RTOL = 1e-5
accepts it with a tenfold margin, while the smallest effect a pitfall has on these cases (a factor
of K, an alpha/K term, a log clipped at -23) is thousands of times larger. ATOL covers losses near
zero, where a relative error means nothing: a confident, correct prediction at alpha = 0 has a loss
of about 1e-11.
"""

import numpy as np

from harness.core.testing import Case, example, hidden

RTOL = 1e-5
ATOL = 1e-6

CASES = {
    "formula/three-classes": Case(np.array([2.0, 1.0, 0.1]), 0, 0.1),
    "formula/five-classes": Case(np.array([0.5, -1.2, 3.3, 0.0, 2.1]), 3, 0.25),
    "formula/confidently-wrong": Case(np.array([4.0, -2.0, 0.5, 1.0]), 1, 0.2),
    "formula/two-classes": Case(np.array([0.3, -0.3]), 1, 0.5),
    "formula/alpha-one": Case(np.array([1.0, 2.0, 3.0]), 0, 1.0),
    "stable/large": Case(np.array([1000.0, 1001.0, 1002.0]), 2, 0.1),
    "stable/spread": Case(np.array([-500.0, 0.0, 500.0]), 2, 0.1),
    "stable/large-negative": Case(np.array([-1000.0, -1003.0, -1001.0, -1002.0]), 0, 0.3),
}


def log_softmax(z):
    """Independent of any submission: the log-sum-exp form, shifted by the max."""
    z = np.asarray(z, dtype=np.float64)
    return z - (z.max() + np.log(np.exp(z - z.max()).sum()))


def decomposed_loss(z, y, alpha):
    """The same loss written as (1 - alpha) * CE + alpha * mean(-log p)."""
    log_p = log_softmax(z)
    return (1 - alpha) * -log_p[y] + alpha * -log_p.mean()


@example("Worked example: p = [0.1, 0.2, 0.6, 0.1], y = 2, α = 0.1")
def worked_example(t):
    logits = np.log([0.1, 0.2, 0.6, 0.1])
    loss = t.call(logits, 2, 0.1)
    t.assert_close(loss, 0.6278789, rtol=RTOL, atol=ATOL, about=t.describe(logits, 2, 0.1))


@hidden("α = 0 reduces to plain cross-entropy")
def alpha_zero_is_cross_entropy(t):
    for logits, y in [([2.0, 1.0, 0.1], 0), ([0.5, -1.2, 3.3, 0.0, 2.1], 1), ([-3.0, 3.0], 0)]:
        logits = np.array(logits)
        cross_entropy = -log_softmax(logits)[y]
        t.assert_close(t.call(logits, y, 0.0), cross_entropy, rtol=RTOL, atol=ATOL,
                       about=f"{t.describe(logits, y, 0.0)} should equal the plain cross-entropy")


@hidden("Matches the explicit smoothed-target formula")
def matches_smoothed_formula(t):
    for case in [c for c in CASES if c.startswith("formula/")]:
        args = t.case_args(case)
        got = t.case(case)
        t.assert_close(got, t.expected(case), rtol=RTOL, atol=ATOL, about=t.describe(*args))
        t.assert_close(got, decomposed_loss(*args), rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("Smoothing increases the loss of a confident, correct prediction")
def smoothing_penalises_confidence(t):
    logits = np.array([0.0, 0.0, 0.0, 25.0])
    plain = t.call(logits, 3, 0.0)
    smoothed = t.call(logits, 3, 0.1)
    if not smoothed > plain + 1.0:
        t.fail(
            f"for the confident, correct logits {logits.tolist()} the loss with α = 0.1 ({smoothed:.6g}) "
            f"should be well above the loss with α = 0 ({plain:.6g}): the smoothed target puts α/K on "
            "every class, and the prediction gives those classes almost no probability"
        )


@hidden("A larger α gives a larger loss on a confident, correct prediction")
def loss_grows_with_alpha(t):
    logits = np.array([-1.0, 0.5, 9.0])
    alphas = [0.0, 0.05, 0.1, 0.3, 0.6, 1.0]
    losses = [t.call(logits, 2, a) for a in alphas]
    for (a0, l0), (a1, l1) in zip(zip(alphas, losses), zip(alphas[1:], losses[1:])):
        if not l1 > l0:
            t.fail(
                f"for logits {logits.tolist()} and target 2 the loss should grow with α, but "
                f"α = {a0} gives {l0:.6g} and α = {a1} gives {l1:.6g}"
            )


@hidden("Numerically stable for large logits")
def stable_for_large_logits(t):
    for case in [c for c in CASES if c.startswith("stable/")]:
        args = t.case_args(case)
        got = t.case(case)
        t.assert_close(got, t.expected(case), rtol=RTOL, atol=ATOL, about=t.describe(*args),
                       hint="If only large logits go wrong: subtract max(logits) before exp(), and never take the log of a probability "
                            "that may underflow to 0")
        t.assert_close(got, decomposed_loss(*args), rtol=RTOL, atol=ATOL, about=t.describe(*args))
