"""Pure-Python loops over the real tokens."""
import math


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    total, count = 0.0, 0
    for z_row, y_row in zip(logits, targets):
        for z, y in zip(z_row, y_row):
            if y == pad_id:
                continue
            m = max(z)
            log_sum = m + math.log(sum(math.exp(v - m) for v in z))
            k = len(z)
            total -= sum(((1 - alpha) * (i == y) + alpha / k) * (v - log_sum) for i, v in enumerate(z))
            count += 1
    return total / count if count else 0.0
