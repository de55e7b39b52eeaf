"""A course folder's commands when something is wrong: each says which file or folder, and what to do."""

from __future__ import annotations

from conftest import ROOT
from harness.publish.course import load


def test_init_refuses_a_folder_that_is_not_empty(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    run = cli("init", str(tmp_path))
    assert run.returncode == 2
    assert run.stderr == f"exercise-kit: error: {tmp_path}: already exists and is not an empty folder; choose a new folder\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_then_build_names_the_missing_problems(cli, tmp_path):
    course = tmp_path / "course"
    made = cli("init", str(course), "--title", 'Signals "101" \\ fall')
    assert made.returncode == 0, made.stderr
    assert load(course).title == 'Signals "101" \\ fall'
    assert {p.name for p in course.iterdir()} == {"course.toml", "problems", "README.md", "_headers", ".gitignore",
                                                  ".github"}
    run = cli("build", cwd=course)
    assert run.returncode == 2
    assert run.stderr.strip() == f"exercise-kit: error: {course}/problems: no problem folders (each needs a problem.toml)"


def test_a_broken_course_toml_is_named(cli, tmp_path):
    (tmp_path / "course.toml").write_text("[course]\ntitle = 3\n")
    run = cli("build", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == f"exercise-kit: error: {tmp_path}/course.toml: [course] title must be a non-empty string"


def test_build_outside_a_course_says_how_to_make_one(cli, tmp_path):
    run = cli("build", cwd=tmp_path)
    assert run.returncode == 2
    assert "problems: no such folder; run this in a course folder (`exercise-kit init DIR` makes one)" in run.stderr


def test_serve_without_a_built_site_says_to_build(cli, tmp_path):
    run = cli("serve", "--dir", str(tmp_path / "_site"))
    assert run.returncode == 2
    assert run.stderr.strip() == f"exercise-kit: error: {tmp_path / '_site'} holds no built site; run `exercise-kit build` first"


def test_export_from_a_source_checkout_asks_for_a_wheel(cli, tmp_path):
    run = cli("export", "gradescope", "label-smoothing", "--output", str(tmp_path / "ag.zip"), cwd=ROOT)
    assert run.returncode == 2
    assert "is not installed from a wheel here" in run.stderr and "--wheel PATH" in run.stderr
    assert not (tmp_path / "ag.zip").exists()


def test_build_reads_the_problems_every_command_reads(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_PROBLEMS", str(tmp_path))
    run = cli("build", "--out", str(tmp_path / "_site"), cwd=ROOT)
    assert run.returncode == 2
    assert run.stderr.strip() == f"exercise-kit: error: {tmp_path}: no problem folders (each needs a problem.toml)"
