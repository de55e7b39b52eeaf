"""What Python's os module lacks for confining a child: a seccomp filter, and dying with the parent.

The seccomp filter denies a submission's process the kernel's shared objects and the network. It is
installed by each child after it has confined itself, as root or not (it needs only no_new_privs).
Denied calls fail with EPERM, so Python reports an ordinary PermissionError to the learner's code:

- the network: socket() and socketpair(), and io_uring, which could open sockets behind the filter;
- System V IPC and POSIX message queues, whose objects outlive the process that made them;
- kernel keyrings, whose keys outlive the process and are shared by everything with the same uid;
- signals to other processes (kill(-1) included), leaving the process group, tracing other processes,
  new namespaces, mounts, BPF and performance counters.

The filter is built once, at import, for the machine's architecture (x86-64 and AArch64); elsewhere
`install` returns False and the child reports that it runs without it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import signal
import struct

# (x86-64, AArch64) numbers from the kernel's unistd tables.
DENIED = {
    "socket": (41, 198), "socketpair": (53, 199),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "shmget": (29, 194), "shmat": (30, 196), "shmctl": (31, 195), "shmdt": (67, 197),
    "semget": (64, 190), "semop": (65, 193), "semctl": (66, 191), "semtimedop": (220, 192),
    "msgget": (68, 186), "msgsnd": (69, 189), "msgrcv": (70, 188), "msgctl": (71, 187),
    "mq_open": (240, 180), "mq_unlink": (241, 181),
    "add_key": (248, 217), "request_key": (249, 218), "keyctl": (250, 219),
    "kill": (62, 129), "tkill": (200, 130), "setsid": (112, 157), "setpgid": (109, 154),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "unshare": (272, 97), "setns": (308, 268), "mount": (165, 40), "umount2": (166, 39),
    "pivot_root": (155, 41), "chroot": (161, 51), "bpf": (321, 280), "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
}
_ARCHES = {"x86_64": (0, 0xC000003E), "aarch64": (1, 0xC00000B7)}  # column, AUDIT_ARCH_*
_X32_BIT = 0x40000000  # x86-64's x32 ABI: the same calls under other numbers; refuse them all

_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_ALLOW, _KILL_PROCESS, _DENY = 0x7FFF0000, 0x80000000, 0x00050000 | errno.EPERM
_NR_OFFSET, _ARCH_OFFSET = 0, 4  # in struct seccomp_data
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 1, 38, 22, 2


def _instruction(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(column: int, arch: int) -> bytes:
    prologue = [
        _instruction(_LD_W_ABS, _ARCH_OFFSET),
        _instruction(_JEQ_K, arch, jt=1),
        _instruction(_RET_K, _KILL_PROCESS),  # another ABI than the one the table is for
        _instruction(_LD_W_ABS, _NR_OFFSET),
    ]
    if column == 0:
        prologue += [_instruction(_JGE_K, _X32_BIT, jf=1), _instruction(_RET_K, _DENY)]
    checks = [_instruction(_JEQ_K, numbers[column], jf=1) + _instruction(_RET_K, _DENY) for numbers in DENIED.values()]
    return b"".join(prologue + checks + [_instruction(_RET_K, _ALLOW)])


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_ARCH = _ARCHES.get(platform.machine())
_FILTER = ctypes.create_string_buffer(_program(*_ARCH)) if _ARCH else None
# Looked up here, in the zygote, once: a child that looked it up itself would pay half a millisecond.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl


def die_with_parent(parent: int) -> None:
    """Be killed when `parent` dies (set after any change of uid, which clears it); exit if it already has."""
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def install_seccomp() -> bool:
    """Filter every later system call of this process (and of any thread it starts); False if unsupported."""
    if _FILTER is None:
        return False
    program = _Program(len(_FILTER.raw) // 8, ctypes.addressof(_FILTER))
    if _PRCTL(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return _PRCTL(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) == 0
