"""One submission's process: confine it, then answer load and call requests over two pipes.

Forked by `harness.sandbox.zygote`. It holds no tests, no expected values and no reference: only the
submission's source and the arguments of each call. Confinement, strongest first:

- as root: chroot into its own empty working folder, then run as an unprivileged uid of its own
  (so it cannot read the problem or the repository, signal the grader, or fork: RLIMIT_NPROC is 1);
- otherwise: chroot inside a new user namespace when the kernel allows unprivileged ones;
- otherwise: only its own working folder as the current directory (reported to the grader).

In every case: resource limits (CPU, address space, processes, open files, file size), a scrubbed
environment, standard streams on /dev/null, every other file descriptor closed, death with the zygote,
and a seccomp filter (`harness.sandbox.kernel`): no sockets, no System V IPC, no keyrings, no signals
to others, no leaving the zygote's process group. As root the zygote has also put itself, and so every
child, in new network and IPC namespaces (no interface is up: there is nothing to connect to).
"""

from __future__ import annotations

import os
import resource
import signal

from . import kernel, wire
from ..core import submission
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
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
        if int(name) > 2 and int(name) not in keep:
            try:
                os.close(int(name))
            except OSError:
                pass
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
    os.environ.clear()
    os.environ.update({"HOME": "/", "TMPDIR": "/", **config["env"]})
    for name, value in config["limits"].items():
        resource.setrlimit(_RLIMITS[name], (value, value))
    submission.cap_recursion()
    isolation.append("seccomp filter" if kernel.install_seccomp() else "no seccomp filter (unsupported here)")
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
            plain, fault, output = submission.call(function, wire.unpack_args(request["args"]), name)
            wire.send(replies, {"value": plain, "fault": fault and fault.to_dict(), "output": output})
        else:
            return


def run(config: dict, requests: int, replies: int) -> None:
    """The forked child's whole life; it never returns."""
    try:
        serve(requests, replies, confine(config, (requests, replies)))
    finally:
        os._exit(0)
