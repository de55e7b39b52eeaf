"""Returns the one-hot target and ignores alpha."""
import numpy as np


def smooth_labels(target, num_classes, alpha):
    soft = np.zeros(num_classes)
    soft[target] = 1.0
    return soft
