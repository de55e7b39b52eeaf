"""A clean interpreter with NumPy loaded that forks one confined process per submission.

Started by `harness.sandbox.executor.Zygote` as `python -I -m harness.sandbox.zygote FD FOLDER`, before any problem is loaded
anywhere near it: it holds no tests, no expected values and no reference, so neither do its children.
Forking it costs milliseconds where starting Python and importing NumPy costs a tenth of a second.

Protocol over the SOCK_SEQPACKET socket FD: the grader sends a JSON config with two file descriptors
attached (the child's request and reply pipes); the zygote forks, and the child confines itself and
serves (`harness.sandbox.child`), its first reply naming its pid. The zygote never answers, so spawning costs
the grader one send. Children are reaped automatically. The zygote and its children share one process
group that children cannot leave; when the grader goes away without closing, the zygote kills the group
and a helper removes the run's folder.
"""

from __future__ import annotations

import gc
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


def isolate() -> str:
    """As root, move into new network and IPC namespaces that every child inherits; say what holds."""
    if os.geteuid() != 0:
        return ""
    try:
        os.unshare(os.CLONE_NEWNET | os.CLONE_NEWIPC)
    except (OSError, AttributeError):
        return ""
    return "network and IPC namespaces of the run"


def serve(control: socket.socket, folder: str) -> None:
    from harness.sandbox import child

    control.send(json.dumps({"ready": True, "namespaces": isolate()}).encode())
    zygote = os.getpid()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        except OSError:
            message = b""
        if not message:
            abandoned(folder)
        pid = os.fork()
        if pid == 0:
            control.close()
            child.run({**json.loads(message), "zygote": zygote}, *fds)  # never returns
        for fd in fds:
            os.close(fd)


def abandoned(folder: str) -> None:
    """The grader is gone without closing (killed): kill the whole group, and leave no folder behind.

    A helper outside the group removes the folder once every child has died; this process dies with them.
    """
    group = os.getpgrp()
    left, has_left = os.pipe()
    if os.fork() == 0:
        os.setsid()
        os.write(has_left, b".")
        from harness.sandbox.executor import await_group_end, remove_tree

        await_group_end(group)
        remove_tree(folder)
        os._exit(0)
    os.read(left, 1)  # the helper is out of the group: it survives what follows
    os.killpg(0, signal.SIGKILL)


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    for name in PRELOADED:
        importlib.import_module(name)
    # The children's environment, made once here rather than by each child: no PATH (a chroot has no
    # programs), their own folder as home and temporary folder.
    os.environ.pop("PATH", None)
    os.environ.update({"HOME": "/", "TMPDIR": "/"})
    from harness.sandbox import child

    child.warm_up()
    # Every object so far is shared with the children; frozen, their collector never walks (so never
    # writes to, so never copies) those pages.
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    serve(control, sys.argv[2])


if __name__ == "__main__":
    main()
