def label_smoothing_loss(logits, target, alpha):
    loss = 0.0
