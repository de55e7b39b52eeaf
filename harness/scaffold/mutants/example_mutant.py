"""TODO: one line naming the pitfall this wrong solution makes."""
import numpy as np


def {function}(x):
    return 2 * float(x)
