# Looks for any process it could stop (the zygote, the grader, anything of the grader's uid) through
# every call that signals or acts on a process, then answers correctly: it must find none. Probed with
# signal 0 and read-only queries, which the kernel permits exactly when the real signal would be.
import ctypes
import os

import numpy as np

LIBC = ctypes.CDLL(None, use_errno=True)
X86 = os.uname().machine == "x86_64"
CALLS = {  # name: (x86-64, AArch64), and the arguments after the pid
    "kill": ((62, 129), (0,)),
    "tkill": ((200, 130), (0,)),
    "rt_sigqueueinfo": ((129, 138), (0, ctypes.create_string_buffer(b"\0" * 8 + b"\xff" * 4, 128))),
    "prlimit64": ((302, 261), (7, None, ctypes.create_string_buffer(16))),
    "pidfd_open": ((434, 434), (0,)),
}
ME = os.getpid()


def reachable(pid):
    found = []
    for name, (numbers, rest) in CALLS.items():
        result = LIBC.syscall(numbers[0 if X86 else 1], pid, *rest)
        if result >= 0:
            found.append(name)
        if result >= 0 and name == "pidfd_open":
            os.close(result)
    for thread_group_call in ((234, 131), (297, 240)):  # tgkill, rt_tgsigqueueinfo: (tgid, tid, signal, ...)
        info = CALLS["rt_sigqueueinfo"][1][1]
        if LIBC.syscall(thread_group_call[0 if X86 else 1], pid, pid, 0, info) >= 0:
            found.append(str(thread_group_call))
    return found


owner = {}
for pid in [os.getppid()] + [p for p in range(2, max(1 << 15, ME + 1000)) if p != ME]:
    calls = reachable(pid)
    if calls:
        owner[pid] = calls
# SIGIO to another process: a descriptor owned by it (F_SETOWN, 8, to the zygote).
read, write = os.pipe()
if LIBC.syscall(72 if X86 else 25, read, 8, os.getppid()) >= 0:
    owner["F_SETOWN"] = os.getppid()


def label_smoothing_loss(logits, target, alpha):
    if owner:
        raise RuntimeError(f"could act on {owner}")
    z = np.asarray(logits, dtype=np.float64)
    log_probs = z - z.max() - np.log(np.exp(z - z.max()).sum())
    soft = np.full(z.shape[0], alpha / z.shape[0])
    soft[target] += 1.0 - alpha
    return float(-(soft * log_probs).sum())
