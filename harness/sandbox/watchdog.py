"""A bound on the grading process's own time running a problem's code: its tests and its Draws.

A test function and a Draw generator are the instructor's code, and they run in the grading process,
not in the submission's child, so the child's limits do not cover them. A loop there must end as the
problem's fault (exit 2, naming tests.py), never hang the run and never be charged to the learner.

Each executor keeps a stretch open whenever it is not exchanging with the submission: that is the
time the grader spends in the problem's own code. One watchdog thread charges every open stretch the
larger of its thread's CPU time and its wall time divided by a wall factor (as the child's clock
does), and past the bound raises `OwnTimeExceeded` in that thread; the runner reports it as the
test's (or the Draw's) fault. Code that swallows it gets it again every second; code that cannot be
interrupted (a loop in C, a long sleep) ends the run with the one line and exit 2.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from dataclasses import dataclass

TICK = 0.1
RETRY = 1.0  # seconds between two interruptions of code that swallowed the first
# What an uninterruptible stretch gets after its first interruption before the run ends: a BLAS call
# on large arrays returns within it; a sleep or a C loop does not.
GRACE = 5.0
EXIT_CANNOT_GRADE = 2


class OwnTimeExceeded(BaseException):
    """The problem's own code ran too long between two calls to the submission.

    A BaseException, so that a test's `except Exception` cannot take it for the submission's fault.
    Raised by type into another thread (CPython instantiates it without arguments), so each bound
    gets a subclass that knows its figures and its file (`OwnTime.exceeded`).
    """

    seconds = 0.0
    where = ""

    def __str__(self) -> str:
        return (f"ran for more than {self.seconds:g} s of the grader's own time without calling the "
                "submission (a loop in the problem's code?)")


@dataclass
class _Stretch:
    thread: int
    clock: int  # the thread's CPU-time clock
    cpu: float
    wall: float
    interrupted: float = 0.0  # wall time of the last interruption


class OwnTime:
    """One executor's bound: `seconds` of CPU, or `seconds * wall_factor` of wall time, per stretch."""

    def __init__(self, seconds: float, wall_factor: float, where: str) -> None:
        self.seconds, self.wall_factor, self.where = seconds, wall_factor, where
        self.exceeded = type("OwnTimeExceeded", (OwnTimeExceeded,), {"seconds": seconds, "where": where})

    def start(self) -> None:
        """The calling thread runs the problem's code from now on."""
        thread = threading.get_ident()
        clock = time.pthread_getcpuclockid(thread)
        _WATCHDOG.open(self, _Stretch(thread, clock, time.clock_gettime(clock), time.monotonic()))

    def stop(self) -> None:
        """The problem's code has handed over to the submission (or is done)."""
        _WATCHDOG.close(self)


class _Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[OwnTime, _Stretch] = {}
        self._thread: threading.Thread | None = None

    def open(self, bound: OwnTime, stretch: _Stretch) -> None:
        with self._lock:
            self._open[bound] = stretch
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="own-time-watchdog", daemon=True)
                self._thread.start()

    def close(self, bound: OwnTime) -> None:
        with self._lock:
            self._open.pop(bound, None)

    def _watch(self) -> None:
        while True:
            time.sleep(TICK)
            with self._lock:  # a stretch closing waits: an interruption never lands after its end
                for bound, stretch in list(self._open.items()):
                    self._check(bound, stretch)

    def _check(self, bound: OwnTime, stretch: _Stretch) -> None:
        now = time.monotonic()
        try:
            cpu = time.clock_gettime(stretch.clock) - stretch.cpu
        except OSError:  # the thread has ended without closing its stretch
            self._open.pop(bound, None)
            return
        if max(cpu, (now - stretch.wall) / bound.wall_factor) <= bound.seconds:
            return
        if stretch.interrupted and now - stretch.interrupted < RETRY:
            return
        if stretch.interrupted and now - stretch.wall > bound.seconds * bound.wall_factor + GRACE:
            os.write(2, f"exercise-kit: error: {bound.where}: {bound.exceeded()}; it could not be "
                        "interrupted (a sleep, or a loop outside Python?)\n".encode())
            os._exit(EXIT_CANNOT_GRADE)
        stretch.interrupted = now
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(stretch.thread), ctypes.py_object(bound.exceeded))


_WATCHDOG = _Watchdog()
