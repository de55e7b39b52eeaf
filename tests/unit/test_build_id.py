"""The build id every page carries: pages navigate in place only between pages of one build."""

from __future__ import annotations

import shutil

import pytest

from harness.publish.build import FRONTEND, frontend_version

PYTHON = {"indexURL": "../pyodide/", "packages": ["numpy", "harness"], "stallSeconds": 20, "snapshotKey": "ab12"}


@pytest.fixture
def frontend(tmp_path):
    if not (FRONTEND / "assets").is_dir():
        pytest.skip("no prebuilt front end (`make frontend`)")
    copy = tmp_path / "frontend"
    shutil.copytree(FRONTEND, copy, ignore=shutil.ignore_patterns("katex"))
    return copy


def test_the_same_front_end_and_python_give_the_same_id(frontend):
    assert frontend_version(PYTHON, frontend) == frontend_version(dict(PYTHON), frontend)


@pytest.mark.parametrize("changed", ["assets/page.js", "assets/style.css", "templates/problem.html", "worker.js"])
def test_a_change_to_any_front_end_file_gives_another_id(frontend, changed):
    before = frontend_version(PYTHON, frontend)
    with (frontend / changed).open("a", encoding="utf-8") as file:
        file.write("\n")
    assert frontend_version(PYTHON, frontend) != before


def test_a_new_front_end_file_gives_another_id(frontend):
    before = frontend_version(PYTHON, frontend)
    (frontend / "assets" / "extra.js").write_text("", encoding="utf-8")
    assert frontend_version(PYTHON, frontend) != before


def test_another_python_gives_another_id(frontend):
    assert frontend_version({**PYTHON, "snapshotKey": "cd34"}, frontend) != frontend_version(PYTHON, frontend)
