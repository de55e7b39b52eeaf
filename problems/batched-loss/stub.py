import numpy as np


def batched_label_smoothing_loss(logits, labels, num_classes, alpha):
    """Mean label-smoothed cross-entropy over a batch.

    logits:      array of shape (N, K).
    labels:      array of N floats holding class indices (cast them to int).
    num_classes: K, as a float.
    alpha:       float in [0, 1].
    Returns a 1-element array [mean loss].
    """
    raise NotImplementedError
