"""A clean interpreter with NumPy loaded that forks one confined process per submission.

Started by `harness.sandbox.executor.Zygote` as `python -I -m harness.sandbox.zygote FD`, before any problem is loaded
anywhere near it: it holds no tests, no expected values and no reference, so neither do its children.
Forking it costs milliseconds where starting Python and importing NumPy costs a tenth of a second.

Protocol over the SOCK_SEQPACKET socket FD: the grader sends a JSON config with two file descriptors
attached (the child's request and reply pipes); the zygote forks, and the child confines itself and
serves (`harness.sandbox.child`), its first reply naming its pid. The zygote never answers, so spawning costs
the grader one send. Children are reaped automatically.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import sys

# What submissions may import. Inside its chroot a child can import only what is already loaded.
PRELOADED = (
    "numpy", "numpy.random", "numpy.linalg", "numpy.fft", "numpy.polynomial", "numpy.testing",
    "math", "cmath", "random", "statistics", "itertools", "functools", "collections", "operator",
    "fractions", "decimal", "heapq", "bisect", "copy", "re", "string", "dataclasses", "typing",
    "harness.sandbox.child",
)


def serve(control: socket.socket) -> None:
    from harness.sandbox import child

    control.send(b'{"ready": true}')
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        except OSError:
            return
        if not message:
            return
        pid = os.fork()
        if pid == 0:
            control.close()
            child.run(json.loads(message), *fds)  # never returns
        for fd in fds:
            os.close(fd)


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    for name in PRELOADED:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    serve(control)


if __name__ == "__main__":
    main()
