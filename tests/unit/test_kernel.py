"""The seccomp filter, in a forked process of this test's own uid: the kernel's permission checks would
let it act on this process, so only the filter stands between them."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest


from harness.sandbox import kernel

pytestmark = pytest.mark.skipif(platform.machine() not in ("x86_64", "aarch64"), reason="no filter here")

COLUMN = 0 if platform.machine() == "x86_64" else 1
_F_GETFL, _F_SETOWN, _F_SETOWN_EX, _RLIMIT_NOFILE, _SI_QUEUE, _F_OWNER_PID = 3, 8, 15, 7, -1, 1


def probe(target: int) -> dict[str, int]:
    """Each way to act on `target` (signal 0 or a read-only query: the kernel checks permission as for
    the real thing), and on this process itself; the errno each call gave (0: it worked)."""
    libc = ctypes.CDLL(None, use_errno=True)
    numbers = {**kernel.DENIED, **kernel.SELF_ONLY, **kernel.SELF_OR_ZERO, "fcntl": kernel._FCNTL}
    info = ctypes.create_string_buffer(128)  # a siginfo as sigqueue(3) sends it: si_code at offset 8
    info[8:12] = _SI_QUEUE.to_bytes(4, "little", signed=True)
    limits, mask = ctypes.create_string_buffer(16), ctypes.create_string_buffer(128)
    owner = ctypes.create_string_buffer(_F_OWNER_PID.to_bytes(4, "little") + os.getpid().to_bytes(4, "little"), 8)

    def errno_of(name: str, *args: int) -> int:
        ctypes.set_errno(0)
        return 0 if libc.syscall(numbers[name][COLUMN], *args) >= 0 else ctypes.get_errno()

    for cpu in os.sched_getaffinity(0):  # the CPUs we have: setting them changes nothing
        mask[cpu // 8] = mask[cpu // 8][0] | 1 << cpu % 8
    results = {}
    for who, pid in (("other", target), ("self", os.getpid())):
        results |= {
            f"kill {who}": errno_of("kill", pid, 0),
            f"tkill {who}": errno_of("tkill", pid, 0),
            f"tgkill {who}": errno_of("tgkill", pid, pid, 0),
            f"rt_sigqueueinfo {who}": errno_of("rt_sigqueueinfo", pid, 0, info),
            f"rt_tgsigqueueinfo {who}": errno_of("rt_tgsigqueueinfo", pid, pid, 0, info),
            f"prlimit64 {who}": errno_of("prlimit64", pid, _RLIMIT_NOFILE, 0, limits),
            f"sched_setaffinity {who}": errno_of("sched_setaffinity", pid, len(mask), mask),
        }
    read, _ = os.pipe()
    results |= {
        "prlimit64 zero": errno_of("prlimit64", 0, _RLIMIT_NOFILE, 0, limits),
        "pidfd_open other": errno_of("pidfd_open", target, 0),
        "fcntl F_SETOWN": errno_of("fcntl", read, _F_SETOWN, os.getpid()),
        "fcntl F_SETOWN_EX": errno_of("fcntl", read, _F_SETOWN_EX, owner),
        "fcntl F_GETFL": errno_of("fcntl", read, _F_GETFL, 0),
    }
    return results


HERE = Path(__file__).parent
PROBE = """
import json, sys
from harness.sandbox import kernel
from test_kernel import probe
installed = kernel.install_seccomp() if sys.argv[2] == "filtered" else False
print(json.dumps({"installed": installed, **probe(int(sys.argv[1]))}))
"""


def probe_from_child(target: int, filtered: bool) -> dict[str, int]:
    """`probe` from a child process of this uid, which installed the filter first when `filtered`."""
    run = subprocess.run([sys.executable, "-c", PROBE, str(target), "filtered" if filtered else "bare"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(map(str, [HERE.parents[1], HERE]))})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def on(results: dict[str, int], suffixes: tuple[str, ...]) -> dict[str, int]:
    return {call: code for call, code in results.items() if call.endswith(suffixes)}


def test_a_child_cannot_act_on_another_process_by_any_call():
    got = probe_from_child(os.getpid(), filtered=True)
    assert got["installed"]
    refused = on(got, (" other", "F_SETOWN", "F_SETOWN_EX"))
    assert len(refused) == 10 and set(refused.values()) == {errno.EPERM}, refused


def test_a_child_may_still_act_on_itself():
    got = probe_from_child(os.getpid(), filtered=True)
    allowed = on(got, (" self", " zero", "F_GETFL"))
    assert len(allowed) == 9 and set(allowed.values()) == {0}, allowed


def test_without_the_filter_the_same_calls_reach_this_process():
    """What the filter is for: these would reach the grader (and so the tests above can fail)."""
    got = probe_from_child(os.getpid(), filtered=False)
    assert not got["installed"]
    assert set(on(got, (" other", "F_SETOWN", "F_SETOWN_EX")).values()) == {0}, got
