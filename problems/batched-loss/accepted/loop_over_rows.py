"""A plain loop over the examples in pure Python, returning a list [loss]."""
import math


def batched_label_smoothing_loss(logits, labels, num_classes, alpha):
    k = int(num_classes)
    total = 0.0
    for row, label in zip(logits, labels):
        m = max(row)
        log_sum = m + math.log(sum(math.exp(v - m) for v in row))
        total += sum(-((1 - alpha) * (i == int(label)) + alpha / k) * (v - log_sum) for i, v in enumerate(row))
    return [total / len(labels)]
