"""One submission's process: confine it, then answer load and call requests over two pipes.

Forked by `harness.sandbox.zygote`. It holds no tests, no expected values and no reference: only the
submission's source and the arguments of each call. Confinement, strongest first:

- as root: chroot into its own empty working folder, then run as an unprivileged uid of its own
  (so it cannot read the problem or the repository, signal the grader, or fork: RLIMIT_NPROC is 1);
- otherwise: chroot inside a new user namespace when the kernel allows unprivileged ones;
- otherwise: only its own working folder as the current directory (reported to the grader).

In every case: resource limits (CPU, address space, processes, open files, file size), a scrubbed
environment (the zygote's, set once for every child), standard streams on /dev/null, every other file
descriptor closed, death with the zygote,
and a seccomp filter (`harness.sandbox.kernel`): no sockets, no System V IPC, no keyrings, no signals
to others, no leaving the zygote's process group. As root the zygote has also put itself, and so every
child, in new network and IPC namespaces (no interface is up: there is nothing to connect to).
"""

from __future__ import annotations

import os
import resource
import signal
import time
from typing import Any, Callable

import numpy as np

from . import kernel, wire
from ..core import arguments, submission
from ..core.manifest import Entry

_RLIMITS = {
    "cpu_seconds": resource.RLIMIT_CPU,
    "address_space": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
    "file_size": resource.RLIMIT_FSIZE,
}


def confine(config: dict, keep: tuple[int, ...]) -> str:
    """Confine this process as the module says; return a description of what was achieved."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    # Every descriptor above 2 but those kept: close_range(2) in a few calls, where listing /proc/self/fd
    # and closing one by one cost a tenth of the child's start.
    bounds = [2, *sorted(keep), resource.getrlimit(resource.RLIMIT_NOFILE)[0]]
    for low, high in zip(bounds, bounds[1:]):
        os.closerange(low + 1, high)
    workdir, uid = config["workdir"], config["uid"]
    if os.geteuid() == 0:
        os.chown(workdir, uid, uid)
        os.chroot(workdir)
        os.chdir("/")
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        isolation = ["chroot into its own folder", "own unprivileged uid"]
    else:
        try:
            os.unshare(os.CLONE_NEWUSER | os.CLONE_NEWNS | os.CLONE_NEWNET | os.CLONE_NEWIPC)
            os.chroot(workdir)
            os.chdir("/")
            isolation = ["chroot into its own folder inside user, network and IPC namespaces"]
        except (OSError, AttributeError):
            os.chdir(workdir)
            isolation = ["its own working folder only (no chroot: not root and no user namespaces)"]
    kernel.die_with_parent(config["zygote"])
    try:
        os.sched_setaffinity(0, config["cores"])
    except OSError:  # a core taken away since: run anywhere, only a little slower
        pass
    for name, value in config["limits"].items():
        resource.setrlimit(_RLIMITS[name], (value, value))
    submission.cap_recursion()
    isolation.append("seccomp filter" if kernel.install_seccomp() else "no system-call filter (seccomp is unsupported here)")
    return ", ".join(isolation)


def serve(requests: int, replies: int, isolation: str) -> None:
    function, name = None, ""
    wire.send(replies, {"ready": True, "pid": os.getpid(), "isolation": isolation})
    while True:
        try:
            request = wire.receive(requests)
        except wire.ChannelError:
            return
        if request.get("op") == "load":
            entry = Entry(request["entry"]["name"], tuple(request["entry"]["params"]), request["entry"]["returns"])
            function, fault, output = submission.load(request["source"], entry)
            name = entry.name
            wire.send(replies, {"fault": fault and fault.to_dict(), "output": output})
        elif request.get("op") == "call" and function is not None:
            plain, fault, output = submission.call(function, arguments.unpack(request["args"]), name)
            wire.send(replies, submission.reply(plain, fault, output))
        elif request.get("op") == "calls" and function is not None:
            answer_each(function, name, request["calls"], replies)
        else:
            return


def answer_each(function: Callable, name: str, calls: list[Any], replies: int) -> None:
    """A batch: each call's reply sent as soon as it is made, so a timeout or crash loses none before it."""
    batch = submission.Batch()
    for args in calls:
        plain, fault, output = submission.call(function, arguments.unpack(args), name)
        if not batch.goes_on(wire.send(replies, submission.reply(plain, fault, output)), fault):
            return


# A submission like most: NumPy on arrays, a float back. Its shape matters less than the paths it takes.
_WARM_UP_SOURCE = """
import numpy as np

def warm_up(values, index, weight):
    shifted = np.asarray(values, dtype=float) - np.max(values)
    logs = shifted - np.log(np.sum(np.exp(shifted)))
    return float(-(1 - weight) * logs[index] - weight * np.mean(logs)), [index, weight]
"""


def warm_up(rounds: int = 50) -> None:
    """Run, in the zygote, what every child runs: the interpreter specialises that code and fills its
    caches once there, instead of in each child, where every such write copies a page."""
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    try:
        function, _, _ = submission.load(_WARM_UP_SOURCE, Entry("warm_up", ("values", "index", "weight"), "float"))
        for number in range(rounds):
            args = [np.arange(2.0 + number % 7), number % 2, (number, 0.5)]
            wire.send(requests_write, {"op": "call", "args": arguments.pack(args)})
            request = wire.receive(requests_read)
            plain, fault, output = submission.call(function, arguments.unpack(request["args"]), "warm_up")
            wire.send(replies_write, submission.reply(plain, fault, output))
            wire.receive(replies_read, time.monotonic() + 1, wire.MAX_REPLY)
        submission.call(lambda: 1 / 0, [], "warm_up")
    finally:
        for fd in (requests_read, requests_write, replies_read, replies_write):
            os.close(fd)


def run(config: dict, requests: int, replies: int) -> None:
    """The forked child's whole life; it never returns."""
    try:
        serve(requests, replies, confine(config, (requests, replies)))
    finally:
        os._exit(0)
