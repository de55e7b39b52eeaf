"""Pure Python: returns a list."""
import math


def label_smoothing_grad(logits, target, alpha):
    z = [float(v) for v in logits]
    m = max(z)
    exps = [math.exp(v - m) for v in z]
    total = sum(exps)
    k = len(z)
    return [e / total - ((1 - alpha) * (i == target) + alpha / k) for i, e in enumerate(exps)]
