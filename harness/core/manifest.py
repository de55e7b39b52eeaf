"""The problem manifest (`problem.toml`): its schema and a validator whose errors name file and key."""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from typing import Any

DIFFICULTIES = ("easy", "medium", "hard")
RETURN_KINDS = ("float", "array")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ProblemError(Exception):
    """A problem folder is malformed; the message names the file and what is wrong."""


class Interrupted(KeyboardInterrupt):
    """The user's Ctrl-C, as the CLI raises it: it ends the run, whatever code it lands in."""


# Under Pyodide the page stops a test over its time limit by interrupting Python: a KeyboardInterrupt
# there is the learner's timeout. Under CPython nothing interrupts a test (Ctrl-C is `Interrupted`), so
# a KeyboardInterrupt was raised by the problem's own code: its fault, like any other exception.
TIME_LIMIT_INTERRUPT: tuple[type[BaseException], ...] = (KeyboardInterrupt,) if sys.platform == "emscripten" else ()
FROM_OUTSIDE = (Interrupted, *TIME_LIMIT_INTERRUPT)


@dataclass(frozen=True)
class Entry:
    """The function a learner writes."""

    name: str
    params: tuple[str, ...]
    returns: str

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"


@dataclass(frozen=True)
class Manifest:
    """A problem's `problem.toml`, validated: what the learner writes and how it is graded."""

    id: str
    title: str
    difficulty: str
    tags: tuple[str, ...]
    time_limit: float
    entry: Entry
    track: str | None = None
    order: int = 0


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def problem_id_error(value: Any) -> str | None:
    """Why `value` cannot be a problem id, or None when it can."""
    if not isinstance(value, str) or not _ID.match(value):
        return "must be lowercase words joined by '-' (like 'label-smoothing')"
    return None


def _difficulty(value: Any) -> str | None:
    return None if value in DIFFICULTIES else f"must be one of {', '.join(DIFFICULTIES)}"


def _tags(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(t, str) and t for t in value)
    return None if ok else "must be a list of non-empty strings"


def _time_limit(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 60
    return None if ok else "must be a number of seconds, above 0 and at most 60"


def _order(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be a whole number, 0 or more"


def _identifier(value: Any) -> str | None:
    ok = isinstance(value, str) and _IDENTIFIER.match(value)
    return None if ok else "must be a Python identifier"


def _params(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(p, str) and _IDENTIFIER.match(p) for p in value)
    return None if ok else "must be a list of Python identifiers"


def _returns(value: Any) -> str | None:
    return None if value in RETURN_KINDS else f"must be one of {', '.join(RETURN_KINDS)}"


# key -> (required, validator returning an error text or None)
_TOP = {
    "id": (True, problem_id_error),
    "title": (True, _text),
    "difficulty": (True, _difficulty),
    "tags": (True, _tags),
    "time_limit": (True, _time_limit),
    "track": (False, _text),
    "order": (False, _order),
    "entry": (True, None),
}
_ENTRY = {
    "name": (True, _identifier),
    "params": (True, _params),
    "returns": (True, _returns),
}


def _check_table(table: dict[str, Any], schema: dict, prefix: str, where: str) -> None:
    for key in table:
        if key not in schema:
            known = ", ".join(schema)
            raise ProblemError(f"{where}: unknown key '{prefix}{key}' (known keys: {known})")
    for key, (required, validate) in schema.items():
        if key not in table:
            if required:
                raise ProblemError(f"{where}: missing required key '{prefix}{key}'")
            continue
        problem = validate(table[key]) if validate else None
        if problem:
            raise ProblemError(f"{where}: '{prefix}{key}' {problem} (got {table[key]!r})")


def parse_manifest(text: str, where: str = "problem.toml") -> Manifest:
    """Parse and validate a manifest; `where` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProblemError(f"{where}: not valid TOML: {exc}") from None
    _check_table(data, _TOP, "", where)
    if not isinstance(data["entry"], dict):
        raise ProblemError(f"{where}: 'entry' must be a table ([entry])")
    _check_table(data["entry"], _ENTRY, "entry.", where)
    entry = data["entry"]
    return Manifest(
        id=data["id"],
        title=data["title"],
        difficulty=data["difficulty"],
        tags=tuple(data["tags"]),
        time_limit=float(data["time_limit"]),
        entry=Entry(entry["name"], tuple(entry["params"]), entry["returns"]),
        track=data.get("track"),
        order=data.get("order", 0),
    )
