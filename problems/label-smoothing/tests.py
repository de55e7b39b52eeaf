"""Tests for label_smoothing_loss: five hidden, one public example.

Tolerances: a correct float32 implementation (machine epsilon 1.2e-7) loses a few ulps per
operation over a handful of classes, so it lands within about 1e-6 relative of float64; RTOL = 1e-5
accepts it with a tenfold margin, while the smallest effect a pitfall has on these cases (a factor
of K, an alpha/K term, a log clipped at -23) is thousands of times larger. ATOL covers losses near
zero, where a relative error means nothing: a confident, correct prediction at alpha = 0 has a loss
of about 1e-11.

Held-out cases: every hidden test also runs on inputs drawn afresh in each grading run. Drawn logits
are multiples of 1/4, exact in float32, so a float32 solution sees the same inputs as the reference.
"""

import numpy as np

from harness.core.testing import Case, Draw, cases, example, hidden, show

RTOL = 1e-5
ATOL = 1e-6


def quarters(values):
    return np.round(np.asarray(values) * 4) / 4


def random_logits(rng, low=2, high=9):
    return quarters(rng.normal(0.0, 3.0, size=int(rng.integers(low, high))))


def any_case(rng):
    logits = random_logits(rng)
    return Case(logits, int(rng.integers(logits.size)), round(float(rng.uniform(0.05, 0.95)), 2))


def alpha_zero_case(rng):
    logits = random_logits(rng)
    return Case(logits, int(rng.integers(logits.size)), 0.0)


def confident_case(rng):
    """The target's logit 25 to 35 above every other: a confident, correct prediction."""
    logits = random_logits(rng, low=3)
    target = int(rng.integers(logits.size))
    logits[target] = logits.max() + quarters(rng.uniform(25.0, 35.0))
    return Case(logits, target, 0.1)


def leading_case(rng):
    """The target's logit 1 to 5 above every other, so more smoothing costs more."""
    logits = random_logits(rng)
    target = int(rng.integers(logits.size))
    logits[target] = logits.max() + quarters(rng.uniform(1.0, 5.0))
    return Case(logits, target, 0.0)


def large_case(rng):
    """Logits near ±1000, one class hundreds below the rest: exp() overflows or a probability underflows."""
    logits = random_logits(rng)
    logits[int(rng.integers(logits.size))] -= quarters(rng.uniform(60.0, 200.0))
    shift = quarters(rng.uniform(800.0, 1200.0)) * rng.choice([-1.0, 1.0])
    return Case(logits + shift, int(rng.integers(logits.size)), round(float(rng.uniform(0.05, 0.5)), 2))


CASES = {
    "alpha-zero/three-classes": Case(np.array([2.0, 1.0, 0.1]), 0, 0.0),
    "alpha-zero/two-classes": Case(np.array([-3.0, 3.0]), 0, 0.0),
    "alpha-zero/random": Draw(alpha_zero_case),
    "formula/three-classes": Case(np.array([2.0, 1.0, 0.1]), 0, 0.1),
    "formula/five-classes": Case(np.array([0.5, -1.2, 3.3, 0.0, 2.1]), 3, 0.25),
    "formula/confidently-wrong": Case(np.array([4.0, -2.0, 0.5, 1.0]), 1, 0.2),
    "formula/two-classes": Case(np.array([0.3, -0.3]), 1, 0.5),
    "formula/alpha-one": Case(np.array([1.0, 2.0, 3.0]), 0, 1.0),
    "formula/random": Draw(any_case),
    "confident/one-hot-like": Case(np.array([0.0, 0.0, 0.0, 25.0]), 3, 0.1),
    "confident/random": Draw(confident_case, count=1),
    "leading/three-classes": Case(np.array([-1.0, 0.5, 9.0]), 2, 0.0),
    "leading/random": Draw(leading_case, count=1),
    "stable/large": Case(np.array([1000.0, 1001.0, 1002.0]), 2, 0.1),
    "stable/spread": Case(np.array([-500.0, 0.0, 500.0]), 2, 0.1),
    "stable/large-negative": Case(np.array([-1000.0, -1003.0, -1001.0, -1002.0]), 0, 0.3),
    "stable/random": Draw(large_case),
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
    t.assert_close(t.call(logits, 2, 0.1), 0.6278789)


@hidden("α = 0 reduces to plain cross-entropy", over=cases("alpha-zero/"))
def alpha_zero_is_cross_entropy(t, case):
    logits, y, _ = t.args(case)
    t.assert_close(t.case(case), -log_softmax(logits)[y], hint="With α = 0 this is the plain cross-entropy")


@hidden("Matches the explicit smoothed-target formula", over=cases("formula/"))
def matches_smoothed_formula(t, case):
    t.assert_close(t.case(case), decomposed_loss(*t.args(case)))


def smoothing_cost(z, y):
    """How much the loss grows from α = 0 to α = 1: mean(-log p) - (-log p_y), from the logits alone."""
    log_p = log_softmax(z)
    return log_p[y] - log_p.mean()


# Properties tied to the logits: a loss that only grows with α, whatever the logits, passes none of them.
@hidden("Smoothing increases the loss of a confident, correct prediction", over=cases("confident/"))
def smoothing_penalises_confidence(t, case):
    logits, y, alpha = t.args(case)
    plain, smoothed = t.calls((logits, y, 0.0), (logits, y, alpha))
    if not smoothed > plain + 1.0:
        t.fail(
            f"for the confident, correct logits {show(logits)} and target {y}, "
            f"the loss with α = {alpha} ({smoothed:.4g}) should be well above the loss with α = 0 ({plain:.4g}): "
            "the smoothed target puts α/K on every class, and the prediction gives those classes almost no probability"
        )
    t.assert_close(smoothed - plain, alpha * smoothing_cost(logits, y),
                   about=f"the extra loss that α = {alpha} adds for the logits {show(logits)} and target {y}",
                   hint="It is α times the gap between the mean of -log p over the classes and -log p of the target")


@hidden("A larger α gives a larger loss when the target class leads", over=cases("leading/"))
def loss_grows_with_alpha(t, case):
    logits, y, _ = t.args(case)
    alphas = [0.0, 0.3, 1.0]  # the loss is linear in α: three points show its slope
    losses = t.calls(*[(logits, y, a) for a in alphas])
    for (a0, l0), (a1, l1) in zip(zip(alphas, losses), zip(alphas[1:], losses[1:])):
        if not l1 > l0:
            t.fail(
                f"for logits {show(logits)} and target {y} the loss should grow "
                f"with α, but α = {a0} gives {l0:.4g} and α = {a1} gives {l1:.4g}"
            )
    t.assert_close(losses[2] - losses[0], smoothing_cost(logits, y),
                   about=f"how much the loss grows from α = 0 to α = 1 for the logits {show(logits)} and target {y}",
                   hint="The loss is linear in α; its slope depends on the logits")


@hidden("Numerically stable for large logits", over=cases("stable/"))
def stable_for_large_logits(t, case):
    got = t.case(case, hint="If only large logits go wrong: subtract max(logits) before exp(), and never take the log "
                            "of a probability that may underflow to 0")
    t.assert_close(got, decomposed_loss(*t.args(case)))
