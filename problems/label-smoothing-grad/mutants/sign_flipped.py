"""Returns q - softmax(z): the gradient with the wrong sign."""
import numpy as np


def label_smoothing_grad(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    p = np.exp(z - z.max())
    p /= p.sum()
    q = np.full(len(z), alpha / len(z))
    q[target] += 1 - alpha
    return q - p
