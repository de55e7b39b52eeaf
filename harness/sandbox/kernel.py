"""What Python's os module lacks for confining a child: a seccomp filter, and dying with the parent.

The seccomp filter denies a submission's process the kernel's shared objects and the network. It is
installed by each child after it has confined itself, as root or not (it needs only no_new_privs).
Denied calls fail with EPERM, so Python reports an ordinary PermissionError to the learner's code:

- the network: socket() and socketpair(), and io_uring, which could open sockets behind the filter;
- System V IPC and POSIX message queues, whose objects outlive the process that made them;
- kernel keyrings, whose keys outlive the process and are shared by everything with the same uid;
- acting on any other process: a signal by any call (kill, tkill, tgkill, rt_sigqueueinfo,
  rt_tgsigqueueinfo, pidfd_send_signal, SIGIO through fcntl's F_SETOWN), new limits, priorities or CPUs
  (prlimit64, sched_set*, setpriority, ioprio_set), its memory (ptrace, process_vm_*, move_pages,
  migrate_pages) or its descriptors (pidfd_open, pidfd_getfd, kcmp). Calls that name a process are
  allowed only when they name the child itself (its pid, or 0 where the kernel reads 0 as "myself");
  without this, a child that shares the grader's uid (a grader not run as root) could stop the grader;
- leaving the process group, new namespaces, mounts, BPF and performance counters.

The filter is built once, at import in the zygote, for the machine's architecture (x86-64 and AArch64);
each child writes only its own pid into it. Elsewhere `install_seccomp` returns False and the child
reports that it runs without it.
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
    "pidfd_open": (434, 434), "pidfd_send_signal": (424, 424), "pidfd_getfd": (438, 438), "kcmp": (312, 272),
    "setpriority": (141, 140), "ioprio_set": (251, 30), "migrate_pages": (256, 238), "move_pages": (279, 239),
    "setsid": (112, 157), "setpgid": (109, 154),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "unshare": (272, 97), "setns": (308, 268), "mount": (165, 40), "umount2": (166, 39),
    "pivot_root": (155, 41), "chroot": (161, 51), "bpf": (321, 280), "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
}
# Calls whose first argument names the process (or thread) they act on: allowed on the child itself only.
SELF_ONLY = {
    "kill": (62, 129), "tkill": (200, 130), "tgkill": (234, 131),
    "rt_sigqueueinfo": (129, 138), "rt_tgsigqueueinfo": (297, 240),
}
# The same, where the kernel also reads 0 as the calling process.
SELF_OR_ZERO = {
    "prlimit64": (302, 261), "sched_setaffinity": (203, 122), "sched_setparam": (142, 118),
    "sched_setscheduler": (144, 119), "sched_setattr": (314, 274),
}
_FCNTL = (72, 25)
_F_SETOWN, _F_SETOWN_EX = 8, 15  # SIGIO to a process of the caller's choosing
_ARCHES = {"x86_64": (0, 0xC000003E), "aarch64": (1, 0xC00000B7)}  # column, AUDIT_ARCH_*
_X32_BIT = 0x40000000  # x86-64's x32 ABI: the same calls under other numbers; refuse them all

_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_ALLOW, _KILL_PROCESS, _DENY = 0x7FFF0000, 0x80000000, 0x00050000 | errno.EPERM
_NR_OFFSET, _ARCH_OFFSET, _ARG0, _ARG1 = 0, 4, 16, 24  # in struct seccomp_data (arguments' low halves:
# the kernel reads a pid or a command as a 32-bit int, and both architectures are little-endian)
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 1, 38, 22, 2


# An instruction: (code, k, where to go if true, if false); a destination is a label (a str), or
# None for the next instruction. A str alone marks the place of a label.
_Step = tuple[int, int, "str | None", "str | None"] | str


def _program(column: int, arch: int) -> list[_Step]:
    """The filter, with _PID_MARK where the child's pid goes (`install_seccomp` writes it there)."""
    steps: list[_Step] = [
        (_LD_W_ABS, _ARCH_OFFSET, None, None),
        (_JEQ_K, arch, None, "kill"),  # another ABI than the one the table is for
        (_LD_W_ABS, _NR_OFFSET, None, None),
    ]
    if column == 0:
        steps.append((_JGE_K, _X32_BIT, "deny", None))
    steps += [(_JEQ_K, numbers[column], "deny", None) for numbers in DENIED.values()]
    steps += [(_JEQ_K, numbers[column], "self", None) for numbers in SELF_ONLY.values()]
    steps += [(_JEQ_K, numbers[column], "self or zero", None) for numbers in SELF_OR_ZERO.values()]
    steps += [
        (_JEQ_K, _FCNTL[column], "fcntl", "allow"),
        "fcntl",  # F_SETOWN and F_SETOWN_EX, whatever the process: every other command is allowed
        (_LD_W_ABS, _ARG1, None, None),
        (_JEQ_K, _F_SETOWN, "deny", None),
        (_JEQ_K, _F_SETOWN_EX, "deny", "allow"),
        "self or zero",
        (_LD_W_ABS, _ARG0, None, None),
        (_JEQ_K, 0, "allow", None),
        "self",
        (_LD_W_ABS, _ARG0, None, None),
        (_JEQ_K, _PID_MARK, "allow", "deny"),
        "allow", (_RET_K, _ALLOW, None, None),
        "deny", (_RET_K, _DENY, None, None),
        "kill", (_RET_K, _KILL_PROCESS, None, None),
    ]
    return steps


def _assemble(steps: list[_Step]) -> bytes:
    """Classic BPF: jumps are counted in instructions from the next one."""
    labels, index = {}, 0
    for step in steps:
        if isinstance(step, str):
            labels[step] = index
        else:
            index += 1
    code, index = [], 0
    for step in steps:
        if isinstance(step, str):
            continue
        operation, k, if_true, if_false = step
        jt, jf = (0 if label is None else labels[label] - index - 1 for label in (if_true, if_false))
        code.append(struct.pack("HBBI", operation, jt, jf, k))
        index += 1
    return b"".join(code)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_ARCH = _ARCHES.get(platform.machine())
_PID_MARK = 0xFFFFFFFF  # no pid: the kernel's are below 2**22
_STEPS = _program(*_ARCH) if _ARCH else []
# Made here, in the zygote, once: each child only writes its pid into its copy of the page.
_CODE = _assemble(_STEPS)
_FILTER = ctypes.create_string_buffer(_CODE, len(_CODE))
_PROGRAM = _Program(len(_CODE) // 8, ctypes.addressof(_FILTER))
# Where the pid goes: the k field (bytes 4-7) of the instruction that compares with the mark.
_PID_AT = 8 * [step[1] for step in _STEPS if not isinstance(step, str)].index(_PID_MARK) + 4 if _ARCH else -1
# Looked up here, in the zygote, once: a child that looked it up itself would pay half a millisecond.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl


def die_with_parent(parent: int) -> None:
    """Be killed when `parent` dies (set after any change of uid, which clears it); exit if it already has."""
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def install_seccomp() -> bool:
    """Filter every later system call of this process (and of any thread it starts); False if unsupported."""
    if _ARCH is None:
        return False
    _FILTER[_PID_AT:_PID_AT + 4] = struct.pack("I", os.getpid())
    if _PRCTL(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return _PRCTL(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(_PROGRAM), 0, 0) == 0
