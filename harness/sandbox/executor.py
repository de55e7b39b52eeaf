"""Running submissions in separate, confined processes: the CLI's executor.

The grading process keeps the tests, the expected values and every verdict. Each submission runs in a
process forked from a clean zygote (`harness.sandbox.zygote`) and confined by `harness.sandbox.child`; it only imports
the submission and calls its function on the arguments it is sent. Replies come over a dedicated pipe,
never from the child's stdout; a missing, late or malformed reply is a fault, and the child's exit
status is never consulted.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from . import wire
from ..core.manifest import Entry
from ..core.submission import Fault

STARTUP_TIMEOUT = 30.0
# Time limits are charged in the child's CPU time, so that a verdict does not depend on how busy the
# machine is; a child that sleeps, or is starved, is still stopped after this many times its limit.
WALL_FACTOR = 4
FAST_WAIT = 0.05
# Once a reply starts arriving, the rest of it must follow within this.
REPLY_TIMEOUT = 10.0
_TICKS = os.sysconf("SC_CLK_TCK")
# Threads' stacks and buffers count against the address-space limit, so BLAS runs single-threaded:
# measured, the zygote maps 106 MB with one OpenBLAS thread, 138 MB with two, more with more cores.
_PINNED_THREADS = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
# Some processors need these for OpenBLAS to pick a working kernel; they carry no secrets.
_PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# Each child runs as a uid of its own (when the grader is root), so RLIMIT_NPROC = 1 forbids forking
# and nothing else on the machine shares its identity.
_UID_BASE, _UID_SLOTS = 200_000, 10_000


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 30
    address_space: int = 1024 * 1024 * 1024
    processes: int = 1
    open_files: int = 16
    file_size: int = 1024 * 1024


class Zygote:
    """The fork server: one per grading run, shared by every submission (thread-safe)."""

    def __init__(self) -> None:
        grader_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._folder = tempfile.mkdtemp(prefix="harness-")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **_PINNED_THREADS}
        env.update({k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ})
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-m", "harness.sandbox.zygote", str(zygote_end.fileno())],
            cwd=self._folder, env=env, pass_fds=(zygote_end.fileno(),),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        zygote_end.close()
        self._socket = grader_end
        self._lock = threading.Lock()
        self._uids = itertools.cycle(range(_UID_BASE, _UID_BASE + _UID_SLOTS))
        self._env = {k: v for k, v in env.items() if k != "PATH"}
        self.isolation = ""  # what confinement the children reach, as the first one reported it
        self._socket.settimeout(STARTUP_TIMEOUT)
        if not self._socket.recv(1024):
            raise RuntimeError("the process that runs submissions could not start")
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
                config = {"workdir": workdir, "uid": next(self._uids), "limits": asdict(limits), "env": self._env}
                socket.send_fds(self._socket, [json.dumps(config).encode()], [request_read, reply_write])
        finally:
            os.close(request_read)
            os.close(reply_write)
        return request_write, reply_read, workdir

    def close(self) -> None:
        self._socket.close()
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ForkedChild:
    """An `Executor` whose submission lives in a confined child; a dead child is replaced on demand."""

    def __init__(self, zygote: Zygote, limits: Limits = Limits()) -> None:
        self._zygote = zygote
        self._limits = limits
        self._pid = 0
        self._requests = self._replies = -1
        self._workdir = ""
        self._loaded: tuple[str, Entry, float] | None = None
        self._spent = 0.0  # CPU seconds of this submission's children that have ended
        self.isolation = ""

    def load(self, source: str, entry: Entry, timeout: float = 10.0) -> tuple[Fault | None, str]:
        self._loaded = (source, entry, timeout)
        fault = self._start()
        if fault is not None:
            return fault, ""
        request = {"op": "load", "source": source, "entry": {**asdict(entry), "params": list(entry.params)}}
        reply, fault = self._exchange(request, timeout)
        if fault is not None:
            return fault, ""
        return (Fault.from_dict(reply["fault"]) if reply.get("fault") else None), _text(reply.get("output"))

    def call(self, args: list[Any], timeout: float) -> tuple[dict | None, Fault | None, str]:
        if not self._pid:
            assert self._loaded is not None, "load() a submission before calling it"
            fault, _ = self.load(*self._loaded)
            if fault is not None:
                return None, fault, ""
        reply, fault = self._exchange({"op": "call", "args": wire.pack_args(args)}, timeout)
        if fault is not None:
            return None, fault, ""
        if reply.get("fault"):
            return None, Fault.from_dict(reply["fault"]), _text(reply.get("output"))
        return reply.get("value"), None, _text(reply.get("output"))

    def clock(self) -> float:
        return self._spent + self._child_cpu()

    def _child_cpu(self) -> float:
        """The running child's CPU seconds (0 when there is none, or /proc cannot tell)."""
        if not self._pid:
            return 0.0
        try:
            with open(f"/proc/{self._pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime

    def close(self) -> None:
        if self._pid:
            self._spent += self._child_cpu()
            for kill in (os.killpg, os.kill):  # the group, or the child if it died before setsid
                try:
                    kill(self._pid, signal.SIGKILL)
                    break
                except (ProcessLookupError, PermissionError):
                    pass
            self._pid = 0
        for fd in (self._requests, self._replies):
            if fd >= 0:
                os.close(fd)
        self._requests = self._replies = -1
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = ""

    def __enter__(self) -> "ForkedChild":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Fault | None:
        self.close()
        self._requests, self._replies, self._workdir = self._zygote.spawn(self._limits)
        try:
            ready = wire.receive(self._replies, STARTUP_TIMEOUT)
            self._pid = int(ready["pid"])
        except (wire.ChannelError, wire.ChannelTimeout, KeyError, TypeError, ValueError):
            self.close()
            return Fault("crashed", "the process that runs submissions could not start")
        self.isolation = str(ready.get("isolation", ""))
        self._zygote.isolation = self._zygote.isolation or self.isolation
        return None

    def _exchange(self, request: dict, timeout: float) -> tuple[dict, Fault | None]:
        try:
            wire.send(self._requests, request)
            self._await_reply(timeout)
            return wire.receive(self._replies, REPLY_TIMEOUT), None
        except wire.ChannelTimeout:
            self.close()
            return {}, Fault("timeout", "took longer than the time limit")
        except wire.MalformedMessage as exc:
            self.close()
            return {}, Fault("protocol", f"your code wrote into the grader's channel ({exc}); it was stopped")
        except (wire.ChannelClosed, OSError):
            self.close()
            return {}, Fault(
                "crashed",
                "the process running your code died (os._exit(), a crash, or a resource limit: "
                "1 GiB of memory, CPU time)",
            )


    def _await_reply(self, budget: float) -> None:
        """Wait until the reply starts; raise ChannelTimeout once `budget` CPU seconds are spent.

        Most calls answer within milliseconds, so CPU time is only read for the slow ones, counting
        the first FAST_WAIT seconds as spent in full.
        """
        if wire.readable(self._replies, min(budget, FAST_WAIT)):
            return
        cpu_start = self._child_cpu() - FAST_WAIT
        wall_deadline = time.monotonic() + budget * WALL_FACTOR - FAST_WAIT
        while True:
            cpu_left = budget - (self._child_cpu() - cpu_start)
            wall_left = wall_deadline - time.monotonic()
            if cpu_left <= 0 or wall_left <= 0:
                raise wire.ChannelTimeout()
            if wire.readable(self._replies, min(cpu_left, wall_left, 0.05 + cpu_left / 4)):
                return


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
