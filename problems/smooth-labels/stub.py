import numpy as np


def smooth_labels(target, num_classes, alpha):
    """The label-smoothed target distribution (PyTorch's convention).

    target:      int in [0, num_classes), the true class.
    num_classes: int K >= 2.
    alpha:       float in [0, 1], the smoothing strength.
    Returns a 1-D array of K floats: (1 - alpha) * one_hot(target) + alpha / K.
    """
    raise NotImplementedError
