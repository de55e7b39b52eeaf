"""Running the submission in this interpreter: the browser worker's executor, and CPython's for parity.

No limits are enforced here; the worker's page interrupts a run that is over time, which arrives
as KeyboardInterrupt and is reported as a timeout.
"""

from __future__ import annotations

import copy
import time
from typing import Any, Callable

from .core import submission
from .core.manifest import Entry
from .core.submission import Fault


class InProcess:
    """The executor that calls the submission in this interpreter (see `harness.core.runner.Executor`)."""

    def __init__(self) -> None:
        self._function: Callable | None = None
        self._name = ""

    def load(self, source: str, entry: Entry, timeout: float = 0.0) -> tuple[Fault | None, str]:
        self._function, fault, output = submission.load(source, entry)
        self._name = entry.name
        return fault, output

    def call(self, args: list[Any], timeout: float) -> tuple[dict | None, Fault | None, str]:
        assert self._function is not None, "load() a submission before calling it"
        # A copy, so a submission that changes its inputs in place cannot change the tests' data.
        return submission.call(self._function, copy.deepcopy(args), self._name)

    def clock(self) -> float:
        return time.perf_counter()

    def close(self) -> None:
        """Nothing to release: the submission lived in this interpreter."""
