"""End to end: the browser runtime under time limits, failed downloads, restarts, offline and updates."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import PROBLEMS, SCENARIOS, Learner, serve
from harness.publish import build

pytestmark = pytest.mark.browser

FOLDER = PROBLEMS / "label-smoothing"
BROWSER_FILES = Path(__file__).parent / "browser"
LOOPING_TEST = "Smoothing increases the loss of a confident, correct prediction"
TIMEOUT = "did not finish within the time limit of 2 s (an infinite loop?)"
LIMIT_S, GRACE_S, TESTS = 2.0, 1.5, 6
STATUS = '[data-testid="runtime-status"]'
# Three boots (the first and two retries) that each fail late, at NumPy, on a busy machine.
FAILED_BOOTS_MS = 120_000
# Every state the status takes, in order, from the moment the page starts; "+results" once a run's
# results are shown.
RECORD_STATES = """window.__states = [];
new MutationObserver(() => {
  const status = document.querySelector('[data-testid="runtime-status"]');
  const summary = document.querySelector('[data-testid="summary"]');
  if (!status || !summary) return;
  const state = status.dataset.state + (summary.hasAttribute("data-passed") ? "+results" : "");
  if (state !== window.__states.at(-1)) window.__states.push(state);
}).observe(document, { subtree: true, attributes: true, childList: true });"""


def restarts(learner: Learner) -> int:
    return int(learner.page.get_attribute(STATUS, "data-restarts"))


def run_and_record(learner: Learner) -> dict:
    """Run the tests; check that the status never said "ready" before the results were in."""
    learner.page.evaluate("window.__states = []")
    results = learner.run_tests()
    assert_never_ready_while_pending(learner)
    return results


def assert_never_ready_while_pending(learner: Learner) -> None:
    states = learner.page.evaluate("window.__states")
    since_click = states[states.index("running"):]
    assert "ready" not in since_click and since_click[-1] == "ready+results", f"ready while a run was pending: {states}"


@pytest.fixture
def isolated_learner(browser, base_url):
    learner = Learner(browser, base_url)
    learner.page.add_init_script(RECORD_STATES)
    yield learner
    learner.close()


@pytest.fixture(scope="module")
def unisolated_url(built_site):
    server = serve(built_site, isolated=False)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_isolated_an_endless_loop_is_interrupted_each_test_at_its_limit(isolated_learner):
    learner = isolated_learner
    learner.open_problem()
    assert learner.page.evaluate("self.crossOriginIsolated") is True
    learner.upload(BROWSER_FILES / "loops_forever.py")
    started = time.monotonic()
    results = run_and_record(learner)
    elapsed = time.monotonic() - started
    assert len(results) == TESTS and all(s == "error" and TIMEOUT in m for s, m in results.values())
    # The interrupt's path: Python was never restarted, so each test costs its limit, not limit + grace
    # + a new Python.
    assert restarts(learner) == 0
    assert elapsed < TESTS * (LIMIT_S + GRACE_S), f"{elapsed:.1f} s for {TESTS} tests over the limit"
    learner.upload(FOLDER / "solution.py")
    assert {s for s, _ in learner.run_tests().values()} == {"pass"}


def test_without_isolation_the_worker_is_replaced_and_the_report_is_whole(browser, unisolated_url):
    learner = Learner(browser, unisolated_url)
    learner.page.add_init_script(RECORD_STATES)
    try:
        learner.open_problem()
        assert learner.page.evaluate("self.crossOriginIsolated") is False
        learner.upload(SCENARIOS / "infinite-loop" / "submission.py")
        results = run_and_record(learner)
        status, message = results[LOOPING_TEST]
        assert status == "error" and TIMEOUT in message  # the same words as when interrupted
        assert [s for s, _ in results.values()].count("pass") == 5
        assert restarts(learner) == 1
        summary = learner.page.locator('[data-testid="summary"]')
        assert summary.get_attribute("data-passed") == "4" and "4 of 5 hidden tests passed" in summary.inner_text()
        learner.upload(FOLDER / "solution.py")
        assert {s for s, _ in learner.run_tests().values()} == {"pass"}
    finally:
        learner.close()


def test_a_crash_is_the_test_s_error_and_the_run_goes_on(learner):
    learner.open_problem()
    learner.upload(BROWSER_FILES / "fatal_error.py")
    results = learner.run_tests()
    status, message = results[LOOPING_TEST]
    assert status == "error" and "Python crashed" in message and "restarted" in message
    assert [s for s, _ in results.values()].count("pass") == 5
    assert restarts(learner) == 1
    learner.upload(FOLDER / "solution.py")
    assert {s for s, _ in learner.run_tests().values()} == {"pass"}


def test_run_while_python_loads_waits_with_its_progress_shown(isolated_learner):
    learner = isolated_learner
    learner.page.goto(f"{learner.base_url}label-smoothing/index.html", wait_until="domcontentloaded")
    learner.upload(FOLDER / "solution.py")
    learner.page.click('[data-testid="run-tests"]')
    assert learner.page.get_attribute(STATUS, "data-state") == "running"
    assert learner.page.locator(f"{STATUS} progress").is_visible()
    assert "Waiting for Python" in learner.page.locator(STATUS).inner_text()
    results = learner.wait_results()
    assert len(results) == TESTS and {s for s, _ in results.values()} == {"pass"}
    assert_never_ready_while_pending(learner)


@pytest.mark.parametrize("blocked", ["worker.js", "pyodide.asm.wasm", "numpy-2.2.5", "label-smoothing.json"])
def test_a_failed_download_is_named_with_a_retry_and_no_verdict(browser, base_url, blocked):
    learner = Learner(browser, base_url)
    try:
        learner.context.route(f"**/*{blocked}*", lambda route: route.abort())
        learner.page.goto(f"{learner.base_url}label-smoothing/index.html")
        learner.page.wait_for_selector(f'{STATUS}[data-state="error"]', timeout=FAILED_BOOTS_MS)
        text = learner.page.locator(STATUS).inner_text()
        assert f"could not download {blocked}" in text
        learner.page.click('[data-testid="run-tests"]')  # Run retries: still no verdict on the code
        learner.page.wait_for_selector(f'{STATUS}[data-state="error"]', timeout=FAILED_BOOTS_MS)
        summary = learner.page.locator('[data-testid="summary"]')
        assert summary.inner_text().startswith(
            f"Your code was not graded: Python could not start: could not download {blocked}")
        assert summary.get_attribute("data-passed") is None
        learner.context.unroute(f"**/*{blocked}*")
        learner.page.click('[data-testid="retry"]')
        learner.page.wait_for_selector(f'{STATUS}[data-state="ready"]', timeout=FAILED_BOOTS_MS)
        learner.page.click('[data-testid="run-tests"]')
        assert len(learner.wait_results()) == TESTS
    finally:
        learner.errors.clear()  # the worker's failed import is reported as a page error in Chromium
        learner.close()


def test_a_draft_is_saved_when_the_page_goes_away(learner):
    learner.open_problem()
    learner.page.locator(".cm-content").click()
    learner.page.keyboard.press("Control+End")
    learner.page.keyboard.type("\n# typed just before a reload")
    learner.page.reload()  # at once: the 300 ms timer has not fired
    learner.wait_ready()
    assert "# typed just before a reload" in learner.editor_text()


def test_two_tabs_of_one_problem_warn(learner):
    learner.open_problem()
    second = learner.context.new_page()
    second.goto(f"{learner.base_url}label-smoothing/index.html")
    for page in (learner.page, second):
        page.wait_for_selector('[data-testid="other-tab"]', state="visible", timeout=10_000)
    other = learner.context.new_page()
    other.goto(f"{learner.base_url}smooth-labels/index.html")
    other.wait_for_timeout(500)
    assert not other.locator('[data-testid="other-tab"]').is_visible()
    second.close()
    other.close()


def test_back_and_forward_keep_python_and_the_results(browser, base_url):
    from conftest import CHROMIUM, CHROMIUM_ARGS

    # Playwright turns the back/forward cache off by default; learners' browsers have it on.
    with_cache = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, ignore_default_args=["--disable-back-forward-cache"])
    try:
        learner = Learner(with_cache, base_url)
        learner.open_problem()
        learner.upload(FOLDER / "solution.py")
        learner.run_tests()
        learner.page.evaluate("window.__sameDocument = true")
        learner.page.click("a.brand")
        learner.page.wait_for_selector('[data-testid="problem-card"]')
        learner.page.go_back(wait_until="commit")
        learner.page.wait_for_selector(f'{STATUS}[data-state="ready"]')
        assert learner.page.evaluate("window.__sameDocument") is True  # restored, not reloaded
        assert learner.page.locator('[data-testid="test-result"]').count() == TESTS
        learner.close()
    finally:
        with_cache.close()


# ---- The service worker: isolation without headers, offline, updates --------------------------------

def wait_for_offline_copy(learner: Learner) -> None:
    learner.page.evaluate("navigator.serviceWorker.ready")
    learner.page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)


def test_without_headers_the_service_worker_isolates_and_the_site_runs_offline(browser, built_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    server = serve(site, isolated=False)
    learner = Learner(browser, f"http://127.0.0.1:{server.server_port}/", service_workers="allow")
    try:
        learner.open_problem()
        assert learner.page.evaluate("self.crossOriginIsolated") is False
        wait_for_offline_copy(learner)
        served = len(server.served)
        # The next page is isolated by the service worker and downloads nothing.
        learner.open_problem("smooth-labels")
        assert learner.page.evaluate("self.crossOriginIsolated") is True
        learner.open_problem()
        assert server.served[served:] == [("/sw.js", 304)] * len(server.served[served:])
        learner.upload(SCENARIOS / "infinite-loop" / "submission.py")
        status, message = learner.run_tests()[LOOPING_TEST]
        assert status == "error" and TIMEOUT in message and restarts(learner) == 0
        # Offline: the reload shows the problem and runs its tests.
        learner.context.set_offline(True)
        learner.upload(FOLDER / "solution.py")
        learner.page.reload()
        learner.wait_ready()
        assert "Label-smoothing" in learner.page.title()
        assert {s for s, _ in learner.run_tests().values()} == {"pass"}
        learner.context.set_offline(False)

        # A new build: offered once installed; taking it swaps the whole cache, never a mix.
        page = site / "label-smoothing" / "index.html"
        page.write_text(page.read_text().replace("<h1 ", "<h1 data-build=\"second\" "))
        version = build.write_service_worker(site)
        learner.page.reload()
        learner.page.wait_for_selector('[data-testid="update"]', state="visible", timeout=60_000)
        learner.page.click('[data-testid="update"] button')
        learner.page.wait_for_selector('h1[data-build="second"]', timeout=30_000)
        assert learner.page.evaluate("caches.keys()") == [f"exercise-kit-{version}"]
        learner.wait_ready()
    finally:
        learner.close()
        server.shutdown()
