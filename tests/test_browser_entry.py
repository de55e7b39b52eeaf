"""The worker's entry points in CPython: a run resumed after a restart gets one coherent report."""

from __future__ import annotations

import json

import pytest

from conftest import PROBLEMS
from harness import browser
from harness.core import problem as problems

FOLDER = PROBLEMS / "label-smoothing"


@pytest.fixture(scope="module")
def tests():
    loaded = problems.load(FOLDER)
    browser.prepare(problems.bundle(loaded))
    return loaded.tests


def grade(source: str, prior: list[dict]) -> tuple[dict, list[tuple[str, dict]]]:
    events = []
    report = browser.grade(source, json.dumps(prior), lambda kind, data: events.append((kind, json.loads(data))))
    return json.loads(report), events


def test_a_run_without_restart_times_the_loading_then_each_test(tests):
    report, events = grade((FOLDER / "solution.py").read_text(), [])
    assert report["status"] == "pass" and report["passed"] == 5
    assert events[0] == ("start", {"id": None, "time_limit": 2.0})
    assert [kind for kind, _ in events[1:]] == ["start", "done"] * len(tests)


def test_a_resumed_run_reports_every_test_with_one_timeout_wording(tests):
    first, looping, *rest = tests
    done_before, _ = grade((FOLDER / "solution.py").read_text(), [])
    earlier = next(t for t in done_before["tests"] + done_before["examples"] if t["id"] == first.id)
    prior = [earlier, {"id": looping.id, "fault": "timeout", "message": "ignored: Python words it"}]
    report, events = grade((FOLDER / "solution.py").read_text(), prior)
    everything = {t["id"]: t for t in report["tests"] + report["examples"]}
    assert set(everything) == {t.id for t in tests}
    assert everything[looping.id]["status"] == "error"
    assert everything[looping.id]["message"] == "did not finish within the time limit of 2 s (an infinite loop?)"
    assert everything[first.id] == earlier
    assert report["status"] == "fail" and report["message"] == "4 of 5 tests passed"
    # The restarted test is announced like any other; the tests done before are not run again.
    ran = [data["id"] for kind, data in events if kind == "start" and data["id"]]
    assert ran == [t.id for t in rest]
    assert ("done", everything[looping.id]) in events


def test_a_crash_keeps_its_message(tests):
    prior = [{"id": tests[2].id, "fault": "crashed", "message": "Python crashed (boom) and was restarted"}]
    report, _ = grade((FOLDER / "solution.py").read_text(), prior)
    crashed = next(t for t in report["tests"] + report["examples"] if t["id"] == tests[2].id)
    assert crashed["message"] == "Python crashed (boom) and was restarted"


def test_loading_that_ended_with_the_worker_is_unloadable(tests):
    report, events = grade("while True: pass\n", [{"id": None, "fault": "timeout", "message": ""}])
    assert report["status"] == "error"
    assert report["message"] == "did not finish within the time limit of 2 s (an infinite loop?)"
    assert all(kind == "done" for kind, _ in events) and len(events) == len(tests)
