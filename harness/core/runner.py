"""Runs a problem's tests against a submission through an executor, and reports the verdicts.

The executor is the only thing that differs between the browser (`InProcess`, in the worker) and the
CLI (a limited child process): the tests, their order and how each outcome is judged are the same.
Anything a test raises other than a verdict (SystemExit included) is the problem's fault, never the
learner's: `run` raises ProblemError naming tests.py and the test.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from .manifest import TIME_LIMIT_INTERRUPT, Entry, Interrupted, ProblemError
from .plain import WrongResult
from .problem import TESTS, Problem
from .submission import Fault, Result, call_each, python_call, return_lines
from .testing import HIDDEN, PUBLISHED_SEED, Candidate, SubmissionFault, TestFailure, TestSpec

# 2: scores (per test and in total), the seed of the run's draws, and which tests ran on held-out inputs.
SCHEMA_VERSION = 2
PASS, FAIL, ERROR = "pass", "fail", "error"


class Executor(Protocol):
    """Where the submission's code runs."""

    def load(self, source: str, entry: Entry, timeout: float) -> tuple[Fault | None, str]:
        """Load the source; return the fault that stops it (if any) and what it printed."""

    def call(self, args: list[Any], timeout: float) -> tuple[dict | None, Fault | None, str]:
        """Call the entry function; return plain data or a fault, and what it printed."""

    # Optional: an executor that can send several calls at once defines
    #   call_many(calls: list[list[Any]], timeout: float) -> list[tuple[dict | None, Fault | None, str]]
    # which must end where `submission.call_each` ends (submission.Batch's rule); the runner uses
    # call_each over `call` where it is missing.

    def clock(self) -> float:
        """Seconds the submission has used so far, on the clock its time limit is charged to."""

    def close(self) -> None:
        """Release what the submission held (its process, its folder)."""


@dataclass
class TestResult:
    """One test's verdict. A hidden test scores `max_score` when it passes, 0 when it fails or errors,
    or, checking several inputs, a share of `max_score` (still a fail): see `_credit`."""

    id: str
    name: str
    visibility: str
    status: str
    message: str = ""
    output: str = ""
    duration_ms: float = 0.0
    fault: str = ""  # for errors: how the submission failed (raised, timeout, crashed, ...)
    # For the learner to reproduce and locate a failure: the last call as Python source, the
    # learner's frames of an error, and the two arrays of a failed comparison.
    call: str = ""
    frames: tuple[tuple[int, str], ...] = ()
    comparison: dict | None = None
    max_score: float = 0.0
    score: float = 0.0
    held_out: bool = False  # it ran on inputs drawn for this run, which no learner has seen

    def to_dict(self) -> dict:
        data = {
            "name": self.name,
            "id": self.id,
            "visibility": self.visibility,
            "status": self.status,
            "message": self.message,
            "output": self.output,
            "duration_ms": round(self.duration_ms, 3),
            "score": self.score,
            "max_score": self.max_score,
            "held_out": self.held_out,
        }
        if self.status != PASS:
            data["call"] = self.call
            data["frames"] = [{"line": line, "function": function} for line, function in self.frames]
            if self.comparison is not None:
                data["comparison"] = self.comparison
        return data


@dataclass
class Report:
    """A submission's verdicts: the hidden tests' decide its status and score, the examples' are practice."""

    problem: str
    status: str
    message: str
    tests: list[TestResult] = field(default_factory=list)
    output: str = ""
    seed: int = PUBLISHED_SEED
    fault: Fault | None = None  # why the submission could not be loaded
    # The lines of the entry function's `return` statements: where a wrong value left the learner's code.
    returns: tuple[int, ...] = ()

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.graded), 4)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.graded), 4)

    @property
    def graded(self) -> list[TestResult]:
        """The hidden tests: the verdict is theirs. Public examples are practice shown beside them."""
        return [t for t in self.tests if t.visibility == HIDDEN]

    @property
    def examples(self) -> list[TestResult]:
        return [t for t in self.tests if t.visibility != HIDDEN]

    def count(self, status: str) -> int:
        return sum(1 for t in self.graded if t.status == status)

    def to_dict(self) -> dict:
        return {
            "version": SCHEMA_VERSION,
            "problem": self.problem,
            "status": self.status,
            "message": self.message,
            "passed": self.count(PASS),
            "failed": self.count(FAIL),
            "errors": self.count(ERROR),
            "score": self.score,
            "max_score": self.max_score,
            "seed": self.seed,
            "output": self.output,
            **({"fault": self.fault.to_dict()} if self.fault is not None else {}),
            "returns": list(self.returns),
            "tests": [t.to_dict() for t in self.graded],
            "examples": [t.to_dict() for t in self.examples],
        }


Listener = Callable[[str, dict], None]


def _ignore(kind: str, data: dict) -> None:
    """The listener when nobody listens."""


def run(
    problem: Problem,
    source: str,
    executor: Executor,
    *,
    only: Iterable[str] | None = None,
    on_event: Listener | None = None,
) -> Report:
    """Grade `source`. `only` restricts to test ids; `on_event("start"|"done", data)` reports progress."""
    notify = on_event or _ignore
    wanted = set(only) if only is not None else None
    specs = [s for s in problem.tests if wanted is None or s.id in wanted]
    limit = problem.manifest.time_limit
    fault, load_output = executor.load(source, problem.manifest.entry, limit)
    if fault is not None:
        message = timeout_message(limit) if fault.kind == "timeout" else fault.message
        report = unloadable(problem, message, load_output, specs, notify)
        report.fault = fault
        return report

    results = []
    for spec in specs:
        notify("start", {"id": spec.id, "name": spec.name, "time_limit": problem.manifest.time_limit})
        result = _run_one(problem, spec, executor)
        results.append(result)
        notify("done", result.to_dict())
    return finished(problem, results, load_output, return_lines(source, problem.manifest.entry.name))


def finished(problem: Problem, results: list[TestResult], output: str = "", returns: tuple[int, ...] = ()) -> Report:
    """The report once every test has run (the browser also assembles one across restarts)."""
    return Report(problem.id, _overall(results), _summary(results), results, output, problem.seed, returns=returns)


def stopped(spec: TestSpec, kind: str, message: str) -> TestResult:
    """A test stopped from outside the harness (the browser replaced its Python): an error, no points."""
    return TestResult(spec.id, spec.name, spec.visibility, ERROR, message, fault=kind, max_score=_points(spec))


def timeout_message(limit: float) -> str:
    """The one wording of a time limit passed, however the run was stopped."""
    return f"did not finish within the time limit of {limit:g} s (an infinite loop?)"


def unloadable(
    problem: Problem,
    message: str,
    output: str = "",
    specs: Iterable[TestSpec] | None = None,
    notify: Listener | None = None,
) -> Report:
    """The report for a submission that could not be loaded: every test is an error, not run."""
    results = [
        TestResult(s.id, s.name, s.visibility, ERROR, "not run: your code could not be loaded", max_score=_points(s))
        for s in (problem.tests if specs is None else specs)
    ]
    for result in results:
        (notify or _ignore)("done", result.to_dict())
    return Report(problem.id, ERROR, message, results, output, problem.seed)


def _points(spec: TestSpec) -> float:
    return float(spec.points) if spec.visibility == HIDDEN else 0.0


# How a submission's fault ends what is left of a test: after these, its other inputs are not tried.
_ENDS_THE_TEST = ("timeout", "crashed")


def _run_one(problem: Problem, spec: TestSpec, executor: Executor) -> TestResult:
    started = time.perf_counter()
    inputs = spec.inputs(problem.cases)
    calls = _TestCalls(problem, executor, inputs or [])

    def attempt(*given: Any) -> tuple[TestResult, bool]:
        candidate = Candidate(problem.manifest.entry, calls, problem.cases, problem.expected,
                              problem.tolerance, problem.held_out)
        verdict = _attempt(spec, candidate, given, problem.manifest.time_limit, tests_file(problem))
        if verdict.status != PASS and candidate.last_call is not None:
            verdict.call = python_call(problem.manifest.entry.name, list(candidate.last_call))
        calls.attempt += 1
        return verdict, candidate.used_held_out

    if inputs is None:
        result, held_out = attempt()
        outcomes = [(result.status == PASS, held_out)]
    else:
        result, outcomes = _over(spec, inputs, attempt, problem.held_out)
    result.max_score = _points(spec)
    result.score = round(result.max_score * _credit(outcomes, bool(problem.held_out)), 4)
    result.held_out = any(held_out for _, held_out in outcomes)
    result.duration_ms = (time.perf_counter() - started) * 1000
    result.output = "".join(calls.outputs)
    return result


class _TestCalls:
    """The submission's calls during one test, all charged to the test's time limit.

    Calls go one by one, but for an `over=` test's named cases: the first time an attempt asks
    `t.case` for its own input, the submission is called on that case and on every later input's, in
    order, in one batch (one round trip to a child instead of one per call); each later attempt's
    `t.case` of its input takes its result from there. The order of calls is this class's, whatever
    the executor: the browser and CI call a submission in the same order, so give it the same verdict.
    """

    def __init__(self, problem: Problem, executor: Executor, inputs: list[Any]) -> None:
        self._problem = problem
        self._executor = executor
        self._inputs = inputs
        self._limit = problem.manifest.time_limit
        self._charged_from = executor.clock()
        self._batched: dict[int, Result] = {}  # by the index of the input whose case it called
        self._batch_sent = False
        self.attempt = 0  # the index of the input being tried
        self.outputs: list[str] = []

    def __call__(self, args: list[Any], case_id: str | None = None) -> tuple[dict | None, Fault | None]:
        own_case = case_id is not None and self.attempt < len(self._inputs) and self._inputs[self.attempt] == case_id
        if own_case and not self._batch_sent:
            self._batch()
        if own_case and self.attempt in self._batched:
            plain, fault, _ = self._batched.pop(self.attempt)
        else:
            plain, fault, output = self._guarded(lambda: self._executor.call(args, self._remaining()))
            self.outputs.append(output)
        return plain, self._worded(fault)

    def many(self, calls: list[list[Any]]) -> list[tuple[dict | None, Fault | None]]:
        """A test's own calls (`t.calls`), as batches: those a batch left, once it ended without a fault
        (its replies grew too long), go in the next; the first fault ends them."""
        results: list[Result] = []
        while len(results) < len(calls) and all(fault is None for _, fault, _ in results):
            results += self._send(calls[len(results):])
        return [(plain, self._worded(fault)) for plain, fault, _ in results]

    def _batch(self) -> None:
        """Call the submission on this input's case and every later input's that names a case."""
        self._batch_sent = True
        indices = [i for i in range(self.attempt, len(self._inputs))
                   if isinstance(self._inputs[i], str) and self._inputs[i] in self._problem.cases]
        results = self._send([list(self._problem.cases[self._inputs[i]].args) for i in indices])
        self._batched = dict(zip(indices, results))

    def _send(self, calls: list[list[Any]]) -> list[Result]:
        """One batch of calls, ending where `submission.Batch` says, whatever the executor; outputs kept."""
        many = getattr(self._executor, "call_many", None)
        if many is not None:
            results = self._guarded(lambda: many(calls, self._remaining()))
        else:
            results = self._guarded(lambda: call_each(lambda args: self._executor.call(args, self._remaining()), calls))
        self.outputs += [output for _, _, output in results]
        return results

    def _worded(self, fault: Fault | None) -> Fault | None:
        """A timeout in the one wording of a time limit passed; any other fault as it came."""
        return Fault("timeout", timeout_message(self._limit)) if fault is not None and fault.kind == "timeout" else fault

    def _remaining(self) -> float:
        return max(self._limit - (self._executor.clock() - self._charged_from), 0.001)

    def _guarded(self, exchange: Callable[[], Any]) -> Any:
        try:
            return exchange()
        except ProblemError as exc:  # the test passed an argument the executor cannot carry
            raise _TestsBroken(f"calls {self._problem.manifest.entry.name} with {exc}") from None
        except Exception as exc:
            raise _ExecutorFailed() from exc


def _over(
    spec: TestSpec, inputs: list[Any], attempt: Callable[..., tuple[TestResult, bool]], held_out: frozenset[str]
) -> tuple[TestResult, list[tuple[bool, bool]]]:
    """Every input, past failing ones; the verdict is the first failure's, saying how many passed.

    Also (passed, held out) for each input: one a timeout or crash left untried failed, held out if
    it names a held-out case."""
    first_failure: TestResult | None = None
    outcomes: list[tuple[bool, bool]] = []
    for item in inputs:
        verdict, touched = attempt(item)
        outcomes.append((verdict.status == PASS, touched))
        if verdict.status == PASS:
            continue
        if first_failure is None:
            first_failure = verdict
        if verdict.fault in _ENDS_THE_TEST:
            break
    outcomes += [(False, isinstance(item, str) and item in held_out) for item in inputs[len(outcomes):]]
    if first_failure is None:
        return TestResult(spec.id, spec.name, spec.visibility, PASS), outcomes
    passed = sum(ok for ok, _ in outcomes)
    first_failure.message += f" ({passed} of {len(inputs)} inputs passed)"
    return first_failure, outcomes


def _credit(outcomes: list[tuple[bool, bool]], held_out_run: bool) -> float:
    """The share of its points a test earns from its inputs' (passed, held out).

    Where every input is public (the browser, `--seed 0`), each passed input earns its share. In a run
    with held-out inputs, credit comes only from those, which no learner has seen, and only once every
    public input passed: replaying the site's cases earns nothing. A test there without held-out
    inputs earns all or nothing."""
    if not held_out_run:
        return sum(ok for ok, _ in outcomes) / len(outcomes)
    unseen = [ok for ok, held_out in outcomes if held_out]
    if not all(ok for ok, held_out in outcomes if not held_out):
        return 0.0
    return sum(unseen) / len(unseen) if unseen else 1.0


def _attempt(spec: TestSpec, candidate: Candidate, given: tuple[Any, ...], limit: float, tests_file: str) -> TestResult:
    result = TestResult(spec.id, spec.name, spec.visibility, PASS)
    try:
        spec.function(candidate, *given)
    except TestFailure as exc:
        result.status, result.message, result.comparison = FAIL, str(exc) or "the check failed", exc.comparison
    except WrongResult as exc:
        result.status, result.message = FAIL, str(exc) or "the check failed"
    except SubmissionFault as exc:
        result.status, result.message, result.fault = ERROR, exc.fault.message, exc.fault.kind
        result.frames = exc.fault.frames
    except Interrupted:
        raise
    except TIME_LIMIT_INTERRUPT:  # the browser's time limit, landing in the test's own code
        result.status, result.message = ERROR, timeout_message(limit)
        result.fault = "timeout"
    except AssertionError as exc:
        result.status, result.message = FAIL, str(exc) or "an assertion in the test failed"
    except _ExecutorFailed as exc:
        raise exc.__cause__ from None
    except _TestsBroken as exc:
        raise ProblemError(f"{tests_file}: test '{spec.id}' {exc}") from None
    except BaseException as exc:  # noqa: BLE001 - the tests are the problem's code: never the learner's fault
        raise ProblemError(f"{tests_file}: test '{spec.id}' raised {type(exc).__name__}: {exc}") from None
    return result


class _ExecutorFailed(BaseException):
    """The executor itself failed (its cause says how): neither the learner's fault nor the problem's.

    A BaseException, so that a test's own `except Exception` cannot mistake it for the submission's.
    """


class _TestsBroken(BaseException):
    """A test used the submission in a way no executor can carry out."""


def tests_file(problem: Problem) -> str:
    return f"{problem.origin}/{TESTS}" if problem.origin else TESTS


def _overall(results: list[TestResult]) -> str:
    return PASS if all(r.status == PASS for r in results if r.visibility == HIDDEN) else FAIL


def _summary(results: list[TestResult]) -> str:
    graded = [r for r in results if r.visibility == HIDDEN]
    passed = sum(1 for r in graded if r.status == PASS)
    return f"{passed} of {len(graded)} tests passed"
