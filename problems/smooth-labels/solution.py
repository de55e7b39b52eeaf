import numpy as np


def smooth_labels(target, num_classes, alpha):
    """Reference: uniform alpha / K, plus 1 - alpha on the true class."""
    soft = np.full(num_classes, alpha / num_classes, dtype=np.float64)
    soft[target] += 1.0 - alpha
    return soft
