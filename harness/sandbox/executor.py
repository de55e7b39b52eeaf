"""Running submissions in separate, confined processes: the CLI's executor.

The grading process keeps the tests, the expected values and every verdict. Each submission runs in a
process forked from a clean zygote (`harness.sandbox.zygote`) and confined by `harness.sandbox.child`; it only imports
the submission and calls its function on the arguments it is sent. Replies come over a dedicated pipe,
never from the child's stdout; a missing, late or malformed reply is a fault, and the child's exit
status is never consulted.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import wire
from .watchdog import OwnTime
from ..core.arguments import ArgumentError
from ..core.manifest import Entry, ProblemError
from ..core.submission import OUTPUT_LIMIT, Batch, Fault, Result, call_each

STARTUP_TIMEOUT = 30.0
# Time limits are charged in the child's CPU time, so that a verdict does not depend on how busy the
# machine is; wall time is charged too, at 1/WALL_FACTOR of its rate, so a child that sleeps, drips its
# reply or is starved is stopped after WALL_FACTOR times its limit per test, whatever it does.
WALL_FACTOR = 4
FAST_WAIT = 0.05
_TICKS = os.sysconf("SC_CLK_TCK")
# Threads' stacks and buffers count against the address-space limit, so BLAS runs single-threaded:
# measured, the zygote maps 106 MB with one OpenBLAS thread, 138 MB with two, more with more cores.
_PINNED_THREADS = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
# Some processors need these for OpenBLAS to pick a working kernel; they carry no secrets.
_PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Each child runs as a uid of its own (when the grader is root), so RLIMIT_NPROC = 1 forbids forking
# and nothing else on the machine shares its identity. Each grading run locks a block of uids of its
# own, so concurrent runs never hand out the same one (kill(-1) in one cannot reach another's child).
_UID_BASE, _UID_BLOCK, _UID_BLOCKS = 200_000, 1_000, 500
_UID_LOCKS = Path("/run/lock/harness-uids")  # root's alone: only a root grader hands out uids


# The layers of a root grader's confinement, as the children's report names them, and what a run
# without one gives up (README, "Isolation", measures each).
_ROOT_LAYERS = {
    "chroot into its own folder": "no chroot (a submission can read every file this user can)",
    "own unprivileged uid": "no uid of its own (submissions run as this user)",
    "network and IPC namespaces": "no network or IPC namespace (seccomp still refuses sockets and IPC)",
    "seccomp filter": "no seccomp filter (sockets, IPC, keyrings and signals to others are not refused)",
}


def shortfall(isolation: str) -> str:
    """What the confinement the children reported lacks of a root grader's ('' when nothing)."""
    return "; ".join(loss for layer, loss in _ROOT_LAYERS.items() if layer not in isolation)


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity), which may be fewer than the machine has."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class UidBlock:
    """A block of _UID_BLOCK uids held by this run through an flock, released when the run ends or dies."""

    def __init__(self) -> None:
        _UID_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
        for block in range(_UID_BLOCKS):
            fd = os.open(_UID_LOCKS / f"{block}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self._fd = fd
            self.first = _UID_BASE + block * _UID_BLOCK
            self._next = itertools.cycle(range(self.first, self.first + _UID_BLOCK))
            return
        raise RuntimeError(f"all {_UID_BLOCKS} blocks of uids are taken by other grading runs")

    def take(self) -> int:
        return next(self._next)

    def release(self) -> None:
        os.close(self._fd)


def remove_tree(folder: str) -> None:
    """Remove a folder a submission wrote into, however deep: no recursion, two descriptors at a time.

    Each round moves the contents of the top level's subfolders up to the top and removes the emptied
    subfolders, so a chain deeper than the open-file limit (where shutil.rmtree gives up) still goes.
    Links are never followed: everything is named relative to descriptors opened with O_NOFOLLOW.
    """
    try:
        top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return
    moved = itertools.count()
    try:
        while names := os.listdir(top):
            for name in names:
                try:
                    os.unlink(name, dir_fd=top)
                    continue
                except IsADirectoryError:
                    pass
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
                try:
                    os.chmod(sub, 0o700)
                    for inner in os.listdir(sub):
                        os.rename(inner, f".up{next(moved)}", src_dir_fd=sub, dst_dir_fd=top)
                finally:
                    os.close(sub)
                os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    os.rmdir(folder)


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 30
    address_space: int = 1024 * 1024 * 1024
    processes: int = 1
    open_files: int = 16
    file_size: int = 1024 * 1024


class Zygote:
    """The fork server: one per grading run, shared by every submission (thread-safe).

    The zygote and its children form one process group that no child may leave (setsid and setpgid are
    denied to them), so closing kills every child at once; if this process dies without closing, the
    zygote sees its socket close, kills the group and removes the run's folder itself.
    """

    def __init__(self) -> None:
        grader_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._uids = UidBlock() if os.geteuid() == 0 else None
        self._folder = tempfile.mkdtemp(prefix="harness-")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **_PINNED_THREADS}
        env.update({k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ})
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-m", "harness.sandbox.zygote", str(zygote_end.fileno()), self._folder],
            cwd=self._folder, env=env, pass_fds=(zygote_end.fileno(),),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        zygote_end.close()
        self._socket = grader_end
        self._lock = threading.Lock()
        self.isolation = ""  # what confinement the children reach, as the first one reported it
        self._socket.settimeout(STARTUP_TIMEOUT)
        try:
            started = json.loads(self._socket.recv(1024) or b"{}")
        except (OSError, ValueError):
            started = {}
        if not started.get("ready"):
            self.close()
            raise RuntimeError("the process that runs submissions could not start")
        self.namespaces = str(started.get("namespaces", ""))
        self._socket.settimeout(None)

    def spawn(self, limits: Limits) -> tuple[int, int, str]:
        """Fork a confined child; return the request and reply pipe ends, and its folder.

        The child's first message on the reply pipe says it is ready and gives its pid.
        """
        workdir = tempfile.mkdtemp(prefix="submission-", dir=self._folder)
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        try:
            with self._lock:
                uid = self._uids.take() if self._uids else os.getuid()
                # The child runs on the cores this thread may use: a batch pins each of its threads to
                # a core, so that a submission and its tests hand over on one core's warm caches.
                config = {"workdir": workdir, "uid": uid, "limits": asdict(limits), "cores": sorted(os.sched_getaffinity(0))}
                socket.send_fds(self._socket, [json.dumps(config).encode()], [request_read, reply_write])
        except OSError:
            os.close(request_write)
            os.close(reply_read)
            raise
        finally:
            os.close(request_read)
            os.close(reply_write)
        return request_write, reply_read, workdir

    def close(self) -> None:
        try:
            os.killpg(self._process.pid, signal.SIGKILL)  # before the socket closes: no cleaner races us
        except ProcessLookupError:
            pass
        self._process.wait()
        self._socket.close()
        await_group_end(self._process.pid)
        remove_tree(self._folder)
        if self._uids:
            self._uids.release()

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def await_group_end(group: int, patience: float = 5.0) -> None:
    """Wait (briefly) until every process of a killed group has gone, so none still writes files."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.005)


class ForkedChild:
    """An `Executor` whose submission lives in a confined child; a dead child is replaced on demand.

    Its clock charges each exchange the larger of the child's CPU time and the wall time it took divided
    by `wall_factor`, so a test's wall time is bounded whatever the child does; `wall_seconds` bounds
    the whole submission the same way. Raise `wall_factor` when more children run than there are cores.
    `own_time` bounds the grader's own time between two exchanges (the problem's tests and Draws),
    from the executor's making until it is closed.
    """

    def __init__(self, zygote: Zygote, limits: Limits = Limits(), wall_factor: float = WALL_FACTOR,
                 wall_seconds: float | None = None, own_time: OwnTime | None = None) -> None:
        self._zygote = zygote
        self._limits = limits
        self._wall_factor = wall_factor
        self._wall_seconds = limits.cpu_seconds * wall_factor if wall_seconds is None else wall_seconds
        self._deadline = 0.0  # monotonic; set by the first load
        self._pid = 0
        self._requests = self._replies = self._stat = -1
        self._workdir = ""
        self._loaded: tuple[str, Entry] | None = None
        self._spent = 0.0  # CPU seconds of this submission's children that have ended
        self._cpu = 0.0  # the running child's CPU seconds when last read
        self._idle = 0.0  # wall time the child's CPU time does not account for, divided by wall_factor
        self.isolation = ""
        self._own_time = own_time
        if own_time:
            own_time.start()

    def load(self, source: str, entry: Entry, timeout: float = 10.0) -> tuple[Fault | None, str]:
        self._loaded = (source, entry)
        self._deadline = self._deadline or time.monotonic() + self._wall_seconds
        fault = self._start()
        if fault is not None:
            return fault, ""
        request = {"op": "load", "source": source, "entry": {**asdict(entry), "params": list(entry.params)}}
        results, fault = self._exchange(request, timeout)
        if fault is not None:
            return fault, ""
        _, fault, output = results[0]
        return fault, output

    def call(self, args: list[Any], timeout: float) -> tuple[dict | None, Fault | None, str]:
        try:
            request = wire.call_request(args)
        except ArgumentError as exc:
            raise ProblemError(str(exc)) from None
        return self._ask(request, timeout, 1)[0]

    def call_many(self, calls: list[list[Any]], timeout: float) -> list[Result]:
        """Each call in turn, within `timeout` for them all, ending where `submission.Batch` says: one
        request, and the replies read as the child sends them (see `harness.core.runner.Executor`)."""
        try:
            request = wire.calls_request(calls)
        except ArgumentError as exc:
            raise ProblemError(str(exc)) from None
        if request is None:  # too large to send at once: the same batch, a call at a time
            started = self.clock()
            return call_each(lambda args: self.call(args, max(timeout - (self.clock() - started), 0.001)), calls)
        return self._ask(request, timeout, len(calls))

    def _ask(self, request: bytes, timeout: float, calls: int) -> list[Result]:
        if not self._pid:  # the last call killed it: reload, on this call's budget
            assert self._loaded is not None, "load() a submission before calling it"
            source, entry = self._loaded
            before = self.clock()
            fault, _ = self.load(source, entry, timeout)
            if fault is not None:
                return [(None, fault, "")]
            timeout = max(timeout - (self.clock() - before), 0.001)
        results, fault = self._exchange(request, timeout, calls)
        return results + [(None, fault, "")] if fault is not None else results

    def clock(self) -> float:
        return self._spent + self._cpu + self._idle

    def _child_cpu(self) -> float:
        """The running child's CPU seconds (0 when there is none, or /proc cannot tell).

        Read from a descriptor opened once per child: a pread costs a third of an open, read and close.
        """
        if self._stat < 0:
            return 0.0
        try:
            fields = os.pread(self._stat, 1024, 0).rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            return self._cpu
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime

    def close(self) -> None:
        if self._own_time:
            self._own_time.stop()
        self._end_child()

    def _end_child(self) -> None:
        if self._pid:
            self._spent += self._child_cpu()
            self._cpu = 0.0
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._pid = 0
        for fd in (self._requests, self._replies, self._stat):
            if fd >= 0:
                os.close(fd)
        self._requests = self._replies = self._stat = -1
        if self._workdir:
            remove_tree(self._workdir)
            self._workdir = ""

    def __enter__(self) -> "ForkedChild":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Fault | None:
        self._end_child()
        self._requests, self._replies, self._workdir = self._zygote.spawn(self._limits)
        try:
            ready = wire.receive(self._replies, time.monotonic() + STARTUP_TIMEOUT, wire.MAX_REPLY, wire.REPLY_BUDGET)
            self._pid = int(ready["pid"])
            self._stat = os.open(f"/proc/{self._pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
        except (wire.ChannelError, wire.ChannelTimeout, KeyError, TypeError, ValueError, OSError):
            self._end_child()
            return Fault("crashed", "the process that runs submissions could not start")
        self.isolation = ", ".join(filter(None, (str(ready.get("isolation", "")), self._zygote.namespaces)))
        self._zygote.isolation = self._zygote.isolation or self.isolation
        return None

    def _exchange(self, request: dict | bytes, budget: float, calls: int = 1) -> tuple[list[Result], Fault | None]:
        """Send a request; its replies (one per call, ending where `submission.Batch` says) must be whole
        within `budget` CPU seconds and budget·wall_factor wall. Returns those read before any fault.

        Each reply is bounded on its own (wire.MAX_REPLY, wire.REPLY_BUDGET); a batch's replies before
        its last are under submission.BATCH_CHARACTERS together, so a batch costs the grader little more
        than one reply."""
        started = time.monotonic()
        deadline = min(started + budget * self._wall_factor, self._deadline)
        if self._own_time:
            self._own_time.hand_over()
        replies: list[Result] = []
        batch = Batch()
        try:
            wire.send(self._requests, request)
            while True:
                self._await_reply(budget, deadline)
                reply, length = wire.receive_sized(self._replies, deadline, wire.MAX_REPLY, wire.REPLY_BUDGET)
                replies.append(_result(reply))
                if len(replies) == calls or not batch.goes_on(length, replies[-1][1]):
                    return replies, None
        except wire.ChannelTimeout:
            self._end_child()
            return replies, Fault("timeout", "took longer than the time limit")
        except wire.MalformedMessage as exc:
            self._end_child()
            return replies, Fault("protocol", f"your code wrote into the grader's channel ({exc}); it was stopped")
        except (wire.ChannelClosed, OSError):
            self._end_child()
            return replies, Fault(
                "crashed",
                "the process running your code died (os._exit(), a crash, or a resource limit: "
                "1 GiB of memory, CPU time)",
            )
        finally:
            self._charge(started)
            if self._own_time:
                self._own_time.start()

    def _charge(self, started: float) -> None:
        cpu = self._child_cpu() if self._pid else 0.0
        used = cpu - self._cpu if self._pid else 0.0
        self._idle += max(0.0, (time.monotonic() - started) / self._wall_factor - used)
        self._cpu = cpu

    def _await_reply(self, budget: float, deadline: float) -> None:
        """Wait until the reply starts; raise ChannelTimeout once `budget` CPU seconds or `deadline` pass."""
        if wire.readable(self._replies, min(budget, FAST_WAIT, deadline - time.monotonic())):
            return
        cpu_start = self._cpu
        while True:
            cpu_left = budget - (self._child_cpu() - cpu_start)
            wall_left = deadline - time.monotonic()
            if cpu_left <= 0 or wall_left <= 0:
                raise wire.ChannelTimeout()
            if wire.readable(self._replies, min(cpu_left, wall_left, 0.05 + cpu_left / 4)):
                return


def _result(reply: dict) -> Result:
    """A reply from the child as a call's result: its value or its fault, and its output."""
    if reply.get("fault"):
        return None, Fault.from_dict(reply["fault"]), _text(reply.get("output"))
    return reply.get("value"), None, _text(reply.get("output"))


def _text(value: Any) -> str:
    """Output from the child, cut to the harness's own limit whatever the child claims."""
    if not isinstance(value, str):
        return ""
    return value if len(value) <= OUTPUT_LIMIT + 100 else value[:OUTPUT_LIMIT] + "\n… [output truncated by the grader]"
