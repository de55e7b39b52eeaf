"""Uses the decomposed form (1 - alpha) * CE + alpha * mean(-log p)."""
import numpy as np


def label_smoothing_loss(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    m = z.max()
    log_p = z - m - np.log(np.sum(np.exp(z - m)))
    return float((1 - alpha) * -log_p[target] + alpha * np.mean(-log_p))
