import numpy as np


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    """Label-smoothed cross-entropy averaged over the non-pad positions of a batch of sequences.

    logits:  array of shape (B, T, V).
    targets: int array of shape (B, T); positions equal to pad_id are ignored.
    alpha:   float in [0, 1].
    pad_id:  int, the padding token.
    Returns the mean loss over non-pad positions as a float, or 0.0 when every position is padding.
    """
    raise NotImplementedError
