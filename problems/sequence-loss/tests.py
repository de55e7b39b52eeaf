"""Tests for sequence_label_smoothing_loss: five hidden, one public example.

Tolerances as in the single-example problem (RTOL = 1e-5 accepts float32 with a tenfold margin,
ATOL = 1e-6 for losses near zero). The pitfalls change the loss by the pad fraction (a third or more
on these cases), add O(1) smoothing terms, or give nan.

Held-out cases: every hidden test also runs on sequences drawn afresh in each grading run; drawn logits
are multiples of 1/4, exact in float32.
"""

import numpy as np

from harness.core.testing import Case, Draw, cases, example, hidden

RTOL = 1e-5
ATOL = 1e-6
PAD = 0

LOGITS = np.array([
    [[0.3, -1.2, 2.2, 0.0, 1.1], [1.5, 1.4, -0.3, 0.8, -2.0], [-0.7, 0.2, 0.1, 3.1, 0.4], [9.0, -9.0, 0.0, 4.0, 1.0]],
    [[2.0, 0.5, -0.5, 1.0, 0.0], [0.1, 0.2, 0.3, 0.4, 0.5], [5.0, 1.0, 1.0, 1.0, -3.0], [0.0, 0.0, 0.0, 0.0, 0.0]],
])
TARGETS = np.array([[2, 1, 3, 0], [4, 4, 0, 0]])  # pad_id 0: three pad positions
SCRAMBLE = np.array([7.0, -3.0, 2.0, 0.5, -8.0, 4.0])


def quarters(values):
    return np.round(np.asarray(values) * 4) / 4


def drawn(shift=0.0, real=0.7):
    """Random sequences; each position is a real token with probability `real`, with at least one real
    token and one pad position (none when `real` is 0, then every position is padding)."""
    def case(rng):
        b, t, v = int(rng.integers(1, 4)), int(rng.integers(2, 6)), int(rng.integers(3, 7))
        logits = quarters(rng.normal(0.0, 3.0, size=(b, t, v)) + rng.uniform(shift, 1.5 * shift) * rng.choice([-1, 1]))
        pad_id = int(rng.integers(v))
        targets = (pad_id + rng.integers(1, v, size=(b, t))) % v
        targets[rng.uniform(size=(b, t)) >= real] = pad_id
        if real:
            targets[0, 0], targets[-1, -1] = (pad_id + 1) % v, pad_id
        return Case(logits, targets, round(float(rng.uniform(0.05, 0.95)), 2), pad_id)
    return case


CASES = {
    "padded/alpha-0.1": Case(LOGITS, TARGETS, 0.1, PAD),
    "padded/alpha-0.3": Case(LOGITS, TARGETS, 0.3, PAD),
    "padded/pad-id-4": Case(LOGITS, np.array([[2, 1, 3, 4], [0, 1, 4, 4]]), 0.2, 4),
    "padded/random": Draw(drawn()),
    "scrambled/alpha-0.2": Case(LOGITS, TARGETS, 0.2, PAD),
    "scrambled/random": Draw(drawn(), count=1),
    "unpadded/length-2": Case(LOGITS[:, :2], TARGETS[:, :2], 0.1, PAD),
    "unpadded/random": Draw(drawn(real=1.0), count=1),
    "all-pad/pad-0": Case(np.ones((2, 3, 4)), np.full((2, 3), 0), 0.1, 0),
    "all-pad/pad-3": Case(np.ones((2, 3, 4)), np.full((2, 3), 3), 0.1, 3),
    "all-pad/random": Draw(drawn(real=0.0)),
    "stable/large": Case(np.array([[[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0], [5.0, 5.0, 5.0]]]),
                         np.array([[2, 1, 0]]), 0.1, 0),
    "stable/random": Draw(drawn(shift=800.0)),
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
    t.assert_close(t.call(logits, np.array([[2, 1, 0]]), 0.1, 0), 1.0070855)


@hidden("Matches the mean loss over the non-pad positions", over=cases("padded/"))
def matches_masked_mean(t, case):
    t.assert_close(t.case(case), masked_mean_loss(*t.args(case)))


@hidden("Logits at pad positions do not change the loss", over=cases("scrambled/"))
def pad_logits_are_ignored(t, case):
    logits, targets, alpha, pad_id = t.args(case)
    before = t.case(case)
    scrambled = logits.copy()
    scrambled[targets == pad_id] = SCRAMBLE[: logits.shape[-1]]
    after = t.call(scrambled, targets, alpha, pad_id)
    if not np.isclose(before, after, rtol=RTOL, atol=ATOL):
        t.fail(f"changing only the logits at pad positions changed the loss from {before:.4g} to {after:.4g}; "
               "pad positions must contribute nothing, smoothing term included")


@hidden("Adding padding does not change the loss", over=cases("unpadded/"))
def padding_does_not_dilute(t, case):
    logits, targets, alpha, pad_id = t.args(case)
    short = t.case(case)
    batch, _, vocabulary = logits.shape
    long = t.call(np.concatenate([logits, np.zeros((batch, 5, vocabulary))], axis=1),
                  np.concatenate([targets, np.full((batch, 5), pad_id)], axis=1), alpha, pad_id)
    if not np.isclose(short, long, rtol=RTOL, atol=ATOL):
        t.fail(f"padding the same tokens with 5 more pad positions changed the loss from {short:.4g} to {long:.4g}; "
               "average over the real tokens only")


@hidden("An all-pad batch has loss 0.0", over=cases("all-pad/"))
def all_pad_batch_is_zero(t, case):
    t.assert_close(t.case(case), 0.0, rtol=0.0, hint="with no real tokens the loss is defined as 0.0")


@hidden("Numerically stable for large logits", over=cases("stable/"))
def stable_for_large_logits(t, case):
    t.case(case, hint="If only large logits go wrong: subtract the max over the vocabulary before exp()")
