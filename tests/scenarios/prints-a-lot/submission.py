import numpy as np

print("loading my solution")


def label_smoothing_loss(logits, target, alpha):
    for i in range(5_000):
        print("debug line", i)
    z = np.asarray(logits, dtype=float)
    log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())
    q = np.full(len(z), alpha / len(z))
    q[target] += 1 - alpha
    return float(-(q * log_p).sum())
