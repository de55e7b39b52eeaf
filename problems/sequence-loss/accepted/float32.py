"""Computes in float32."""
import numpy as np


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    z = np.asarray(logits, dtype=np.float32)
    mask = targets != pad_id
    if mask.sum() == 0:
        return np.float32(0)
    shifted = z - z.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    ce = -np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]
    smooth = -log_p.mean(axis=-1)
    losses = (np.float32(1) - np.float32(alpha)) * ce + np.float32(alpha) * smooth
    return losses[mask].sum() / mask.sum()
