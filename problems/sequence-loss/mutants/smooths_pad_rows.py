"""Masks the cross-entropy term but still adds the smoothing term at pad positions."""
import numpy as np


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    z = np.asarray(logits, dtype=float)
    mask = targets != pad_id
    if not mask.any():
        return 0.0
    log_p = z - z.max(axis=-1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=-1, keepdims=True))
    ce = -np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    smooth = -log_p.mean(axis=-1)
    return float(((1 - alpha) * (ce * mask).sum() + alpha * smooth.sum()) / mask.sum())
