"""Shared helpers: the repository's layout and a way to run the CLI as a grader would."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PROBLEMS = ROOT / "problems"
SCENARIOS = Path(__file__).parent / "scenarios"
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


# ---- End to end: the built site, served, and a learner in headless Chromium ----------------------------

BOOT_TIMEOUT_MS = 60_000


def serve(folder: Path, isolated: bool):
    from harness.publish.serve import make_server

    server = make_server(folder, port=0, isolated=isolated, record=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def base_url(built_site):
    server = serve(built_site, isolated=True)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


class Learner:
    """A fresh browser profile on the site; records every request that leaves 127.0.0.1.

    The site's service worker is blocked unless a test asks for it (`service_workers="allow"`):
    its offline copy would otherwise download the whole site again in every fresh profile.
    """

    def __init__(self, browser, base_url: str, **context_options) -> None:
        self.base_url = base_url
        self.context = browser.new_context(**{"service_workers": "block", **context_options})
        self.external: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.dialogs: list[str] = []  # every confirm() the page showed; `accept_dialogs` answers them
        self.accept_dialogs = True
        self.page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept() if self.accept_dialogs else dialog.dismiss()

    def _route(self, route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", None) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def open_problem(self, problem: str = "label-smoothing") -> None:
        self.page.goto(f"{self.base_url}{problem}/index.html")
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_selector('[data-testid="runtime-status"][data-state="ready"]', timeout=BOOT_TIMEOUT_MS)

    def upload(self, path: Path | list[dict]) -> None:
        """Upload a file (or set_input_files' in-memory files) and wait until the page has dealt with it."""
        self.page.set_input_files('[data-testid="upload"]', path if isinstance(path, list) else str(path))
        self.page.wait_for_selector('[data-testid="upload"]:not([data-busy])', state="attached")

    def run_tests(self) -> dict[str, tuple[str, str]]:
        """Click "Run tests" and return {test name: (status, message)} once the summary is in."""
        self.page.evaluate("document.querySelector('[data-testid=summary]').removeAttribute('data-passed')")
        self.page.click('[data-testid="run-tests"]')
        return self.wait_results()

    def wait_results(self) -> dict[str, tuple[str, str]]:
        self.page.wait_for_selector('[data-testid="summary"][data-passed]', timeout=BOOT_TIMEOUT_MS)
        rows = self.page.locator('[data-testid="test-result"]')
        return {
            row.get_attribute("data-name"): (row.get_attribute("data-status"), row.inner_text())
            for row in rows.all()
        }

    def editor_text(self) -> str:
        return self.page.locator(".cm-content").inner_text()

    def close(self) -> None:
        assert self.external == [], f"requests left 127.0.0.1: {self.external}"
        assert self.errors == []
        self.context.close()


@pytest.fixture
def learner(browser, base_url):
    learner = Learner(browser, base_url)
    yield learner
    learner.close()
