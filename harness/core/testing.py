"""What a problem's `tests.py` is written with.

    from harness.testing import Case, hidden, example

    CASES = {"worked-example": Case(logits, 2, 0.1)}   # inputs whose reference outputs are data

    @hidden("α = 0 reduces to plain cross-entropy")
    def alpha_zero(t):
        t.assert_close(t.call(logits, 0, 0.0), cross_entropy(logits, 0))

Hidden tests show learners their name and message; examples show their source too. A test receives
a `Check`: it calls the submission only through it, and every value it gets back has already been
checked for type, shape and finiteness.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from .manifest import Entry
from .plain import decode
from .submission import Fault

HIDDEN = "hidden"
EXAMPLE = "example"


class TestFailure(AssertionError):
    """A test's verdict that the submission is wrong, with a learner-facing message."""


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
class TestSpec:
    id: str
    name: str
    visibility: str
    function: Callable[["Check"], None]
    points: float = 0  # what passing it is worth; examples are not graded and carry none


def _register(visibility: str, name: str, points: float = 0) -> Callable:
    def mark(function: Callable) -> Callable:
        function.__harness_test__ = TestSpec(function.__name__, name, visibility, function, points)
        return function

    return mark


def hidden(name: str, points: float = 1) -> Callable:
    """Mark a hidden test: learners see `name` and the verdict's message, not the code.

    `points` (default 1) is what passing it is worth: a positive int or float.
    """
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points < float("inf"):
        raise ValueError(f"@hidden({name!r}, points={points!r}): points must be a positive number")
    return _register(HIDDEN, name, points)


def example(name: str) -> Callable:
    """Mark a public example: learners see its code too."""
    return _register(EXAMPLE, name)


Caller = Callable[[list[Any]], tuple[dict | None, Fault | None]]


class Check:
    """A test's handle on the submission, the problem's cases and their expected values."""

    def __init__(
        self,
        entry: Entry,
        caller: Caller,
        cases: Mapping[str, Case],
        expected: Mapping[str, Any],
    ) -> None:
        self._entry = entry
        self._caller = caller
        self._cases = cases
        self._expected = expected

    def describe(self, *args: Any) -> str:
        """How a call looks in a message: `f([1.0, 2.0], 0, 0.1)`."""
        return f"{self._entry.name}({', '.join(_show(a) for a in args)})"

    def call(self, *args: Any) -> Any:
        """Call the submission; return its checked result or end the test with its fault."""
        plain, fault = self._caller(list(args))
        if fault is not None:
            raise SubmissionFault(Fault(fault.kind, f"{self.describe(*args)}: {fault.message}", fault.line))
        return decode(plain, self._entry.returns, self.describe(*args))

    def case(self, case_id: str) -> Any:
        """Call the submission on a named case from CASES."""
        return self.call(*self.case_args(case_id))

    def case_args(self, case_id: str) -> tuple[Any, ...]:
        return self._cases[case_id].args

    def expected(self, case_id: str) -> Any:
        """The reference's output for a named case, as recorded in expected.json."""
        if case_id not in self._expected:
            raise KeyError(f"expected.json has no value for case '{case_id}'; regenerate it")
        return decode(self._expected[case_id], self._entry.returns, f"the reference on '{case_id}'")

    def assert_close(
        self, got: Any, want: Any, *, rtol: float, atol: float, about: str = "", hint: str = ""
    ) -> None:
        """Fail unless |got - want| <= atol + rtol·|want| everywhere (numpy.isclose's rule)."""
        got_array, want_array = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        if got_array.shape != want_array.shape:
            self.fail(f"{about}: got shape {got_array.shape}, expected shape {want_array.shape}")
        if not np.all(np.abs(got_array - want_array) <= atol + rtol * np.abs(want_array)):
            self.fail(f"{about}: got {_show(got)}, expected {_show(want)}" + (f". {hint}" if hint else ""))

    def fail(self, message: str) -> None:
        raise TestFailure(message)


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text if any(c in text for c in ".einf") else text + ".0"
    if isinstance(value, (list, tuple)):
        items = [_show(v) for v in value[:8]]
        if len(value) > 8:
            items.append(f"… {len(value) - 8} more")
        return f"[{', '.join(items)}]"
    return repr(value)
