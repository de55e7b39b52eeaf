import numpy as np


def sequence_label_smoothing_loss(logits, targets, alpha, pad_id):
    """Reference: per-position smoothed loss on a stable log-softmax, averaged under the pad mask."""
    z = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    mask = targets != pad_id
    if not mask.any():
        return 0.0
    v = z.shape[-1]
    shifted = z - z.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    soft = np.full(z.shape, alpha / v)
    np.put_along_axis(soft, targets[..., None], (1.0 - alpha) + alpha / v, axis=-1)
    losses = -(soft * log_probs).sum(axis=-1)
    return float(losses[mask].mean())
