def label_smoothing_loss(logits, target):
    return 0.0
