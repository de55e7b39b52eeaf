"""Loading a learner's source and calling its entry function, with faults described for the learner.

This is the half of grading that touches untrusted code. It runs in the browser's worker next to the
tests, and in the CLI inside a separate, limited process; both speak in the plain data of `plain`.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import math
import sys
import traceback
import unicodedata
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .manifest import Entry
from .plain import encode

FILENAME = "submission.py"
OUTPUT_LIMIT = 4_000
# The deepest recursion learner code may ask for, wherever it runs: deep enough for honest recursive
# solutions, shallow enough to end as RecursionError in a browser worker's stack, and quickly.
MAX_RECURSION = 1_000
# A traceback shows at most this many of the learner's frames: the innermost and its nearest callers.
MAX_FRAMES = 6
# A batch of calls (a test's named cases, asked at once to save a round trip per call) ends after the
# call whose reply takes the batch's replies, as they travel (JSON), to this many characters: the grader
# then holds at most this much beside one reply of the most it ever accepts. The calls left are asked
# one by one.
BATCH_CHARACTERS = 64 * 1024
# Faults after which a batch goes no further: the test's time is up, or the process running it is gone.
ENDS_A_BATCH = ("timeout", "crashed", "protocol")


@dataclass(frozen=True)
class Fault:
    """Why the submission could not produce a value: learner-facing, with a line number when known."""

    kind: str  # syntax | missing | signature | raised | exit | timeout | crashed | protocol
    message: str
    line: int | None = None
    # The learner's own frames, innermost first: (line, function). The harness's never appear.
    frames: tuple[tuple[int, str], ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "line": self.line,
                "frames": [{"line": line, "function": function} for line, function in self.frames]}

    @classmethod
    def from_dict(cls, data: Any) -> "Fault":
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            return cls("crashed", "the submission's process sent back malformed data")
        line = data.get("line")
        frames = data.get("frames")
        frames = tuple(
            (f["line"], f["function"][:200]) for f in (frames if isinstance(frames, list) else [])[:MAX_FRAMES]
            if isinstance(f, dict) and isinstance(f.get("line"), int) and isinstance(f.get("function"), str)
        )
        return cls(str(data.get("kind", "raised")), data["message"][:2_000], line if isinstance(line, int) else None,
                   frames)


class BoundedOutput(io.TextIOBase):
    """A stdout stand-in that keeps the first OUTPUT_LIMIT characters and counts the rest."""

    def __init__(self, limit: int = OUTPUT_LIMIT) -> None:
        self._parts: list[str] = []
        self._kept = 0
        self.dropped = 0
        self._limit = limit

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        size = len(text)
        if self._kept >= self._limit:  # the common case in a flood: only count
            self.dropped += size
            return size
        kept = text[: self._limit - self._kept]
        self._parts.append(kept)
        self._kept += len(kept)
        self.dropped += size - len(kept)
        return size

    def getvalue(self) -> str:
        text = "".join(self._parts)
        if self.dropped:
            text += f"\n… [output truncated: {self.dropped} more characters]"
        return text


@contextmanager
def captured_output() -> Iterator[BoundedOutput]:
    """Everything the learner's code prints or warns, in every executor alike."""
    buffer = BoundedOutput()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = buffer
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = lambda message, category, filename, lineno, *_: buffer.write(
            warnings.formatwarning(message, category, filename, lineno, line="")
        )
        try:
            yield buffer
        finally:
            sys.stdout, sys.stderr = saved


_UNPRINTABLE = ("Cc", "Cf", "Cs", "Zl", "Zp")  # controls, invisible formatting (bidi overrides), separators


def one_line(text: str) -> str:
    """`text` as one printable line: backslashes, controls and invisible characters escaped.

    For what a learner controls (a file name, an exception's message) wherever a report prints it on a
    line of its own, so that it can neither break a format nor forge a line.
    """
    return "".join(_escape(ch) if ch == "\\" or unicodedata.category(ch) in _UNPRINTABLE else ch for ch in text)


def _escape(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"


def cap_recursion() -> None:
    """Limit recursion to MAX_RECURSION, and keep learner code from lifting the limit."""
    sys.setrecursionlimit(MAX_RECURSION)
    builtin = sys.setrecursionlimit

    def setrecursionlimit(limit: int) -> None:
        builtin(min(int(limit), MAX_RECURSION))

    sys.setrecursionlimit = setrecursionlimit


def learner_frames(exc: BaseException) -> tuple[tuple[int, str], ...]:
    """The (line, function) frames of the learner's code in `exc`'s traceback, innermost first.

    A recursion repeats the same frame hundreds of times; repeats collapse so callers stay visible.
    """
    frames: list[tuple[int, str]] = []
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename != FILENAME or frame.lineno is None:
            continue
        here = (frame.lineno, frame.name)
        if here not in frames:
            frames.append(here)
        if len(frames) == MAX_FRAMES:
            break
    return tuple(frames)


def describe(exc: BaseException, during: str) -> Fault:
    frames = learner_frames(exc)
    line = frames[0][0] if frames else None
    where = f" (line {line} of your code)" if line else ""
    during = f" {during}" if during else ""
    if isinstance(exc, SystemExit):
        return Fault("exit", f"your code called sys.exit(){during}{where}; remove that call", line, frames)
    if isinstance(exc, RecursionError):
        message = f"raised RecursionError{during}{where}: the recursion never stops or is too deep"
        return Fault("raised", message, line, frames)
    text = str(exc).strip()
    detail = f": {text}" if text else ""
    return Fault("raised", f"raised {_public_name(exc)}{during}{where}{detail}"[:2_000], line, frames)


def _public_name(exc: BaseException) -> str:
    """NumPy raises private subclasses such as _ArrayMemoryError; learners know them as MemoryError."""
    return next(c.__name__ for c in type(exc).__mro__ if not c.__name__.startswith("_"))


def load(source: str, entry: Entry) -> tuple[Callable | None, Fault | None, str]:
    """Run the submission's module code; return its entry function or the fault, and what it printed."""
    namespace, fault, output = run_module(source)
    if fault is not None:
        return None, fault, output
    function, fault = _find_entry(namespace, entry)
    return function, fault, output


def run_module(source: str) -> tuple[dict[str, Any], Fault | None, str]:
    """Run the submission's module code; return its namespace or the fault, and what it printed."""
    namespace: dict[str, Any] = {"__name__": "submission", "__file__": FILENAME}
    try:
        code = compile(source, FILENAME, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f" on line {exc.lineno}" if exc.lineno else ""
        return namespace, Fault("syntax", f"SyntaxError{where}: {exc.msg}", exc.lineno), ""
    except ValueError as exc:  # e.g. null bytes in the source
        return namespace, Fault("syntax", f"the source could not be compiled: {exc}"), ""
    with captured_output() as output:
        try:
            exec(code, namespace)
        except KeyboardInterrupt:  # how the browser's worker is told that time is up
            return namespace, Fault("timeout", "loading your code took longer than the time limit"), output.getvalue()
        except BaseException as exc:  # noqa: BLE001 - anything the learner's module does is reported
            return namespace, describe(exc, "while your code was being loaded"), output.getvalue()
    return namespace, None, output.getvalue()


def _find_entry(namespace: dict[str, Any], entry: Entry) -> tuple[Callable | None, Fault | None]:
    function = namespace.get(entry.name)
    if function is None:
        return None, Fault("missing", f"no function named `{entry.name}` was found; define `def {entry.signature}:`")
    if not callable(function):
        return None, Fault("missing", f"`{entry.name}` is a {type(function).__name__}, not a function")
    try:
        inspect.signature(function).bind(*entry.params)
    except TypeError:
        line = getattr(getattr(function, "__code__", None), "co_firstlineno", None)
        message = (
            f"`{entry.name}{_signature_text(function)}` cannot be called with {len(entry.params)} "
            f"arguments; the tests call `{entry.signature}`"
        )
        return None, Fault("signature", message, line)
    except ValueError:
        pass  # a callable without an introspectable signature: let the call decide
    return function, None


def _signature_text(function: Callable) -> str:
    try:
        return str(inspect.signature(function))
    except (TypeError, ValueError):
        return "(…)"


def call(function: Callable, args: list[Any], name: str) -> tuple[dict | None, Fault | None, str]:
    """Call the entry function; return its result as plain data, or the fault, and what it printed."""
    with captured_output() as output:
        try:
            result = function(*args)
        except KeyboardInterrupt:  # how the browser's worker is told that time is up
            return None, Fault("timeout", "took longer than the time limit"), output.getvalue()
        except BaseException as exc:  # noqa: BLE001 - everything the learner's code does is reported
            return None, describe(exc, ""), output.getvalue()
        try:
            plain = encode(result)
        except BaseException as exc:  # noqa: BLE001 - a hostile result object
            return None, describe(exc, f"while reading what {name} returned"), output.getvalue()
    return plain, None, output.getvalue()


Result = tuple[dict | None, Fault | None, str]


def reply(plain: dict | None, fault: Fault | None, output: str) -> dict:
    """A call's result as the child sends it back to the grader."""
    return {"value": plain, "fault": fault and fault.to_dict(), "output": output}


def reply_characters(result: Result) -> int:
    """How long a call's reply is as it travels (JSON, ASCII: as many bytes)."""
    return len(json.dumps(reply(*result), allow_nan=True))


class Batch:
    """Where a batch of calls ends, the same rule wherever the calls run (the child, the browser's worker,
    the grader's own loop), so that a submission is called in the same order everywhere."""

    def __init__(self) -> None:
        self.characters = 0

    def goes_on(self, characters: int, fault: Fault | None) -> bool:
        """After a call whose reply had `characters` and ended with `fault`: is the next call in the batch?"""
        self.characters += characters
        return (fault is None or fault.kind not in ENDS_A_BATCH) and self.characters < BATCH_CHARACTERS


def call_each(call: Callable[[list[Any]], Result], calls: Iterable[list[Any]]) -> list[Result]:
    """A batch asked one call at a time: `call` on each argument list while the batch goes on."""
    results: list[Result] = []
    batch = Batch()
    for args in calls:
        results.append(call(args))
        if not batch.goes_on(reply_characters(results[-1]), results[-1][1]):
            break
    return results


def python_call(name: str, args: list[Any]) -> str:
    """`name(*args)` as Python source that rebuilds every argument exactly (floats by their repr)."""
    return f"{name}({', '.join(python_literal(a) for a in args)})"


def python_literal(value: Any) -> str:
    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype in (np.float64, np.int64, np.bool_) else f", dtype=np.{value.dtype.name}"
        return f"np.array({python_literal(value.tolist())}{dtype})"
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return "np.nan"
        return ("-np.inf" if number < 0 else "np.inf") if math.isinf(number) else repr(number)
    if isinstance(value, list):
        return f"[{', '.join(python_literal(v) for v in value)}]"
    if isinstance(value, tuple):
        return f"({', '.join(python_literal(v) for v in value)}{',' if len(value) == 1 else ''})"
    return repr(value)


def return_lines(source: str, name: str) -> tuple[int, ...]:
    """The lines of the `return` statements of the module-level function `name` (its last definition),
    not counting those of functions defined inside it."""
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    definitions = [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not definitions:
        return ()
    lines, pending = [], list(definitions[-1].body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            lines.append(node.lineno)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))
    return tuple(sorted(lines))
