"""End to end, as an instructor: the wheel installed in a fresh virtual environment with no Node on PATH,
outside this repository; a course made, a problem authored and proven, its site built and solved in
Chromium, submissions graded in every format and by the exported Gradescope autograder.

Slow parts are reused: the wheel's dependencies are downloaded once into build/test-wheelhouse and
installed offline from there; Pyodide and NumPy come from the kit's cache and $PYODIDE_WHEELHOUSE.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

import platform_schemas
from conftest import ROOT

pytestmark = pytest.mark.browser

WHEELHOUSE = ROOT / "build" / "test-wheelhouse"
PACKAGED = ("harness", "pyproject.toml", "README.md")  # what the wheel is built from
# The few programs the scripts under test may call; Node is deliberately not among them.
TOOLS = ("bash", "sh", "env", "mkdir", "base64", "cat", "ls")

PROBLEM = "scaled-sum"
FILES = {
    "problem.toml": """\
        id = "scaled-sum"
        title = "Scaled sum"
        difficulty = "easy"
        tags = ["numpy"]
        time_limit = 2.0

        [entry]
        name = "scaled_sum"
        params = ["x", "c"]
        returns = "float"
        """,
    "statement.md": """\
        Add up a vector, then scale the total.

        ## The task

        Return $$c \\sum_{i} x_i$$ for a list of floats $x$ and a float $c$.

        Write `scaled_sum(x, c)`.

        ## Examples

        ```pycon
        >>> scaled_sum([1.0, 2.0], 3.0)
        9.0
        ```

        ## Hints

        1. `numpy.sum` adds up the entries.
        """,
    "stub.py": """\
        def scaled_sum(x, c):
            raise NotImplementedError
        """,
    "solution.py": """\
        import numpy as np


        def scaled_sum(x, c):
            return float(c * np.sum(x))
        """,
    "tests.py": """\
        from harness.core.testing import Case, cases, example, hidden

        RTOL = 1e-9
        ATOL = 1e-12

        CASES = {"sums/three": Case([1.0, 2.0, 3.0], 2.0), "sums/negative": Case([-1.5, 4.0], -0.5)}


        @example("Worked example from the statement")
        def worked_example(t):
            t.assert_close(t.call([1.0, 2.0], 3.0), 9.0)


        @hidden("Matches the reference", points=2, over=cases("sums/"))
        def matches_reference(t, case):
            t.case(case)


        @hidden("Scaling by zero gives zero")
        def zero_scale(t):
            t.assert_close(t.call([5.0, 7.0], 0.0), 0.0)
        """,
    "mutants/forgets_to_scale.py": """\
        \"\"\"Sums without scaling.\"\"\"
        import numpy as np


        def scaled_sum(x, c):
            return float(np.sum(x))
        """,
}
# Right but for c = 0: two points of three.
WRONG = "import numpy as np\n\ndef scaled_sum(x, c):\n    return float(c * np.sum(x)) if c else 1.0\n"
BROKEN = "def scaled_sum(x, c)\n    return 0\n"


class Kit:
    """The installed `exercise-kit`, run as an instructor would: in the course folder, Node out of reach."""

    def __init__(self, venv: Path, tools: Path, home: Path) -> None:
        self.venv = venv
        self.env = {
            "PATH": f"{venv / 'bin'}{os.pathsep}{tools}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "EXERCISE_KIT_CACHE": os.environ.get("EXERCISE_KIT_CACHE", str(Path.home() / ".cache" / "exercise-kit")),
        }
        if os.environ.get("PYODIDE_WHEELHOUSE"):
            self.env["PYODIDE_WHEELHOUSE"] = os.environ["PYODIDE_WHEELHOUSE"]

    def __call__(self, *args: str, cwd: Path, expect: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([str(self.venv / "bin" / "exercise-kit"), *map(str, args)], cwd=cwd, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == expect, f"exercise-kit {' '.join(args)}: {done.stdout}\n{done.stderr}"
        return done


def _run(command: list, **options) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **options)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done


def _install(venv: Path, wheel: Path) -> None:
    """pip install the wheel, its dependencies offline from WHEELHOUSE (filled from PyPI the first time)."""
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "--quiet"]
    offline = [*pip, "install", "--no-index", "--find-links", WHEELHOUSE, wheel]
    if subprocess.run([str(c) for c in offline], capture_output=True).returncode != 0:
        _run([*pip, "download", "--dest", WHEELHOUSE, wheel])
        _run(offline)


@pytest.fixture(scope="module")
def kit(tmp_path_factory, frontend) -> Kit:
    work = tmp_path_factory.mktemp("instructor")
    # From a copy: setuptools would package stale files listed in the checkout's build/ and egg-info.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=lambda folder, names: [
        n for n in names if n == "__pycache__" or (Path(folder) == ROOT and n not in PACKAGED)])
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "dist", source], cwd=source)
    (wheel,) = (work / "dist").glob("exercise_kit-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", venv])
    _install(venv, wheel)
    tools = work / "tools"
    tools.mkdir()
    for name in TOOLS:
        (tools / name).symlink_to(subprocess.run(["which", name], capture_output=True, text=True).stdout.strip())
    home = work / "home"
    home.mkdir()
    return Kit(venv, tools, home)


@pytest.fixture(scope="module")
def course(kit, tmp_path_factory) -> Path:
    """A course made with `init`, with one problem made with `new`, completed, and proven with `check`."""
    root = tmp_path_factory.mktemp("courses") / "ml-course"
    kit("init", root, "--title", "Machine learning drills", cwd=root.parent)
    kit("new", PROBLEM, cwd=root)
    folder = root / "problems" / PROBLEM
    (folder / "mutants" / "example_mutant.py").unlink()
    for name, text in FILES.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    kit("expected", PROBLEM, cwd=root)
    proven = kit("check", cwd=root)
    assert "1 of 1 problems are sound" in proven.stdout
    return root


def test_no_node_and_no_repository_are_within_reach(kit, course):
    assert not any((Path(d) / "node").exists() for d in kit.env["PATH"].split(os.pathsep))
    assert ROOT not in course.parents
    imported = subprocess.run([str(kit.venv / "bin" / "python"), "-c", "import harness; print(harness.__file__)"],
                              cwd=course, env=kit.env, capture_output=True, text=True).stdout
    assert str(kit.venv) in imported


def test_init_writes_a_course(course):
    for name in ("course.toml", "README.md", "_headers", ".gitignore", ".github/workflows/pages.yml",
                 ".github/workflows/classroom.yml"):
        assert (course / name).is_file(), name
    assert 'title = "Machine learning drills"' in (course / "course.toml").read_text()
    assert "--format classroom" in (course / ".github/workflows/classroom.yml").read_text()


def test_every_command_has_help(kit, course):
    assert kit("--version", cwd=course).stdout == "exercise-kit 0.1.0\n"
    for command in (["init"], ["new"], ["expected"], ["check"], ["build"], ["serve"], ["grade"],
                    ["export", "gradescope"]):
        assert "usage: exercise-kit" in kit(*command, "--help", cwd=course).stdout


def test_parity_under_node_says_node_is_missing(kit, course):
    done = kit("check", "--pyodide", "_site/pyodide", cwd=course, expect=2)
    assert "--pyodide runs Pyodide under Node.js, which is not on PATH" in done.stderr and done.stderr.count("\n") == 1


def test_the_built_site_runs_the_tests_in_chromium(kit, course, browser):
    kit("build", cwd=course)
    site = course / "_site"
    assert (site / "_headers").is_file() and not list(site.rglob("solution.py"))
    server = subprocess.Popen([str(kit.venv / "bin" / "exercise-kit"), "serve", "--port", "0"], cwd=course,
                              env=kit.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split(" on ")[1].split()[0]
        page = browser.new_page()
        page.goto(f"{url}{PROBLEM}/index.html")
        assert page.title() == "Scaled sum · Machine learning drills"
        assert page.locator(".statement .katex").count() >= 3 and page.locator(".katex-error").count() == 0
        page.wait_for_selector('[data-testid="runtime-status"][data-state="ready"]', timeout=90_000)
        page.set_input_files('[data-testid="upload"]', str(course / "problems" / PROBLEM / "solution.py"))
        page.click('[data-testid="run-tests"]')
        page.wait_for_selector('[data-testid="summary"][data-passed="2"]', timeout=60_000)
        statuses = {r.get_attribute("data-name"): r.get_attribute("data-status")
                    for r in page.locator('[data-testid="test-result"]').all()}
        assert statuses == {"Worked example from the statement": "pass", "Matches the reference": "pass",
                            "Scaling by zero gives zero": "pass"}
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def submissions(course) -> Path:
    folder = course / "submissions"
    folder.mkdir()
    (folder / "good.py").write_text((course / "problems" / PROBLEM / "solution.py").read_text())
    (folder / "wrong.py").write_text(WRONG)
    (folder / "broken.py").write_text(BROKEN)
    return folder


@pytest.mark.parametrize("platform", sorted(platform_schemas.SCHEMAS))
def test_grading_in_each_platform_format(kit, course, submissions, platform):
    scores = {}
    for name, exit_status in (("good", 0), ("wrong", 1), ("broken", 1)):
        done = kit("grade", PROBLEM, submissions / f"{name}.py", "--format", platform, cwd=course, expect=exit_status)
        data = platform_schemas.validate(platform, done.stdout)
        scores[name] = {
            "gradescope": lambda: (data["score"], sum(t["max_score"] for t in data["tests"])),
            "classroom": lambda: (sum(t["score"] for t in data["tests"]), data["max_score"]),
            "prairielearn": lambda: (data.get("score"), data["gradable"]),
        }[platform]()
    assert scores == {
        "gradescope": {"good": (3, 3), "wrong": (2, 3), "broken": (0, 3)},
        "classroom": {"good": (3, 3), "wrong": (2, 3), "broken": (0, 3)},
        "prairielearn": {"good": (1.0, True), "wrong": (0.6667, True), "broken": (None, False)},
    }[platform]


def test_the_classroom_workflows_grading_step_reports_the_points(kit, course, submissions, tmp_path):
    """The `Grade` step of the workflow `init` wrote, run as GitHub Actions runs it (as root already)."""
    workflow = (course / ".github" / "workflows" / "classroom.yml").read_text()
    block = workflow.split("        run: |\n", 1)[1].split("\n      - ", 1)[0]
    script = textwrap.dedent(block).replace('sudo "$(command -v exercise-kit)"', '"$(command -v exercise-kit)"')
    outputs = tmp_path / "github_output"
    env = {**kit.env, "PROBLEM": f"problems/{PROBLEM}", "SUBMISSION": str(submissions / "wrong.py"),
           "GITHUB_OUTPUT": str(outputs)}
    _run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], env=env, cwd=course)
    (line,) = outputs.read_text().splitlines()
    assert line.startswith("result=")
    data = platform_schemas.validate("classroom", base64.b64decode(line.removeprefix("result=")).decode())
    assert (data["status"], sum(t["score"] for t in data["tests"]), data["max_score"]) == ("fail", 2, 3)


def test_grading_in_the_kits_own_formats(kit, course, submissions):
    good, wrong = submissions / "good.py", submissions / "wrong.py"
    report = json.loads(kit("grade", PROBLEM, wrong, "--format", "json", cwd=course, expect=1).stdout)
    assert (report["score"], report["max_score"], report["status"]) == (2, 3, "fail")
    assert "PASS  Matches the reference" in kit("grade", PROBLEM, good, cwd=course).stdout
    suites = ET.fromstring(kit("grade", PROBLEM, wrong, "--format", "junit", cwd=course, expect=1).stdout)
    assert suites.find("testsuite").get("failures") == "1"
    table = kit("grade", PROBLEM, submissions, "--format", "csv", cwd=course, expect=1).stdout
    rows = {Path(r["submission"]).name: (r["score"], r["max_score"], r["status"]) for r in csv.DictReader(io.StringIO(table))}
    assert rows == {"good.py": ("3", "3", "pass"), "wrong.py": ("2", "3", "fail"), "broken.py": ("0", "3", "error")}


def test_the_exported_gradescope_autograder_grades_a_submission(kit, course, submissions, tmp_path):
    kit("export", "gradescope", PROBLEM, "--output", tmp_path / "autograder.zip", cwd=course)
    archive = zipfile.ZipFile(tmp_path / "autograder.zip")
    names = archive.namelist()
    assert {"setup.sh", "run_autograder", f"problems/{PROBLEM}/tests.py"} <= set(names)
    assert not [n for n in names if n.endswith("solution.py")]
    # Gradescope's layout, in a folder: the zip in source/, the learner's file in submission/.
    autograder = tmp_path / "autograder"
    archive.extractall(autograder / "source")
    for script in ("setup.sh", "run_autograder"):
        (autograder / "source" / script).chmod(0o755)
    (autograder / "submission").mkdir()
    (autograder / "submission" / "answer.py").write_text(WRONG)
    env = {**kit.env, "AUTOGRADER": str(autograder), "PYTHON": str(kit.venv / "bin" / "python"),
           "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELHOUSE)}
    _run([autograder / "source" / "setup.sh"], env=env)
    _run([autograder / "source" / "run_autograder"], env=env, cwd=autograder)
    results = platform_schemas.validate("gradescope", (autograder / "results" / "results.json").read_text())
    assert results["score"] == 2 and [t["status"] for t in results["tests"]] == ["passed", "failed"]
    # Two files: the learner is told what to upload, and scores nothing.
    (autograder / "submission" / "notes.py").write_text("")
    _run([autograder / "source" / "run_autograder"], env=env, cwd=autograder)
    results = platform_schemas.validate("gradescope", (autograder / "results" / "results.json").read_text())
    assert results == {"score": 0, "output": "Upload exactly one .py file (this submission has 2)."}
