"""Pure Python: returns a list of floats."""


def smooth_labels(target, num_classes, alpha):
    return [(1 - alpha) * (i == target) + alpha / num_classes for i in range(num_classes)]
