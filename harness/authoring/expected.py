"""Expected values as data: the reference's outputs on a problem's CASES, kept in expected.json.

Computed from `solution.py` here and checked in, so that grading never needs the reference.
"""

from __future__ import annotations

import json

from ..core.problem import EXPECTED, Problem
from ..core.runner import Executor, reference_outputs
from ..inprocess import InProcess


def compute(problem: Problem, executor: Executor | None = None) -> dict:
    """Run the reference on every case (on `executor`, which this closes; by default in this process);
    its results, as plain data, by case name. Any fault of the reference is a ProblemError naming it."""
    executor = executor or InProcess()
    try:
        return reference_outputs(problem, problem.cases, executor)
    finally:
        executor.close()


def render(values: dict) -> str:
    return json.dumps(values, indent=2, sort_keys=True) + "\n"


def is_current(problem: Problem, executor: Executor | None = None) -> bool:
    """Whether expected.json holds exactly what the reference computes now."""
    return problem.files[EXPECTED] == render(compute(problem, executor))
