"""Writes the gradient as (1 - alpha) * (p - one_hot) + alpha * (p - uniform)."""
import numpy as np


def label_smoothing_grad(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    log_p = z - np.logaddexp.reduce(z)
    p = np.exp(log_p)
    one_hot = np.eye(z.size)[target]
    return (1 - alpha) * (p - one_hot) + alpha * (p - 1.0 / z.size)
