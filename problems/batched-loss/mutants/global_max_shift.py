"""Subtracts one max over the whole batch, so rows far below it underflow to log(0)."""
import numpy as np


def batched_label_smoothing_loss(logits, labels, num_classes, alpha):
    z = np.asarray(logits, dtype=float)
    labels = np.asarray(labels).astype(int)
    n, k = z.shape[0], int(num_classes)
    p = np.exp(z - z.max())
    log_p = np.log(p / p.sum(axis=1, keepdims=True))
    q = np.full((n, k), alpha / k)
    q[np.arange(n), labels] += 1 - alpha
    return np.array([-(q * log_p).sum(axis=1).mean()])
