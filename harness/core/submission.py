"""Loading a learner's source and calling its entry function, with faults described for the learner.

This is the half of grading that touches untrusted code. It runs in the browser's worker next to the
tests, and in the CLI inside a separate, limited process; both speak in the plain data of `plain`.
"""

from __future__ import annotations

import inspect
import io
import sys
import traceback
import unicodedata
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .manifest import Entry
from .plain import encode

FILENAME = "submission.py"
OUTPUT_LIMIT = 4_000
# The deepest recursion learner code may ask for, wherever it runs: deep enough for honest recursive
# solutions, shallow enough to end as RecursionError in a browser worker's stack, and quickly.
MAX_RECURSION = 1_000


@dataclass(frozen=True)
class Fault:
    """Why the submission could not produce a value: learner-facing, with a line number when known."""

    kind: str  # syntax | missing | signature | raised | exit | timeout | crashed | protocol
    message: str
    line: int | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "line": self.line}

    @classmethod
    def from_dict(cls, data: Any) -> "Fault":
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            return cls("crashed", "the submission's process sent back malformed data")
        line = data.get("line")
        return cls(str(data.get("kind", "raised")), data["message"][:2_000], line if isinstance(line, int) else None)


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


def _learner_line(exc: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    return frames[-1].lineno if frames else None


def _describe(exc: BaseException, during: str) -> Fault:
    line = _learner_line(exc)
    where = f" (line {line} of your code)" if line else ""
    during = f" {during}" if during else ""
    if isinstance(exc, SystemExit):
        return Fault("exit", f"your code called sys.exit(){during}{where}; remove that call", line)
    if isinstance(exc, RecursionError):
        return Fault("raised", f"raised RecursionError{during}{where}: the recursion never stops or is too deep", line)
    text = str(exc).strip()
    detail = f": {text}" if text else ""
    return Fault("raised", f"raised {_public_name(exc)}{during}{where}{detail}"[:2_000], line)


def _public_name(exc: BaseException) -> str:
    """NumPy raises private subclasses such as _ArrayMemoryError; learners know them as MemoryError."""
    return next(c.__name__ for c in type(exc).__mro__ if not c.__name__.startswith("_"))


def load(source: str, entry: Entry) -> tuple[Callable | None, Fault | None, str]:
    """Run the submission's module code; return its entry function or the fault, and what it printed."""
    try:
        code = compile(source, FILENAME, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f" on line {exc.lineno}" if exc.lineno else ""
        return None, Fault("syntax", f"SyntaxError{where}: {exc.msg}", exc.lineno), ""
    except ValueError as exc:  # e.g. null bytes in the source
        return None, Fault("syntax", f"the source could not be compiled: {exc}"), ""
    namespace: dict[str, Any] = {"__name__": "submission", "__file__": FILENAME}
    with captured_output() as output:
        try:
            exec(code, namespace)
        except KeyboardInterrupt:  # how the browser's worker is told that time is up
            return None, Fault("timeout", "loading your code took longer than the time limit"), output.getvalue()
        except BaseException as exc:  # noqa: BLE001 - anything the learner's module does is reported
            return None, _describe(exc, "while your code was being loaded"), output.getvalue()
    function, fault = _find_entry(namespace, entry)
    return function, fault, output.getvalue()


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
            return None, _describe(exc, ""), output.getvalue()
        try:
            plain = encode(result)
        except BaseException as exc:  # noqa: BLE001 - a hostile result object
            return None, _describe(exc, f"while reading what {name} returned"), output.getvalue()
    return plain, None, output.getvalue()
