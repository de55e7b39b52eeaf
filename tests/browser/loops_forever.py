# Loops forever on every input: each test must be stopped at its time limit.
def label_smoothing_loss(logits, target, alpha):
    while True:
        pass
