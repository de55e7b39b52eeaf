// The problem page: editor, runtime status, test results, drafts, hints. Bundled by esbuild.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { EditorState, Compartment, Prec } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { oneDark } from "@codemirror/theme-one-dark";
import { mountConsole } from "./console.js";
import { callBlock, diffTable, faultMarks, faultsOf, frameList, markFaults, revealLine } from "./feedback.js";
import { hintsShown, isSolved, markSolved, progressText, rememberHints } from "./progress.js";
import { Runtime, RuntimeFailure } from "./runtime.js";
import { isolateByReloading, registerServiceWorker } from "./offline.js";

const config = JSON.parse(document.getElementById("problem-config").textContent);
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const draftKey = `draft:${config.id}`;
// ---- Results ------------------------------------------------------------------------------------

const STATUS_TEXT = { pass: "Passed", fail: "Failed", error: "Error" };

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

// ---- Page wiring ---------------------------------------------------------------------------------

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

isolateByReloading();
let everReady = false;
const runtime = new Runtime({
  downloadStallSeconds: config.stallSeconds,
  spawn: () => {
    const early = window.earlyWorker; // started by boot.js in <head>
    window.earlyWorker = null;
    return early ?? window.startWorker();
  },
  onStatus: (current) => {
    showStatus(current);
    // The offline copy is fetched once Python is up, not in competition with it.
    if (current.state === "ready" && !everReady) {
      everReady = true;
      registerServiceWorker();
    }
  },
});
$("retry").addEventListener("click", () => runtime.retry());

// Test runs, console lines and figure overlays take turns on the one worker.
let queue = Promise.resolve();
function exclusive(job) {
  const turn = queue.then(job);
  queue = turn.catch(() => {});
  return turn;
}

const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");
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
darkScheme.addEventListener("change", (e) => editor.dispatch({ effects: theme.reconfigure(e.matches ? oneDark : []) }));

function source() {
  return editor.state.doc.toString();
}

function saveDraft() {
  clearTimeout(saveTimer);
  saveTimer = null;
  localStorage.setItem(draftKey, source());
  $("draft-state").textContent = "Draft saved";
}

// A reload, a closed tab or a phone switching apps must not lose the last keystrokes to the timer.
addEventListener("pagehide", () => saveTimer && saveDraft());
document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && saveTimer && saveDraft());

// Two tabs of one problem would overwrite each other's draft: say so in both.
function watchOtherTabs() {
  const warn = () => ($("other-tab").hidden = false);
  addEventListener("storage", (event) => event.key === draftKey && warn());
  if (!("BroadcastChannel" in self)) return;
  const channel = new BroadcastChannel(`exercise-kit:${config.id}`);
  channel.onmessage = ({ data }) => {
    warn();
    if (data === "opened") channel.postMessage("here");
  };
  channel.postMessage("opened");
}
watchOtherTabs();

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
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
    event.preventDefault();
    runTests();
  }
});

$("reset").addEventListener("click", () => {
  if (source() === config.stub || confirm("Replace your code with the starting stub?")) setSource(config.stub);
});

const UPLOAD_LIMIT = 1_000_000;

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
  import(config.figureURL).then(({ default: mount }) =>
    mount(figure, { ready: whenPythonReady, evaluate: (code) => exclusive(() => runtime.evaluate(source(), code)) }));
}
