"""Returns the loss itself instead of its gradient."""
import numpy as np


def label_smoothing_grad(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())
    q = np.full(len(z), alpha / len(z))
    q[target] += 1 - alpha
    return float(-(q * log_p).sum())
