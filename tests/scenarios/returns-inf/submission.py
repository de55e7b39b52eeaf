import numpy as np

def label_smoothing_loss(logits, target, alpha):
    return np.float32(np.inf)
