"""`python -m harness check` proves problems sound, and says which problem, file and what is wrong."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROBLEMS, ROOT

PROBLEM_IDS = sorted(p.name for p in PROBLEMS.iterdir() if (p / "problem.toml").is_file())


def check(root: Path, *problems: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARNESS_PROBLEMS": str(root)}
    return subprocess.run([sys.executable, "-m", "harness", "check", *problems],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("problem", PROBLEM_IDS)
def test_every_problem_is_sound(problem):
    run = check(PROBLEMS, problem)
    assert run.returncode == 0, run.stdout
    assert f"{problem}: OK" in run.stdout


@pytest.mark.pyodide
def test_pyodide_under_node_gives_the_same_verdicts_as_cpython(built_site):
    env = {**os.environ, "HARNESS_PROBLEMS": str(PROBLEMS)}
    run = subprocess.run([sys.executable, "-m", "harness", "check", "--pyodide", str(built_site / "pyodide")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    parity = re.findall(r"parity: (\d+) of (\d+) sources give identical verdicts in Pyodide", run.stdout)
    assert len(parity) == len(PROBLEM_IDS)
    assert all(same == total and int(total) >= 6 for same, total in parity), parity


def test_mutant_table_shows_which_test_catches_which_mutant():
    run = check(PROBLEMS, "label-smoothing")
    assert re.search(r"mutants/naive_softmax\.py\s+\.\s+\.\s+\.\s+\.\s+x", run.stdout), run.stdout
    assert "T5 = Numerically stable for large logits" in run.stdout
    # The property tests (T3, T4) are tied to the logits: a loss that ignores them but grows with α fails them.
    assert re.search(r"mutants/targets_instead_of_prediction\.py\s+x\s+x\s+x\s+x\s+x", run.stdout), run.stdout


def test_without_the_large_logit_test_the_surviving_mutants_are_named(copy_of):
    folder = copy_of("label-smoothing")
    tests = folder / "tests.py"
    source = tests.read_text()
    start = source.index('@hidden("Numerically stable for large logits"')
    tests.write_text(source[:start])
    run = check(folder.parent, "label-smoothing")
    assert run.returncode == 1
    assert "no hidden test catches the mutant 'mutants/naive_softmax.py'" in run.stdout
    assert "mutants/log_epsilon.py' (" not in run.stdout  # the confident prediction's test catches it too
    assert "mutants/ignores_alpha.py' (" not in run.stdout


def test_a_scaffolded_problem_fails_until_its_todos_are_done(tmp_path):
    env = {**os.environ, "HARNESS_PROBLEMS": str(tmp_path)}
    made = subprocess.run([sys.executable, "-m", "harness", "new", "softmax-temperature"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    run = check(tmp_path, "softmax-temperature")
    assert run.returncode == 1
    assert f"{tmp_path}/softmax-temperature/problem.toml: line 2: a TODO is left" in run.stdout
    assert "statement.md: line 1: a TODO is left" in run.stdout


def test_scaffolding_an_existing_problem_is_refused(cli):
    run = cli("new", "label-smoothing")
    assert run.returncode == 2 and "already exists" in run.stderr


def test_a_worked_example_that_disagrees_with_the_reference_fails(copy_of):
    folder = copy_of("label-smoothing")
    statement = folder / "statement.md"
    statement.write_text(statement.read_text().replace("\n0.6279\n", "\n0.6300\n"))
    run = check(folder.parent, "label-smoothing")
    assert run.returncode == 1
    assert re.search(r"statement\.md: line \d+: `label_smoothing_loss\(np\.log\(\[0\.1, 0\.2, 0\.6, 0\.1\]\), 2, 0\.1\)` "
                     r"gives 0\.6278\d+ on the reference, but the statement says 0\.6300", run.stdout), run.stdout


def test_stale_expected_values_fail(copy_of):
    folder = copy_of("label-smoothing")
    expected = folder / "expected.json"
    expected.write_text(expected.read_text().replace("5.50423918860024", "5.5"))
    run = check(folder.parent, "label-smoothing")
    assert run.returncode == 1 and "expected.json: out of date with solution.py" in run.stdout


def test_a_stub_that_passes_a_test_fails(copy_of):
    folder = copy_of("label-smoothing")
    shutil.copy(folder / "solution.py", folder / "stub.py")
    run = check(folder.parent, "label-smoothing")
    assert run.returncode == 1 and "stub.py: must pass no test but passes" in run.stdout


def test_a_mutant_without_a_docstring_fails(copy_of):
    folder = copy_of("label-smoothing")
    mutant = folder / "mutants" / "ignores_alpha.py"
    mutant.write_text(mutant.read_text().split('"""', 2)[2])
    run = check(folder.parent, "label-smoothing")
    assert "mutants/ignores_alpha.py: needs a one-line docstring naming its pitfall" in run.stdout


def test_a_malformed_problem_is_named_and_the_others_still_checked(copy_of):
    folder = copy_of("label-smoothing")
    shutil.copytree(folder, folder.parent / "broken")
    manifest = folder.parent / "broken" / "problem.toml"
    manifest.write_text(manifest.read_text().replace('id = "label-smoothing"', 'id = "broken"').replace("[entry]", "[entry]\nextra = 1"))
    run = check(folder.parent)
    assert run.returncode == 2
    assert "broken/problem.toml: unknown key 'entry.extra'" in run.stderr
    assert "label-smoothing: OK" in run.stdout


def test_a_problem_whose_tests_exit_is_exit_2_naming_the_test(copy_of):
    folder = copy_of("label-smoothing")
    tests = folder / "tests.py"
    tests.write_text(tests.read_text() + '\n\n@hidden("Exits")\ndef exits(t):\n    raise SystemExit(0)\n')
    run = check(folder.parent, "label-smoothing")
    assert run.returncode == 2
    assert run.stderr == f"exercise-kit: error: {folder}/tests.py: test 'exits' raised SystemExit: 0\n"


def test_a_mutant_that_exits_the_process_is_caught_and_the_check_goes_on(copy_of):
    folder = copy_of("label-smoothing")
    (folder / "mutants" / "exits.py").write_text('"""Ends the process instead of answering."""\nimport os\n\n\n'
                                                 "def label_smoothing_loss(logits, target, alpha):\n    os._exit(0)\n")
    run = check(folder.parent, "label-smoothing")
    assert run.returncode == 0, run.stdout
    assert re.search(r"mutants/exits\.py +x  x  x  x  x", run.stdout)
    assert "1 of 1 problems are sound" in run.stdout


FIRST_CASE = "Case(np.array([2.0, 1.0, 0.1]), 0, 0.0)"


def _expected_value(text: str, value: object) -> str:
    data = json.loads(text)
    data["formula/three-classes"]["value"] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    "file, change, cause",
    [
        ("tests.py", lambda text: text.replace(FIRST_CASE, FIRST_CASE.replace("0.0)", "object())")),
         "object cannot be sent to the submission"),
        ("tests.py", lambda text: text.replace(FIRST_CASE, FIRST_CASE.replace("0.0)", "lambda: 0)")),
         "a function cannot be sent to the submission"),
        ("tests.py", lambda text: text.replace(FIRST_CASE, "Case(np.array([2.0, None], dtype=object), 0, 0.0)"),
         "an array of dtype object cannot be sent to the submission"),
        ("expected.json", lambda text: _expected_value(text, "abc"), "the value of case 'formula/three-classes'"),
        ("expected.json", lambda text: _expected_value(text, float("nan")), "the value of case 'formula/three-classes'"),
        ("solution.py", lambda text: text + "\ndef (:\n", "SyntaxError"),
        ("solution.py", lambda text: text.replace("    z = np.asarray", "    while True:\n        pass\n    z = np.asarray", 1),
         "took longer than the time limit"),
        ("solution.py", lambda text: "import os\nos._exit(0)\n" + text, "the process running your code died"),
    ],
    ids=["object-argument", "function-argument", "object-array-argument", "expected-of-the-wrong-kind",
         "expected-nan", "solution-syntax-error", "solution-loops", "solution-ends-its-process"],
)
def test_a_fault_of_the_instructors_files_is_exit_2_in_check_as_in_grade(copy_of, cli, file, change, cause):
    folder = copy_of("label-smoothing")
    (folder / file).write_text(change((folder / file).read_text()))
    graded = cli("grade", str(folder), str(PROBLEMS / "label-smoothing" / "solution.py"))
    checked = check(folder.parent, "label-smoothing")
    for run in (graded, checked):
        assert run.returncode == 2, (run.stdout, run.stderr)
        assert run.stderr.startswith(f"exercise-kit: error: {folder}/{file}: "), run.stderr
        assert run.stderr.count("\n") == 1 and cause in run.stderr, run.stderr
    assert checked.stdout.endswith("0 of 1 problems are sound; 1 could not be checked\n")


def test_check_without_the_reference_is_exit_2_naming_it(copy_of):
    folder = copy_of("label-smoothing")
    (folder / "solution.py").unlink()
    run = check(folder.parent, "label-smoothing")
    assert run.returncode == 2
    assert run.stderr == f"exercise-kit: error: {folder}/solution.py: missing; the reference is needed to prove the tests\n"
