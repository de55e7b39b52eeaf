"""Treats pad positions as ordinary tokens of class pad_id."""
import numpy as np


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    z = np.asarray(logits, dtype=float)
    v = z.shape[-1]
    log_p = z - z.max(axis=-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=-1, keepdims=True))
    q = np.full(z.shape, alpha / v)
    np.put_along_axis(q, targets[..., None], 1 - alpha + alpha / v, axis=-1)
    return float(-(q * log_p).sum(axis=-1).mean())
