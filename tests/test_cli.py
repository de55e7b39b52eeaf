"""The CLI's contract: exit codes, formats, one-line errors, --help."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import PROBLEMS, ROOT, run_cli

SOLUTION = str(PROBLEMS / "label-smoothing" / "solution.py")
MUTANT = str(PROBLEMS / "label-smoothing" / "mutants" / "naive_softmax.py")


def test_reference_reports_five_of_five(cli):
    run = cli("grade", "label-smoothing", SOLUTION, "--format", "json")
    report = json.loads(run.stdout)
    assert run.returncode == 0
    assert (report["version"], report["problem"], report["status"]) == (2, "label-smoothing", "pass")
    assert (report["passed"], report["failed"], report["errors"]) == (5, 0, 0)
    assert (report["score"], report["max_score"]) == (5.0, 5.0)
    assert report["message"] == "5 of 5 tests passed"
    assert {t["status"] for t in report["examples"]} == {"pass"}
    for test in report["tests"]:
        assert set(test) >= {"name", "status", "message", "output", "duration_ms", "score", "max_score", "held_out"}


def test_failing_submission_exits_1_and_names_the_test(cli):
    run = cli("grade", "label-smoothing", MUTANT)
    assert run.returncode == 1
    assert "FAIL  Numerically stable for large logits" in run.stdout
    assert "returned nan" in run.stdout


def test_junit_is_valid_xml_with_one_failure(cli):
    run = cli("grade", "label-smoothing", MUTANT, "--format", "junit")
    suites = ET.fromstring(run.stdout)
    graded = suites.find("testsuite")
    assert (graded.get("tests"), graded.get("failures"), graded.get("errors")) == ("5", "1", "0")
    failure = graded.find("testcase[@name='Numerically stable for large logits']/failure")
    assert "returned nan" in failure.get("message")


def test_output_option_writes_the_report_to_a_file(cli, tmp_path):
    target = tmp_path / "report.json"
    run = cli("grade", "label-smoothing", SOLUTION, "--format", "json", "--output", str(target))
    assert run.returncode == 0 and run.stdout == ""
    assert json.loads(target.read_text())["passed"] == 5


def test_problem_may_be_a_folder_path(cli, tmp_path):
    run = cli("grade", str(PROBLEMS / "label-smoothing"), SOLUTION, cwd=tmp_path)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    "args, reason",
    [
        (["grade", "no-such-problem", SOLUTION], "unknown problem 'no-such-problem' (known problems: "),
        (["grade", "label-smoothing", "missing.py"], "missing.py: cannot be read: No such file or directory"),
        (["grade", "label-smoothing", SOLUTION, "--shard", "3/2"], "--shard 3/2: i must be between 1 and n"),
        (["grade", "label-smoothing", SOLUTION, "--shard", "half"], "--shard takes i/n, like 2/8 (got 'half')"),
        (["grade", "label-smoothing", SOLUTION, "missing.py"], "missing.py: no such file or folder"),
        (["grade", "label-smoothing", SOLUTION, "--output", "/nonexistent/report.json"],
         "/nonexistent/report.json: cannot be written: No such file or directory"),
    ],
)
def test_grading_that_cannot_run_exits_2_with_one_line(cli, args, reason):
    run = cli(*args)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and reason in run.stderr, run.stderr


def test_malformed_problem_folder_exits_2_naming_file_and_key(cli, tmp_path):
    broken = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", broken)
    manifest = broken / "problem.toml"
    manifest.write_text(manifest.read_text().replace("difficulty =", "dificulty ="))
    run = cli("grade", str(broken), SOLUTION)
    assert run.returncode == 2
    assert f"{broken}/problem.toml: unknown key 'dificulty'" in run.stderr


def test_missing_problem_file_is_named(cli, tmp_path):
    broken = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", broken)
    (broken / "tests.py").unlink()
    run = cli("grade", str(broken), SOLUTION)
    assert run.returncode == 2
    assert f"{broken}/tests.py: missing" in run.stderr


def test_help_explains_commands_and_exit_codes(cli):
    run = cli("--help")
    assert run.returncode == 0
    assert "grade" in run.stdout and "exit status: 0 all tests passed" in run.stdout
    grade_help = cli("grade", "--help").stdout
    assert "{classroom,csv,gradescope,json,junit,prairielearn,text}" in grade_help
    assert "--jobs N" in grade_help and "--shard i/n" in grade_help


def test_expected_check_accepts_the_checked_in_data(cli):
    run = cli("expected", "label-smoothing", "--check")
    assert run.returncode == 0, run.stderr
    assert "up to date" in run.stdout


def test_grading_leaves_nothing_behind(tmp_path):
    """What a submission writes lands in its own temporary folder, which is gone when grading ends."""
    submission = tmp_path / "writer.py"
    submission.write_text(
        "open('left-behind.txt', 'w').write('x')\n"
        "def label_smoothing_loss(logits, target, alpha):\n"
        "    return 0.0\n"
    )
    temp, work = tmp_path / "temp", tmp_path / "work"
    temp.mkdir()
    work.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "harness", "grade", str(PROBLEMS / "label-smoothing"), str(submission)],
        cwd=work, env={**os.environ, "TMPDIR": str(temp)}, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert list(temp.iterdir()) == [] and list(work.iterdir()) == []


def test_a_reader_that_stops_early_gets_no_traceback():
    """`harness grade ... | head -1`: the pipe closes before the report is written."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "grade", "label-smoothing", SOLUTION, "--format", "json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert stderr == ""


# ---- A broken problem is the instructor's fault: exit 2, one line naming the file and the cause -------

EXITS_IN_A_TEST = '''

@hidden("Exits instead of checking")
def exits_instead_of_checking(t):
    raise SystemExit(0)
'''
INTERRUPTS_A_TEST = '''

@hidden("Interrupts itself")
def interrupts_itself(t):
    raise KeyboardInterrupt
'''
PASSES_A_HUGE_ARRAY = '''

@hidden("Passes an array too large to send")
def passes_a_huge_array(t):
    import numpy as np
    t.call(np.zeros(40_000_000), 0, 0.1)
'''
PASSES_A_SET = '''

@hidden("Passes an argument no process can receive")
def passes_a_set(t):
    t.call({1.0, 2.0}, 0, 0.1)
'''


@pytest.mark.parametrize(
    "file, change, reason",
    [
        ("tests.py", lambda text: "raise SystemExit(0)\n" + text, "tests.py: failed while loading: SystemExit: 0"),
        ("tests.py", lambda text: text + EXITS_IN_A_TEST,
         "tests.py: test 'exits_instead_of_checking' raised SystemExit: 0"),
        ("tests.py", lambda text: text + PASSES_A_SET,
         "tests.py: test 'passes_a_set' calls label_smoothing_loss with a set cannot be sent to the submission"),
        ("tests.py", lambda text: text + INTERRUPTS_A_TEST,
         "tests.py: test 'interrupts_itself' raised KeyboardInterrupt"),
        ("tests.py", lambda text: "raise KeyboardInterrupt\n" + text, "tests.py: failed while loading: KeyboardInterrupt"),
        ("tests.py", lambda text: text + PASSES_A_HUGE_ARRAY,
         "tests.py: test 'passes_a_huge_array' calls label_smoothing_loss with an array of 40,000,000 numbers, "
         "over the 67,108,864 bytes (64 MiB) a call can send to the submission"),
        ("tests.py", lambda text: text + "\nwhile True:\n    pass\n",
         "tests.py: failed while loading: _LoadTookTooLong: did not finish within 10 s (a loop at import?)"),
        ("expected.json", lambda text: text.replace('"formula/two-classes"', '"formula/renamed"'),
         "expected.json: no value for case 'formula/two-classes'"),
        ("expected.json", lambda text: text.replace('"kind": "float"', '"kind": "text"', 1),
         "expected.json: the value of case"),
    ],
    ids=["exit-at-import", "exit-in-a-test", "unsendable-argument", "interrupt-in-a-test", "interrupt-at-import",
         "argument-too-large", "loops-at-import", "missing-expected",
         "malformed-expected"],
)
def test_a_fault_of_the_problems_own_code_exits_2_naming_the_file(cli, tmp_path, file, change, reason):
    broken = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / file).write_text(change((broken / file).read_text()))
    run = cli("grade", str(broken), SOLUTION, "--format", "json")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.count("\n") == 1 and f"{broken}/{reason}" in run.stderr, run.stderr


CURSOR_FORGER = r'''
FAKE = "\x1b[1A\x1b[2K\rlabel-smoothing: PASS - 5 of 5 tests passed\x9b2K\x07"
print("loading" + FAKE)

def label_smoothing_loss(logits, target, alpha):
    print("called\tonce" + FAKE)
    raise ValueError("wrong" + FAKE)
'''


def test_learner_output_and_messages_cannot_move_the_terminals_cursor(cli, tmp_path):
    forger = tmp_path / "forger.py"
    forger.write_text(CURSOR_FORGER)
    text = cli("grade", "label-smoothing", str(forger))
    assert text.returncode == 1
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text.stdout), text.stdout
    assert "\\u001b[1A\\u001b[2K\\u000dlabel-smoothing: PASS" in text.stdout and "called\tonce" in text.stdout
    assert not any(line.startswith("label-smoothing: PASS") for line in text.stdout.splitlines())
    junit = cli("grade", "label-smoothing", str(forger), "--format", "junit")
    assert "\x1b" not in junit.stdout and ET.fromstring(junit.stdout.encode()).find(".//error") is not None


def test_a_learners_message_cannot_forge_a_line_of_the_text_report(cli, tmp_path):
    forger = tmp_path / "forger.py"
    forger.write_text('raise ValueError("x\\nlabel-smoothing: PASS - 5 of 5 tests passed")\n')
    run = cli("grade", "label-smoothing", str(forger))
    assert run.returncode == 1
    assert "x\\u000alabel-smoothing: PASS - 5 of 5 tests passed" in run.stdout.splitlines()[0]
    assert not any(line.startswith("label-smoothing: PASS") for line in run.stdout.splitlines())


# ---- A problem's code that ends or stops the process is exit 2, never a silent pass, never a hang ----

ENDS_AT_IMPORT = "\nimport os\nos._exit(0)\n"
ENDS_IN_A_TEST = '''

@hidden("Ends the process instead of checking")
def ends_the_process(t):
    import os
    os._exit(0)
'''
STOPS_AT_IMPORT = "\nimport os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\n"
KILLS_ITSELF_IN_A_TEST = ENDS_IN_A_TEST.replace("os._exit(0)", "os.kill(os.getpid(), 9)")


@pytest.mark.parametrize("command", ["grade", "grade-batch", "check"])
@pytest.mark.parametrize(
    "ending, how",
    [(ENDS_AT_IMPORT, "it exited with status 0"), (ENDS_IN_A_TEST, "it exited with status 0"),
     (STOPS_AT_IMPORT, "it stopped itself with SIGSTOP"), (KILLS_ITSELF_IN_A_TEST, "it was killed by SIGKILL")],
    ids=["os-exit-at-import", "os-exit-in-a-test", "sigstop-at-import", "sigkill-in-a-test"],
)
def test_a_problem_that_ends_the_process_is_exit_2_naming_its_tests(tmp_path, command, ending, how):
    broken = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / "tests.py").write_text((broken / "tests.py").read_text() + ending)
    args = {"grade": ["grade", str(broken), SOLUTION],
            "grade-batch": ["grade", str(broken), SOLUTION, MUTANT],
            "check": ["check", str(broken)]}[command]
    run = run_cli(*args, timeout=60)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (f"exercise-kit: error: {broken}/tests.py: the problem's code ended the process "
                          f"before its report was written ({how})\n")
