"""Pure Python with the math module: the logits as a list, no NumPy."""
import math


def label_smoothing_loss(logits, target, alpha):
    z = [float(v) for v in logits]
    k = len(z)
    m = max(z)
    log_sum = m + math.log(sum(math.exp(v - m) for v in z))
    loss = 0.0
    for i, v in enumerate(z):
        q = (1 - alpha) * (i == target) + alpha / k
        loss -= q * (v - log_sum)
    return loss
