"""Divides by every position, pad included, instead of by the number of real tokens."""
import numpy as np


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    z = np.asarray(logits, dtype=float)
    mask = targets != pad_id
    if not mask.any():
        return 0.0
    v = z.shape[-1]
    log_p = z - z.max(axis=-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=-1, keepdims=True))
    q = np.full(z.shape, alpha / v)
    np.put_along_axis(q, targets[..., None], 1 - alpha + alpha / v, axis=-1)
    losses = -(q * log_p).sum(axis=-1)
    return float((losses * mask).sum() / mask.size)
