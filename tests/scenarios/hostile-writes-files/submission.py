# Tries to overwrite or delete the tests, the expected values and the reference wherever it can reach,
# and to leave files behind; its function is correct, so only its side effects can fail it.
import os

import numpy as np

for start in ("/", "..", "../.."):
    for folder, _, files in os.walk(start):
        for name in files:
            if name in ("expected.json", "tests.py", "solution.py", "problem.toml", "submission.py"):
                path = os.path.join(folder, name)
                try:
                    with open(path, "w") as handle:
                        handle.write("{}")
                    os.remove(path)
                except OSError:
                    pass
for path in ("escaped.txt", "../escaped.txt", "../../escaped.txt", "/tmp/escaped.txt"):
    try:
        with open(path, "w") as handle:
            handle.write("escaped")
    except OSError:
        pass


def label_smoothing_loss(logits, target, alpha):
    z = np.asarray(logits, dtype=np.float64)
    log_probs = z - z.max() - np.log(np.exp(z - z.max()).sum())
    soft = np.full(z.shape[0], alpha / z.shape[0])
    soft[target] += 1.0 - alpha
    return float(-(soft * log_probs).sum())
