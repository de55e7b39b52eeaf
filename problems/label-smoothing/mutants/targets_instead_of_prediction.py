"""Takes the cross-entropy of the smoothed target against the one-hot target, never the prediction: the logits are ignored."""
import numpy as np


def label_smoothing_loss(logits, target, alpha):
    k = len(logits)
    one_hot = np.eye(k)[target]
    smoothed = (1 - alpha) * one_hot + alpha / k
    return float(-(smoothed * np.log(np.clip(one_hot, 1e-12, None))).sum())
