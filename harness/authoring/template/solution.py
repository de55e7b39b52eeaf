import numpy as np


def __function__(x):
    """Reference solution. Never shipped to learners."""
    return float(x) ** 2  # TODO: the real reference
