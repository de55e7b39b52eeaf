"""Benchmark of the problem page against a bare Pyodide page: `make bench-site`. Prints figures.

Measured in one run, from the same files on the same server, in headless Chromium:
- navigation to "ready" with a cold cache (a fresh browser context each time) and a warm one;
- bytes transferred until ready;
- click on "Run tests" to all results shown (the reference solution, warm).
The bare page only boots Pyodide + NumPy in a worker. Goals: ready within 1.15x of the bare page,
click-to-results under 150 ms warm.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from harness.publish.serve import make_server  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BARE_PAGE = """<!doctype html><meta charset="utf-8"><title>bare</title>
<script type="module">
const worker = new Worker("bare-worker.js", { type: "module" });
worker.onmessage = () => { window.__readyAt = performance.now(); document.title = "ready"; };
</script>"""
BARE_WORKER = """import { loadPyodide } from "../pyodide/pyodide.mjs";
const pyodide = await loadPyodide({ indexURL: new URL("../pyodide/", location.href).href });
await pyodide.loadPackage(["numpy"], { messageCallback: () => {} });
pyodide.runPython("import numpy");
postMessage("ready");"""
# Marks the moment the kit's page reports ready, on the page's own clock.
READY_PROBE = """new MutationObserver((_, observer) => {
  const status = document.querySelector('[data-testid="runtime-status"]');
  if (status && status.dataset.state === "ready") { window.__readyAt = performance.now(); observer.disconnect(); }
}).observe(document, { subtree: true, attributes: true, childList: true });"""
CLICK_TO_RESULTS = """async () => {
  const summary = document.querySelector('[data-testid="summary"]');
  summary.removeAttribute("data-passed");
  const done = new Promise((resolve) => new MutationObserver((_, observer) => {
    if (summary.hasAttribute("data-passed")) { observer.disconnect(); resolve(performance.now()); }
  }).observe(summary, { attributes: true }));
  const start = performance.now();
  document.querySelector('[data-testid="run-tests"]').click();
  return (await done) - start;
}"""


def open_until_ready(context, url: str) -> tuple[float, int]:
    """Navigate; return (ms from navigation start to ready, bytes received)."""
    received = []
    context.on("requestfinished", lambda request: received.append(request.sizes()["responseBodySize"]))
    page = context.new_page()
    page.add_init_script(READY_PROBE)
    page.goto(url)
    page.wait_for_function("window.__readyAt !== undefined", timeout=120_000)
    return page.evaluate("window.__readyAt"), sum(received)


def measure(browser, urls: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Cold and warm times to ready, and bytes, for each page; samples alternate between the pages
    so that drift in the machine's speed falls on both alike."""
    samples = {name: {"cold": [], "warm": [], "bytes": []} for name in urls}
    warm_contexts = {}
    for name, url in urls.items():
        warm_contexts[name] = browser.new_context()
        open_until_ready(warm_contexts[name], url)  # fills that context's cache
    for _ in range(runs):
        for name, url in urls.items():
            context = browser.new_context()
            ms, received = open_until_ready(context, url)
            samples[name]["cold"].append(ms)
            samples[name]["bytes"].append(received)
            context.close()
            page = warm_contexts[name].new_page()
            page.add_init_script(READY_PROBE)
            page.goto(url)
            page.wait_for_function("window.__readyAt !== undefined", timeout=120_000)
            samples[name]["warm"].append(page.evaluate("window.__readyAt"))
            page.close()
    for context in warm_contexts.values():
        context.close()
    return {name: {k: statistics.median(v) for k, v in figures.items()} for name, figures in samples.items()}


def click_to_results(browser, url: str, solution: Path, runs: int) -> float:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(READY_PROBE)
    page.goto(url)
    page.wait_for_function("window.__readyAt !== undefined", timeout=120_000)
    page.set_input_files('[data-testid="upload"]', str(solution))
    page.evaluate(CLICK_TO_RESULTS)  # the first run imports what the tests need
    times = [page.evaluate(CLICK_TO_RESULTS) for _ in range(runs)]
    passed = page.get_attribute('[data-testid="summary"]', "data-passed")
    context.close()
    if passed != "5":
        raise SystemExit(f"bench-site: the reference solution did not pass ({passed} passed)")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark the problem page against a bare Pyodide page.")
    parser.add_argument("--site", type=Path, default=ROOT / "_site")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    bench = args.site / "bench"
    bench.mkdir(exist_ok=True)
    (bench / "bare.html").write_text(BARE_PAGE)
    (bench / "bare-worker.js").write_text(BARE_WORKER)
    server = make_server(args.site, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = measure(browser, {"bare": base + "bench/bare.html", "kit": base + "label-smoothing/index.html"}, args.runs)
            bare, kit = pages["bare"], pages["kit"]
            click = click_to_results(
                browser, base + "label-smoothing/index.html",
                ROOT / "problems" / "label-smoothing" / "solution.py", args.runs,
            )
            browser.close()
    finally:
        server.shutdown()
        for name in ("bare.html", "bare-worker.js"):
            (bench / name).unlink()
        bench.rmdir()
    print(f"bench-site: median of {args.runs} runs, headless Chromium, served from 127.0.0.1")
    print(f"{'metric':34} {'problem page':>14} {'bare Pyodide':>14} {'ratio':>7}")
    for key, label, unit in (("cold", "navigation to ready, cold cache", "ms"),
                             ("warm", "navigation to ready, warm cache", "ms"),
                             ("bytes", "bytes transferred until ready", "B")):
        print(f"{label:34} {kit[key]:>11.0f} {unit:2} {bare[key]:>11.0f} {unit:2} {kit[key] / bare[key]:>6.3f}x")
    print(f"{'click to all results, warm':34} {click:>11.1f} ms {'':>14} {'':>7}")
    print(f"goals: ready within 1.15x of bare (cold {kit['cold'] / bare['cold']:.3f}x, "
          f"warm {kit['warm'] / bare['warm']:.3f}x); click-to-results under 150 ms ({click:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
