"""Ignores alpha and returns plain cross-entropy."""
import numpy as np


def label_smoothing_loss(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())
    return float(-log_p[target])
