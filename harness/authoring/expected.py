"""Expected values as data: the reference's outputs on a problem's CASES, kept in expected.json.

Computed from `solution.py` here and checked in, so that grading never needs the reference.
"""

from __future__ import annotations

import json

from ..core.manifest import ProblemError
from ..core.problem import EXPECTED, SOLUTION, TESTS, Problem
from ..core.runner import Executor
from ..inprocess import InProcess


def compute(problem: Problem, executor: Executor | None = None) -> dict:
    """Run the reference on every case (on `executor`, which this closes; by default in this process);
    its results, as plain data, by case name. Any fault of the reference is a ProblemError naming it."""
    if SOLUTION not in problem.files:
        raise ProblemError(f"{problem.origin}/{SOLUTION}: missing; expected values are computed from it")
    executor = executor or InProcess()
    try:
        return _compute(problem, executor)
    finally:
        executor.close()


def _compute(problem: Problem, executor: Executor) -> dict:
    fault, _ = executor.load(problem.files[SOLUTION], problem.manifest.entry)
    if fault is not None:
        raise ProblemError(f"{problem.origin}/{SOLUTION}: {fault.message}")
    values = {}
    for name, case in problem.cases.items():
        try:
            plain, fault, _ = executor.call(list(case.args), problem.manifest.time_limit)
        except ProblemError as exc:
            raise ProblemError(f"{problem.origin}/{TESTS}: case '{name}': {exc}") from None
        if fault is not None:
            raise ProblemError(f"{problem.origin}/{SOLUTION}: on case '{name}': {fault.message}")
        values[name] = plain
    return values


def render(values: dict) -> str:
    return json.dumps(values, indent=2, sort_keys=True) + "\n"


def is_current(problem: Problem, executor: Executor | None = None) -> bool:
    """Whether expected.json holds exactly what the reference computes now."""
    return problem.files[EXPECTED] == render(compute(problem, executor))
