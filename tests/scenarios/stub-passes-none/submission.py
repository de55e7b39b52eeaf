import numpy as np


def label_smoothing_loss(logits, target, alpha):
    """Cross-entropy between softmax(logits) and label-smoothed targets (PyTorch's convention).

    logits: 1-D array of K floats (unnormalised scores, one per class).
    target: int in [0, K), the index of the true class.
    alpha:  float in [0, 1], the smoothing strength.
    Returns the loss as a float.
    """
    raise NotImplementedError
