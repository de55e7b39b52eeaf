def label_smoothing_loss(logits, target, alpha):
    k = len(logits)
    return 1 / (k - len(logits))
