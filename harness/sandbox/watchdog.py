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
import weakref
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


@dataclass(frozen=True)
class _Stretch:
    thread: int
    clock: int  # the thread's CPU-time clock
    cpu: float
    wall: float


class OwnTime:
    """One executor's bound: `seconds` of CPU, or `seconds * wall_factor` of wall time, per stretch.

    Starting and stopping a stretch only sets an attribute (it happens twice per call to the submission);
    the watchdog reads it. Should a stretch end between the watchdog's reading and its interruption, the
    exception lands in the code that ended it, on its way to the submission or closing: a test that
    used up its bound all the same, reported by the runner or by the CLI.
    """

    def __init__(self, seconds: float, wall_factor: float, where: str) -> None:
        self.seconds, self.wall_factor, self.where = seconds, wall_factor, where
        self.exceeded = type("OwnTimeExceeded", (OwnTimeExceeded,), {"seconds": seconds, "where": where})
        self._stretch: _Stretch | None = None
        self._interrupted = 0.0  # wall time of the last interruption of the current stretch
        _WATCHDOG.watch(self)

    def start(self) -> None:
        """The calling thread runs the problem's code from now on."""
        thread = threading.get_ident()
        clock = time.pthread_getcpuclockid(thread)
        self._interrupted = 0.0
        self._stretch = _Stretch(thread, clock, time.clock_gettime(clock), time.monotonic())

    def hand_over(self) -> None:
        """The problem's code calls the submission: the stretch ends, unless it was interrupted and its
        code swallowed that, which it may not undo by calling on (it gets the interruption again)."""
        if self._stretch is not None and self._interrupted:
            raise self.exceeded()
        self.stop()

    def stop(self) -> None:
        """The problem's code is done (its executor closes)."""
        self._stretch = None

    def check(self) -> None:
        """Interrupt the stretch's thread past the bound; end the run if it cannot be interrupted."""
        stretch, now = self._stretch, time.monotonic()
        if stretch is None:
            return
        try:
            cpu = time.clock_gettime(stretch.clock) - stretch.cpu
        except OSError:  # its thread has ended without closing it
            self._stretch = None
            return
        if max(cpu, (now - stretch.wall) / self.wall_factor) <= self.seconds:
            return
        if self._interrupted and now - self._interrupted < RETRY:
            return
        if self._interrupted and now - stretch.wall > self.seconds * self.wall_factor + GRACE:
            os.write(2, f"exercise-kit: error: {self.where}: {self.exceeded()}; it could not be "
                        "interrupted (a sleep, or a loop outside Python?)\n".encode())
            os._exit(EXIT_CANNOT_GRADE)
        self._interrupted = now
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(stretch.thread), ctypes.py_object(self.exceeded))


class _Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bounds: weakref.WeakSet[OwnTime] = weakref.WeakSet()
        self._thread: threading.Thread | None = None

    def watch(self, bound: OwnTime) -> None:
        with self._lock:
            self._bounds.add(bound)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="own-time-watchdog", daemon=True)
                self._thread.start()

    def _watch(self) -> None:
        while True:
            time.sleep(TICK)
            with self._lock:
                bounds = list(self._bounds)
            for bound in bounds:
                bound.check()


_WATCHDOG = _Watchdog()
