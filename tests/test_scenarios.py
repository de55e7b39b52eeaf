"""Golden scenarios: each folder under scenarios/ is a submission and the verdict it must get.

expected.json keys (all optional but "exit"): exit, status, message (a substring), passed, failed,
errors, output (a substring of the load-time output), every_test {status, message, output},
tests {test id: {status, message}} for single tests, and absent (paths that must not exist afterwards).
Every scenario is graded from an empty working folder, which must stay empty, and must leave every
problem folder and every scenario byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
from pathlib import Path

import pytest

from conftest import PROBLEMS, run_cli
from harness.core import problem as problems

SCENARIOS = sorted(p for p in (Path(__file__).parent / "scenarios").iterdir() if p.is_dir())


# Not root (README: "Isolation"), the one line grading may print on stderr says which layers are off.
NOT_ROOT = "submissions ran less isolated than under root"


def weaker(run) -> str:
    return run.stderr.partition(f"{NOT_ROOT}: ")[2].rstrip("\n") or "(no warning)"


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def check_test(result: dict, want: dict, where: str) -> None:
    assert result["status"] == want.get("status", result["status"]), f"{where}: {result}"
    for key in ("message", "output"):
        assert want.get(key, "") in result[key], f"{where}: {key} {result[key]!r} lacks {want[key]!r}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_scenario(scenario: Path, tmp_path: Path) -> None:
    want = json.loads((scenario / "expected.json").read_text())
    hidden = [t.id for t in problems.load(PROBLEMS / "label-smoothing").tests if t.visibility == "hidden"]
    guarded = [PROBLEMS, scenario.parent]
    before = [tree_digest(folder) for folder in guarded]

    work, temp = tmp_path / "work", tmp_path / "temp"
    work.mkdir()
    temp.mkdir()
    # As on a CI machine's usual limit of 1,024 open files, which a deep chain of folders exceeds.
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(limits[0], 1024), limits[1]))
    try:
        run = run_cli("grade", str(PROBLEMS / "label-smoothing"), str(scenario / "submission.py"), "--format", "json",
                      cwd=work, env={"TMPDIR": str(temp)})
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, limits)

    assert run.returncode == want["exit"], run.stderr
    assert run.stderr == ("" if os.geteuid() == 0 else f"exercise-kit: warning: {NOT_ROOT}: {weaker(run)}\n")
    report = json.loads(run.stdout)
    assert report["status"] == want.get("status", report["status"])
    assert want.get("message", "") in report["message"], report["message"]
    assert want.get("output", "") in report["output"]
    assert [t["id"] for t in report["tests"]] == hidden
    statuses = [t["status"] for t in report["tests"]]
    for count, status in (("passed", "pass"), ("failed", "fail"), ("errors", "error")):
        assert report[count] == statuses.count(status), (count, report)
        assert report[count] == want.get(count, report[count]), (count, report)
    for test in report["tests"] + report["examples"]:
        check_test(test, want.get("every_test", {}), test["id"])
        check_test(test, want.get("tests", {}).get(test["id"], {}), test["id"])
    assert [tree_digest(folder) for folder in guarded] == before, "grading changed files it must not touch"
    assert list(work.iterdir()) == [], "the submission wrote into the grader's working folder"
    assert list(temp.iterdir()) == [], "grading left files behind in its temporary folder"
    assert [path for path in want.get("absent", []) if Path(path).exists()] == []
