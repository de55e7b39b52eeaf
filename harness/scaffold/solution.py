import numpy as np


def {function}(x):
    """Reference solution. Never shipped to learners."""
    return float(x) ** 2  # TODO: the real reference
