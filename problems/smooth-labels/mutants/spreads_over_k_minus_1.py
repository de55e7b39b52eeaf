"""Spreads alpha over the K - 1 other classes instead of all K."""
import numpy as np


def smooth_labels(target, num_classes, alpha):
    soft = np.full(num_classes, alpha / (num_classes - 1))
    soft[target] = 1 - alpha
    return soft
