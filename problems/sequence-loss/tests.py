"""Tests for sequence_label_smoothing_loss: five hidden, one public example.

Tolerances as in the single-example problem (RTOL = 1e-5 accepts float32 with a tenfold margin,
ATOL = 1e-6 for losses near zero). The pitfalls change the loss by the pad fraction (a third or more
on these cases), add O(1) smoothing terms, or give nan.
"""

import numpy as np

from harness.core.testing import Case, example, hidden

RTOL = 1e-5
ATOL = 1e-6
PAD = 0

LOGITS = np.array([
    [[0.3, -1.2, 2.2, 0.0, 1.1], [1.5, 1.4, -0.3, 0.8, -2.0], [-0.7, 0.2, 0.1, 3.1, 0.4], [9.0, -9.0, 0.0, 4.0, 1.0]],
    [[2.0, 0.5, -0.5, 1.0, 0.0], [0.1, 0.2, 0.3, 0.4, 0.5], [5.0, 1.0, 1.0, 1.0, -3.0], [0.0, 0.0, 0.0, 0.0, 0.0]],
])
TARGETS = np.array([[2, 1, 3, 0], [4, 4, 0, 0]])  # pad_id 0: three pad positions

CASES = {
    "padded/alpha-0.1": Case(LOGITS, TARGETS, 0.1, PAD),
    "padded/alpha-0.3": Case(LOGITS, TARGETS, 0.3, PAD),
    "padded/pad-id-4": Case(LOGITS, np.array([[2, 1, 3, 4], [0, 1, 4, 4]]), 0.2, 4),
    "stable/large": Case(np.array([[[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0], [5.0, 5.0, 5.0]]]),
                         np.array([[2, 1, 0]]), 0.1, 0),
}


def masked_mean_loss(logits, targets, alpha, pad_id):
    """Independent of any submission: an explicit loop over the real tokens, decomposed form."""
    losses = []
    for z_row, y_row in zip(np.asarray(logits, dtype=np.float64), targets):
        for z, y in zip(z_row, y_row):
            if y == pad_id:
                continue
            log_p = z - (z.max() + np.log(np.exp(z - z.max()).sum()))
            losses.append((1 - alpha) * -log_p[y] + alpha * -log_p.mean())
    return float(np.mean(losses)) if losses else 0.0


@example("Worked example: one sequence, its last position padding")
def worked_example(t):
    logits = np.log([[[0.1, 0.2, 0.6, 0.1], [0.25, 0.25, 0.25, 0.25], [0.9, 0.05, 0.03, 0.02]]])
    args = (logits, np.array([[2, 1, 0]]), 0.1, 0)
    t.assert_close(t.call(*args), 1.0070855, rtol=RTOL, atol=ATOL, about=t.describe(*args))


@hidden("Matches the mean loss over the non-pad positions")
def matches_masked_mean(t):
    for case in ("padded/alpha-0.1", "padded/alpha-0.3", "padded/pad-id-4"):
        args = t.case_args(case)
        got = t.case(case)
        t.assert_close(got, t.expected(case), rtol=RTOL, atol=ATOL, about=f"case '{case}'")
        t.assert_close(got, masked_mean_loss(*args), rtol=RTOL, atol=ATOL, about=f"case '{case}'")


@hidden("Logits at pad positions do not change the loss")
def pad_logits_are_ignored(t):
    before = t.call(LOGITS, TARGETS, 0.2, PAD)
    scrambled = LOGITS.copy()
    scrambled[TARGETS == PAD] = np.array([7.0, -3.0, 2.0, 0.5, -8.0])
    after = t.call(scrambled, TARGETS, 0.2, PAD)
    if not np.isclose(before, after, rtol=RTOL, atol=ATOL):
        t.fail(f"changing only the logits at pad positions changed the loss from {before:.6g} to {after:.6g}; "
               "pad positions must contribute nothing, smoothing term included")


@hidden("Adding padding does not change the loss")
def padding_does_not_dilute(t):
    short = t.call(LOGITS[:, :2], TARGETS[:, :2], 0.1, PAD)
    padded_logits = np.concatenate([LOGITS[:, :2], np.zeros((2, 5, 5))], axis=1)
    padded_targets = np.concatenate([TARGETS[:, :2], np.full((2, 5), PAD)], axis=1)
    long = t.call(padded_logits, padded_targets, 0.1, PAD)
    if not np.isclose(short, long, rtol=RTOL, atol=ATOL):
        t.fail(f"padding the same tokens from length 2 to 7 changed the loss from {short:.6g} to {long:.6g}; "
               "average over the real tokens only")


@hidden("An all-pad batch has loss 0.0")
def all_pad_batch_is_zero(t):
    for pad_id in (0, 3):
        args = (np.ones((2, 3, 4)), np.full((2, 3), pad_id), 0.1, pad_id)
        t.assert_close(t.call(*args), 0.0, rtol=0.0, atol=ATOL,
                       about=f"{t.describe(*args)} (no real tokens: the loss is defined as 0.0)")


@hidden("Numerically stable for large logits")
def stable_for_large_logits(t):
    args = t.case_args("stable/large")
    t.assert_close(t.case("stable/large"), t.expected("stable/large"), rtol=RTOL, atol=ATOL,
                   about=t.describe(*args), hint="If only large logits go wrong: subtract the max over the vocabulary before exp()")
