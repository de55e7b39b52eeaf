"""Computes in float32."""
import numpy as np


def smooth_labels(target, num_classes, alpha):
    soft = np.full(num_classes, np.float32(alpha) / np.float32(num_classes), dtype=np.float32)
    soft[target] += np.float32(1) - np.float32(alpha)
    return soft
