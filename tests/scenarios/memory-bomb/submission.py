import numpy as np


def label_smoothing_loss(logits, target, alpha):
    grid = np.ones((100_000, 100_000))  # 80 GB
    return float(grid.sum())
