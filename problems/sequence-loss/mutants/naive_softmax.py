"""Takes log(softmax) without subtracting the max over the vocabulary."""
import numpy as np


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    z = np.asarray(logits, dtype=float)
    mask = targets != pad_id
    if not mask.any():
        return 0.0
    v = z.shape[-1]
    log_p = np.log(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
    q = np.full(z.shape, alpha / v)
    np.put_along_axis(q, targets[..., None], 1 - alpha + alpha / v, axis=-1)
    return float(-(q * log_p).sum(axis=-1)[mask].mean())
