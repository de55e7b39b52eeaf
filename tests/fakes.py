"""A scripted executor: the runner's protocol with no process and no learner code (as httpx's MockTransport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from harness.core.manifest import Entry
from harness.core.plain import encode
from harness.core.submission import Fault

Answer = Callable[[list[Any]], Any]


@dataclass
class ScriptedExecutor:
    """Answers each call with `answer(args)` (a value, or a Fault), charging `cost` seconds per call."""

    answer: Answer = lambda args: 0.0
    load_fault: Fault | None = None
    output: str = ""
    cost: float = 0.0
    now: float = 0.0
    calls: list[tuple[list[Any], float]] = field(default_factory=list)  # (args, time budget given)

    def load(self, source: str, entry: Entry, timeout: float = 0.0) -> tuple[Fault | None, str]:
        return self.load_fault, self.output

    def call(self, args: list[Any], timeout: float) -> tuple[dict | None, Fault | None, str]:
        self.calls.append((args, timeout))
        self.now += self.cost
        value = self.answer(args)
        if isinstance(value, Fault):
            return None, value, self.output
        return encode(value), None, self.output

    def clock(self) -> float:
        return self.now

    def close(self) -> None:
        """Nothing to release."""
