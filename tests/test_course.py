"""A course folder's commands when something is wrong: each says which file or folder, and what to do."""

from __future__ import annotations

import shutil

import harness
from conftest import ROOT
from harness.publish import wheels
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
                                                  ".github", ".exercise-kit"}
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


def test_a_course_carries_the_kit_and_vendor_upgrades_it(cli, tmp_path):
    """The course's CI installs the wheel in .exercise-kit/; a kit of another version says so, `vendor` fixes it."""
    course = tmp_path / "course"
    assert cli("init", str(course)).returncode == 0
    (carried,) = (course / ".exercise-kit").iterdir()
    assert carried.name == f"exercise_kit-{harness.__version__}-py3-none-any.whl"
    assert cli("check", cwd=course).stderr == "exercise-kit: error: no problems found under problems/\n"

    older = carried.rename(carried.with_name("exercise_kit-0.0.1-py3-none-any.whl"))
    warned = cli("check", cwd=course).stderr.splitlines()[0]
    assert warned == (f"exercise-kit: warning: this course's CI installs exercise-kit 0.0.1 (.exercise-kit/{older.name}), "
                      f"but {harness.__version__} runs here; run `exercise-kit vendor` to give the course this version "
                      f"(then commit .exercise-kit/), or install 0.0.1 here")

    upgraded = cli("vendor", cwd=course)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith(f"this course now carries exercise-kit {harness.__version__} (.exercise-kit/{carried.name}, ")
    assert [p.name for p in (course / ".exercise-kit").iterdir()] == [carried.name]
    assert "warning" not in cli("check", cwd=course).stderr


def test_two_carried_wheels_are_named(cli, tmp_path):
    course = tmp_path / "course"
    cli("init", str(course))
    (carried,) = (course / ".exercise-kit").iterdir()
    shutil.copyfile(carried, carried.with_name("exercise_kit-0.0.1-py3-none-any.whl"))
    warned = cli("check", cwd=course).stderr.splitlines()[0]
    assert warned.startswith(f"exercise-kit: warning: {course}/.exercise-kit holds 2 wheels (exercise_kit-0.0.1-py3-none-any.whl, ")


def test_init_from_a_checkout_without_its_front_end_says_to_build_it_and_writes_nothing(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(wheels, "FRONTEND", "publish/not-built")
    run = cli("init", str(tmp_path / "course"))
    assert run.stderr == (f"exercise-kit: error: {wheels.PACKAGE}/publish/not-built holds no prebuilt front end: in the "
                          "kit's repository run `make frontend` (needs Node), or pass --wheel PATH\n")
    assert not (tmp_path / "course").exists()


def test_vendor_outside_a_course_or_with_a_wrong_wheel_says_what_to_do(cli, tmp_path):
    run = cli("vendor", cwd=tmp_path)
    assert run.stderr == (f"exercise-kit: error: {tmp_path}: no course.toml here; run this in a course folder "
                          "(`exercise-kit init DIR` makes one)\n")
    notes = tmp_path / "notes.whl"
    notes.write_text("")
    run = cli("init", str(tmp_path / "course"), "--wheel", str(notes))
    assert run.returncode == 2 and not (tmp_path / "course").exists()
    assert run.stderr == (f"exercise-kit: error: --wheel {notes}: not exercise-kit's wheel "
                          "(its name is exercise_kit-VERSION-py3-none-any.whl)\n")


def test_build_reads_the_problems_every_command_reads(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_PROBLEMS", str(tmp_path))
    run = cli("build", "--out", str(tmp_path / "_site"), cwd=ROOT)
    assert run.returncode == 2
    assert run.stderr.strip() == f"exercise-kit: error: {tmp_path}: no problem folders (each needs a problem.toml)"
