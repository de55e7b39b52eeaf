"""Grading many submissions at once: every one isolated, the run going on past broken ones.

One zygote serves the whole run; `jobs` submissions are graded at a time, each in a confined child of
its own. `shard(paths, "i/n")` splits a course deterministically across a CI matrix.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .core import runner
from .core.problem import Problem
from .core.runner import ERROR, PASS, Report
from .sandbox.executor import ForkedChild, Limits, Zygote

LIMIT_FAULTS = ("timeout", "crashed")


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
    """Files as given, and every .py file under each folder; sorted, without duplicates."""
    found: set[Path] = set()
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.update(p for p in path.rglob("*.py") if p.is_file() or p.is_symlink())
        elif path.exists() or path.is_symlink():
            found.add(path)
        else:
            raise BatchError(f"{name}: no such file or folder")
    return sorted(found)


def shard(paths: list[Path], spec: str | None) -> list[Path]:
    """Keep shard i of n (1-based): every n-th path of the sorted list, starting at the i-th."""
    if not spec:
        return paths
    try:
        index, count = (int(part) for part in spec.split("/"))
    except ValueError:
        raise BatchError(f"--shard takes i/n, like 2/8 (got '{spec}')") from None
    if not 1 <= index <= count:
        raise BatchError(f"--shard {spec}: i must be between 1 and n")
    return paths[index - 1 :: count]


def limits_for(problem: Problem) -> Limits:
    """The kernel's RLIMIT_CPU for the whole submission: a backstop behind the per-test CPU-time limits."""
    return Limits(cpu_seconds=math.ceil(problem.manifest.time_limit * len(problem.tests)) + 10)


def grade_source(problem: Problem, source: str | bytes, name: str, zygote: Zygote) -> Report:
    if isinstance(source, bytes):
        return runner.unloadable(problem, f"{name} is not UTF-8 text; save it as UTF-8")
    with ForkedChild(zygote, limits_for(problem)) as executor:
        return runner.run(problem, source, executor)


def read(path: Path) -> str | bytes:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def grade_all(problem: Problem, paths: list[Path], jobs: int, zygote: Zygote) -> list[Graded]:
    def grade(path: Path) -> Graded:
        try:
            source = read(path)
        except OSError as exc:
            return Graded(str(path), runner.unloadable(problem, f"{path}: cannot be read: {exc.strerror or exc}"))
        return Graded(str(path), grade_source(problem, source, path.name, zygote))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(grade, paths))


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
