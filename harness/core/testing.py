"""What a problem's `tests.py` is written with.

    from harness.testing import Case, Draw, cases, example, hidden

    RTOL, ATOL = 1e-5, 1e-6   # the problem's tolerances: every comparison's default

    CASES = {
        "formula/three-classes": Case(np.array([2.0, 1.0, 0.1]), 0, 0.1),
        "formula/random": Draw(random_logits, count=5),   # held-out: fresh inputs in every grading run
    }

    @hidden("Matches the explicit formula", points=2, over=cases("formula/"))
    def matches_formula(t, case):
        got = t.case(case)                          # called, and compared with the reference's value
        t.assert_close(got, decomposed(*t.args(case)))   # message: the last call, at the tolerances

Hidden tests show learners their name and message; examples show their source too. A test receives
a `Candidate` (the learner's function as the tests see it): it calls the submission only through it,
and every value it gets back has already been checked for type, shape and finiteness. A test with
`over=` runs once per input and does not stop at the first failing one: it scores the fraction of its
inputs that pass.
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, NoReturn, Protocol, Sequence

import numpy as np

from .manifest import Entry
from .plain import decode
from .submission import Fault

HIDDEN = "hidden"
EXAMPLE = "example"
# numpy.isclose's defaults, for a tests.py that does not set RTOL and ATOL.
DEFAULT_RTOL, DEFAULT_ATOL = 1e-5, 1e-8
# Inputs drawn with this seed ship with the site (their expected values are in expected.json);
# `grade` draws from any other seed, so those inputs are new to every learner.
PUBLISHED_SEED = 0
# Results in messages: enough for a learner to see what is wrong, too few to stand in for the answer.
SHOWN_DIGITS = 4
# Arguments in messages: the question, not the answer, shown closely enough to try it at home.
ARGUMENT_DIGITS = 6
# Arrays up to this size travel with a failed comparison, for the learner's element-wise diff.
COMPARISON_LIMIT = 10_000
# The diff's worst entries, highlighted for the learner.
WORST_ENTRIES = 3


class TestFailure(AssertionError):
    """A test's verdict that the submission is wrong, with a learner-facing message.

    `comparison`, when the verdict compared two arrays, holds them for an element-wise diff.
    """

    def __init__(self, message: str, comparison: dict | None = None) -> None:
        super().__init__(message)
        self.comparison = comparison


class SubmissionFault(Exception):
    """The submission raised, timed out or crashed while a test was calling it."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.message)
        self.fault = fault


class Case:
    """Positional arguments for the entry function, kept as data so outputs can be precomputed."""

    def __init__(self, *args: Any) -> None:
        self.args = args


@dataclass(frozen=True)
class Draw:
    """Held-out cases: `function(rng)` returns a Case drawn with a seeded `numpy.random.Generator`.

    The site ships the draws of `PUBLISHED_SEED` with their expected values; `grade` draws `count`
    fresh ones per run and asks the reference for theirs.
    """

    function: Callable[[np.random.Generator], Case]
    count: int = 2

    def cases(self, name: str, seed: int) -> dict[str, Case]:
        """`name#1` … `name#count`, each from a generator of its own (stable across NumPy builds)."""
        drawn = {}
        for index in range(1, self.count + 1):
            rng = np.random.default_rng([seed, zlib.crc32(name.encode("utf-8")), index])
            drawn[f"{name}#{index}"] = self.function(rng)
        return drawn


@dataclass(frozen=True)
class Selection:
    """`cases(...)`: case names resolved when the problem's cases are known (draws depend on the seed)."""

    names: tuple[str, ...]

    def resolve(self, available: Iterable[str]) -> list[str]:
        available = list(available)
        return [c for name in self.names for c in available if _selects(name, c)]


def _selects(name: str, case: str) -> bool:
    return case == name or case.startswith(f"{name}#") or (name.endswith("/") and case.startswith(name))


def cases(*names: str) -> Selection:
    """Case names for `over=`: a CASES key (a Draw stands for all its draws), or a prefix ending in '/'."""
    return Selection(names)


Inputs = Selection | Iterable[Any] | None


@dataclass(frozen=True)
class TestSpec:
    id: str
    name: str
    visibility: str
    function: Callable[..., None]
    points: Any = 0  # validated when tests.py is loaded (problem.py), so the error can name the file
    over: Inputs = None

    def inputs(self, case_names: Iterable[str]) -> list[Any] | None:
        """What the test runs once per (None: it runs once, with no input)."""
        if self.over is None:
            return None
        return self.over.resolve(case_names) if isinstance(self.over, Selection) else list(self.over)


def _register(visibility: str, name: str, points: Any, over: Inputs) -> Callable:
    if over is not None and not isinstance(over, Selection):
        over = tuple(over)  # a generator would be used up by the first run

    def mark(function: Callable) -> Callable:
        function.__harness_test__ = TestSpec(function.__name__, name, visibility, function, points, over)
        return function

    return mark


def hidden(name: str, *, points: float = 1, over: Inputs = None) -> Callable:
    """Mark a hidden test: learners see `name` and the verdict's message, not the code.

    `over`: inputs (a list, or `cases(...)`); the test is called as `test(t, input)` once per input, and
    scores `points` times the fraction of inputs that pass.
    """
    return _register(HIDDEN, name, points, over)


def example(name: str, *, over: Inputs = None) -> Callable:
    """Mark a public example: learners see its code too. Examples are practice and carry no points."""
    return _register(EXAMPLE, name, 0, over)


class Caller(Protocol):
    """The runner's channel to the submission."""

    def __call__(self, args: list[Any], case_id: str | None) -> tuple[dict | None, Fault | None]:
        """Call it on `args` (the case `case_id` when `t.case` calls); its plain result or its fault."""

    def many(self, calls: list[list[Any]]) -> list[tuple[dict | None, Fault | None]]:
        """Call it on each of `calls` in turn: every result, or those up to and including a fault."""


@dataclass(frozen=True)
class Tolerance:
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL


class Candidate:
    """The learner's function as a test sees it, with the problem's cases and their expected values."""

    def __init__(
        self,
        entry: Entry,
        caller: Caller,
        cases: Mapping[str, Case],
        expected: Mapping[str, Any],
        tolerance: Tolerance = Tolerance(),
        held_out: frozenset[str] = frozenset(),
    ) -> None:
        self._entry = entry
        self._caller = caller
        self._cases = cases
        self._expected = expected
        self._tolerance = tolerance
        self._held_out = held_out
        self._last_call: tuple[Any, ...] | None = None
        self.used_held_out = False  # whether the test touched a case drawn for this run

    def describe(self, *args: Any) -> str:
        """How a call looks in a message: `f([1.0, 2.0], 0, 0.1)`."""
        return f"{self._entry.name}({', '.join(show(a, ARGUMENT_DIGITS) for a in args)})"

    def call(self, *args: Any) -> Any:
        """Call the submission; return its checked result or end the test with its fault."""
        return self._call(args, None)

    def calls(self, *calls: Sequence[Any]) -> list[Any]:
        """Call the submission on each argument tuple, asked at once (one round trip where it runs apart);
        return the checked results in order, or end the test with the first fault as `t.call` would."""
        if not all(isinstance(args, (tuple, list)) for args in calls):
            raise TypeError("t.calls takes one tuple of arguments per call: t.calls((x, 0, 0.1), (x, 0, 0.2))")
        arguments = [tuple(args) for args in calls]
        results = self._caller.many([list(args) for args in arguments])
        return [self._checked(args, plain, fault) for args, (plain, fault) in zip(arguments, results)]

    @property
    def last_call(self) -> tuple[Any, ...] | None:
        """The arguments of the call the test made last (the one that faulted, if one did)."""
        return self._last_call

    def _call(self, args: tuple[Any, ...], case_id: str | None) -> Any:
        return self._checked(args, *self._caller(list(args), case_id))

    def _checked(self, args: tuple[Any, ...], plain: dict | None, fault: Fault | None) -> Any:
        self._last_call = args
        if fault is not None:
            raise SubmissionFault(replace(fault, message=f"{self.describe(*args)}: {fault.message}"))
        return decode(plain, self._entry.returns, _Description(self, args))

    def args(self, case_id: str) -> tuple[Any, ...]:
        """The arguments of a named case: a copy, so that a test that changes them changes no other test's."""
        if case_id not in self._cases:
            raise KeyError(f"tests.py has no case '{case_id}' in CASES")
        self.used_held_out |= case_id in self._held_out
        return _copy(self._cases[case_id].args)

    def case(self, case_id: str, *, hint: str = "") -> Any:
        """Call the submission on a named case, fail unless it is close to the reference's value; return it."""
        got = self._call(self.args(case_id), case_id)
        self.assert_close(got, self.expected(case_id), hint=hint)
        return got

    def expected(self, case_id: str) -> Any:
        """The reference's output for a named case (from expected.json, or computed for held-out draws)."""
        if case_id not in self._expected:
            raise KeyError(f"expected.json has no value for case '{case_id}'; regenerate it")
        return decode(self._expected[case_id], self._entry.returns, f"the reference on '{case_id}'")

    def assert_close(
        self,
        got: Any,
        want: Any,
        *,
        rtol: float | None = None,
        atol: float | None = None,
        about: str | None = None,
        hint: str = "",
    ) -> None:
        """Fail unless |got - want| <= atol + rtol·|want| everywhere (numpy.isclose's rule).

        The tolerances default to the problem's (RTOL and ATOL in tests.py); the message names the
        last call unless `about` says otherwise.
        """
        rtol = self._tolerance.rtol if rtol is None else rtol
        atol = self._tolerance.atol if atol is None else atol
        got_array, want_array = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        comparison = None
        if got_array.shape != want_array.shape:
            wrong = f"got shape {got_array.shape}, expected shape {want_array.shape}"
        else:
            difference = np.abs(got_array - want_array)
            excess = difference - (atol + rtol * np.abs(want_array))
            if np.all(excess <= 0):
                return
            shown_got, shown_want = show(got), show(want)
            gap = f" (equal to {SHOWN_DIGITS} digits, but {np.max(difference):.0e} apart: more than the tolerance)"
            wrong = (f"got {shown_got}, expected {shown_want}" + (gap if shown_got == shown_want else "")
                     + (f". {hint}" if hint else ""))
            comparison = _comparison(got_array, want_array, excess)
        raise TestFailure(f"{self._about() if about is None else about}: {wrong}", comparison)

    def fail(self, message: str) -> NoReturn:
        raise TestFailure(message)

    def _about(self) -> str:
        return "the result" if self._last_call is None else self.describe(*self._last_call)


def _copy(value: Any) -> Any:
    """copy.deepcopy, a few times faster on what cases hold (arrays, numbers, lists and tuples of them)."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        return value.copy()
    if type(value) in (int, float, str, bool) or value is None:
        return value
    if type(value) is tuple:
        return tuple(_copy(v) for v in value)
    if type(value) is list:
        return [_copy(v) for v in value]
    return copy.deepcopy(value)


class _Description:
    """A call's description, written only if a message needs it: most calls' results are fine, and
    describing every call cost the grader a sixth of its time."""

    def __init__(self, candidate: Candidate, args: tuple[Any, ...]) -> None:
        self._candidate, self._args = candidate, args

    def __str__(self) -> str:
        return self._candidate.describe(*self._args)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _comparison(got: np.ndarray, want: np.ndarray, excess: np.ndarray) -> dict | None:
    """An element-wise diff of two arrays of one shape: the learner's values, the expected ones to
    SHOWN_DIGITS like every message, which entries are outside the tolerance and the worst of them."""
    if not got.ndim or got.size > COMPARISON_LIMIT:
        return None
    excess = excess.ravel()
    worst = [int(i) for i in np.argsort(-excess)[:WORST_ENTRIES] if excess[i] > 0]
    return {
        "shape": list(got.shape),
        "got": got.ravel().tolist(),
        "want": [float(f"{w:.{SHOWN_DIGITS}g}") for w in want.ravel().tolist()],
        "off": (excess > 0).tolist(),
        "worst": worst,
    }


def show(value: Any, digits: int = SHOWN_DIGITS) -> str:
    """A value as messages show it: at most 8 items per list, floats to `digits` significant digits."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.{digits}g}"
        return text if any(c in text for c in ".einf") else text + ".0"
    if isinstance(value, (list, tuple)):
        items = [show(v, digits) for v in value[:8]]
        if len(value) > 8:
            items.append(f"… {len(value) - 8} more")
        return f"[{', '.join(items)}]"
    if isinstance(value, np.integer):
        return repr(int(value))
    return repr(value)
