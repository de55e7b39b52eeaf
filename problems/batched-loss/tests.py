"""Tests for batched_label_smoothing_loss: five hidden, one public example.

Tolerances as in the single-example problem: RTOL = 1e-5 accepts float32 arithmetic with a tenfold
margin (means of O(1) losses lose no more precision than the losses themselves), ATOL = 1e-6 covers
losses near zero. Summing instead of averaging changes the value by a factor of N >= 2.

Held-out cases: every hidden test also runs on batches drawn afresh in each grading run; drawn logits
are multiples of 1/4, exact in float32.
"""

import numpy as np

from harness.core.testing import Case, Draw, cases, example, hidden, show

RTOL = 1e-5
ATOL = 1e-6

RNG_LOGITS = np.array([[0.3, -1.2, 2.2, 0.0, 1.1],
                       [1.5, 1.4, -0.3, 0.8, -2.0],
                       [-0.7, 0.2, 0.1, 3.1, 0.4]])


def quarters(values):
    return np.round(np.asarray(values) * 4) / 4


def drawn_batch(rows_low=2, rows_high=7, shift=0.0):
    """A batch of random rows and labels; `shift` moves each row by ±shift to ±1.5 shift."""
    def case(rng):
        n, k = int(rng.integers(rows_low, rows_high)), int(rng.integers(2, 8))
        logits = quarters(rng.normal(0.0, 3.0, size=(n, k)))
        logits += quarters(rng.uniform(shift, 1.5 * shift, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1)))
        labels = rng.integers(k, size=n).astype(np.float64)
        return Case(logits, labels, float(k), round(float(rng.uniform(0.05, 0.95)), 2))
    return case


CASES = {
    "batch/three": Case(RNG_LOGITS, np.array([2.0, 0.0, 3.0]), 5.0, 0.1),
    "batch/wrong-predictions": Case(RNG_LOGITS, np.array([1.0, 4.0, 0.0]), 5.0, 0.25),
    "batch/two-classes": Case(np.array([[2.0, -2.0], [0.0, 0.5]]), np.array([0.0, 0.0]), 2.0, 0.5),
    "batch/random": Draw(drawn_batch()),
    "one/first-row": Case(RNG_LOGITS[0:1], np.array([4.0]), 5.0, 0.2),
    "one/last-row": Case(RNG_LOGITS[2:3], np.array([3.0]), 5.0, 0.2),
    "one/random": Draw(drawn_batch(rows_low=1, rows_high=2)),
    "stable/large": Case(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]), np.array([2.0, 0.0]), 3.0, 0.1),
    "stable/random": Draw(drawn_batch(shift=800.0)),
}


def per_example_losses(logits, labels, alpha):
    """Independent of any submission: one example at a time, decomposed form, max-shifted."""
    losses = []
    for z, y in zip(np.asarray(logits, dtype=np.float64), labels):
        log_p = z - (z.max() + np.log(np.exp(z - z.max()).sum()))
        losses.append((1 - alpha) * -log_p[int(y)] + alpha * -log_p.mean())
    return np.array(losses)


def loss_of(t, *args):
    got = t.call(*args)
    if got.shape != (1,):
        t.fail(f"{t.describe(*args)} returned shape {got.shape}; expected a 1-element array [loss]")
    return got


@example("Worked example: one example, label 2.0, K = 4.0, α = 0.1")
def worked_example(t):
    t.assert_close(loss_of(t, np.log([[0.1, 0.2, 0.6, 0.1]]), np.array([2.0]), 4.0, 0.1), [0.6278789])


@hidden("Returns the batch loss as a 1-element array", over=cases("batch/three", "batch/random"))
def returns_one_element_array(t, case):
    t.assert_close(loss_of(t, *t.args(case)), t.expected(case))  # the right shape, and the right value in it


@hidden("Matches the mean of the per-example losses", over=cases("batch/"))
def matches_mean_of_examples(t, case):
    logits, labels, _, alpha = t.args(case)
    t.assert_close(t.case(case), [per_example_losses(logits, labels, alpha).mean()])


@hidden("A batch of one equals the single-example loss", over=cases("one/"))
def batch_of_one(t, case):
    logits, labels, _, alpha = t.args(case)
    t.assert_close(t.case(case), per_example_losses(logits, labels, alpha))


@hidden("The loss does not grow with the batch size", over=cases("batch/three", "batch/random"))
def independent_of_batch_size(t, case):
    logits, labels, k, alpha = t.args(case)
    single = loss_of(t, logits, labels, k, alpha)
    repeated = loss_of(t, np.tile(logits, (4, 1)), np.tile(labels, 4), k, alpha)
    if not np.allclose(single, repeated, rtol=RTOL, atol=ATOL):
        t.fail(f"repeating the batch {show(logits)} 4 times changed the loss from {single[0]:.4g} to "
               f"{repeated[0]:.4g}; the batch loss is the mean over examples, not their sum")
    t.assert_close(single, t.expected(case), about=t.describe(logits, labels, k, alpha))  # a constant is unchanged too


@hidden("Numerically stable for large logits", over=cases("stable/"))
def stable_for_large_logits(t, case):
    t.case(case, hint="If only large logits go wrong: subtract each row's max before exp()")
