"""TODO: one line naming the pitfall this wrong solution makes."""
import numpy as np


def __function__(x):
    return 2 * float(x)
