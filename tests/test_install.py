"""End to end, as an instructor: the wheel installed in a fresh virtual environment with no Node on PATH,
outside this repository; a course made, a problem authored and proven, its site built and solved in
Chromium, submissions graded in every format; the course's CI workflows and the exported Gradescope
autograder run as their platforms run them; the wheel installed with pipx.

Nothing comes from an index: pip runs with --no-index, so a step that needs the kit from PyPI (where it
is not published) fails here. Its dependencies (and pipx) are downloaded once into build/test-wheelhouse,
which never holds the kit itself; Pyodide and NumPy come from the kit's cache and $PYODIDE_WHEELHOUSE.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
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

WHEELHOUSE = ROOT / "build" / "test-wheelhouse"  # the kit's dependencies, never the kit
PACKAGED = ("harness", "pyproject.toml", "README.md")  # what the wheel is built from
# The few programs the scripts under test may call; Node is deliberately not among them.
TOOLS = ("bash", "sh", "env", "mkdir", "base64", "cat", "ls", "rm")
# pip as the workflows, setup.sh and pipx run it here: from local files only.
OFFLINE_PIP = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(WHEELHOUSE), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

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
        from harness.core.testing import Case, Draw, cases, example, hidden

        RTOL = 1e-9
        ATOL = 1e-12


        def random_sum(rng):  # held-out inputs: `grade` draws fresh ones for every submission
            return Case([round(float(v), 2) for v in rng.uniform(-5.0, 5.0, size=3)], round(float(rng.uniform(0.5, 3.0)), 2))


        CASES = {
            "sums/three": Case([1.0, 2.0, 3.0], 2.0),
            "sums/negative": Case([-1.5, 4.0], -0.5),
            "sums/random": Draw(random_sum),
        }


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

    def __init__(self, wheel: Path, venv: Path, tools: Path, home: Path) -> None:
        self.wheel = wheel  # as `make wheel` builds it
        self.venv = venv
        self.tools = tools
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


def _install(venv: Path, requirement: str | Path) -> None:
    """pip install `requirement` into `venv`, offline."""
    python = venv / "bin" / "python"
    _fill_wheelhouse(python, requirement)
    _run([python, "-m", "pip", "--quiet", "install", requirement], env={**os.environ, **OFFLINE_PIP})


def _fill_wheelhouse(python: Path | str, requirement: str | Path) -> None:
    """Make WHEELHOUSE hold what `python` needs to install `requirement` offline: from PyPI the first time,
    and never the kit itself."""
    pip = [python, "-m", "pip", "--quiet"]
    offline = subprocess.run([str(c) for c in [*pip, "install", "--dry-run", "--ignore-installed", requirement]],
                             capture_output=True, env={**os.environ, **OFFLINE_PIP})
    if offline.returncode:
        _run([*pip, "download", "--dest", WHEELHOUSE, requirement])
        for kit in WHEELHOUSE.glob("exercise_kit-*"):
            kit.unlink()


def _gradescope_python() -> str:
    """Python 3.12, as on Gradescope's Ubuntu 24.04 image, where this machine has it; else this Python."""
    for env in ({}, {"PYENV_VERSION": "3.12"}):  # pyenv finds an installed 3.12 once asked for it
        found = subprocess.run(["python3.12", "-c", "import sys; print(sys.executable)"], capture_output=True,
                               text=True, env={**os.environ, **env}) if shutil.which("python3.12") else None
        if found and found.returncode == 0:
            return found.stdout.strip()
    return sys.executable


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
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    _install(venv, wheel)
    tools = work / "tools"
    tools.mkdir()
    for name in TOOLS:
        (tools / name).symlink_to(subprocess.run(["which", name], capture_output=True, text=True).stdout.strip())
    # The runners run workflows as root already: sudo only runs the command.
    _script(tools / "sudo", 'exec "$@"')
    home = work / "home"
    home.mkdir()
    return Kit(wheel, venv, tools, home)


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)
    return path


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
                 ".github/workflows/classroom.yml", ".exercise-kit/exercise_kit-0.1.0-py3-none-any.whl"):
        assert (course / name).is_file(), name
    assert 'title = "Machine learning drills"' in (course / "course.toml").read_text()
    assert "--format classroom" in (course / ".github/workflows/classroom.yml").read_text()


def _contents(wheel: Path) -> tuple[set[str], list[str]]:
    """A wheel's package files, and the requirements its metadata declares."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line for line in metadata.splitlines() if line.startswith(("Requires-Dist:", "Requires-Python:"))]
    return {n for n in names if n.startswith("harness/")}, requires


def test_the_course_carries_the_wheel_make_wheel_builds(kit, course, tmp_path):
    """The carried wheel is written from the running kit: from an installed wheel (in the course) and from
    this checkout (as `init` run here writes it), it holds what the build backend puts in the wheel."""
    _run([sys.executable, "-c", "import sys; from pathlib import Path; from harness.publish import wheels; "
          "wheels.kit_wheel(Path(sys.argv[1]))", tmp_path], cwd=ROOT)
    (from_checkout,) = tmp_path.glob("exercise_kit-*.whl")
    built = _contents(kit.wheel)
    assert _contents(course / ".exercise-kit" / kit.wheel.name) == built
    assert _contents(from_checkout) == built


def test_every_command_has_help(kit, course):
    assert kit("--version", cwd=course).stdout == "exercise-kit 0.1.0\n"
    for command in (["init"], ["vendor"], ["new"], ["expected"], ["check"], ["build"], ["serve"], ["grade"],
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


def _run_steps(workflow: str) -> list[str]:
    """The scripts of a workflow's `run:` steps, in order: one-line ones and `run: |` blocks."""
    lines = workflow.splitlines()
    scripts = []
    for at, line in enumerate(lines):
        key, _, value = line.strip().removeprefix("- ").partition(":")
        if key != "run":
            continue
        if value.strip() != "|":
            scripts.append(value.strip())
            continue
        indent = len(line) - len(line.lstrip())
        block = itertools.takewhile(lambda b: not b.strip() or len(b) - len(b.lstrip()) > indent, lines[at + 1:])
        scripts.append(textwrap.dedent("\n".join(block)))
    return scripts


def _run_workflow(kit: Kit, course: Path, name: str, work: Path, without: str = "", **variables: str) -> Path:
    """Run the `run:` steps of the course's workflow `name` as a GitHub runner would, with bash -eo pipefail,
    in a fresh checkout (`without` a file the repository does not hold) and a fresh Python (setup-python's);
    return that Python's environment."""
    checkout = work / "checkout"
    shutil.copytree(course, checkout, ignore=shutil.ignore_patterns("_site", "submissions", "__pycache__"))
    if without:
        (checkout / without).unlink()
    runner = work / "python"
    _run([sys.executable, "-m", "venv", runner])
    env = {**kit.env, **OFFLINE_PIP, "PATH": f"{runner / 'bin'}{os.pathsep}{kit.tools}",
           "GITHUB_OUTPUT": str(work / "github_output"), **variables}
    steps = _run_steps((checkout / ".github" / "workflows" / name).read_text())
    assert any("pip install" in step for step in steps)
    for step in steps:
        _run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step], env=env, cwd=checkout)
    return runner


def test_the_pages_workflow_installs_the_carried_kit_checks_and_builds(kit, course, tmp_path):
    runner = _run_workflow(kit, course, "pages.yml", tmp_path)
    assert (tmp_path / "checkout" / "_site" / PROBLEM / "index.html").is_file()
    version = subprocess.run([runner / "bin" / "exercise-kit", "--version"], capture_output=True, text=True).stdout
    assert version == "exercise-kit 0.1.0\n"


def test_the_classroom_workflow_installs_the_carried_kit_and_reports_the_points(kit, course, submissions, tmp_path):
    # An assignment's template repository, which learners can read, holds no solution.py.
    _run_workflow(kit, course, "classroom.yml", tmp_path, without=f"problems/{PROBLEM}/solution.py",
                  PROBLEM=f"problems/{PROBLEM}", SUBMISSION=str(submissions / "wrong.py"))
    (line,) = (tmp_path / "github_output").read_text().splitlines()
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
    # The reference computes the held-out inputs' expected values; only instructors see an autograder's files.
    assert {"setup.sh", "run_autograder", f"problems/{PROBLEM}/tests.py", f"problems/{PROBLEM}/solution.py"} <= set(names)
    assert archive.read(kit.wheel.name) == (course / ".exercise-kit" / kit.wheel.name).read_bytes()
    # Gradescope's layout: the zip unpacked in source/, run_autograder copied beside it, the learner's
    # upload in submission/, its metadata beside them, results/ read back.
    autograder = tmp_path / "autograder"
    archive.extractall(autograder / "source")
    for script in ("setup.sh", "run_autograder"):
        (autograder / "source" / script).chmod(0o755)
    shutil.copy2(autograder / "source" / "run_autograder", autograder / "run_autograder")
    (autograder / "submission").mkdir()
    (autograder / "submission" / "answer.py").write_text(WRONG)
    (autograder / "submission_metadata.json").write_text('{"id": 1, "users": [], "previous_submissions": []}')
    # An Ubuntu image without python3-venv: the first venv fails, setup.sh installs the package with apt-get.
    python3 = _gradescope_python()
    _fill_wheelhouse(python3, kit.wheel)
    ubuntu = tmp_path / "ubuntu"
    ubuntu.mkdir()
    apt_log = tmp_path / "apt-get.log"
    _script(ubuntu / "apt-get", f'echo "$*" >> {apt_log}; : > {ubuntu / "venv-installed"}')
    _script(ubuntu / "python3", f'if [ "$1 $2" = "-m venv" ] && [ ! -e {ubuntu / "venv-installed"} ]; then\n'
                     f'  echo "ensurepip is not available" >&2; exit 1\nfi\nexec {python3} "$@"')
    env = {**kit.env, **OFFLINE_PIP, "AUTOGRADER": str(autograder), "PATH": f"{ubuntu}{os.pathsep}{kit.tools}"}
    _run([autograder / "source" / "setup.sh"], env=env, cwd=autograder / "source")
    assert apt_log.read_text().splitlines()[-1] == "install -y -qq python3-venv"
    kit_python = autograder / "kit" / "bin" / "python"
    assert _run([kit_python, "-c", "import sys; print(sys._base_executable)"]).stdout.strip() == python3

    _run([autograder / "run_autograder"], env=env, cwd=autograder)
    results = platform_schemas.validate("gradescope", (autograder / "results" / "results.json").read_text())
    assert results["score"] == 2 and [t["status"] for t in results["tests"]] == ["passed", "failed"]
    # Two files: the learner is told what to upload, and scores nothing.
    (autograder / "submission" / "notes.py").write_text("")
    _run([autograder / "run_autograder"], env=env, cwd=autograder)
    results = platform_schemas.validate("gradescope", (autograder / "results" / "results.json").read_text())
    assert results == {"score": 0, "output": "Upload exactly one .py file (this submission has 2)."}


def test_pipx_installs_the_carried_wheel(kit, course, submissions, tmp_path):
    """`pipx install` as the course's README says, with pipx itself in a throwaway environment."""
    pipx_venv = tmp_path / "pipx"
    _run([sys.executable, "-m", "venv", pipx_venv])
    _install(pipx_venv, "pipx")
    _fill_wheelhouse(pipx_venv / "bin" / "python", "pip>=26.1")  # pipx upgrades its shared libraries' pip
    bin_dir = tmp_path / "bin"
    env = {**kit.env, **OFFLINE_PIP, "PATH": f"{bin_dir}{os.pathsep}{kit.tools}", "PIPX_HOME": str(tmp_path / "pipx-home"),
           "PIPX_BIN_DIR": str(bin_dir), "PIPX_MAN_DIR": str(tmp_path / "man")}
    _run([pipx_venv / "bin" / "pipx", "install", course / ".exercise-kit" / kit.wheel.name], env=env, cwd=course)
    command = bin_dir / "exercise-kit"
    assert "init" in _run([command, "--help"], env=env).stdout
    graded = _run([command, "grade", PROBLEM, submissions / "good.py", "--format", "json"], env=env, cwd=course)
    assert json.loads(graded.stdout)["score"] == 3
