"""Shared helpers: the repository's layout and a way to run the CLI as a grader would."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PROBLEMS = ROOT / "problems"
# The Makefile's default, so that a bare `pytest` builds the site offline too.
if not os.environ.get("PYODIDE_WHEELHOUSE") and (ROOT.parent / "shared" / "pyodide-wheels").is_dir():
    os.environ["PYODIDE_WHEELHOUSE"] = str(ROOT.parent / "shared" / "pyodide-wheels")


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m harness ARGS` in a fresh process, exactly as a CI script would call it (`env`: added variables)."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def run_cli_in_process(*args: str, cwd: Path = ROOT, timeout: float | None = None) -> subprocess.CompletedProcess:
    """`harness.cli.main(ARGS)` in this process: the same code path as `run_cli`, without starting Python.

    Submissions are still graded in processes of their own (the sandbox starts its zygote either way).
    """
    from harness import cli

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["harness", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli_in_process


@pytest.fixture
def copy_of(tmp_path):
    """A copy of a problem folder to break, under tmp_path (so its parent is a problems root)."""
    def copy(problem: str) -> Path:
        shutil.copytree(PROBLEMS / problem, tmp_path / problem, ignore=shutil.ignore_patterns("__pycache__"))
        return tmp_path / problem
    return copy


@pytest.fixture(scope="session")
def frontend() -> Path:
    """The front end, prebuilt into the package from this checkout's sources (as `make frontend` does)."""
    done = subprocess.run([sys.executable, "site/bundle.py"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return ROOT / "harness" / "publish" / "frontend"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, frontend) -> Path:
    """The site, built once per session from this checkout (NumPy from $PYODIDE_WHEELHOUSE)."""
    out = tmp_path_factory.mktemp("site") / "_site"
    done = run_cli("build", "--out", str(out), timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session."""
    from playwright import sync_api as playwright

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
