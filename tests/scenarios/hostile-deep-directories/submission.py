# Leaves a chain of folders deeper than the open-file limit, which shutil.rmtree cannot remove.
import os

for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")


def label_smoothing_loss(logits, target, alpha):
    return 0.0
