"""End to end: the browser runtime under time limits, failed downloads, restarts, offline and updates."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import BOOT_TIMEOUT_MS, PROBLEMS, SCENARIOS, Learner, run_cli, serve
from harness.publish import build

pytestmark = pytest.mark.browser

FOLDER = PROBLEMS / "label-smoothing"
BROWSER_FILES = Path(__file__).parent / "browser"
LOOPING_TEST = "Smoothing increases the loss of a confident, correct prediction"
TIMEOUT = "did not finish within the time limit of 2 s (an infinite loop?)"
TESTS = 6
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
    results = run_and_record(learner)
    assert len(results) == TESTS and all(s == "error" and TIMEOUT in m for s, m in results.values())
    # The interrupt's path, whatever the machine's load: Python was never restarted, so each test cost
    # its limit, not limit + grace + a new Python (`make bench-site` measures the time).
    assert restarts(learner) == 0
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


def test_a_wheel_that_is_not_the_one_built_is_refused_by_its_checksum(browser, base_url):
    """The wheels download before Python asks for them: the sha256 of Pyodide's lock file is still checked."""
    learner = Learner(browser, base_url)
    try:
        learner.context.route("**/numpy-2.2.5*.whl", lambda route: route.fulfill(
            status=200, body=b"PK not numpy", headers={"Content-Type": "application/octet-stream"}))
        learner.page.goto(f"{learner.base_url}label-smoothing/index.html")
        learner.page.wait_for_selector(f'{STATUS}[data-state="error"]', timeout=FAILED_BOOTS_MS)
        status = learner.page.locator(STATUS).inner_text()
        assert "(its checksum is wrong)" in status and "Traceback" not in status  # never handed to Python
    finally:
        learner.errors.clear()
        learner.close()


@pytest.fixture(scope="module")
def impatient_url(tmp_path_factory):
    """A site built to give up on a silent download after 2 s (`build --stall-timeout 2`)."""
    out = tmp_path_factory.mktemp("impatient") / "_site"
    done = run_cli("build", "--out", str(out), "--stall-timeout", "2", timeout=300)
    assert done.returncode == 0, done.stderr
    server = serve(out, isolated=True)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_a_download_that_stalls_is_named_and_retry_recovers(browser, impatient_url):
    learner = Learner(browser, impatient_url)
    try:
        stalled = []  # requests held for ever: the server never sends a byte
        learner.context.route("**/pyodide.asm.wasm", lambda route: stalled.append(route))
        learner.page.goto(f"{learner.base_url}label-smoothing/index.html")
        learner.page.wait_for_selector(f'{STATUS}[data-state="error"]', timeout=FAILED_BOOTS_MS)
        assert "could not download pyodide.asm.wasm (no data for 2 s)" in learner.page.locator(STATUS).inner_text()
        assert len(stalled) == 3  # the first boot and its two retries, each abandoned
        learner.context.unroute("**/pyodide.asm.wasm")
        learner.page.click('[data-testid="retry"]')
        learner.wait_ready()
        learner.upload(FOLDER / "solution.py")
        assert {s for s, _ in learner.run_tests().values()} == {"pass"}
    finally:
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


def test_the_next_pages_of_a_visit_keep_python_and_change_only_the_problem(learner):
    """Links between the site's pages swap the page in place: the same Python, handed each problem."""
    page = learner.page
    learner.open_problem()
    learner.upload(FOLDER / "solution.py")
    learner.run_tests()
    page.evaluate("window.__sameDocument = true")
    for problem in sorted(p for p in PROBLEMS.iterdir() if (p / "solution.py").is_file() and p != FOLDER):
        page.click("a.brand")
        page.click(f'[data-problem="{problem.name}"] a')
        learner.wait_ready()
        assert page.url == f"{learner.base_url}{problem.name}/index.html"
        assert python_start(learner) == "kept" and restarts(learner) == 0, problem.name
        signature = next(line for line in (problem / "stub.py").read_text().splitlines() if line.startswith("def "))
        assert signature in learner.editor_text(), problem.name
        page.wait_for_selector(".math[data-typeset]", state="attached")
        learner.upload(problem / "solution.py")
        assert {s for s, _ in learner.run_tests().values()} == {"pass"}, problem.name
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_attribute("html", "data-navigation") == "in-place"
    # Back to the first problem: as it was left, and Python has its problem again.
    while not page.url.endswith("/label-smoothing/index.html"):
        page.go_back(wait_until="commit")
    learner.wait_ready()
    assert page.locator('[data-testid="test-result"]').count() == TESTS
    assert page.evaluate("window.__sameDocument") is True
    assert {s for s, _ in learner.run_tests().values()} == {"pass"}
    # A run in progress is not carried along: leaving then is a page load, as it always was.
    learner.upload(BROWSER_FILES / "loops_forever.py")
    page.click('[data-testid="run-tests"]')
    page.click("a.brand")
    page.wait_for_selector('[data-testid="problem-card"]')
    assert page.evaluate("window.__sameDocument") is None


# Every problem the worker says it holds, in order: `window.__held`.
RECORD_PROBLEMS_HELD = """window.__held = [];
const RealWorker = window.Worker;
window.Worker = class extends RealWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", ({ data }) => data?.type === "ready" && window.__held.push(data.problem));
  }
};"""


def test_back_before_the_next_problem_came_grades_the_problem_shown(learner):
    """A -> index -> B whose bundle is slow, Back twice at once: A's run uses A's tests, even once B's bundle is in."""
    page = learner.page
    page.add_init_script(RECORD_PROBLEMS_HELD)
    learner.open_problem()
    learner.upload(FOLDER / "solution.py")
    held_back = []
    learner.context.route("**/problems/batched-loss.json", lambda route: held_back.append(route))
    page.click("a.brand")
    page.click('[data-problem="batched-loss"] a')
    page.wait_for_function("() => location.pathname.endsWith('/batched-loss/index.html')")
    page.go_back(wait_until="commit")
    page.go_back(wait_until="commit")
    page.wait_for_function("() => location.pathname.endsWith('/label-smoothing/index.html')")
    page.wait_for_timeout(500)  # without the fix, the worker takes A back now, ahead of B
    assert len(held_back) == 1
    held_back[0].continue_()
    page.wait_for_function("() => window.__held.some((problem) => problem.endsWith('/batched-loss.json'))")
    learner.wait_ready()
    assert {s for s, _ in learner.run_tests().values()} == {"pass"}
    assert page.evaluate("window.__held.at(-1)").endswith("/label-smoothing.json")
    assert restarts(learner) == 0


def shows_problem(page, problem: str) -> None:
    """Wait until the page shows the problem's own page: its editor and config, not the list of problems."""
    page.wait_for_function(
        """(problem) => document.querySelector('[data-testid="editor"]')
          && JSON.parse(document.getElementById('problem-config').textContent).id === problem
          && !document.querySelector('[data-testid="problem-card"]')""", arg=problem, timeout=30_000)


def test_back_and_forward_after_a_reload_in_the_middle_of_a_visit_show_each_url_s_own_page(learner):
    """A -> index -> B in place, Back to the index, reload it, Forward: B's URL shows B, and Back twice shows A."""
    page = learner.page
    learner.open_problem()
    page.click("a.brand")
    page.click('[data-problem="batched-loss"] a')
    learner.wait_ready()
    page.go_back()
    page.wait_for_selector('[data-testid="problem-card"]')
    page.reload()
    page.wait_for_selector('[data-testid="problem-card"]')
    page.go_forward()
    assert page.url == f"{learner.base_url}batched-loss/index.html"
    shows_problem(page, "batched-loss")
    page.go_back()
    page.wait_for_selector('[data-testid="problem-card"]')
    page.go_back()
    assert page.url == f"{learner.base_url}label-smoothing/index.html"
    shows_problem(page, "label-smoothing")


def test_a_page_of_a_new_deploy_is_loaded_not_swapped_in(learner):
    """The site is deployed anew while a problem is open: its next page loads, with its own scripts and styles."""
    page = learner.page
    learner.open_problem()
    page.evaluate("window.__sameDocument = true")
    # A page loaded anew never takes an older build's scripts or styles from the browser's cache.
    build = page.get_attribute('meta[name="build"]', "content")
    assets = page.evaluate("""[...document.querySelectorAll('script[src], link[href]')]
      .map((e) => e.src || e.href).filter((url) => url.includes('/assets/'))""")
    assert len(assets) >= 4 and all(url.endswith(f"?v={build}") for url in assets), assets

    def new_deploy(route):
        response = route.fetch()
        html = re.sub(r'<meta name="build" content="\w+">', '<meta name="build" content="a-new-deploy">', response.text())
        route.fulfill(response=response, body=html)

    learner.context.route(f"{learner.base_url}index.html", new_deploy)
    page.click("a.brand")
    page.wait_for_selector('[data-testid="problem-card"]')
    assert page.get_attribute('meta[name="build"]', "content") == "a-new-deploy"
    assert page.evaluate("window.__sameDocument") is None
    assert page.get_attribute("html", "data-navigation") is None


def test_without_service_workers_an_unisolated_page_loads_once(browser, unisolated_url):
    learner = Learner(browser, unisolated_url)  # service workers blocked, as in some private modes
    try:
        loads = count_loads(learner)
        learner.open_problem()
        learner.page.wait_for_timeout(1000)  # time enough for a reload that must not come
        assert len(loads) == 1 and learner.page.evaluate("self.crossOriginIsolated") is False
    finally:
        learner.close()


@pytest.fixture
def headerless(browser, built_site, tmp_path):
    """(site, server, learner): a copy of the site served without COOP/COEP, and a learner whose browser
    allows service workers; a test may edit the copy before the learner's first page."""
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    server = serve(site, isolated=False)
    learner = Learner(browser, f"http://127.0.0.1:{server.server_port}/", service_workers="allow")
    yield site, server, learner
    learner.close()
    server.shutdown()


def test_a_browser_the_service_worker_cannot_isolate_reloads_once_not_again(headerless):
    site, _, learner = headerless
    sw = site / "sw.js"  # as if the browser ignored the headers it adds
    sw.write_text(sw.read_text().replace('headers.set("Cross-Origin-Embedder-Policy", "require-corp");', ""))
    loads = count_loads(learner)
    learner.open_problem()
    learner.page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    learner.wait_ready()
    learner.open_problem()  # the next page
    learner.page.wait_for_timeout(1000)
    assert len(loads) == 3, loads  # one reload in all, however many pages
    assert learner.page.evaluate("self.crossOriginIsolated") is False
    learner.upload(SCENARIOS / "infinite-loop" / "submission.py")
    status, message = learner.run_tests()[LOOPING_TEST]
    assert status == "error" and TIMEOUT in message and restarts(learner) == 1


# ---- Python resumed from its memory snapshot ---------------------------------------------------------

# Every golden scenario that means the same in the browser (the hostile ones test the CI sandbox, and
# the upload refuses a file that is not UTF-8).
BROWSER_SCENARIOS = sorted(p for p in SCENARIOS.iterdir() if p.is_dir() and not p.name.startswith(("hostile-", "not-utf8")))
# The worker's snapshots in the origin's private file system, once written whole (a snapshot is written
# aside, then renamed).
STORED_FILES = """async () => {
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("python-snapshots", { create: true });
  return Array.fromAsync(folder.values());
}"""
STORED = f"async () => (await ({STORED_FILES})()).filter((file) => file.name.endsWith('.snapshot'))"
STORED_SNAPSHOTS = f"async () => Promise.all((await ({STORED})()).map(async (file) => (await file.getFile()).size))"


def python_start(learner: Learner) -> str:
    return learner.page.get_attribute(STATUS, "data-python-start")


def wait_for_snapshot(learner: Learner) -> None:
    """Until the page's worker has stored its snapshot of Python (one, of some megabytes)."""
    for _ in range(100):
        sizes = learner.page.evaluate(STORED_SNAPSHOTS)
        if len(sizes) == 1 and sizes[0] > 1_000_000:
            return
        learner.page.wait_for_timeout(200)
    raise AssertionError(f"no snapshot of Python was stored: {sizes}")


def verdicts(learner: Learner) -> dict[str, dict]:
    """Each browser scenario's results, as the page shows them."""
    found = {}
    for scenario in BROWSER_SCENARIOS:
        learner.upload(scenario / "submission.py")
        found[scenario.name] = learner.run_tests()
    return found


def test_later_pages_resume_python_from_its_snapshot_with_the_same_verdicts(learner):
    learner.open_problem()
    assert python_start(learner) == "fresh"
    # Where versions of the kit before 2026-12 kept a snapshot: storing the new one frees it.
    learner.page.evaluate("async () => (await caches.open('python-snapshots')).put('/old', new Response('x'))")
    first = verdicts(learner)
    wait_for_snapshot(learner)
    for _ in range(50):
        if not learner.page.evaluate("caches.has('python-snapshots')"):
            break
        learner.page.wait_for_timeout(100)
    else:
        raise AssertionError("the snapshot kept by an earlier version of the kit is still in Cache Storage")
    learner.open_problem("smooth-labels")
    assert python_start(learner) == "snapshot"
    learner.open_problem()
    assert python_start(learner) == "snapshot"
    assert verdicts(learner) == first
    # A restarted worker resumes from the snapshot too.
    before = restarts(learner)
    learner.upload(BROWSER_FILES / "fatal_error.py")
    status, message = learner.run_tests()[LOOPING_TEST]
    assert status == "error" and "Python crashed" in message
    assert restarts(learner) == before + 1 and python_start(learner) == "snapshot"
    for problem in sorted(p for p in PROBLEMS.iterdir() if (p / "solution.py").is_file()):
        learner.open_problem(problem.name)
        assert python_start(learner) == "snapshot"
        learner.upload(problem / "solution.py")
        assert {s for s, _ in learner.run_tests().values()} == {"pass"}, problem.name


# Another tab of the site reading the snapshot (here: holding it open for reading) must not keep this
# page from reading it too.
HOLD_SNAPSHOT_OPEN = f"""async () => {{
  const holder = `onmessage = async () => {{
    const [file] = await (${{({STORED}).toString()}})();
    self.held = await file.createSyncAccessHandle({{ mode: "read-only" }});
    postMessage("held");
  }};`;
  const worker = new Worker(URL.createObjectURL(new Blob([holder], {{ type: "text/javascript" }})));
  worker.postMessage("hold");
  await new Promise((resolve, reject) => {{ worker.onmessage = resolve; worker.onerror = reject; }});
}}"""


def test_python_resumes_from_the_snapshot_while_another_tab_reads_it(learner):
    learner.open_problem()
    wait_for_snapshot(learner)
    other_tab = learner.context.new_page()
    other_tab.goto(learner.page.url)
    other_tab.evaluate(HOLD_SNAPSHOT_OPEN)
    learner.page.reload()
    learner.wait_ready()
    assert python_start(learner) == "snapshot"


def test_a_full_disk_leaves_no_half_snapshot_and_python_starts_as_usual(learner):
    session = learner.context.new_cdp_session(learner.page)
    origin = learner.base_url.rstrip("/")
    session.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": 5_000_000})  # a 20 MB snapshot
    maker_closed = []

    def snapshot_maker(worker) -> bool:  # the page's second worker
        if worker == learner.page.workers[0]:
            return False
        worker.on("close", lambda closed: maker_closed.append(closed))
        return True

    with learner.page.expect_event("worker", snapshot_maker, timeout=BOOT_TIMEOUT_MS):
        learner.open_problem()  # Python starts fresh, then a worker of its own makes the snapshot
    for _ in range(BOOT_TIMEOUT_MS // 100):
        if maker_closed:
            break
        learner.page.wait_for_timeout(100)
    assert maker_closed, "the snapshot maker did not end"
    assert learner.page.evaluate(f"async () => (await ({STORED_FILES})()).map((file) => file.name)") == []
    learner.page.reload()
    learner.wait_ready()
    assert python_start(learner) == "fresh"
    learner.upload(FOLDER / "solution.py")
    assert {s for s, _ in learner.run_tests().values()} == {"pass"}


# Ways a stored snapshot can be unusable: not a snapshot at all, one whose Pyodide build differs (its
# header is intact, so only Pyodide's own check refuses it), or one cut short.
SPOIL_SNAPSHOT = {
    "garbage": "() => new Uint8Array(4096).fill(7)",
    "another-build": "(bytes) => { bytes.fill(0, 16, 48); return bytes; }",
    "cut-short-by-whole-pages": "(bytes) => bytes.slice(0, bytes.length - 65536 * 8)",  # Pyodide would wait for ever
}


def test_a_snapshot_that_cannot_be_restored_is_replaced_by_a_fresh_start(learner):
    learner.open_problem()
    wait_for_snapshot(learner)
    for spoil in SPOIL_SNAPSHOT.values():
        learner.page.evaluate(f"""async (spoil) => {{
          const [file] = await ({STORED})();
          const bytes = new Uint8Array(await (await file.getFile()).arrayBuffer());
          const writable = await file.createWritable();
          await writable.write(eval(spoil)(bytes));
          await writable.close();
        }}""", spoil)
        learner.page.reload()
        learner.wait_ready()
        assert python_start(learner) == "fresh" and learner.errors == [], spoil
        wait_for_snapshot(learner)  # the spoilt one replaced by a good one
    learner.page.reload()
    learner.wait_ready()
    assert python_start(learner) == "snapshot"
    learner.upload(FOLDER / "solution.py")
    assert {s for s, _ in learner.run_tests().values()} == {"pass"}


# ---- The service worker: isolation without headers, offline, updates --------------------------------

def wait_for_offline_copy(learner: Learner) -> None:
    learner.page.wait_for_selector("html[data-offline=ready]", state="attached", timeout=60_000)


def count_loads(learner: Learner) -> list[str]:
    """The URL of each document the learner's page requests from now on (reloads included). Counted from
    the navigation requests, not the load events: a page that reloads itself before its own load event
    fires has no load event to count."""
    loads = []
    learner.page.on("request", lambda request: request.is_navigation_request()
                    and request.frame == learner.page.main_frame and loads.append(request.url))
    return loads


def test_without_headers_the_service_worker_isolates_and_the_site_runs_offline(headerless):
    site, server, learner = headerless
    loads = count_loads(learner)
    # The first page: the service worker takes control, the page reloads itself once, isolated.
    learner.open_problem()
    learner.page.wait_for_function("self.crossOriginIsolated", timeout=60_000)
    learner.wait_ready()
    wait_for_offline_copy(learner)
    assert len(loads) == 2, loads
    served = len(server.served)
    # The next pages are isolated at once, load once, and download nothing.
    learner.open_problem("smooth-labels")
    assert learner.page.evaluate("self.crossOriginIsolated") is True
    learner.open_problem()
    assert len(loads) == 4, loads
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
    site_caches = [name for name in learner.page.evaluate("caches.keys()") if name.startswith("exercise-kit-")]
    assert site_caches == [f"exercise-kit-{version}"]
    learner.wait_ready()
