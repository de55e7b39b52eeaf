"""Grading many submissions at once: every one isolated, the run going on past broken ones.

One zygote serves the whole run; `jobs` submissions are graded at a time, each in a confined child of
its own. `shard(paths, "i/n")` splits a course deterministically across a CI matrix.
"""

from __future__ import annotations

import errno
import itertools
import math
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .core import runner
from .core.problem import Problem
from .core.runner import ERROR, PASS, Report
from .core.submission import one_line
from .core.manifest import ProblemError
from .sandbox.executor import WALL_FACTOR, ForkedChild, Limits, Zygote, usable_cores
from .sandbox.watchdog import OwnTime, OwnTimeExceeded

LIMIT_FAULTS = ("timeout", "crashed")
MAX_SOURCE = 1024 * 1024
# The problem's own code (a test between two calls to the submission, a Draw) may take this many times
# the problem's time limit: ten times what the submission gets for a whole test is no honest test's need.
OWN_TIME_FACTOR = 10


class BatchError(Exception):
    """The batch cannot be formed (a bad --shard, a path that does not exist)."""


@dataclass(frozen=True)
class Graded:
    submission: str
    report: Report

    @property
    def hit_limit(self) -> bool:
        return any(t.fault in LIMIT_FAULTS for t in self.report.tests)


def collect(paths: list[str]) -> list[Path]:
    """Files as given, and under each folder every .py name, every link to a folder and every folder
    that cannot be listed; sorted, without duplicates.

    Links are listed, never followed, and a folder behind a link is never entered: a link must not pull
    the reference or anyone's files into a batch. Whatever of this list is not a readable regular file
    (a link, a folder named x.py, a FIFO, a folder that cannot be listed) gets an error record saying
    why, so nothing that may be a submission is dropped silently.
    """
    found: set[Path] = set()
    for name in paths:
        path = Path(name)
        if not os.path.lexists(name) and not os.path.lexists(name.rstrip("/")):
            raise BatchError(f"{display(name)}: no such file or folder")
        if is_folder(name) and not os.path.islink(name.rstrip("/") or "/"):
            unlisted: list[OSError] = []
            for folder, folders, files in os.walk(path, onerror=unlisted.append, followlinks=False):
                found.update(Path(folder, f) for f in files if f.endswith(".py"))
                # os.walk lists links to folders among the folders, and does not enter them
                found.update(Path(folder, d) for d in folders if d.endswith(".py") or os.path.islink(Path(folder, d)))
            found.update(Path(exc.filename) for exc in unlisted if exc.filename)
        else:
            found.add(path)
    return sorted(found)


def is_folder(name: str) -> bool:
    """Whether `name` is a folder; False when it cannot be looked at (reading it then says why)."""
    try:
        return stat.S_ISDIR(os.stat(name).st_mode)
    except OSError:
        return False



def shard(paths: list[Path], spec: str | None) -> list[Path]:
    """Keep shard i of n (1-based): every n-th path of the sorted list, starting at the i-th."""
    if not spec:
        return paths
    try:
        index, count = (int(part) for part in spec.split("/"))
    except ValueError:
        raise BatchError(f"--shard takes i/n, like 2/8 (got '{display(spec)}')") from None
    if not 1 <= index <= count:
        raise BatchError(f"--shard {spec}: i must be between 1 and n")
    return paths[index - 1 :: count]


def limits_for(problem: Problem) -> Limits:
    """A CPU-time backstop behind the per-test limits."""
    return Limits(cpu_seconds=math.ceil(problem.manifest.time_limit * len(problem.tests)) + 10)


def executor_for(problem: Problem, zygote: Zygote, jobs: int = 1) -> ForkedChild:
    """A confined child for `problem`, the grader's own time in the problem's code bounded too. With
    `jobs` children sharing the cores, each may take proportionally longer in wall time, so that its
    verdict is the one it gets alone (time limits are charged in CPU time)."""
    wall_factor = WALL_FACTOR * max(1.0, jobs / usable_cores())
    own_time = OwnTime(problem.manifest.time_limit * OWN_TIME_FACTOR, wall_factor, runner.tests_file(problem))
    return ForkedChild(zygote, limits_for(problem), wall_factor=wall_factor, own_time=own_time)


def grade_source(problem: Problem, source: str | bytes, name: str, zygote: Zygote, jobs: int = 1) -> Report:
    """Grade one source in a confined child of its own."""
    if isinstance(source, bytes):
        return runner.unloadable(problem, f"{display(name)} is not UTF-8 text; save it as UTF-8")
    with executor_for(problem, zygote, jobs) as executor:
        return runner.run(problem, source, executor)


def read(path: Path | str) -> str | bytes:
    """A submission's text; OSError when it is a link, not a regular file, or larger than MAX_SOURCE.

    Opened without following links and without blocking (a FIFO or a device is refused, never read).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (links, folders, FIFOs and devices are not read)")
        data = file.read(MAX_SOURCE + 1)
    if len(data) > MAX_SOURCE:
        raise OSError(errno.EFBIG, f"larger than {MAX_SOURCE // 1024} KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symbolic link (links are not followed)"
    if exc.errno == errno.EISDIR:
        return "a folder, not a file (its .py files are graded on their own)"
    return exc.strerror or str(exc)


def display(name: Path | str) -> str:
    """A file name as one printable line: undecodable bytes, controls and backslashes escaped."""
    return one_line(os.fsencode(name).decode("utf-8", "surrogateescape"))  # bad bytes: lone surrogates


def pin_to_a_core() -> Callable[[], None]:
    """Pins each thread that calls it to the next of this process's cores, in turn.

    A child runs on its grading thread's cores (`ForkedChild`), so each submission and its tests hand
    over on one core, its caches warm, and no wake-up crosses cores: measured on two cores, a third more
    submissions per second at --jobs 2 (README, "Measured").
    """
    cores, turn = sorted(os.sched_getaffinity(0)), itertools.count()

    def pin() -> None:
        os.sched_setaffinity(0, {cores[next(turn) % len(cores)]})

    return pin


def grade_all(problem: Problem, paths: list[Path], jobs: int, zygote: Zygote) -> list[Graded]:
    """One record per path, in order, whatever a submission does; a broken problem (ProblemError) stops all."""
    def grade(path: Path) -> Graded:
        name = display(path)
        try:
            source = read(path)
        except OSError as exc:
            return Graded(name, runner.unloadable(problem, f"{name}: cannot be read: {reason(exc)}"))
        try:
            return Graded(name, grade_source(problem, source, path.name, zygote, jobs))
        except (ProblemError, OwnTimeExceeded):
            raise
        except Exception as exc:  # noqa: BLE001 - one submission's fault never ends the batch
            return Graded(name, runner.unloadable(
                problem, f"could not be graded (the grader's fault, not yours): {type(exc).__name__}: {exc}"))

    with ThreadPoolExecutor(max_workers=max(1, jobs), initializer=pin_to_a_core()) as pool:
        futures = [pool.submit(grade, path) for path in paths]
        try:
            return [future.result() for future in futures]
        except (ProblemError, OwnTimeExceeded):
            pool.shutdown(cancel_futures=True)
            raise


def summary(problem: Problem, graded: list[Graded], isolation: str = "") -> dict:
    hidden = [t for t in problem.tests if t.visibility == "hidden"]
    count = len(graded) or 1
    return {
        "isolation": isolation,
        "seed": problem.seed,  # of the held-out inputs every submission was graded on
        "submissions": len(graded),
        "passed": sum(g.report.status == PASS for g in graded),
        "failed": sum(g.report.status == runner.FAIL for g in graded),
        "errored": sum(g.report.status == ERROR for g in graded),
        "hit_limit": sum(g.hit_limit for g in graded),
        "tests": [
            {
                "name": spec.name,
                "id": spec.id,
                "pass_rate": round(
                    sum(any(t.id == spec.id and t.status == PASS for t in g.report.tests) for g in graded) / count, 4
                ),
            }
            for spec in hidden
        ],
    }
