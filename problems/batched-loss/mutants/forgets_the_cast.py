"""Indexes with the float labels as given, without casting them to int."""
import numpy as np


def batched_label_smoothing_loss(logits, labels, num_classes, alpha):
    z = np.asarray(logits, dtype=float)
    n, k = z.shape
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    q = np.full((n, k), alpha / k)
    q[np.arange(n), labels] += 1 - alpha
    return np.array([-(q * log_p).sum(axis=1).mean()])
