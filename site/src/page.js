// The problem page: editor, runtime status, test results, drafts, hints. Bundled by esbuild.
// One Python serves every page of a visit: links between the site's pages swap the page in place
// (navigation.js), the running Python is handed the new problem, and each problem is a view of its own.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { EditorState, Compartment, Prec } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { oneDark } from "@codemirror/theme-one-dark";
import { mountConsole } from "./console.js";
import { callBlock, diffTable, faultMarks, faultsOf, frameList, markFaults, revealLine } from "./feedback.js";
import { hintsShown, isSolved, markSolved, progressText, rememberHints, showSolvedProblems } from "./progress.js";
import { Runtime, RuntimeFailure } from "./runtime.js";
import { isolateByReloading, registerServiceWorker } from "./offline.js";
import { navigateInPlace, withoutHash } from "./navigation.js";

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const configOf = (doc) => {
  const element = doc.getElementById("problem-config");
  return element && JSON.parse(element.textContent);
};
const STATUS_TEXT = { pass: "Passed", fail: "Failed", error: "Error" };
const UPLOAD_LIMIT = 1_000_000;

function block(tag, className, text) {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

function details(summary, content) {
  const element = document.createElement("details");
  element.append(block("summary", "", summary), content);
  return element;
}

// The text of an uploaded file, or why it cannot be a Python source.
async function pythonText(file) {
  if (file.size > UPLOAD_LIMIT) return { error: `${file.name} is ${Math.round(file.size / 1000)} kB; a solution is a small text file` };
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.includes(0)) return { error: `${file.name} looks like a binary file, not Python source: nothing was changed` };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { error: `${file.name} is not UTF-8 text: save it as UTF-8 and upload it again` };
  }
}

// ---- One Python for the visit -------------------------------------------------------------------

isolateByReloading();
const firstConfig = configOf(document);
let view = null; // the problem shown (mountProblem's), or null on the index
let everReady = false;
const runtime = new Runtime({
  downloadStallSeconds: firstConfig.stallSeconds,
  problem: new URL(firstConfig.bundleURL, location.href).href, // as boot.js hands it to the worker
  spawn: () => {
    const early = window.earlyWorker; // started by boot.js in <head>
    window.earlyWorker = null;
    return early ?? window.startWorker();
  },
  onStatus: (current) => {
    view?.showStatus(current);
    // The offline copy is fetched once Python is up, not in competition with it.
    if (current.state === "ready" && !everReady) {
      everReady = true;
      registerServiceWorker();
    }
  },
});

// Test runs, console lines and figure overlays take turns on the one worker.
let queue = Promise.resolve();
function exclusive(job) {
  const turn = queue.then(job);
  queue = turn.catch(() => {});
  return turn;
}

const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");

// ---- A problem ----------------------------------------------------------------------------------

/**
 * Wire the problem page now in the document; `pageURL` is its address. Returns the view, which the
 * page suspends when another page takes its place and may resume on Back or Forward.
 */
function mountProblem(config, pageURL) {
  const bundleURL = new URL(config.bundleURL, pageURL).href;
  runtime.useProblem(bundleURL);
  const draftKey = `draft:${config.id}`;
  let disposers = []; // what watches the world outside the page while it is shown
  const listen = (target, type, listener) => {
    target.addEventListener(type, listener);
    disposers.push(() => target.removeEventListener(type, listener));
  };

  // ---- Results ----------------------------------------------------------------------------------

  function resultRow(result) {
    const test = config.tests.find((t) => t.id === result.id) || { visibility: "hidden" };
    const row = document.createElement("li");
    row.className = `result result-${result.status}`;
    row.dataset.testid = "test-result";
    row.dataset.name = result.name;
    row.dataset.status = result.status;
    const head = document.createElement("div");
    head.className = "result-head";
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = STATUS_TEXT[result.status];
    const name = document.createElement("span");
    name.className = "result-name";
    name.textContent = result.name;
    const kind = document.createElement("span");
    kind.className = "result-kind";
    kind.textContent = test.visibility === "example" ? "example" : "hidden test";
    head.append(badge, name, kind);
    row.append(head);
    if (result.message) row.append(block("p", "result-message", result.message));
    if (result.frames?.length) row.append(frameList(result.frames, goToLine));
    if (result.comparison) row.append(diffTable(result.comparison));
    if (result.call) row.append(callBlock(result.call, tryInConsole));
    if (result.output) row.append(details("Printed output", block("pre", "output", result.output)));
    if (test.code) row.append(details("Show the test's code", block("pre", "test-code", test.code)));
    return row;
  }

  // A submission that could not be loaded gets one row saying why, not a "not run" row per test.
  function loadFaultRow(report) {
    const row = resultRow({ id: "", name: "Your code could not be loaded", status: "error", message: report.message, output: "" });
    row.querySelector(".result-kind").remove();
    const fault = report.fault ?? {};
    const frames = fault.frames?.length ? fault.frames : fault.line ? [{ line: fault.line, function: "<module>" }] : [];
    if (frames.length) row.append(frameList(frames, goToLine));
    return row;
  }

  function showReport(report) {
    results.replaceChildren(...(report.fault ? [loadFaultRow(report)] : inProblemOrder(report).map(resultRow)));
    markFaults(editor, faultsOf(report));
    const solved = report.status === "pass";
    const summary = $("summary");
    summary.dataset.passed = String(report.passed);
    summary.dataset.status = report.status;
    const graded = report.tests.length;
    summary.textContent = solved
      ? `Solved! All ${graded} hidden tests passed.`
      : report.status === "error"
        ? `Your code could not be loaded: ${report.message}`
        : `${report.passed} of ${graded} hidden tests passed.`;
    $("load-output").hidden = !report.output;
    $("load-output").querySelector("pre").textContent = report.output || "";
    if (solved) markSolved(config.id);
    showProgress();
  }

  function showProgress() {
    const solved = isSolved(config.id);
    $("solved").hidden = !solved;
    $("solved-panel").hidden = !solved;
    $("track-progress").textContent = `${progressText(config.track.problems)} in ${config.track.title}`;
  }

  // The report lists hidden tests and examples apart; the page shows them in the problem's order.
  function inProblemOrder(report) {
    const byId = new Map([...report.tests, ...report.examples].map((t) => [t.id, t]));
    return config.tests.map((t) => byId.get(t.id)).filter(Boolean);
  }

  // ---- Wiring -----------------------------------------------------------------------------------

  const status = $("runtime-status");
  const runButton = $("run-tests");
  const results = document.getElementById("results");

  let pythonReady;
  const whenPythonReady = new Promise((resolve) => (pythonReady = resolve));

  function showStatus({ state, text, fraction, restarts, start }) {
    if (state === "ready") pythonReady();
    status.dataset.state = state;
    status.dataset.restarts = String(restarts);
    if (start) status.dataset.pythonStart = start;
    status.querySelector(".status-text").textContent = text;
    status.querySelector("progress").hidden = fraction === null;
    if (fraction !== null) status.querySelector("progress").value = fraction;
    $("retry").hidden = state !== "error";
    runButton.disabled = state === "running";
  }

  $("retry").addEventListener("click", () => runtime.retry());

  const theme = new Compartment();
  let saveTimer;
  const editor = new EditorView({
    parent: document.getElementById("editor"),
    state: EditorState.create({
      doc: localStorage.getItem(draftKey) ?? config.stub,
      extensions: [
        basicSetup,
        python(),
        // Triple quotes are not auto-closed: typing `"""doc"""` must give exactly that.
        Prec.highest(EditorState.languageData.of(() => [{ closeBrackets: { brackets: ["(", "[", "{", "'", '"'] } }])),
        indentUnit.of("    "),
        EditorView.lineWrapping,
        faultMarks,
        Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (runTests(), true) }])),
        keymap.of([indentWithTab]),
        theme.of(darkScheme.matches ? oneDark : []),
        EditorView.contentAttributes.of({ "aria-label": "Your solution (Python)", "data-testid": "editor" }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          clearTimeout(saveTimer);
          saveTimer = setTimeout(saveDraft, 300);
        }),
      ],
    }),
  });

  function source() {
    return editor.state.doc.toString();
  }

  function saveDraft() {
    clearTimeout(saveTimer);
    saveTimer = null;
    localStorage.setItem(draftKey, source());
    $("draft-state").textContent = "Draft saved";
  }

  // A reload, a closed tab, a phone switching apps or another page must not lose the last keystrokes.
  const flushDraft = () => saveTimer && saveDraft();

  // Two tabs of one problem would overwrite each other's draft: say so in both.
  function watchOtherTabs() {
    const warn = () => ($("other-tab").hidden = false);
    listen(window, "storage", (event) => event.key === draftKey && warn());
    if (!("BroadcastChannel" in self)) return;
    const channel = new BroadcastChannel(`exercise-kit:${config.id}`);
    channel.onmessage = ({ data }) => {
      warn();
      if (data === "opened") channel.postMessage("here");
    };
    channel.postMessage("opened");
    disposers.push(() => channel.close());
  }

  function watch() {
    listen(darkScheme, "change", (e) => editor.dispatch({ effects: theme.reconfigure(e.matches ? oneDark : []) }));
    watchOtherTabs();
  }
  watch();

  function setSource(text) {
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
    saveDraft();
  }

  async function runTests() {
    if (status.dataset.state === "running") return;
    saveDraft();
    results.replaceChildren();
    $("summary").removeAttribute("data-passed");
    $("summary").textContent = "Running…";
    try {
      // Awaited directly, not through exclusive(): the report must be on the page in the same turn as
      // the state turns ready. Nothing else runs now (the button is disabled while a job runs).
      const grading = runtime.grade(source(), (result) => results.append(resultRow(result)));
      queue = grading.catch(() => {});
      const report = await grading;
      showReport(report);
    } catch (error) {
      // Python itself failed: no verdict on the learner's code.
      if (!(error instanceof RuntimeFailure)) throw error;
      $("summary").textContent = `Your code was not graded: ${error.message}. Press “Run tests” to try again.`;
    }
  }

  runButton.addEventListener("click", runTests);

  $("reset").addEventListener("click", () => {
    if (source() === config.stub || confirm("Replace your code with the starting stub?")) setSource(config.stub);
  });

  $("upload").addEventListener("change", async (event) => {
    const input = event.target;
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    input.dataset.busy = "true"; // until the file is read and applied, refused or declined
    const { text, error } = await pythonText(file);
    const message = $("upload-message");
    message.hidden = !error;
    message.textContent = error ?? "";
    const changed = source() !== config.stub && source() !== text;
    if (!error && (!changed || confirm(`Replace your code with ${file.name}?`))) setSource(text);
    delete input.dataset.busy;
  });

  $("download").addEventListener("click", () => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([source()], { type: "text/x-python" }));
    link.download = `${config.entry}.py`;
    link.click();
    URL.revokeObjectURL(link.href);
  });

  const hints = [...document.querySelectorAll(".hint")];
  const hintButton = $("next-hint");
  function updateHintButton() {
    const shown = hints.filter((h) => !h.hidden).length;
    hintButton.hidden = shown === hints.length;
    hintButton.textContent = `Show hint ${shown + 1} of ${hints.length}`;
  }
  hintButton?.addEventListener("click", () => {
    const next = hints.find((h) => h.hidden);
    next.hidden = false;
    next.focus();
    rememberHints(config.id, hints.filter((h) => !h.hidden).length);
    updateHintButton();
  });
  hints.slice(0, hintsShown(config.id)).forEach((hint) => (hint.hidden = false));
  if (hintButton) updateHintButton();

  showProgress();

  function goToLine(line) {
    revealLine(editor, line);
  }

  const tryInConsole = mountConsole({
    form: $("console-form"),
    input: $("console-input"),
    log: $("console-log"),
    evaluate: (code) => exclusive(() => runtime.evaluate(source(), code)),
    goToLine,
  });

  // The statement's live figure, if the problem has one: it draws before Python loads, and calls the
  // learner's function through the console's path once Python is ready.
  const figure = document.querySelector("[data-figure]");
  if (figure && config.figureURL) {
    import(new URL(config.figureURL, pageURL).href).then(({ default: mount }) =>
      mount(figure, { ready: whenPythonReady, evaluate: (code) => exclusive(() => runtime.evaluate(source(), code)) }));
  }

  showStatus(runtime.status());
  return {
    showStatus,
    flushDraft,
    runTests,
    suspend() {
      flushDraft();
      disposers.forEach((dispose) => dispose());
      disposers = [];
    },
    resume() {
      runtime.useProblem(bundleURL);
      watch();
      editor.dispatch({ effects: theme.reconfigure(darkScheme.matches ? oneDark : []) });
      // Edited since in another page or tab: the draft saved last is the one kept.
      const draft = localStorage.getItem(draftKey);
      if (draft !== null && draft !== source()) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: draft } });
      showStatus(runtime.status());
    },
    destroy() {
      editor.destroy();
    },
  };
}

// ---- The page around the problem ----------------------------------------------------------------

addEventListener("pagehide", () => view?.flushDraft());
document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && view?.flushDraft());
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented && view) {
    event.preventDefault();
    view.runTests();
  }
});

// Problem pages left, as they were (editor, results, console), for Back and Forward: the most recent few.
const kept = new Map(); // URL without its #fragment -> {title, config, main, view}
const KEPT_PAGES = 8;
let shownURL = withoutHash(location.href); // location has moved on already when Back is pressed

function show({ title, config, main }, url) {
  shownURL = withoutHash(url);
  document.title = title;
  // Kept on the index: a worker started there boots with the last problem.
  if (config) document.getElementById("problem-config").replaceWith(config);
  document.getElementById("main").replaceWith(main);
  main.tabIndex = -1; // where a screen reader goes on, as after a page load
  main.focus({ preventScroll: true });
  document.documentElement.dataset.navigation = "in-place";
}

function leave() {
  if (!view) return;
  view.suspend();
  kept.get(shownURL)?.view.destroy();
  kept.delete(shownURL);
  kept.set(shownURL, { title: document.title, config: document.getElementById("problem-config"), main: document.getElementById("main"), view });
  if (kept.size > KEPT_PAGES) {
    const [oldest, page] = kept.entries().next().value;
    page.view.destroy();
    kept.delete(oldest);
  }
  view = null;
}

function swapPage(next, url) {
  leave();
  const config = next.getElementById("problem-config");
  const main = document.importNode(next.getElementById("main"), true);
  // Scripts that come with a page do not run when it is swapped in: the typesetting of its formulas
  // is started again; the index's own script is showSolvedProblems, here.
  for (const script of main.querySelectorAll("script")) {
    if (script.type === "module") script.remove();
    else script.replaceWith(Object.assign(document.createElement("script"), { src: script.src }));
  }
  show({ title: next.title, config: config && document.importNode(config, true), main }, url);
  if (config) view = mountProblem(configOf(next), url);
  else showSolvedProblems();
  return true;
}

function restorePage(url) {
  const page = kept.get(withoutHash(url));
  if (!page) return false;
  kept.delete(withoutHash(url));
  leave();
  show(page, url);
  view = page.view;
  view.resume();
  return true;
}

navigateInPlace({
  root: new URL(".", new URL(document.querySelector('meta[name="service-worker"]').content, location.href)).href,
  canSwap: () => runtime.status().state !== "running",
  swap: swapPage,
  restore: restorePage,
});
view = mountProblem(firstConfig, location.href);
