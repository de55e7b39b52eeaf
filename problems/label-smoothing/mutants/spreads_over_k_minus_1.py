"""Spreads alpha over the K - 1 other classes instead of all K (not PyTorch's convention)."""
import numpy as np


def label_smoothing_loss(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())
    soft = np.full(len(z), alpha / (len(z) - 1))
    soft[target] = 1 - alpha
    return float(-(soft * log_p).sum())
