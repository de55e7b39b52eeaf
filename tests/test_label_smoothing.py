"""The label-smoothing problem's tests are proven: they accept every correct implementation and
reject every documented pitfall, and the stub passes none."""

from __future__ import annotations

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


def test_shipped_bundle_never_contains_the_reference():
    shipped = problem.bundle(PROBLEM)
    assert "solution.py" not in shipped
    assert problem.from_bundle(shipped).tests[0].name == PROBLEM.tests[0].name
