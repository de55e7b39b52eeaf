"""Batch mode: a folder of mixed submissions graded with one record each, a summary, and shards."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import PROBLEMS, run_cli

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
    assert mixed_batch["summary"]["isolation"] == "chroot into its own folder, own unprivileged uid"


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
