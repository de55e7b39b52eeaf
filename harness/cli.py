"""The command line: `python -m harness grade PROBLEM SUBMISSION.py --format json`, and friends.

Exit status: 0 every test passed; 1 the submission failed or errored; 2 grading itself could not run
(the reason is one line on stderr). A stable contract: CI graders script against it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import batch
from .authoring import expected, prove, scaffold
from .core import problem as problems, runner
from .core.manifest import ProblemError
from .formats import BATCH_FORMATS, FORMATS
from .sandbox.executor import Zygote

EXIT_PASS, EXIT_FAIL, EXIT_CANNOT_GRADE = 0, 1, 2
PROBLEMS_ENV = "HARNESS_PROBLEMS"


class UsageError(Exception):
    """Grading cannot run; the message is the one line the user sees."""


def find_problem(name: str) -> problems.Problem:
    """PROBLEM is a path to a problem folder, or an id under $HARNESS_PROBLEMS (default ./problems)."""
    path = Path(name)
    if not path.is_dir():
        root = _problems_root()
        path = root / name
        if not path.is_dir():
            known = sorted(p.name for p in root.glob("*/") if (p / problems.MANIFEST).is_file()) if root.is_dir() else []
            hint = f" (known problems: {', '.join(known)})" if known else f" (no problems found under {root}/)"
            raise UsageError(f"unknown problem '{name}'{hint}")
    return problems.load(path)


def read_submission(path: str) -> str | bytes:
    try:
        return batch.read(Path(path))
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def _write(args: argparse.Namespace, text: str) -> None:
    if not args.output:
        sys.stdout.write(text)
        return
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot be written: {exc.strerror or exc}") from None


def _cmd_grade(args: argparse.Namespace) -> int:
    problem = find_problem(args.problem)
    single = len(args.submissions) == 1 and not Path(args.submissions[0]).is_dir() and not args.shard
    if single:
        if args.format == "csv":
            raise UsageError("--format csv is for batches (several submissions or a folder)")
        source = read_submission(args.submissions[0])
        with Zygote() as zygote:
            report = batch.grade_source(problem, source, Path(args.submissions[0]).name, zygote)
        _write(args, FORMATS[args.format](report))
        return EXIT_PASS if report.status == runner.PASS else EXIT_FAIL
    try:
        paths = batch.shard(batch.collect(args.submissions), args.shard)
    except batch.BatchError as exc:
        raise UsageError(str(exc)) from None
    with Zygote() as zygote:
        graded = batch.grade_all(problem, paths, args.jobs, zygote)
    _write(args, BATCH_FORMATS[args.format](problem.id, graded, batch.summary(problem, graded, zygote.isolation)))
    return EXIT_PASS if all(g.report.status == runner.PASS for g in graded) else EXIT_FAIL


def _cmd_expected(args: argparse.Namespace) -> int:
    folder = Path(args.problem) if Path(args.problem).is_dir() else _problems_root() / args.problem
    if not args.check and folder.is_dir() and not (folder / problems.EXPECTED).exists():
        (folder / problems.EXPECTED).write_text("{}\n", encoding="utf-8")  # a new problem's first run
    problem = find_problem(args.problem)
    rendered = expected.render(expected.compute(problem))
    target = Path(problem.origin) / problems.EXPECTED
    if args.check:
        if problem.files[problems.EXPECTED] != rendered:
            raise UsageError(f"{target}: out of date with {problems.SOLUTION}; run `python -m harness expected {args.problem}`")
        print(f"{target}: up to date")
        return EXIT_PASS
    target.write_text(rendered, encoding="utf-8")
    print(f"{target}: wrote {len(problem.cases)} expected values")
    return EXIT_PASS


def _problems_root() -> Path:
    return Path(os.environ.get(PROBLEMS_ENV, "problems"))


def _cmd_check(args: argparse.Namespace) -> int:
    names = args.problems or sorted(p.name for p in _problems_root().glob("*/") if (p / problems.MANIFEST).is_file())
    if not names:
        raise UsageError(f"no problems found under {_problems_root()}/")
    outcomes, broken = [], []
    for name in names:
        try:
            outcomes.append(prove.prove(find_problem(name)))
        except ProblemError as exc:
            broken.append(f"{name}: FAILED\n  - {exc}")
    if args.pyodide:
        prove.prove_parity(outcomes, args.pyodide)
    for text in [prove.render(o) for o in outcomes] + broken:
        print(text)
    failed = broken + [o for o in outcomes if o.findings]
    print(f"\n{len(names) - len(failed)} of {len(names)} problems are sound")
    return EXIT_FAIL if failed else EXIT_PASS


def _cmd_new(args: argparse.Namespace) -> int:
    try:
        target = scaffold.create(args.problem, _problems_root())
    except scaffold.ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    print(f"created {target}/ from the template. Replace every TODO (see AUTHORING.md), then:")
    print(f"  make expected PROBLEM={args.problem}   # record the reference's outputs")
    print("  make check   # prove the problem sound")
    return EXIT_PASS


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m harness",
        description="Run a coding problem's hidden tests against a submission and report the verdict.",
        epilog=(
            "exit status: 0 all tests passed, 1 the submission failed or errored, "
            "2 grading could not run (reason on stderr).  "
            f"PROBLEM is a problem folder, or an id under ${PROBLEMS_ENV} (default: ./problems)."
        ),
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade_cmd = commands.add_parser(
        "grade",
        help="grade one submission, or a batch",
        description="Grade each SUBMISSION against PROBLEM's tests. Every submission runs in a process of "
        "its own, confined and limited; the tests and their verdicts stay in this one. One file gives one "
        "report; several files or folders (every .py inside) give one record per submission and a summary.",
    )
    grade_cmd.add_argument("problem", metavar="PROBLEM", help="problem id (e.g. label-smoothing) or folder")
    grade_cmd.add_argument("submissions", metavar="SUBMISSION", nargs="+", help="Python files or folders of them")
    grade_cmd.add_argument("--format", choices=sorted(BATCH_FORMATS), default="text",
                           help="report format (default: text; csv for batches only)")
    grade_cmd.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                           help="submissions graded at a time (default: the number of CPUs)")
    grade_cmd.add_argument("--shard", metavar="i/n", help="grade only shard i of n (1-based) of the sorted submissions")
    grade_cmd.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    grade_cmd.set_defaults(run=_cmd_grade)

    expected_cmd = commands.add_parser(
        "expected",
        help="regenerate a problem's expected values from its reference",
        description="Run PROBLEM's solution.py on every case in its tests' CASES and write expected.json.",
    )
    expected_cmd.add_argument("problem", metavar="PROBLEM")
    expected_cmd.add_argument("--check", action="store_true", help="only check that expected.json is up to date")
    expected_cmd.set_defaults(run=_cmd_expected)

    check_cmd = commands.add_parser(
        "check",
        help="prove problems sound (reference, stub, mutants, examples, determinism, parity)",
        description=prove.__doc__.split("\n\n")[0].split(": ", 1)[1],
    )
    check_cmd.add_argument("problems", metavar="PROBLEM", nargs="*", help="default: every problem")
    check_cmd.add_argument("--pyodide", type=Path, metavar="DIR",
                           help="a built site's pyodide/ folder: also check parity with Pyodide under Node")
    check_cmd.set_defaults(run=_cmd_check)

    new_cmd = commands.add_parser(
        "new", help="scaffold a new problem folder from the template",
        description="Create problems/PROBLEM/ with a manifest, statement, stub, solution, tests and an "
        "example mutant, full of TODO markers that `check` refuses until they are done.",
    )
    new_cmd.add_argument("problem", metavar="PROBLEM", help="the new problem's id, like 'softmax-temperature'")
    new_cmd.set_defaults(run=_cmd_new)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (UsageError, ProblemError) as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return EXIT_CANNOT_GRADE
    except BrokenPipeError:  # `harness ... | head`: the reader has all it wanted; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CANNOT_GRADE
    except Exception as exc:  # noqa: BLE001 - the contract is one line on stderr, never a traceback
        print(f"harness: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE
