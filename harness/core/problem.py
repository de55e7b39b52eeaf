"""A problem: one folder (or, in the browser, the same files shipped as one bundle)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from . import arguments
from .manifest import FROM_OUTSIDE, Manifest, ProblemError, parse_manifest
from .plain import WrongResult, decode
from .testing import DEFAULT_ATOL, DEFAULT_RTOL, HIDDEN, PUBLISHED_SEED, Case, Draw, Selection, TestSpec, Tolerance

MANIFEST = "problem.toml"
STATEMENT = "statement.md"
STUB = "stub.py"
SOLUTION = "solution.py"
TESTS = "tests.py"
EXPECTED = "expected.json"
# What grading needs; the reference solution is deliberately not among them.
SHIPPED_FILES = (MANIFEST, STATEMENT, STUB, TESTS, EXPECTED)
# The most the site's bundle spends on the published draws (about 50 ms at 5 Mbps; drawing them in the
# browser costs about 80 ms).
SHIPPED_DRAWS_LIMIT = 32_000


@dataclass(frozen=True)
class Problem:
    """A problem as the tests see it: its cases drawn for `seed`, and the expected values of each."""

    manifest: Manifest
    files: Mapping[str, str]
    tests: tuple[TestSpec, ...]
    declared: Mapping[str, Case | Draw]  # CASES as tests.py wrote it
    cases: Mapping[str, Case]  # every case by name: the fixed ones, and each Draw's draws for `seed`
    expected: Mapping[str, Any]
    origin: str = ""
    folder: Path | None = field(default=None, compare=False)
    tolerance: Tolerance = Tolerance()
    seed: int = PUBLISHED_SEED

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def drawn(self) -> frozenset[str]:
        """The names of the cases drawn from a Draw (the same names for every seed)."""
        return frozenset(name for name in self.cases if name not in self.declared)

    @property
    def held_out(self) -> frozenset[str]:
        """Drawn cases no learner has seen: those of any seed but the published one."""
        return frozenset() if self.seed == PUBLISHED_SEED else self.drawn


def redraw(problem: Problem, seed: int) -> Problem:
    """The problem with its draws made from `seed`, and no expected values for them yet."""
    cases = draw(problem.declared, seed, f"{problem.origin}/{TESTS}")
    fixed = {name: value for name, value in problem.expected.items() if name not in problem.drawn}
    return replace(problem, seed=seed, cases=cases, expected=fixed)


def draw(declared: Mapping[str, Case | Draw], seed: int, where: str, known: Mapping[str, Case] = {}) -> dict[str, Case]:
    """The fixed cases as declared, and each Draw's draws for `seed`; a broken Draw is the problem's fault.
    A Draw whose every draw is `known` (drawn before, for this seed) is not called again."""
    cases: dict[str, Case] = {}
    for name, case in declared.items():
        if not isinstance(case, Draw):
            cases[name] = case
            continue
        names = [f"{name}#{index}" for index in range(1, case.count + 1)]
        if all(n in known for n in names):
            cases.update((n, known[n]) for n in names)
            continue
        try:
            drawn = case.cases(name, seed)
        except FROM_OUTSIDE:
            raise
        except BaseException as exc:  # noqa: BLE001 - the author's generator (SystemExit too): the problem's fault
            raise ProblemError(f"{where}: Draw {name!r} failed (seed {seed}): {type(exc).__name__}: {exc}") from None
        wrong = next((n for n, c in drawn.items() if not isinstance(c, Case)), None)
        if wrong is not None:
            raise ProblemError(f"{where}: Draw {name!r} must return a Case(...), got {drawn[wrong]!r}")
        cases.update(drawn)
    return cases


def from_files(files: Mapping[str, str], origin: str = "", folder: Path | None = None,
               drawn: Mapping[str, Case] = {}) -> Problem:
    """Build a problem from its files' texts; errors name `origin/file`. `drawn`: its draws for the
    published seed, if already made (the site's bundle ships them)."""
    def where(name: str) -> str:
        return f"{origin}/{name}" if origin else name

    for name in SHIPPED_FILES:
        if name not in files:
            raise ProblemError(f"{where(name)}: missing (every problem needs {', '.join(SHIPPED_FILES)})")
    manifest = parse_manifest(files[MANIFEST], where(MANIFEST))
    if folder is not None and folder.name != manifest.id:
        raise ProblemError(f"{where(MANIFEST)}: 'id' is '{manifest.id}' but the folder is named '{folder.name}'")
    tests, declared, tolerance = _collect_tests(files[TESTS], where(TESTS))
    expected = _parse_expected(files[EXPECTED], where(EXPECTED))
    cases = draw(declared, PUBLISHED_SEED, where(TESTS), drawn)
    for test in tests:
        for name in test.over.names if isinstance(test.over, Selection) else ():
            if not Selection((name,)).resolve(cases):
                raise ProblemError(f"{where(TESTS)}: test {test.name!r}: cases({name!r}) matches no name in CASES")
    return Problem(manifest, dict(files), tests, declared, cases, expected, origin, folder, tolerance)


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
    drawn = {name: Case(*arguments.unpack(args)) for name, args in data.get("drawn", {}).items()}
    return from_files(data["files"], data.get("id", ""), drawn=drawn)


def bundle(problem: Problem) -> str:
    """The problem as the site ships it: grading files only, never the reference solution, and the
    cases its Draws make for the published seed (as public as their expected values), so that the
    browser need not make them: importing `numpy.random` and drawing were a tenth of the page's start.
    The browser makes them all itself, as it did before, unless every draw's arguments come back from
    the bundle exactly as drawn (types included) and together they fit in SHIPPED_DRAWS_LIMIT
    characters: on a slow link, more would cost more than drawing them."""
    files = {name: problem.files[name] for name in SHIPPED_FILES}
    data: dict[str, Any] = {"id": problem.id, "files": files}
    published = draw(problem.declared, PUBLISHED_SEED, problem.origin)
    try:
        drawn = {name: arguments.pack_faithfully(list(case.args)) for name, case in sorted(published.items())
                 if name not in problem.declared}
        if None not in drawn.values() and len(json.dumps(drawn)) <= SHIPPED_DRAWS_LIMIT:
            data["drawn"] = drawn
    except (arguments.ArgumentError, ValueError, TypeError, RecursionError):
        pass  # arguments no JSON holds (a set, a long double, an int of thousands of digits)
    return json.dumps(data, ensure_ascii=False)


def _collect_tests(source: str, where: str) -> tuple[tuple[TestSpec, ...], dict[str, Case | Draw], Tolerance]:
    namespace: dict[str, Any] = {"__name__": "problem_tests"}
    try:
        exec(compile(source, where, "exec"), namespace)
    except SyntaxError as exc:
        raise ProblemError(f"{where}: SyntaxError on line {exc.lineno}: {exc.msg}") from None
    except FROM_OUTSIDE:
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
    if not isinstance(cases, dict) or not all(isinstance(c, (Case, Draw)) for c in cases.values()):
        raise ProblemError(f"{where}: CASES must be a dict of name -> Case(...) or Draw(...)")
    for name, case in cases.items():
        if "#" in name:
            raise ProblemError(f"{where}: case name {name!r} contains '#', which names a Draw's draws")
        if isinstance(case, Draw) and not (isinstance(case.count, int) and case.count >= 1):
            raise ProblemError(f"{where}: Draw {name!r} needs a count of 1 or more (got {case.count!r})")
    for test in tests:
        _check_test(test, where)
    return tests, cases, Tolerance(_tolerance(namespace, "RTOL", DEFAULT_RTOL, where),
                                   _tolerance(namespace, "ATOL", DEFAULT_ATOL, where))


def _check_test(test: TestSpec, where: str) -> None:
    if test.over == ():
        raise ProblemError(f"{where}: test {test.name!r}: over= has no inputs")
    points = test.points
    if test.visibility == HIDDEN and not (
        isinstance(points, (int, float)) and not isinstance(points, bool) and math.isfinite(points) and points > 0
    ):
        raise ProblemError(f"{where}: test {test.name!r}: points must be a positive number (got {points!r})")


def _tolerance(namespace: dict[str, Any], name: str, default: float, where: str) -> float:
    value = namespace.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ProblemError(f"{where}: {name} must be a number from 0 up to 1 (got {value!r})")
    return float(value)


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
