"""Computes everything in float32."""
import numpy as np


def label_smoothing_loss(logits, target, alpha):
    z = np.asarray(logits, dtype=np.float32)
    shifted = z - z.max()
    log_p = shifted - np.log(np.exp(shifted).sum())
    soft = np.full(z.shape[0], np.float32(alpha) / np.float32(z.shape[0]), dtype=np.float32)
    soft[target] += np.float32(1) - np.float32(alpha)
    return -(soft * log_p).sum()
