"""Running a submission in a separate, limited process: the CLI's executor.

The parent keeps the tests, the expected values and every verdict; the child (`harness.child`) only
imports the submission and calls its function on the arguments it is sent. Replies come over a
dedicated pipe, never from the child's stdout, and a missing, late or malformed reply is a fault.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from typing import Any

from . import wire
from .manifest import Entry
from .submission import Fault

STARTUP_TIMEOUT = 30.0
# Threads' stacks and buffers count against the address-space limit, so BLAS runs single-threaded.
_PINNED_THREADS = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
# Some processors need these for OpenBLAS to pick a working kernel; they carry no secrets.
_PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 20
    address_space: int = 1024 * 1024 * 1024
    processes: int = 64
    open_files: int = 64
    file_size: int = 1024 * 1024


class ChildProcess:
    """An `Executor` whose submission lives in a child process; a dead child is replaced on demand."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self._limits = limits
        self._process: subprocess.Popen | None = None
        self._requests = self._replies = -1
        self._folder: str | None = None
        self._loaded: tuple[str, Entry, float] | None = None

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
        if self._process is None:
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

    def close(self) -> None:
        if self._process is not None:
            _kill(self._process)
            self._process = None
        for fd in (self._requests, self._replies):
            if fd >= 0:
                os.close(fd)
        self._requests = self._replies = -1
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> "ChildProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Fault | None:
        self.close()
        self._folder = tempfile.mkdtemp(prefix="harness-submission-")
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        config = {"requests": request_read, "replies": reply_write, "limits": asdict(self._limits)}
        env = {"PATH": "/usr/bin:/bin", "HOME": self._folder, "TMPDIR": self._folder, **_PINNED_THREADS}
        env.update({k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ})
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-m", "harness.child", json.dumps(config)],
            cwd=self._folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(request_read, reply_write),
            start_new_session=True,
        )
        os.close(request_read)
        os.close(reply_write)
        self._requests, self._replies = request_write, reply_read
        try:
            wire.receive(self._replies, STARTUP_TIMEOUT)
        except (wire.ChannelClosed, wire.ChannelTimeout):
            self.close()
            return Fault("crashed", "the process that runs submissions could not start")
        return None

    def _exchange(self, request: dict, timeout: float) -> tuple[dict, Fault | None]:
        try:
            wire.send(self._requests, request)
            return wire.receive(self._replies, timeout), None
        except wire.ChannelTimeout:
            self.close()
            return {}, Fault("timeout", "took longer than the time limit")
        except (wire.ChannelClosed, OSError):
            process = self._process
            self.close()
            return {}, Fault("crashed", f"the process running your code died{_how(process)}")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _how(process: subprocess.Popen | None) -> str:
    code = process.returncode if process is not None else None
    if code is None or code == 0:
        return " (did it call os._exit()?)"
    if code < 0:
        name = signal.Signals(-code).name
        hint = {"SIGKILL": " (over the memory or CPU limit?)", "SIGXCPU": " (over the CPU time limit)",
                "SIGSEGV": " (a crash in native code, or a stack overflow)"}.get(name, "")
        return f", killed by {name}{hint}"
    return f" with exit status {code}"
