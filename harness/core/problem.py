"""A problem: one folder (or, in the browser, the same files shipped as one bundle)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .manifest import Manifest, ProblemError, parse_manifest
from .plain import WrongResult, decode
from .testing import HIDDEN, Case, TestSpec

MANIFEST = "problem.toml"
STATEMENT = "statement.md"
STUB = "stub.py"
SOLUTION = "solution.py"
TESTS = "tests.py"
EXPECTED = "expected.json"
# What grading needs; the reference solution is deliberately not among them.
SHIPPED_FILES = (MANIFEST, STATEMENT, STUB, TESTS, EXPECTED)


@dataclass(frozen=True)
class Problem:
    """A problem's files, its manifest and its tests, loaded and validated; read-only."""

    manifest: Manifest
    files: Mapping[str, str]
    tests: tuple[TestSpec, ...]
    cases: Mapping[str, Case]
    expected: Mapping[str, Any]
    origin: str = ""
    folder: Path | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return self.manifest.id


def from_files(files: Mapping[str, str], origin: str = "", folder: Path | None = None) -> Problem:
    """Build a problem from its files' texts; errors name `origin/file`."""
    def where(name: str) -> str:
        return f"{origin}/{name}" if origin else name

    for name in SHIPPED_FILES:
        if name not in files:
            raise ProblemError(f"{where(name)}: missing (every problem needs {', '.join(SHIPPED_FILES)})")
    manifest = parse_manifest(files[MANIFEST], where(MANIFEST))
    if folder is not None and folder.name != manifest.id:
        raise ProblemError(f"{where(MANIFEST)}: 'id' is '{manifest.id}' but the folder is named '{folder.name}'")
    tests, cases = _collect_tests(files[TESTS], where(TESTS))
    expected = _parse_expected(files[EXPECTED], where(EXPECTED))
    return Problem(manifest, dict(files), tests, cases, expected, origin, folder)


def load(folder: Path | str) -> Problem:
    """Read a problem folder from disk."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ProblemError(f"{folder}: no such problem folder")
    files = {}
    for name in (*SHIPPED_FILES, SOLUTION):
        path = folder / name
        if path.is_file():
            try:
                files[name] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ProblemError(f"{path}: cannot be read: {exc}") from None
    return from_files(files, str(folder), folder)


def from_bundle(text: str) -> Problem:
    """Rebuild a problem from the JSON the site ships (see `bundle`)."""
    data = json.loads(text)
    return from_files(data["files"], data.get("id", ""))


def bundle(problem: Problem) -> str:
    """The problem as the site ships it: grading files only, never the reference solution."""
    files = {name: problem.files[name] for name in SHIPPED_FILES}
    return json.dumps({"id": problem.id, "files": files}, ensure_ascii=False)


def _collect_tests(source: str, where: str) -> tuple[tuple[TestSpec, ...], dict[str, Case]]:
    namespace: dict[str, Any] = {"__name__": "problem_tests"}
    try:
        exec(compile(source, where, "exec"), namespace)
    except SyntaxError as exc:
        raise ProblemError(f"{where}: SyntaxError on line {exc.lineno}: {exc.msg}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit or os-level exits in tests.py are its fault too
        raise ProblemError(f"{where}: failed while loading: {type(exc).__name__}: {exc}") from None
    tests = tuple(v.__harness_test__ for v in namespace.values() if hasattr(v, "__harness_test__"))
    if not any(t.visibility == HIDDEN for t in tests):
        raise ProblemError(f"{where}: defines no hidden tests (mark test functions with @hidden)")
    names = [t.name for t in tests]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ProblemError(f"{where}: two tests share the name {duplicates[0]!r}")
    cases = namespace.get("CASES", {})
    if not isinstance(cases, dict) or not all(isinstance(c, Case) for c in cases.values()):
        raise ProblemError(f"{where}: CASES must be a dict of name -> Case(...)")
    return tests, cases


def require_expected(problem: Problem) -> None:
    """Raise ProblemError, naming expected.json, unless every case has a value its tests can use."""
    where = f"{problem.origin}/{EXPECTED}" if problem.origin else EXPECTED
    for name in problem.cases:
        if name not in problem.expected:
            raise ProblemError(f"{where}: no value for case '{name}'; run `python -m harness expected {problem.id}`")
        try:
            decode(problem.expected[name], problem.manifest.entry.returns, f"the value of case '{name}'")
        except WrongResult as exc:
            raise ProblemError(f"{where}: {exc}") from None


def _parse_expected(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(f"{where}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProblemError(f"{where}: must be a JSON object of case name -> value")
    return data
