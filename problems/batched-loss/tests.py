"""Tests for batched_label_smoothing_loss: five hidden, one public example.

Tolerances as in the single-example problem: RTOL = 1e-5 accepts float32 arithmetic with a tenfold
margin (means of O(1) losses lose no more precision than the losses themselves), ATOL = 1e-6 covers
losses near zero. Summing instead of averaging changes the value by a factor of N >= 2.
"""

import numpy as np

from harness.core.testing import Case, example, hidden

RTOL = 1e-5
ATOL = 1e-6

RNG_LOGITS = np.array([[0.3, -1.2, 2.2, 0.0, 1.1],
                       [1.5, 1.4, -0.3, 0.8, -2.0],
                       [-0.7, 0.2, 0.1, 3.1, 0.4]])

CASES = {
    "batch/three": Case(RNG_LOGITS, np.array([2.0, 0.0, 3.0]), 5.0, 0.1),
    "batch/wrong-predictions": Case(RNG_LOGITS, np.array([1.0, 4.0, 0.0]), 5.0, 0.25),
    "batch/two-classes": Case(np.array([[2.0, -2.0], [0.0, 0.5]]), np.array([0.0, 0.0]), 2.0, 0.5),
    "stable/large": Case(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]), np.array([2.0, 0.0]), 3.0, 0.1),
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
    args = (np.log([[0.1, 0.2, 0.6, 0.1]]), np.array([2.0]), 4.0, 0.1)
    t.assert_close(loss_of(t, *args), [0.6278789], rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("Returns the batch loss as a 1-element array")
def returns_one_element_array(t):
    loss_of(t, *t.case_args("batch/three"))


@hidden("Matches the mean of the per-example losses")
def matches_mean_of_examples(t):
    for case in ("batch/three", "batch/wrong-predictions", "batch/two-classes"):
        args = t.case_args(case)
        got = loss_of(t, *args)
        t.assert_close(got, t.expected(case), rtol=RTOL, atol=ATOL, about=t.describe(*args))
        want = per_example_losses(args[0], args[1], args[3]).mean()
        t.assert_close(got, [want], rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("A batch of one equals the single-example loss")
def batch_of_one(t):
    for row, label in [(0, 4.0), (2, 3.0)]:
        args = (RNG_LOGITS[row:row + 1], np.array([label]), 5.0, 0.2)
        want = per_example_losses(args[0], args[1], 0.2)
        t.assert_close(loss_of(t, *args), want, rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("The loss does not grow with the batch size")
def independent_of_batch_size(t):
    labels = np.array([2.0, 0.0, 3.0])
    single = loss_of(t, RNG_LOGITS, labels, 5.0, 0.1)
    repeated = loss_of(t, np.tile(RNG_LOGITS, (4, 1)), np.tile(labels, 4), 5.0, 0.1)
    if not np.allclose(single, repeated, rtol=RTOL, atol=ATOL):
        t.fail(f"repeating the same batch 4 times changed the loss from {single[0]:.6g} to {repeated[0]:.6g}; "
               "the batch loss is the mean over examples, not their sum")


@hidden("Numerically stable for large logits")
def stable_for_large_logits(t):
    args = t.case_args("stable/large")
    got = loss_of(t, *args)
    t.assert_close(got, t.expected("stable/large"), rtol=RTOL, atol=ATOL, about=t.describe(*args),
                   hint="If only large logits go wrong: subtract each row's max before exp()")
