"""Batch mode: a folder of mixed submissions graded with one record each, a summary, and shards."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from conftest import PROBLEMS, ROOT, run_cli
from harness import batch
from harness.core import arguments
from harness.core import problem as problems
from harness.sandbox.executor import UidBlock, Zygote

SCENARIOS = Path(__file__).parent / "scenarios"
MUTANTS = PROBLEMS / "label-smoothing" / "mutants"


def expected_status(submission: str) -> str:
    return json.loads((Path(submission).parent / "expected.json").read_text())["status"]


@pytest.fixture(scope="module")
def mixed_batch() -> dict:
    run = run_cli("grade", "label-smoothing", str(SCENARIOS), "--format", "json", "--jobs", "4", timeout=600)
    assert run.returncode == 1, run.stderr
    return json.loads(run.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="the strongest isolation needs root, as CI grades")
def test_as_root_every_submission_is_chrooted_under_a_uid_of_its_own(mixed_batch):
    assert mixed_batch["summary"]["isolation"] == ("chroot into its own folder, own unprivileged uid, seccomp filter, "
                                                   "network and IPC namespaces of the run")


def test_a_folder_of_mixed_submissions_gets_one_correct_record_each(mixed_batch):
    records = {r["submission"]: r for r in mixed_batch["submissions"]}
    assert len(records) == len(list(SCENARIOS.glob("*/submission.py")))
    for submission, record in records.items():
        assert record["status"] == expected_status(submission), (submission, record["message"])
    summary = mixed_batch["summary"]
    assert summary["isolation"]
    assert summary["submissions"] == len(records)
    assert summary["passed"] == sum(r["status"] == "pass" for r in records.values()) >= 1
    assert summary["errored"] == sum(r["status"] == "error" for r in records.values()) >= 4
    assert summary["hit_limit"] == 2  # the infinite loop (timeout) and os._exit (crashed)
    assert [t["name"] for t in summary["tests"]][-1] == "Numerically stable for large logits"
    assert all(0 < t["pass_rate"] < 1 for t in summary["tests"])


def test_a_batch_is_graded_on_one_fresh_seed_that_every_record_names(mixed_batch):
    seeds = {r["seed"] for r in mixed_batch["submissions"]}
    assert seeds == {mixed_batch["summary"]["seed"]} and 0 not in seeds


def test_csv_has_a_row_per_submission_with_each_test(cli):
    run = cli("grade", "label-smoothing", str(MUTANTS), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert len(rows) == len(list(MUTANTS.glob("*.py")))
    naive = next(r for r in rows if r["submission"].endswith("naive_softmax.py"))
    assert (naive["status"], naive["passed"], naive["stable_for_large_logits"]) == ("fail", "4", "fail")


def test_junit_has_a_suite_per_submission(cli):
    run = cli("grade", "label-smoothing", str(MUTANTS), str(PROBLEMS / "label-smoothing" / "solution.py"),
              "--format", "junit")
    suites = ET.fromstring(run.stdout).findall("testsuite")
    assert len(suites) == len(list(MUTANTS.glob("*.py"))) + 1
    assert all(s.get("tests") == "5" for s in suites)


def test_shards_partition_the_batch_deterministically(cli):
    def graded(shard: str) -> list[str]:
        run = cli("grade", "label-smoothing", str(MUTANTS), "--format", "json", "--shard", shard)
        return [r["submission"] for r in json.loads(run.stdout)["submissions"]]

    shards = [graded(f"{i}/3") for i in (1, 2, 3)]
    everything = sorted(str(p) for p in MUTANTS.glob("*.py"))
    assert sorted(sum(shards, [])) == everything
    assert all(shards) and graded("2/3") == shards[1]


def test_an_unreadable_submission_in_a_batch_is_a_record_not_a_crash(cli, tmp_path):
    (tmp_path / "fine.py").write_text((PROBLEMS / "label-smoothing" / "solution.py").read_text())
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    run = cli("grade", "label-smoothing", str(tmp_path), "--format", "json")
    records = {Path(r["submission"]).name: r for r in json.loads(run.stdout)["submissions"]}
    assert records["fine.py"]["status"] == "pass"
    assert records["dangling.py"]["status"] == "error" and "cannot be read" in records["dangling.py"]["message"]


# ---- Adversarial batches: links, names, faults of one submission, empty inputs, traces ---------------

SOLUTION = PROBLEMS / "label-smoothing" / "solution.py"
NAIVE = MUTANTS / "naive_softmax.py"


def records_of(run) -> dict[str, dict]:
    return {r["submission"]: r for r in json.loads(run.stdout)["submissions"]}


def test_links_fifos_and_devices_are_never_followed_or_read(cli, tmp_path):
    secrets = tmp_path / "secrets.txt"
    secrets.write_text("s3cr3t_token\n")
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "reference.py").symlink_to(SOLUTION)
    (batch / "secrets.py").symlink_to(secrets)
    (batch / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(batch / "fifo.py")
    (batch / "linked").symlink_to(PROBLEMS / "label-smoothing", target_is_directory=True)
    (batch / "linked.py").symlink_to(PROBLEMS / "label-smoothing", target_is_directory=True)
    (batch / "folder.py").mkdir()
    (batch / "folder.py" / "inside.py").write_text(NAIVE.read_text())
    (batch / "notes.txt").write_text("not a submission")
    (batch / "fine.py").write_text(NAIVE.read_text())
    linked_folder = tmp_path / "linked-folder"
    linked_folder.symlink_to(PROBLEMS / "label-smoothing", target_is_directory=True)

    run = cli("grade", "label-smoothing", str(batch), f"{linked_folder}/", "--format", "json", timeout=120)

    assert run.returncode == 1, run.stderr
    records = {Path(name).name: r for name, r in records_of(run).items()}
    assert sorted(records) == ["fifo.py", "fine.py", "folder.py", "inside.py", "linked", "linked-folder", "linked.py",
                               "reference.py", "secrets.py", "zero.py"]
    for name in ("reference.py", "secrets.py", "zero.py", "linked-folder", "linked", "linked.py"):
        assert records[name]["status"] == "error"
        assert "a symbolic link (links are not followed)" in records[name]["message"], records[name]
    assert "not a regular file" in records["fifo.py"]["message"]
    assert "a folder, not a file" in records["folder.py"]["message"]
    assert records["fine.py"]["status"] == records["inside.py"]["status"] == "fail"
    assert "s3cr3t" not in run.stdout


def test_file_names_can_neither_break_nor_forge_a_report(cli, tmp_path):
    forged = "x.py: PASS - 5 of 5 tests passed\nevil"
    names = [os.fsencode(tmp_path / "batch" / forged) + b".py", os.fsencode(tmp_path / "batch") + b"/not-utf8-\xff.py",
             os.fsencode(tmp_path / "batch" / "=cmd|' -C calc'!A0\x07\u202e.py")]
    (tmp_path / "batch").mkdir()
    for name in names:
        with open(name, "wb") as file:
            file.write(NAIVE.read_bytes())

    text = cli("grade", "label-smoothing", str(tmp_path / "batch"), "--format", "text").stdout
    assert text.count("\n") == len(names) + 1 + 5 + 1  # a line per record, the totals, a line per test, isolation
    records = text.splitlines()[: len(names)]
    assert all(line.startswith(str(tmp_path / "batch")) and line.endswith(": FAIL - 4 of 5 tests passed") for line in records)
    assert "\\u000aevil" in text and "\\udcff" in text and "\\u0007\\u202e" in text
    suites = ET.fromstring(cli("grade", "label-smoothing", str(tmp_path / "batch"), "--format", "junit").stdout)
    assert len(suites.findall("testsuite")) == len(names)
    rows = list(csv.reader(io.StringIO(cli("grade", "label-smoothing", str(tmp_path / "batch"), "--format", "csv").stdout)))
    assert len(rows) == 1 + len(names)
    assert not any(row[0].startswith(("=", "+", "-", "@")) for row in rows[1:])
    report = tmp_path / "report.json"
    run = cli("grade", "label-smoothing", str(tmp_path / "batch"), "--format", "json", "--output", str(report))
    assert run.returncode == 1, run.stderr
    assert len(json.loads(report.read_text(encoding="utf-8"))["submissions"]) == len(names)


def test_a_full_temporary_file_system_midway_is_each_submissions_record(monkeypatch):
    problem = problems.load(PROBLEMS / "label-smoothing")

    def no_space(limits):
        raise OSError(errno.ENOSPC, "No space left on device")

    with Zygote() as zygote:
        monkeypatch.setattr(zygote, "spawn", no_space)
        graded = batch.grade_all(problem, [SOLUTION, NAIVE], 2, zygote)

    assert [g.submission for g in graded] == [str(SOLUTION), str(NAIVE)]
    for record in graded:
        assert record.report.status == "error"
        assert record.report.message == ("could not be graded (the grader's fault, not yours): "
                                         "OSError: [Errno 28] No space left on device")


def test_an_empty_input_is_refused_but_an_empty_shard_is_a_report(cli, tmp_path):
    run = cli("grade", "label-smoothing", str(tmp_path))
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert f"no submissions: no .py file in {tmp_path}" in run.stderr
    (tmp_path / "only.py").write_text(SOLUTION.read_text())
    run = cli("grade", "label-smoothing", str(tmp_path), "--shard", "2/2", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["submissions"] == 0


DRIPPER = '''
import sys, time
import numpy as np
wire = sys.modules["harness.sandbox.wire"]
def drip(fd, message):
    body = wire.json.dumps(message).encode()
    for byte in wire._HEADER.pack(len(body)) + body:
        wire.os.write(fd, bytes([byte]))
        time.sleep(0.6 / (len(body) + 4))
wire.send = drip
def label_smoothing_loss(logits, target, alpha):
    z = np.asarray(logits, dtype=float)
    log_p = z - z.max() - np.log(np.sum(np.exp(z - z.max())))
    return float(-(1 - alpha) * log_p[target] - alpha * log_p.mean())
'''


def test_wall_time_is_bounded_per_test_even_for_a_reply_that_drips(cli, tmp_path):
    """Each reply takes 0.6 s of wall time and no CPU; the problem allows 0.25 s, so 1 s of wall per test."""
    problem = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", problem, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = problem / "problem.toml"
    manifest.write_text(re.sub(r"time_limit = [0-9.]+", "time_limit = 0.25", manifest.read_text()))
    (tmp_path / "dripper.py").write_text(DRIPPER)

    run = cli("grade", str(problem), str(tmp_path / "dripper.py"), "--format", "json")

    report = json.loads(run.stdout)
    assert report["status"] != "pass", report
    assert all(t["status"] == "error" and "time limit" in t["message"] for t in report["tests"] if t["duration_ms"] > 1500)
    assert all(t["duration_ms"] < 1500 for t in report["tests"])


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader hands out uids")
def test_concurrent_runs_lock_different_blocks_of_uids():
    first, second = UidBlock(), UidBlock()
    try:
        assert first.first != second.first
        taken = {first.take() for _ in range(1000)}
        assert len(taken) == 1000 and second.take() not in taken
    finally:
        first.release()
        second.release()


@pytest.mark.skipif(os.geteuid() != 0, reason="as CI grades: children run as uids of their own")
def test_the_run_has_its_own_namespaces_and_a_killed_grader_leaves_nothing(tmp_path):
    (tmp_path / "sleeper.py").write_text("import time\ntime.sleep(600)\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    grader = subprocess.Popen([sys.executable, "-m", "harness", "grade", "label-smoothing", str(tmp_path / "sleeper.py")],
                              cwd=ROOT, env={**os.environ, "TMPDIR": str(scratch)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(scratch.glob("harness-*/submission-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    command = next(pid for pid, parent, _ in processes() if parent == grader.pid)  # the program runs it supervised
    zygote, _, zygote_group = next(p for p in processes() if p[1] == command)
    for namespace in ("net", "ipc"):  # the run's own: no interface up, no shared IPC objects
        assert os.readlink(f"/proc/{zygote}/ns/{namespace}") != os.readlink(f"/proc/self/ns/{namespace}")

    grader.kill()
    grader.wait()
    deadline = time.monotonic() + 10
    while (list(scratch.iterdir()) or any(g == zygote_group for *_, g in processes())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(scratch.iterdir()) == []
    assert not [p for p in processes() if p[2] == zygote_group]


def processes() -> list[tuple[int, int, int]]:
    """(pid, parent, process group) of every process."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:
            continue
        _, parent, group = rest.rsplit(") ", 1)[1].split()[:3]
        found.append((int(pid), int(parent), int(group)))
    return found


def test_tuples_stay_tuples_and_other_arguments_are_refused():
    packed = arguments.pack([(1, 2.0), [3, (4,)], np.arange(3)])
    assert arguments.unpack(json.loads(json.dumps(packed)))[:2] == [(1, 2.0), [3, (4,)]]
    with pytest.raises(arguments.ArgumentError, match="a set cannot be sent"):
        arguments.pack([{1, 2}])


# ---- The problem's own code runs in the grader: a loop there is bounded and is the problem's fault --------

LOOPS_IN_A_TEST = '''

@hidden("Loops after one call, swallowing what it can")
def loops(t):
    t.call(np.array([1.0, 2.0]), 0, 0.1)
    while True:
        try:
            while True:
                pass
        except Exception:
            pass
'''
# Loads (the two published draws are made then); loops on the first draw of any other seed.
LOOPS_IN_A_DRAW = '''

_drawn = []


def loops_when_drawn_afresh(rng):
    _drawn.append(rng)
    while len(_drawn) > 2:
        pass
    return any_case(rng)


CASES["formula/looping"] = Draw(loops_when_drawn_afresh)
'''


@pytest.fixture(scope="module")
def looping(tmp_path_factory) -> dict[str, Path]:
    """label-smoothing with a tenth of its time limit (so a tenfold bound is 2 s), once per kind of loop."""
    made = {}
    for kind, addition in (("test", LOOPS_IN_A_TEST), ("draw", LOOPS_IN_A_DRAW)):
        folder = tmp_path_factory.mktemp(kind) / "label-smoothing"
        shutil.copytree(PROBLEMS / "label-smoothing", folder, ignore=shutil.ignore_patterns("__pycache__"))
        manifest = folder / "problem.toml"
        manifest.write_text(manifest.read_text().replace("time_limit = 2.0", "time_limit = 0.2"))
        (folder / "tests.py").write_text((folder / "tests.py").read_text() + addition)
        assert run_cli("expected", str(folder)).returncode == 0
        made[kind] = folder
    return made


@pytest.mark.parametrize("kind, names", [
    ("test", "tests.py: test 'loops' raised OwnTimeExceeded: ran for more than 2 s of the grader's own time"),
    ("draw", "tests.py: Draw 'formula/looping' failed (seed 7): OwnTimeExceeded: ran for more than 2 s"),
])
@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
def test_a_loop_in_the_problems_own_code_is_exit_2_naming_the_file_not_a_hang(looping, tmp_path, kind, names, batched):
    submissions = [str(PROBLEMS / "label-smoothing" / "solution.py")]
    if batched:
        submissions = [str(tmp_path)]
        for name in ("a.py", "b.py", "c.py"):
            shutil.copy(PROBLEMS / "label-smoothing" / "solution.py", tmp_path / name)
    run = run_cli("grade", str(looping[kind]), *submissions, "--seed", "7", "--format", "json", "--jobs", "3", timeout=60)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.count("\n") == 1 and f"{looping[kind]}/{names}" in run.stderr, run.stderr


@pytest.mark.parametrize("addition, names", [
    ("\n\n@hidden('Huge')\ndef huge(t):\n    t.call(np.zeros(40_000_000), 0, 0.1)\n",
     "tests.py: test 'huge' calls label_smoothing_loss with an array of 40,000,000 numbers, over the"),
    ("\n\n@hidden('Interrupts')\ndef interrupts(t):\n    raise KeyboardInterrupt\n",
     "tests.py: test 'interrupts' raised KeyboardInterrupt"),
], ids=["argument-too-large", "keyboard-interrupt"])
def test_a_broken_test_stops_a_batch_with_exit_2_naming_the_file(tmp_path, addition, names):
    folder = tmp_path / "label-smoothing"
    shutil.copytree(PROBLEMS / "label-smoothing", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tests.py").write_text("import numpy as np\n" + (folder / "tests.py").read_text() + addition)
    batch_folder = tmp_path / "batch"
    batch_folder.mkdir()
    for name in ("a.py", "b.py"):
        shutil.copy(PROBLEMS / "label-smoothing" / "solution.py", batch_folder / name)
    run = run_cli("grade", str(folder), str(batch_folder), "--format", "json", "--jobs", "2", timeout=120)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.count("\n") == 1 and f"{folder}/{names}" in run.stderr, run.stderr


def test_check_names_a_test_that_loops(looping):
    run = run_cli("check", str(looping["test"]), timeout=120)
    assert run.returncode == 2
    assert f"{looping['test']}/tests.py: test 'loops' raised OwnTimeExceeded" in run.stderr, run.stderr


FLOOD = '''
import os, sys
wire = sys.modules["harness.sandbox.wire"]
UNIT = {unit!r}
BODY = b'{{"value": [' + UNIT * ((8 * 1024 * 1024 - 100) // len(UNIT) - 1) + UNIT[:-1] + b'], "fault": null, "output": ""}}'
wire.send = lambda fd, message: os.write(fd, len(BODY).to_bytes(4, "big") + BODY)

def label_smoothing_loss(logits, target, alpha):
    return 0.0
'''
# VmHWM, not ru_maxrss: Linux carries a process's ru_maxrss across exec from its parent's memory, so a
# grader started by a large test run would report the test run's peak.
PEAK_RSS = "import sys; from harness import cli; code = cli.main(sys.argv[1:]); " \
           "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')), " \
           "file=sys.stderr); sys.exit(code)"


def grader_peak_mib(submission: Path) -> tuple[int, float]:
    run = subprocess.run([sys.executable, "-c", PEAK_RSS, "grade", "label-smoothing", str(submission), "--format", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    return run.returncode, int(run.stderr.splitlines()[-1]) / 1024


def test_the_graders_memory_is_bounded_per_reply_before_decoding(tmp_path, capsys):
    """Legal-sized replies (8 MiB) of tiny containers or strings cost 30x their bytes once decoded;
    measured here as the grader's own peak RSS against a correct submission's in the same run."""
    correct = tmp_path / "correct.py"
    shutil.copy(PROBLEMS / "label-smoothing" / "solution.py", correct)
    code, baseline = grader_peak_mib(correct)
    assert code == 0
    for name, unit in (("empty lists", b"[],"), ("empty objects", b"{},"), ("short strings", b'"ab",')):
        flood = tmp_path / "flood.py"
        flood.write_text(FLOOD.format(unit=unit))
        code, peak = grader_peak_mib(flood)
        with capsys.disabled():
            print(f"\ngrader peak RSS, 8 MiB replies of {name}: {peak:.0f} MiB (a correct submission: "
                  f"{baseline:.0f} MiB, +{peak - baseline:.0f} MiB)")
        assert code == 1 and peak - baseline < 64, (name, peak, baseline)


# ---- Not root: what still holds, measured by dropping to nobody (README: "Isolation") ------------------

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_nobody(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "TMPDIR": str(cwd),
           "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([*NOBODY, *command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def nobodys_folder():
    """A folder nobody can write in, outside pytest's own (which only root may enter)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("drops from root to nobody with setpriv")
    folder = Path(tempfile.mkdtemp(prefix="harness-nobody-"))
    folder.chmod(0o777)
    try:
        if as_nobody(sys.executable, "-c", "import harness, numpy", cwd=folder).returncode != 0:
            pytest.skip(f"nobody cannot run {sys.executable} or read the repository")
        yield folder
    finally:
        shutil.rmtree(folder)


def test_without_root_a_batch_still_holds_and_one_line_says_what_is_off(nobodys_folder):
    submissions = nobodys_folder / "submissions"
    submissions.mkdir()
    for scenario in ("hostile-reads-tests", "hostile-connects-out", "hostile-fork-bomb"):
        shutil.copy(SCENARIOS / scenario / "submission.py", submissions / f"{scenario}.py")
    shutil.copy(PROBLEMS / "label-smoothing" / "solution.py", submissions / "solution.py")
    run = as_nobody(sys.executable, "-m", "harness", "grade", str(PROBLEMS / "label-smoothing"), str(submissions),
                    "--format", "json", cwd=nobodys_folder)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    if "user, network and IPC namespaces" not in report["summary"]["isolation"]:
        pytest.skip(f"this kernel gives no user namespaces: {report['summary']['isolation']}")
    assert run.stderr == ("exercise-kit: warning: submissions ran less isolated than under root: "
                          "no uid of its own (submissions run as this user)\n")
    statuses = {Path(r["submission"]).stem: r["status"] for r in report["submissions"]}
    assert statuses == {"hostile-connects-out": "fail", "hostile-fork-bomb": "fail", "hostile-reads-tests": "fail",
                        "solution": "pass"}


def test_a_folder_of_the_batch_that_cannot_be_read_is_its_record_not_skipped(nobodys_folder):
    hidden = nobodys_folder / "submissions" / "hidden"
    hidden.mkdir(parents=True)
    shutil.copy(PROBLEMS / "label-smoothing" / "solution.py", hidden / "solution.py")
    hidden.chmod(0o700)  # root's: nobody cannot list it
    run = as_nobody(sys.executable, "-m", "harness", "grade", str(PROBLEMS / "label-smoothing"),
                    str(nobodys_folder / "submissions"), cwd=nobodys_folder)
    assert run.returncode == 1, run.stderr  # that folder's record, and the batch goes on
    assert f"{hidden}: cannot be read: Permission denied" in run.stdout
