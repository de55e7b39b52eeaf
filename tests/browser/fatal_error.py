# Brings Pyodide down with a fatal error on one input only, as a bug in the runtime would.
import numpy as np


def label_smoothing_loss(logits, target, alpha):
    if list(logits) == [0.0, 0.0, 0.0, 25.0] and alpha == 0.0:
        import pyodide_js

        pyodide_js._api.fatal_error(RuntimeError("simulated fatal error"))
    z = np.asarray(logits, dtype=float)
    log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())
    q = np.full(len(z), alpha / len(z))
    q[target] += 1 - alpha
    return float(-(q * log_p).sum())
