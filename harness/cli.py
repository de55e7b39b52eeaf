"""The command line: `exercise-kit grade PROBLEM SUBMISSION.py --format json`, and friends.

`exercise-kit` and `python -m harness` are the same command.

Exit status: 0 every test passed; 1 the submission failed or errored; 2 grading itself could not run
(the reason is one line on stderr). A stable contract: CI graders script against it.

The program (`entry`) runs the command in a child process and relays its exit status only once the
child has said its report is written: a problem's tests.py runs in the command's process, and code there
that ends it (os._exit(0), a signal to itself) must not pass for a verdict, nor stop it for good.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import harness

from . import batch
from .authoring import expected, prove, scaffold
from .core import problem as problems, runner
from .core.manifest import Interrupted, ProblemError
from .formats import BATCH_FORMATS, FORMATS
from .platforms import PLATFORM_FORMATS
from .publish import PublishError, commands as publish_commands
from .publish.course import PROBLEMS_ENV
from .sandbox.executor import ForkedChild, Zygote, shortfall, usable_cores
from .sandbox.watchdog import OwnTimeExceeded

PROG = "exercise-kit"
EXIT_PASS, EXIT_FAIL, EXIT_CANNOT_GRADE = 0, 1, 2
# One submission's report: the kit's own formats and those of grading platforms.
SINGLE_FORMATS = {**FORMATS, **PLATFORM_FORMATS}


class UsageError(Exception):
    """Grading cannot run; the message is the one line the user sees."""


# tests.py runs in this process when a problem loads: a loop there must end as that file's fault.
LOAD_TIMEOUT = 10.0


class _LoadTookTooLong(Exception):
    pass


@contextmanager
def _bounded_load(seconds: float = LOAD_TIMEOUT) -> Iterator[None]:
    """Interrupt a problem's loading after `seconds` (repeatedly, so a bare `except` cannot absorb it)."""
    def interrupt(signum: int, frame: object) -> None:
        raise _LoadTookTooLong(f"did not finish within {seconds:g} s (a loop at import?)")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def find_problem(name: str) -> problems.Problem:
    """PROBLEM is a path to a problem folder, or an id under $HARNESS_PROBLEMS (default ./problems)."""
    with _bounded_load():
        return _find_problem(name)


def _find_problem(name: str) -> problems.Problem:
    path = Path(name)
    if not path.is_dir():
        root = _problems_root()
        path = root / name
        if not path.is_dir():
            known = sorted(p.name for p in root.glob("*/") if (p / problems.MANIFEST).is_file()) if root.is_dir() else []
            hint = f" (known problems: {', '.join(known)})" if known else f" (no problems found under {root}/)"
            raise UsageError(f"unknown problem '{name}'{hint}")
    _tell_supervisor(problem=str(path))  # from here on, its tests.py may run in this process
    return problems.load(path)


def read_submission(path: str) -> str | bytes:
    try:
        return batch.read(path)
    except OSError as exc:
        raise UsageError(f"{batch.display(path)}: cannot be read: {batch.reason(exc)}") from None


def _write(args: argparse.Namespace, text: str) -> None:
    if not args.output:
        sys.stdout.write(text)
        return
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{batch.display(args.output)}: cannot be written: {exc.strerror or exc}") from None


def _cmd_grade(args: argparse.Namespace) -> int:
    problem = find_problem(args.problem)
    problems.require_expected(problem)
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {args.jobs})")
    single = len(args.submissions) == 1 and not batch.is_folder(args.submissions[0]) and not args.shard
    if single and args.format not in SINGLE_FORMATS:
        raise UsageError(f"--format {args.format} is for batches (several submissions or a folder)")
    if not single and args.format not in BATCH_FORMATS:
        raise UsageError(f"--format {args.format} reports on one submission, as its platform grades one at a time; "
                         "for a batch use csv, json, junit or text")
    if not single:
        try:
            found = batch.collect(args.submissions)
            paths = batch.shard(found, args.shard)
        except batch.BatchError as exc:
            raise UsageError(str(exc)) from None
        if not found:
            named = ", ".join(batch.display(name) for name in args.submissions)
            raise UsageError(f"no submissions: no .py file in {named}")
    source = read_submission(args.submissions[0]) if single else ""
    with Zygote() as zygote:
        problem = _held_out(problem, args.seed, zygote)
        if single:
            report = batch.grade_source(problem, source, Path(args.submissions[0]).name, zygote)
        else:
            graded = batch.grade_all(problem, paths, args.jobs, zygote)
    missing = shortfall(zygote.isolation) if zygote.isolation else ""  # no child started: nothing ran
    if missing:
        print(f"{PROG}: warning: submissions ran less isolated than under root: {missing}", file=sys.stderr)
    if single:
        _write(args, SINGLE_FORMATS[args.format](report))
        return EXIT_PASS if report.status == runner.PASS else EXIT_FAIL
    _write(args, BATCH_FORMATS[args.format](problem.id, graded, batch.summary(problem, graded, zygote.isolation)))
    return EXIT_PASS if all(g.report.status == runner.PASS for g in graded) else EXIT_FAIL


def _held_out(problem: problems.Problem, seed: int | None, zygote: Zygote) -> problems.Problem:
    """The problem with inputs no learner has seen: drawn from `seed` (fresh unless given), its expected
    values computed by the reference in a confined process of its own."""
    with batch.executor_for(problem, zygote) as reference:
        return expected.held_out(problem, expected.fresh_seed() if seed is None else seed, reference)


def _cmd_expected(args: argparse.Namespace) -> int:
    folder = Path(args.problem) if Path(args.problem).is_dir() else _problems_root() / args.problem
    if not args.check and folder.is_dir() and not (folder / problems.EXPECTED).exists():
        (folder / problems.EXPECTED).write_text("{}\n", encoding="utf-8")  # a new problem's first run
    problem = find_problem(args.problem)
    with Zygote() as zygote:
        rendered = expected.render(expected.compute(problem, ForkedChild(zygote)))
    target = Path(problem.origin) / problems.EXPECTED
    if args.check:
        if problem.files[problems.EXPECTED] != rendered:
            raise UsageError(f"{target}: out of date with {problems.SOLUTION}; run `exercise-kit expected {args.problem}`")
        print(f"{target}: up to date")
        return EXIT_PASS
    target.write_text(rendered, encoding="utf-8")
    print(f"{target}: wrote {len(problem.cases)} expected values")
    return EXIT_PASS


def _seed(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a seed is a whole number, 0 or more (got '{text}')")
    return int(text)


def _problems_root() -> Path:
    return Path(os.environ.get(PROBLEMS_ENV, "problems"))


def _cmd_check(args: argparse.Namespace) -> int:
    names = args.problems or sorted(p.name for p in _problems_root().glob("*/") if (p / problems.MANIFEST).is_file())
    if not names:
        raise UsageError(f"no problems found under {_problems_root()}/")
    if args.pyodide and shutil.which("node") is None:
        raise UsageError("--pyodide runs Pyodide under Node.js, which is not on PATH; install Node, or check "
                         "without --pyodide (the site's own tests in a browser run the same harness)")
    outcomes, broken = [], []
    with Zygote() as zygote:
        for name in names:
            try:
                problem = find_problem(name)
                outcomes.append(prove.prove(problem, lambda: batch.executor_for(problem, zygote)))
            except ProblemError as exc:
                broken.append(str(exc))
    if args.pyodide:
        prove.prove_parity(outcomes, args.pyodide)
    for text in [prove.render(o) for o in outcomes]:
        print(text)
    failed = [o for o in outcomes if o.findings]
    print(f"\n{len(outcomes) - len(failed)} of {len(names)} problems are sound"
          + (f"; {len(broken)} could not be checked" if broken else ""))
    for reason in broken:  # the problem's own code failed: the contract's one line each, and exit 2
        print(f"{PROG}: error: {reason}", file=sys.stderr)
    return EXIT_CANNOT_GRADE if broken else EXIT_FAIL if failed else EXIT_PASS


def _cmd_new(args: argparse.Namespace) -> int:
    try:
        target = scaffold.create(args.problem, _problems_root())
    except scaffold.ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    print(f"created {target}/ from the template. Replace every TODO (see AUTHORING.md), then:")
    print(f"  {PROG} expected {args.problem}   # record the reference's outputs")
    print(f"  {PROG} check {args.problem}      # prove the problem sound")
    return EXIT_PASS


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog=PROG,
        description="Coding exercises whose hidden tests run in the learner's browser: author and prove "
        "problems, build and serve their site, grade submissions for any platform.",
        epilog=(
            "exit status: 0 all tests passed, 1 the submission failed or errored, "
            "2 grading could not run (reason on stderr).  "
            f"PROBLEM is a problem folder, or an id under ${PROBLEMS_ENV} (default: ./problems)."
        ),
    )
    main.add_argument("--version", action="version", version=f"%(prog)s {harness.__version__}")
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
    grade_cmd.add_argument("--format", choices=sorted(SINGLE_FORMATS | BATCH_FORMATS), default="text",
                           help="report format (default: text; csv for batches only; "
                           f"{', '.join(sorted(PLATFORM_FORMATS))} for one submission only)")
    grade_cmd.add_argument("--jobs", type=int, default=usable_cores(), metavar="N",
                           help=f"submissions graded at a time (default: the {usable_cores()} usable cores; "
                           "more are allowed proportionally more wall time, so verdicts do not change)")
    grade_cmd.add_argument("--shard", metavar="i/n", help="grade only shard i of n (1-based) of the sorted submissions")
    grade_cmd.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    grade_cmd.add_argument("--seed", type=_seed, metavar="N",
                           help="draw the held-out inputs from seed N, to reproduce a report's verdict "
                           "(default: a fresh seed, recorded in the report; 0 gives the site's inputs)")
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
    publish_commands.add_to(commands, find_problem)
    return main


def _interrupted(signum: int, frame: object) -> None:
    raise Interrupted()


@contextmanager
def _ctrl_c_is_interrupted() -> Iterator[None]:
    """The user's Ctrl-C as `Interrupted`, which no problem's code can raise by mistake for it: a
    KeyboardInterrupt the problem's code raises is that problem's fault (see `harness.core.manifest`)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# ---- The program: the command in a child process, supervised ---------------------------------------

# Set in the child: the pipe on which it tells the supervising parent which problem it works on, and
# the exit status once its report is written.
_supervisor: int | None = None
# How often the parent looks whether the child stopped (a stop, unlike an exit, wakes nothing).
STOP_POLL = 0.2
_TERMINAL_STOPS = (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)  # job control: the user suspended it


def _tell_supervisor(**news: object) -> None:
    if _supervisor is not None:
        os.write(_supervisor, json.dumps(news).encode() + b"\n")


def entry() -> int:
    """`exercise-kit` and `python -m harness`: `main` in a child process, supervised."""
    global _supervisor
    reports, writer = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        os.close(writer)
        return _supervise(pid, reports)
    os.close(reports)
    if sys.platform == "linux":  # a program killed (by CI's timeout, say) takes its command with it
        from .sandbox.kernel import die_with_parent
        die_with_parent(parent)
    _supervisor = writer
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else _say(str(exc.code), 2)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            pass
    _tell_supervisor(exit=code)
    os._exit(code)


def _say(line: str, code: int) -> int:
    print(line, file=sys.stderr)
    return code


def _supervise(pid: int, reports: int) -> int:
    """Wait for the child; its exit status if it said its report was written, else exit 2 naming the problem."""
    forwarded: list[int] = []

    def forward(signum: int, frame: object) -> None:
        forwarded.append(signum)
        os.kill(pid, signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal sends it to the child too, which says so
    signal.signal(signal.SIGTERM, forward)
    os.set_blocking(reports, False)
    ended = [os.pidfd_open(pid)] if hasattr(os, "pidfd_open") else []
    received, stopped = b"", 0
    while True:
        select.select([reports, *ended], [], [], STOP_POLL)
        received += _drain(reports)
        waited, status = os.waitpid(pid, os.WNOHANG | os.WUNTRACED)
        if not waited:
            continue
        if not os.WIFSTOPPED(status):
            break
        if os.WSTOPSIG(status) in _TERMINAL_STOPS:
            os.kill(pid, signal.SIGCONT)  # a user who suspended the job suspended this process too
            continue
        stopped = os.WSTOPSIG(status)
        os.kill(pid, signal.SIGKILL)
    received += _drain(reports)
    news: dict = {}
    for line in received.splitlines():
        news.update(json.loads(line))
    if "exit" in news:
        return news["exit"]
    if forwarded:
        return _say(f"{PROG}: {signal.Signals(forwarded[0]).name}: stopped before a report was written", EXIT_CANNOT_GRADE)
    if stopped:
        how = f"it stopped itself with {signal.Signals(stopped).name}"
    elif os.WIFSIGNALED(status):
        how = f"it was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    else:
        how = f"it exited with status {os.WEXITSTATUS(status)}"
    where = f"{news['problem']}/{problems.TESTS}" if "problem" in news else "the command"
    return _say(f"{PROG}: error: {where}: the problem's code ended the process before its report was written ({how})", EXIT_CANNOT_GRADE)


def _drain(reports: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(reports, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def main(argv: list[str] | None = None) -> int:
    """The command, in this process."""
    args = parser().parse_args(argv)
    try:
        if args.command not in publish_commands.COURSE_MAKERS:
            publish_commands.warn_about_the_course()
        with _ctrl_c_is_interrupted():
            return args.run(args)
    except (UsageError, ProblemError, PublishError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE
    except OwnTimeExceeded as exc:  # it landed past the test that earned it, as that test handed over
        print(f"{PROG}: error: {exc.where}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_CANNOT_GRADE
    except BrokenPipeError:  # `harness ... | head`: the reader has all it wanted; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CANNOT_GRADE
    except Exception as exc:  # noqa: BLE001 - the contract is one line on stderr, never a traceback
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_GRADE
