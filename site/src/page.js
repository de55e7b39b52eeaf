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

const config = JSON.parse(document.getElementById("problem-config").textContent);
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const draftKey = `draft:${config.id}`;
// Past the time limit, a run is first interrupted (KeyboardInterrupt inside Python); if it does not
// stop within this grace, the worker is terminated and replaced.
const INTERRUPT_GRACE_MS = 1500;

// ---- Runtime: one worker at a time, replaced when it hangs or dies --------------------------------

class Runtime {
  constructor(onState) {
    this.onState = onState;
    this.pending = null;
    this.queue = Promise.resolve(); // runs and console evaluations take turns on the one worker
    this.start();
  }

  exclusive(job) {
    const turn = this.queue.then(job);
    this.queue = turn.catch(() => {});
    return turn;
  }

  start() {
    this.ready = false;
    const runtime = window.earlyRuntime ?? window.startRuntime(); // see boot.js
    window.earlyRuntime = null;
    this.worker = runtime.worker;
    this.interrupt = runtime.interrupt;
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (event) => this.fail(event.message || "the worker could not start");
    this.onState("loading", "Starting Python…", 0);
    runtime.missed.forEach((message) => this.receive(message));
  }

  receive(message) {
    const run = this.pending;
    if (message.type === "progress") {
      this.onState("loading", `${message.stage}…`, message.step / message.steps);
    } else if (message.type === "ready") {
      this.ready = true;
      this.onState("ready", `Python ${message.python} ready`, 1);
      if (run && run.waiting) this.send(run);
    } else if (message.type === "fatal") {
      this.fail(message.message);
    } else if (run && message.runId === run.runId) {
      if (message.type === "start") {
        run.current = message.data;
        this.armTimer(run, message.data);
      }
      if (message.type === "done") {
        clearTimeout(run.timer);
        run.current = null;
        run.results.set(message.data.id, message.data);
        run.onResult(message.data);
      }
      if (message.type === "report") this.finish(run, message.report);
      if (message.type === "evaluated") this.settle(run, message.answer);
    }
  }

  run(source, tests, onResult) {
    return this.exclusive(() => new Promise((resolve) => {
      const run = { runId: crypto.randomUUID(), source, tests, results: new Map(), onResult, resolve };
      this.pending = run;
      this.onState("running", "Running tests…", 1);
      this.send(run);
    }));
  }

  // Runs `code` against `source` for the console or a figure; resolves to {output, result, error}.
  evaluate(source, code) {
    return this.exclusive(() => new Promise((resolve) => {
      const run = { runId: crypto.randomUUID(), source, code, resolve };
      this.pending = run;
      this.onState("running", "Running your code…", 1);
      this.send(run);
    }));
  }

  send(run) {
    run.waiting = !this.ready;
    if (run.waiting) return;
    if (run.code !== undefined) {
      this.worker.postMessage({ type: "evaluate", runId: run.runId, source: run.source, code: run.code });
      return;
    }
    const remaining = run.tests.filter((t) => !run.results.has(t.id)).map((t) => t.id);
    this.worker.postMessage({ type: "run", runId: run.runId, source: run.source, only: remaining });
  }

  armTimer(run, test) {
    const overdue = `did not finish within the time limit of ${test.time_limit} s; Python was restarted`;
    run.timer = setTimeout(() => {
      if (this.interrupt) {
        Atomics.store(this.interrupt, 0, 2); // SIGINT: Python raises KeyboardInterrupt
        run.timer = setTimeout(() => this.replaceWorker(overdue), INTERRUPT_GRACE_MS);
      } else {
        this.replaceWorker(overdue);
      }
    }, test.time_limit * 1000 + 100);
  }

  // A hung or crashed worker is replaced. The test it was running ends as an error and the
  // remaining tests run on the new worker; a crash outside any test ends the whole run.
  replaceWorker(reason) {
    const run = this.pending;
    this.worker.terminate();
    this.start();
    if (!run) return;
    clearTimeout(run.timer);
    if (run.code !== undefined) {
      this.settle(run, { output: "", result: null, error: { message: reason, frames: [] } });
      return;
    }
    const test = run.current;
    run.current = null;
    if (!test) {
      this.finish(run, { status: "error", message: reason, output: "", tests: [] });
      return;
    }
    const result = {
      id: test.id, name: test.name, status: "error", output: "", duration_ms: 0,
      visibility: config.tests.find((t) => t.id === test.id)?.visibility, message: reason,
    };
    run.results.set(test.id, result);
    run.onResult(result);
    this.send(run);
  }

  finish(run, report) {
    this.pending = null;
    if (this.ready) this.onState("ready", "Ready", 1);
    // Tests run before a restart are merged with the rest, in the problem's order.
    report.tests = run.tests.map((t) => run.results.get(t.id)).filter(Boolean);
    const graded = report.tests.filter((t) => t.visibility !== "example");
    if (report.status === "pass" && graded.some((t) => t.status !== "pass")) report.status = "fail";
    run.resolve(report);
  }

  settle(run, answer) {
    clearTimeout(run.timer);
    this.pending = null;
    if (this.ready) this.onState("ready", "Ready", 1);
    run.resolve(answer);
  }

  fail(message) {
    this.replaceWorker(`Python crashed (${message}) and was restarted`);
    this.onState("error", `Python crashed and was restarted: ${message}`, 0);
  }
}

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
  const graded = report.tests.filter((t) => t.visibility !== "example");
  const passed = graded.filter((t) => t.status === "pass").length;
  results.replaceChildren(...(report.fault ? [loadFaultRow(report)] : report.tests.map(resultRow)));
  markFaults(editor, faultsOf(report));
  const summary = $("summary");
  summary.dataset.passed = String(passed);
  summary.dataset.status = report.status;
  const solved = report.status === "pass";
  summary.textContent = solved
    ? `Solved! All ${graded.length} hidden tests passed.`
    : report.status === "error"
      ? `Your code could not be loaded: ${report.message}`
      : `${passed} of ${graded.length} hidden tests passed.`;
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

// ---- Page wiring ---------------------------------------------------------------------------------

const status = $("runtime-status");
const runButton = $("run-tests");
const results = document.getElementById("results");

let pythonReady;
const whenPythonReady = new Promise((resolve) => (pythonReady = resolve));

function setState(state, text, fraction) {
  if (state === "ready") pythonReady();
  status.dataset.state = state;
  status.querySelector(".status-text").textContent = text;
  status.querySelector("progress").value = fraction;
  status.querySelector("progress").hidden = state !== "loading";
  runButton.disabled = state === "running";
}

const runtime = new Runtime(setState);

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
  localStorage.setItem(draftKey, source());
  $("draft-state").textContent = "Draft saved";
}

function setSource(text) {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
  saveDraft();
}

async function runTests() {
  if (status.dataset.state === "running") return;
  clearTimeout(saveTimer);
  saveDraft();
  results.replaceChildren();
  $("summary").textContent = "Running…";
  const report = await runtime.run(source(), config.tests, (result) => results.append(resultRow(result)));
  showReport(report);
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
  evaluate: (code) => runtime.evaluate(source(), code),
  goToLine,
});

// The statement's live figure, if the problem has one: it draws before Python loads, and calls the
// learner's function through the console's path once Python is ready.
const figure = document.querySelector("[data-figure]");
if (figure && config.figureURL) {
  import(config.figureURL).then(({ default: mount }) =>
    mount(figure, { ready: whenPythonReady, evaluate: (code) => runtime.evaluate(source(), code) }));
}
