"""Computes in float32 and returns a float32 array."""
import numpy as np


def batched_label_smoothing_loss(logits, labels, num_classes, alpha):
    z = np.asarray(logits, dtype=np.float32)
    labels = np.asarray(labels).astype(np.int32)
    n, k = z.shape[0], int(num_classes)
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    q = np.full((n, k), np.float32(alpha) / np.float32(k), dtype=np.float32)
    q[np.arange(n), labels] += np.float32(1) - np.float32(alpha)
    return np.array([-(q * log_p).sum(axis=1).mean()], dtype=np.float32)
