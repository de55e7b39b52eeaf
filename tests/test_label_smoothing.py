"""The label-smoothing problem's tests are proven: they accept every correct implementation and
reject every documented pitfall, and the stub passes none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PROBLEMS
from harness.authoring import expected
from harness.core import problem, runner
from harness.inprocess import InProcess

FOLDER = PROBLEMS / "label-smoothing"
PROBLEM = problem.load(FOLDER)


def grade(path: Path) -> runner.Report:
    return runner.run(PROBLEM, path.read_text(), InProcess())


def test_exactly_five_hidden_tests_and_a_public_example():
    visibilities = [t.visibility for t in PROBLEM.tests]
    assert visibilities.count("hidden") == 5
    assert visibilities.count("example") >= 1


def test_reference_passes_everything():
    report = grade(FOLDER / "solution.py")
    assert [t.status for t in report.tests] == ["pass"] * len(PROBLEM.tests)


def test_stub_passes_nothing():
    report = grade(FOLDER / "stub.py")
    assert report.count("pass") == 0


@pytest.mark.parametrize("path", sorted((FOLDER / "accepted").glob("*.py")), ids=lambda p: p.stem)
def test_correct_variant_passes(path):
    report = grade(path)
    assert report.status == "pass", [(t.name, t.message) for t in report.tests if t.status != "pass"]


@pytest.mark.parametrize("path", sorted((FOLDER / "mutants").glob("*.py")), ids=lambda p: p.stem)
def test_pitfall_is_caught_with_a_message(path):
    report = grade(path)
    caught = [t for t in report.graded if t.status != "pass"]
    assert caught, f"{path.name} survives every hidden test"
    assert all(t.message for t in caught)


def test_expected_values_are_up_to_date():
    assert expected.is_current(PROBLEM)


def reference_lines(folder: Path) -> list[str]:
    """The lines of code that make a problem's reference its own (not blank, comments or imports)."""
    lines = [line.strip() for line in (folder / "solution.py").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith(("#", "import ", "from ", '"""', "def "))]


@pytest.mark.parametrize("folder", sorted(p.parent for p in PROBLEMS.glob("*/problem.toml")), ids=lambda p: p.name)
def test_shipped_bundle_never_contains_the_reference(folder):
    shipped = json.loads(problem.bundle(problem.load(folder)))
    text = "\n".join(shipped["files"].values())
    lines = reference_lines(folder)
    leaked = [line for line in lines if line in text]
    # A line or two may be common ground with the tests' own formulation; most of them is the reference.
    assert len(leaked) < len(lines) / 2, f"the bundle ships {folder.name}'s reference: {leaked}"
    assert problem.from_bundle(json.dumps(shipped)).tests[0].name == problem.load(folder).tests[0].name
