"""Gives the true class only 1 - alpha, so the target no longer sums to 1."""
import numpy as np


def smooth_labels(target, num_classes, alpha):
    soft = np.full(num_classes, alpha / num_classes)
    soft[target] = 1 - alpha
    return soft
