"""Sums the per-example losses over the batch instead of averaging them."""
import numpy as np


def batched_label_smoothing_loss(logits, labels, num_classes, alpha):
    z = np.asarray(logits, dtype=float)
    labels = np.asarray(labels).astype(int)
    n, k = z.shape[0], int(num_classes)
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    q = np.full((n, k), alpha / k)
    q[np.arange(n), labels] += 1 - alpha
    return np.array([-(q * log_p).sum()])
