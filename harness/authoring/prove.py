"""`python -m harness check`: prove each problem sound, or say which problem, file and what is wrong.

For every problem: the manifest, statement and tests load; no TODO is left; each worked example in the
statement gives what it promises when run on the reference; expected.json is what the reference
computes; the reference passes every test, the stub none, every correct variant in `accepted/` all;
every mutant in `mutants/` (one documented pitfall each) fails at least one hidden test; two runs give
the same verdicts; the same holds on held-out inputs drawn from many seeds (every Draw reproducible from
its seed); and, given a built site, Pyodide under Node gives the same verdict test by test.

A problem that cannot be proven because its own files fail (what `grade` refuses with exit 2: tests.py or
solution.py raising, unusable expected values, arguments no process can receive) raises ProblemError,
naming the file; what proves it unsound (a surviving mutant, stale expected values, ...) is a finding.
"""

from __future__ import annotations

import ast
import json
import math
import re
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import expected, statement
from ..core import problem as problems, runner
from ..core.manifest import ProblemError
from ..core.plain import WrongResult, decode
from ..core.testing import HIDDEN
from ..inprocess import InProcess

TODO = re.compile(r"\bTODO\b")
MUTANTS, ACCEPTED = "mutants", "accepted"
PYODIDE_RUNNER = Path(__file__).resolve().parent / "pyodide_runner.mjs"
# Seeds the held-out proofs draw from: enough that a mutant caught only by some draws is found out.
HELD_OUT_SEEDS = range(1, 21)


@dataclass(frozen=True)
class Subject:
    """A source the check grades, and what its verdict must be."""

    label: str  # reference, stub, mutants/<name>.py, accepted/<name>.py
    source: str
    must: str  # pass | fail-all | be-caught


@dataclass
class Outcome:
    problem: problems.Problem
    findings: list[str] = field(default_factory=list)
    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)  # subject -> test id -> status
    parity: str = "not checked (no built site)"
    held_out: str = "no Draw in CASES (every input is public)"

    def add_finding(self, file: str, message: str) -> None:
        self.findings.append(f"{self.problem.origin}/{file}: {message}")


def subjects(problem: problems.Problem) -> list[Subject]:
    folder = problem.folder
    found = [
        Subject("reference", problem.files.get(problems.SOLUTION, ""), "pass"),
        Subject("stub", problem.files[problems.STUB], "fail-all"),
    ]
    for kind, must in ((MUTANTS, "be-caught"), (ACCEPTED, "pass")):
        for path in sorted((folder / kind).glob("*.py")) if folder else []:
            found.append(Subject(f"{kind}/{path.name}", path.read_text(encoding="utf-8"), must))
    return found


def verdicts(report: runner.Report) -> dict[str, str]:
    return {t.id: t.status for t in report.tests}


NewExecutor = Callable[[], runner.Executor]


def prove(problem: problems.Problem, new_executor: NewExecutor = InProcess) -> Outcome:
    """Prove `problem`, running every subject and the reference on a fresh executor from `new_executor`.

    The CLI passes the sandbox's, so that a mutant calling os._exit() is a crash the tests catch, and
    a test's fault (ProblemError) is found exactly as `grade` finds it.
    """
    outcome = Outcome(problem)
    _check_todo(outcome)
    if problems.SOLUTION not in problem.files:
        raise ProblemError(f"{problem.origin}/{problems.SOLUTION}: missing; the reference is needed to prove the tests")
    _check_statement(outcome, new_executor)
    # Against stale expected values the tests' verdicts prove nothing: only the draws are checked then.
    current = _check_expected(outcome, new_executor)
    for subject in subjects(problem) if current else []:
        first, second = (_grade(problem, subject.source, new_executor) for _ in range(2))
        outcome.verdicts[subject.label] = verdicts(first)
        if verdicts(first) != verdicts(second):
            outcome.add_finding(subject.label, f"not deterministic: {verdicts(first)} then {verdicts(second)}")
        _judge(outcome, subject, first)
    _prove_held_out(outcome, new_executor, current)
    return outcome


def _prove_held_out(outcome: Outcome, new_executor: NewExecutor, grade: bool = True) -> None:
    """Over many seeds: each Draw is its seed's alone, and (if `grade`) the reference and every accepted
    variant pass, every mutant is caught."""
    problem = outcome.problem
    if not problem.drawn:
        return
    graded = [s for s in subjects(problem) if s.must != "fail-all"] if grade else []
    misses: dict[Subject, list[tuple[int, str]]] = {}
    for seed in HELD_OUT_SEEDS:
        with closing(new_executor()) as reference:
            drawn = expected.held_out(problem, seed, reference)
        again = problems.redraw(problem, seed)
        unstable = [n for n in drawn.drawn if not _same_args(drawn.cases[n].args, again.cases[n].args)]
        if unstable:
            outcome.add_finding(problems.TESTS, f"the Draw of {unstable[0]!r} gives other inputs for the same seed "
                                                f"({seed}): draw only from the rng it is given")
            return
        for subject in graded:
            miss = _misses(subject, _grade(drawn, subject.source, new_executor))
            if miss:
                misses.setdefault(subject, []).append((seed, miss))
    for subject, found in misses.items():
        seed, miss = found[0]
        outcome.add_finding(_file(subject), f"on held-out inputs, {len(found)} of {len(HELD_OUT_SEEDS)} seeds: {miss} "
                                            f"(reproduce: grade {problem.id} {_file(subject)} --seed {seed})")
    outcome.held_out = (f"{len(HELD_OUT_SEEDS)} seeds x {len(problem.drawn)} drawn cases: "
                        f"{len(graded) - len(misses)} of {len(graded)} sources as they must be on every seed")


def _same_args(first: tuple, second: tuple) -> bool:
    return len(first) == len(second) and all(
        np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, second)
    )


def _grade(problem: problems.Problem, source: str, new_executor: NewExecutor) -> runner.Report:
    with closing(new_executor()) as executor:
        return runner.run(problem, source, executor)


def _check_todo(outcome: Outcome) -> None:
    folder = outcome.problem.folder
    for path in sorted(folder.rglob("*")) if folder else []:
        if path.is_file() and path.suffix in (".py", ".md", ".toml"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if TODO.search(line):
                    outcome.add_finding(str(path.relative_to(folder)), f"line {number}: a TODO is left: {line.strip()}")


def _check_statement(outcome: Outcome, new_executor: NewExecutor) -> None:
    """Each worked example, run on the reference in an executor of its own (so that a reference that
    loops or ends its process is a ProblemError naming it), gives what the statement promises."""
    problem = outcome.problem
    try:
        parsed = statement.parse(problem.files[problems.STATEMENT], f"{problem.origin}/{problems.STATEMENT}")
    except ProblemError as exc:
        outcome.findings.append(str(exc))
        return
    if not parsed.examples:
        outcome.add_finding(problems.STATEMENT, "has no worked example (a ```pycon block with >>> and its result)")
    entry, limit = problem.manifest.entry, problem.manifest.time_limit
    with closing(new_executor()) as reference:
        fault, _ = reference.load(problem.files[problems.SOLUTION], entry, limit)
        if fault is not None:
            raise ProblemError(f"{problem.origin}/{problems.SOLUTION}: {fault.message}")
        for example in parsed.examples:
            _check_example(outcome, example, reference)


def _check_example(outcome: Outcome, example: statement.WorkedExample, reference: runner.Executor) -> None:
    problem = outcome.problem
    entry = problem.manifest.entry
    where = f"line {example.line}: `{example.call}`"
    try:
        args = _example_args(example.call, entry.name)
    except Exception as exc:  # noqa: BLE001 - the author's own statement
        outcome.add_finding(problems.STATEMENT, f"{where}: {type(exc).__name__}: {exc}")
        return
    plain, fault, _ = reference.call(args, problem.manifest.time_limit)
    if fault is not None:
        raise ProblemError(f"{problem.origin}/{problems.SOLUTION}: on the statement's {where}: {fault.message}")
    try:
        got = decode(plain, entry.returns, f"{example.call} on the reference")
    except WrongResult as exc:
        raise ProblemError(f"{problem.origin}/{problems.SOLUTION}: {exc}") from None
    if not _agrees(got, example.result):
            outcome.add_finding(
                problems.STATEMENT,
                f"line {example.line}: `{example.call}` gives {got!r} on the reference, "
                f"but the statement says {example.result}",
            )


def _example_args(call: str, name: str) -> list:
    """The arguments of a worked example's `name(...)` call, evaluated with NumPy and math at hand."""
    tree = ast.parse(call, mode="eval").body
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == name
            and not tree.keywords and not any(isinstance(a, ast.Starred) for a in tree.args)):
        raise ValueError(f"a worked example is a call of {name}(...) with positional arguments")
    namespace = {"np": np, "numpy": np, "math": math}
    return [eval(compile(ast.Expression(a), "<statement>", "eval"), namespace) for a in tree.args]  # noqa: S307


def _agrees(got: object, shown: str) -> bool:
    """Whether `got` rounds to `shown`, to as many decimals as `shown` has."""
    try:
        want = np.asarray(ast.literal_eval(shown), dtype=np.float64)
    except (ValueError, SyntaxError):
        return repr(got) == shown
    decimals = max((len(d) for d in re.findall(r"\.(\d+)", shown)), default=0)
    try:
        value = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return value.shape == want.shape and bool(np.all(np.abs(value - want) <= 0.5 * 10.0**-decimals + 1e-12))


def _check_expected(outcome: Outcome, new_executor: NewExecutor) -> bool:
    """Whether expected.json is what the reference computes; a finding says why not (values missing or
    different: `expected` brings them up to date), or a ProblemError if a value is unusable as it is."""
    problem = outcome.problem
    current = expected.is_current(problem, new_executor())
    if not current:
        if problem.cases.keys() <= problem.expected.keys():
            problems.require_expected(problem)
        outcome.add_finding(problems.EXPECTED, f"out of date with {problems.SOLUTION}; run `exercise-kit expected {problem.id}`")
    return current


def _judge(outcome: Outcome, subject: Subject, report: runner.Report) -> None:
    if subject.must == "be-caught" and not _one_line_docstring(subject.source):
        outcome.add_finding(subject.label, "needs a one-line docstring naming its pitfall")
    miss = _misses(subject, report)
    if miss:
        outcome.add_finding(_file(subject), miss)


def _misses(subject: Subject, report: runner.Report) -> str:
    """How `report` falls short of what `subject` must do, or '' when it does not."""
    if subject.must == "pass":
        failing = [f"'{t.name}' ({t.status}: {t.message})" for t in report.tests if t.status != runner.PASS]
        return "must pass every test but fails " + "; ".join(failing) if failing else ""
    if subject.must == "fail-all":
        passing = [t.name for t in report.tests if t.status == runner.PASS]
        return f"must pass no test but passes {', '.join(passing)}" if passing else ""
    if all(t.status == runner.PASS for t in report.graded):
        return (f"survives: no hidden test catches the mutant '{subject.label}' "
                f"({_one_line_docstring(subject.source) or 'undocumented'})")
    return ""


def _file(subject: Subject) -> str:
    return {"reference": problems.SOLUTION, "stub": problems.STUB}.get(subject.label, subject.label)


def _one_line_docstring(source: str) -> str:
    try:
        doc = ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError:
        return ""
    return doc if doc and "\n" not in doc.strip() else ""


# ---- Parity with Pyodide under Node -----------------------------------------------------------------

def prove_parity(outcomes: list[Outcome], pyodide_dir: Path) -> None:
    """Grade every subject again inside Pyodide under Node; any differing verdict is a finding."""
    runs, owners = [], []
    for outcome in outcomes:
        for subject in subjects(outcome.problem):
            if subject.label in outcome.verdicts:
                runs.append({"problem": outcome.problem.id, "source": subject.source})
                owners.append((outcome, subject.label))
    bundles = {o.problem.id: problems.bundle(o.problem) for o in outcomes}
    done = subprocess.run(
        ["node", str(PYODIDE_RUNNER), str(pyodide_dir)],
        input=json.dumps({"bundles": bundles, "runs": runs}), capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise ProblemError(f"parity: Pyodide under Node failed: {done.stderr.strip()[-2000:]}")
    reports = json.loads(done.stdout)
    same: dict[int, int] = {}
    for (outcome, label), report in zip(owners, reports, strict=True):
        in_pyodide = {t["id"]: t["status"] for t in report["tests"] + report["examples"]}
        if in_pyodide == outcome.verdicts[label]:
            same[id(outcome)] = same.get(id(outcome), 0) + 1
        else:
            differing = {k: (outcome.verdicts[label].get(k), v) for k, v in in_pyodide.items()
                         if outcome.verdicts[label].get(k) != v}
            outcome.add_finding(label, f"parity: CPython and Pyodide disagree (test: (CPython, Pyodide)): {differing}")
    for outcome in outcomes:
        total = len(outcome.verdicts)
        outcome.parity = f"{same.get(id(outcome), 0)} of {total} sources give identical verdicts in Pyodide"


# ---- Report -------------------------------------------------------------------------------------------

def render(outcome: Outcome) -> str:
    problem = outcome.problem
    hidden = [t for t in problem.tests if t.visibility == HIDDEN]
    mutants = {k: v for k, v in outcome.verdicts.items() if k.startswith(MUTANTS)}
    lines = [f"{problem.id}: {'OK' if not outcome.findings else 'FAILED'}"]
    if outcome.verdicts:
        reference = outcome.verdicts.get("reference", {})
        stub = outcome.verdicts.get("stub", {})
        accepted = [k for k in outcome.verdicts if k.startswith(ACCEPTED)]
        lines.append(
            f"  reference passes {sum(s == 'pass' for s in reference.values())}/{len(reference)}, "
            f"stub passes {sum(s == 'pass' for s in stub.values())}/{len(stub)}, "
            f"{len(accepted)} correct variants, {len(mutants)} mutants; parity: {outcome.parity}"
        )
        lines.append(f"  held-out: {outcome.held_out}")
    if mutants:
        lines.append("  which hidden test catches which mutant (x = caught):")
        header = "".join(f" T{i + 1}" for i in range(len(hidden)))
        width = max(len(m) for m in mutants)
        lines.append(f"    {'':{width}}{header}")
        for label, result in mutants.items():
            cells = "".join(f" {'x' if result.get(t.id) != 'pass' else '.':>2}" for t in hidden)
            lines.append(f"    {label:{width}}{cells}")
        lines += [f"    T{i + 1} = {t.name}" for i, t in enumerate(hidden)]
    lines += [f"  - {finding}" for finding in outcome.findings]
    return "\n".join(lines)
