import numpy as np

def smoothed_loss(logits, target, alpha):
    return 0.0
