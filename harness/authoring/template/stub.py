import numpy as np


def __function__(x):
    """TODO: the contract: each parameter's type and meaning, and what is returned."""
    raise NotImplementedError
