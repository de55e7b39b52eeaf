"""Points, and the results formats of grading platforms, each validated against its documented schema."""

from __future__ import annotations

import csv
import io

import pytest

import platform_schemas
from conftest import PROBLEMS

SOLUTION = str(PROBLEMS / "label-smoothing" / "solution.py")
MUTANT = str(PROBLEMS / "label-smoothing" / "mutants" / "naive_softmax.py")  # fails one of five tests


@pytest.fixture(scope="module")
def unloadable(tmp_path_factory):
    path = tmp_path_factory.mktemp("broken") / "broken.py"
    path.write_text("def label_smoothing_loss(logits, target, alpha)\n    return 0\n")
    return str(path)


@pytest.mark.parametrize("platform", sorted(platform_schemas.SCHEMAS))
def test_a_correct_submission_earns_every_point(cli, platform):
    run = cli("grade", "label-smoothing", SOLUTION, "--format", platform)
    assert run.returncode == 0, run.stderr
    data = platform_schemas.validate(platform, run.stdout)
    if platform == "gradescope":
        assert data["score"] == sum(t["max_score"] for t in data["tests"]) == 5
        assert {t["visibility"] for t in data["tests"]} == {"after_published"}
    elif platform == "classroom":
        assert (data["status"], data["max_score"], sum(t["score"] for t in data["tests"])) == ("pass", 5, 5)
    else:
        assert (data["gradable"], data["score"]) == (True, 1.0)


@pytest.mark.parametrize("platform", sorted(platform_schemas.SCHEMAS))
def test_a_wrong_submission_loses_the_points_of_the_test_it_fails(cli, platform):
    run = cli("grade", "label-smoothing", MUTANT, "--format", platform)
    assert run.returncode == 1, run.stderr
    data = platform_schemas.validate(platform, run.stdout)
    failed = [t for t in data["tests"] if t["name"] == "Numerically stable for large logits"]
    if platform == "gradescope":
        assert data["score"] == 4 and failed[0]["status"] == "failed" and "returned nan" in failed[0]["output"]
    elif platform == "classroom":
        assert (data["status"], failed[0]["status"], failed[0]["score"]) == ("fail", "fail", 0)
    else:
        assert (data["score"], failed[0]["points"], failed[0]["max_points"]) == (0.8, 0, 1)


@pytest.mark.parametrize("platform", sorted(platform_schemas.SCHEMAS))
def test_a_submission_that_cannot_be_loaded(cli, platform, unloadable):
    run = cli("grade", "label-smoothing", unloadable, "--format", platform)
    assert run.returncode == 1, run.stderr
    data = platform_schemas.validate(platform, run.stdout)
    if platform == "prairielearn":  # an invalid submission: no attempt lost
        assert data["gradable"] is False and "SyntaxError" in data["format_errors"][0]
    elif platform == "gradescope":
        assert data["score"] == 0 and "SyntaxError" in data["output"]
    else:
        assert data["status"] == "error" and all(t["score"] == 0 for t in data["tests"])


def test_csv_gives_each_submission_its_score(cli, tmp_path, unloadable):
    for name, source in [("good.py", SOLUTION), ("wrong.py", MUTANT), ("broken.py", unloadable)]:
        (tmp_path / name).write_text(open(source).read())
    run = cli("grade", "label-smoothing", str(tmp_path), "--format", "csv")
    rows = {r["submission"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(run.stdout))}
    assert {name: (r["score"], r["max_score"]) for name, r in rows.items()} == {
        "broken.py": ("0", "5"), "good.py": ("5", "5"), "wrong.py": ("4", "5")}


def test_platform_formats_are_for_one_submission(cli, tmp_path):
    run = cli("grade", "label-smoothing", SOLUTION, SOLUTION, "--format", "gradescope")
    assert run.returncode == 2
    assert "--format gradescope reports on one submission" in run.stderr
