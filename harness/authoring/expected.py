"""Expected values as data: the reference's outputs on a problem's cases.

For the fixed cases and the published draws they are computed here and kept in expected.json, so the
site grades without the reference. For held-out draws, `grade` computes them at grading time with
`held_out`: the reference runs in the grading process's own executor, never in the submission's.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import replace
from typing import Iterable

from ..core.manifest import ProblemError
from ..core.plain import WrongResult, decode
from ..core.problem import EXPECTED, SOLUTION, TESTS, Problem, redraw
from ..core.runner import Executor
from ..core.testing import PUBLISHED_SEED
from ..inprocess import InProcess


def reference_values(problem: Problem, names: Iterable[str], executor: Executor) -> dict:
    """Run the reference on the named cases, in `executor`; its results as plain data, by case name.

    Any fault of the reference, or a value it returns that no test could accept, is the problem's:
    a ProblemError naming solution.py.
    """
    if SOLUTION not in problem.files:
        raise ProblemError(f"{problem.origin}/{SOLUTION}: missing; expected values are computed from it")
    where = f"{problem.origin}/{SOLUTION}"
    fault, _ = executor.load(problem.files[SOLUTION], problem.manifest.entry, problem.manifest.time_limit)
    if fault is not None:
        raise ProblemError(f"{where}: {fault.message}")
    values = {}
    for name in names:
        try:
            plain, fault, _ = executor.call(list(problem.cases[name].args), problem.manifest.time_limit)
        except ProblemError as exc:  # an argument no executor can carry
            raise ProblemError(f"{problem.origin}/{TESTS}: case '{name}': {exc}") from None
        if fault is not None:
            raise ProblemError(f"{where}: on case '{name}' (seed {problem.seed}): {fault.message}")
        try:
            decode(plain, problem.manifest.entry.returns, f"on case '{name}' (seed {problem.seed}) it")
        except WrongResult as exc:
            raise ProblemError(f"{where}: {exc}") from None
        values[name] = plain
    return values


def compute(problem: Problem, executor: Executor | None = None) -> dict:
    """What expected.json holds: the reference's outputs on every case, with the published draws.

    Run on `executor` (closed afterwards; by default this process): the CLI passes the sandbox's, so
    that even os._exit() in solution.py is a ProblemError naming it.
    """
    published = problem if problem.seed == PUBLISHED_SEED else redraw(problem, PUBLISHED_SEED)
    executor = executor or InProcess()
    try:
        return reference_values(published, published.cases, executor)
    finally:
        executor.close()


def held_out(problem: Problem, seed: int, executor: Executor) -> Problem:
    """The problem with its draws made from `seed`, and the reference's values on them."""
    if seed == PUBLISHED_SEED == problem.seed:
        return problem  # the site's inputs: expected.json holds their values, no reference is needed
    drawn = redraw(problem, seed)
    if not drawn.drawn:
        return drawn  # nothing to ask the reference: a problem without draws grades without it
    return replace(drawn, expected={**drawn.expected, **reference_values(drawn, sorted(drawn.drawn), executor)})


def fresh_seed() -> int:
    """A seed for one grading run: never the published one, unguessable, and short enough to retype."""
    return secrets.randbelow(2**48 - 1) + 1


def render(values: dict) -> str:
    return json.dumps(values, indent=2, sort_keys=True) + "\n"


def is_current(problem: Problem, executor: Executor | None = None) -> bool:
    """Whether expected.json holds exactly what the reference computes now."""
    return problem.files[EXPECTED] == render(compute(problem, executor))
