"""Spreads alpha over the K - 1 other classes."""
import numpy as np


def label_smoothing_grad(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    p = np.exp(z - z.max())
    p /= p.sum()
    q = np.full(len(z), alpha / (len(z) - 1))
    q[target] = 1 - alpha
    return p - q
