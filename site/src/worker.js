// Runs Pyodide and the harness off the page's thread. Learner code lives here, never on the page.
// Its lifecycle (timers, interrupt, restarts, retries) is site/src/runtime.js's, on the page.
//
// Python starts as soon as this script runs: the build writes in front of it
//   const PYTHON = {indexURL, packages, snapshotKey, stallSeconds};   URLs relative to this script
// (harness/publish/build.py's write_worker), the same for every page of the site.
// page -> worker  {type: "init", bundleURL, interrupt?: Int32Array(2) on a SharedArrayBuffer: [flag, step boundaries]}
//                 {type: "grade", runId, problem, source, prior}   prior: results and faults from before a restart
//                 {type: "evaluate", runId, problem, source, code} the "Try it" console, never graded
//                 {type: "problem", bundleURL}            another problem: the page navigated in place
// Problems are installed one after the other, in the order asked, and a job names the problem (its
// bundle URL) the page shows: it runs only once the worker holds that problem, never with another's tests.
// A worker named SNAPSHOT_MAKER, which this worker starts, makes the snapshot of Python, then closes.
// worker -> page  {type: "progress", text, fraction}
//                 {type: "ready", python, problem: bundleURL, start: "snapshot" | "fresh" | "kept"}
//                 {type: "start" | "done", runId, data, step?}   a timed step starting (the count of
//                                                          step boundaries, isolated) / a test's result
//                 {type: "finished", runId, result}       the whole report, or {output, result, error}
//                 {type: "fatal", message}                Python could not start, or is unusable now

let pyodide;
let browser;
let interrupt;
let starting; // Python starting: resolves with how ("snapshot" or "fresh")
let booted;
let held; // the bundle URL of the problem Python holds
let installing = Promise.resolve(); // the problems asked for so far, installed in that order

// A download that receives nothing for this long is abandoned, and named in the message (the site's
// `build --stall-timeout`).
const stallMs = PYTHON.stallSeconds * 1000;
const PROGRESS_EVERY_MS = 250;
const MB = 1024 * 1024;

class DownloadError extends Error {}

const fileName = (url) => decodeURIComponent(new URL(url, self.location.href).pathname.split("/").pop());

// ---- Downloads: early, watched, and named when they fail ---------------------------------------

const realFetch = self.fetch.bind(self);
const early = new Map(); // url -> a response promise started before Pyodide asked for it
const downloads = { received: 0, expected: 0, stage: "", fraction: 0, last: 0 };

function report(force = false) {
  const now = performance.now();
  if (!force && now - downloads.last < PROGRESS_EVERY_MS) return;
  downloads.last = now;
  const { stage, received, expected } = downloads;
  const downloading = expected && !downloads.fraction;
  const text = !downloading ? stage
    : received < expected ? `${stage} (${(received / MB).toFixed(1)} of ${(expected / MB).toFixed(1)} MB)`
      : "Starting Python";
  const fraction = downloads.fraction || (expected ? 0.9 * received / expected : 0);
  postMessage({ type: "progress", text: `${text}…`, fraction });
}

function stage(text, fraction) {
  Object.assign(downloads, { stage: text, fraction });
  report(true);
}

// Any failure is also posted straight away: Pyodide swallows some (a failed wasm fetch leaves
// loadPyodide pending forever, a failed wheel only logs), and the page must not wait for it.
function failed(url, why) {
  const error = new DownloadError(`could not download ${fileName(url)} (${why})`);
  postMessage({ type: "fatal", message: error.message });
  return error;
}

async function watchedFetch(input, init = {}) {
  const url = new URL(input instanceof Request ? input.url : String(input), self.location.href).href;
  if (early.has(url)) {
    const response = early.get(url);
    early.delete(url);
    return response;
  }
  // `integrity` is checked here instead: the browser would check it only once the whole body is in,
  // and until then give no progress and no way to tell a slow download from a stalled one.
  const { integrity, ...rest } = init;
  const controller = new AbortController();
  let stalled;
  const watch = () => {
    clearTimeout(stalled?.id);
    stalled = afterSilence(stallMs, () => controller.abort());
  };
  const why = (what) => (controller.signal.aborted ? `no data for ${stallMs / 1000} s` : what);
  watch();
  let response;
  try {
    response = await realFetch(url, { ...rest, signal: controller.signal });
  } catch {
    clearTimeout(stalled?.id);
    throw failed(url, why("network error"));
  }
  if (!response.ok) {
    clearTimeout(stalled?.id);
    throw failed(url, `HTTP ${response.status}`);
  }
  const settled = () => clearTimeout(stalled?.id);
  if (!integrity) {
    // Pyodide gets the browser's own response (streaming compilation and the wasm code cache need
    // it); a copy of the body is read here to show progress and notice a stall.
    watchBody(url, response.clone(), watch, why).catch(() => {}).finally(settled); // failed() says it
    return response;
  }
  // A file with a checksum (a wheel) is handed on only once it is in and checked: Pyodide installs
  // whatever it is given.
  try {
    const body = await watchBody(url, response, watch, why, { keep: true });
    if (!(await matches(body, integrity))) throw failed(url, "its checksum is wrong");
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  } finally {
    settled();
  }
}

// Calls `then` after `ms` in which this thread could have seen data and saw none. A timer that fires
// late means the thread was busy (compiling, starting Python, on a starved machine) while data may
// have been waiting behind it: the silence is measured again from now.
const BUSY_SLACK_MS = 250;
function afterSilence(ms, then) {
  const timer = {}; // {id}: the timer of the moment, for clearTimeout
  const arm = () => {
    const due = performance.now() + ms;
    timer.id = setTimeout(() => (performance.now() - due > BUSY_SLACK_MS ? arm() : then()), ms);
  };
  arm();
  return timer;
}

// Reads the body, counting it into the progress and re-arming the stall timer; resolves with it if
// asked to keep it.
async function watchBody(url, response, watch, why, { keep = false } = {}) {
  downloads.expected += Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw failed(url, why("the connection broke"));
    }
    if (chunk.done) break;
    watch();
    downloads.received += chunk.value.byteLength;
    if (keep) chunks.push(chunk.value);
    report();
  }
  report(true);
  return keep ? new Blob(chunks) : null;
}

async function matches(blob, integrity) {
  const [algorithm, expected] = integrity.split("-", 2);
  const digest = await crypto.subtle.digest(algorithm.replace("sha", "SHA-"), await blob.arrayBuffer());
  return btoa(String.fromCharCode(...new Uint8Array(digest))) === expected;
}
self.fetch = watchedFetch;

function prefetch(url, init) {
  const response = watchedFetch(url, init);
  response.catch(() => {}); // reported by failed(); whoever awaits it later sees the error too
  early.set(url, response);
}

// The packages' wheels start downloading as soon as the lock file names them, not once Python has
// started and asks for them; with the sha256 Pyodide would check, so that the check still happens.
function prefetchPackages(lock, packages, indexURL) {
  const names = new Set(packages.filter((name) => lock.packages[name]));
  names.forEach((name) => lock.packages[name].depends.forEach((dependency) => names.add(dependency)));
  for (const name of names) {
    const { file_name: file, sha256 } = lock.packages[name];
    const digest = String.fromCharCode(...sha256.match(/../g).map((byte) => parseInt(byte, 16)));
    prefetch(new URL(file, indexURL).href, { integrity: `sha256-${btoa(digest)}` });
  }
}

// ---- A memory snapshot of Python just started ---------------------------------------------------------
// Python's own start-up is done once per build and browser: once the first page's Python is ready, a
// worker of its own starts Python again and snapshots its memory before any package is loaded (a
// snapshot holding NumPy's compiled libraries could not be restored), into the origin's private file
// system under the build's runtime version; every later page, and every restarted worker, resumes from
// it. A snapshot that cannot be restored is deleted, and Python starts as usual.
// Why files and not Cache Storage: a worker reads a file into memory synchronously, in a few ms; the
// same 20 MB from Cache Storage took 150-300 ms, as long as the snapshot saves.

const SNAPSHOTS = "python-snapshots";
const snapshotName = (key) => `python-${key}.snapshot`;

async function snapshotFolder() {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(SNAPSHOTS, { create: true });
}

async function storedSnapshot(name) {
  let bytes;
  try {
    const file = await (await snapshotFolder()).getFileHandle(name);
    // Read-only: pages in other tabs may be reading it at the same moment.
    const access = await file.createSyncAccessHandle({ mode: "read-only" });
    try {
      bytes = new Uint8Array(access.getSize());
      access.read(bytes, { at: 0 });
    } finally {
      access.close();
    }
  } catch {
    return null; // none stored yet, or no private file system here (an insecure origin, some private modes)
  }
  const snapshot = whole(bytes);
  if (snapshot && wellFormed(snapshot)) return snapshot;
  await forgetSnapshot(name);
  return null;
}

// The file ends with a trailer of its own (a magic number, the snapshot's length): a file cut short,
// even by whole pages, is refused rather than handed to Pyodide, which would wait for ever.
const TRAILER_MAGIC = 0x6b69742e;

function whole(bytes) {
  if (bytes.byteLength < 8 || bytes.byteLength % 4) return null;
  const [magic, length] = new Uint32Array(bytes.buffer, bytes.byteLength - 8, 2);
  return magic === TRAILER_MAGIC && length === bytes.byteLength - 8 ? bytes.subarray(0, length) : null;
}

// Pyodide checks a snapshot's build, but sizes Python's memory from it unchecked, and a size that
// cannot be had leaves loadPyodide pending for ever. Its layout: a header of 32-bit words (a magic
// number, where the memory starts, ...), then whole 64 KiB pages of memory.
const SNAPSHOT_MAGIC = 1886286592;
const WASM_PAGE = 65536;

function wellFormed(bytes) {
  if (bytes.byteLength < 64 || bytes.byteLength % 4) return false;
  const [magic, memoryAt] = new Uint32Array(bytes.buffer, bytes.byteOffset, 2);
  const memory = bytes.byteLength - memoryAt;
  return magic === SNAPSHOT_MAGIC && memoryAt % 16 === 0 && memory > 0 && memory % WASM_PAGE === 0;
}

// Written aside, then renamed: a page never reads half a snapshot. Any other build's snapshot goes: one
// per origin is enough, and a new build never uses an old one. That is done before the rename, as this
// worker ends with the one that started it (a page replacing its worker): a snapshot stored means the
// rest is done.
async function storeSnapshot(name, bytes) {
  const partialName = `${name}.partial`;
  let folder;
  try {
    folder = await snapshotFolder();
    const partial = await folder.getFileHandle(partialName, { create: true });
    const access = await partial.createSyncAccessHandle();
    try {
      const trailer = new Uint32Array([TRAILER_MAGIC, bytes.byteLength]);
      access.truncate(0);
      if (access.write(bytes, { at: 0 }) + access.write(trailer, { at: bytes.byteLength }) !== bytes.byteLength + 8) {
        throw new Error("short write");
      }
      access.flush();
    } finally {
      access.close();
    }
    const others = [];
    for await (const other of folder.keys()) if (other !== partialName) others.push(other);
    await Promise.all(others.map((other) => folder.removeEntry(other).catch(() => {})));
    await self.caches?.delete(SNAPSHOTS).catch(() => {}); // where versions of the kit before 2026-12 kept it
    await partial.move(name);
  } catch {
    // A full disk or no such storage here: the next page starts Python as this one did, and no half
    // snapshot is left taking space (one another tab is writing is locked, and stays).
    await folder?.removeEntry(partialName).catch(() => {});
  }
}

async function forgetSnapshot(name) {
  try {
    await (await snapshotFolder()).removeEntry(name);
  } catch {
    // nothing stored, nothing to forget
  }
}

// Made in a worker of its own, which a worker whose Python started fresh starts once it is ready: the
// page never waits for it.
const SNAPSHOT_MAKER = "python-snapshot-maker";
// Where a worker cannot read and write such files (an insecure origin, an older browser), every page
// starts Python itself.
const SNAPSHOTS_POSSIBLE = Boolean(PYTHON.snapshotKey && self.navigator.storage?.getDirectory
  && self.FileSystemFileHandle?.prototype.createSyncAccessHandle && self.FileSystemFileHandle.prototype.move);
function snapshotInTheBackground() {
  new Worker(self.location.href, { type: "module", name: SNAPSHOT_MAKER });
}

async function makeSnapshot() {
  try {
    const { loadPyodide } = await import(`${INDEX_URL}pyodide.mjs`);
    const python = await loadPyodide({ indexURL: INDEX_URL, _makeSnapshot: true });
    await storeSnapshot(snapshotName(PYTHON.snapshotKey), python.makeMemorySnapshot());
  } finally {
    self.close();
  }
}

// ---- Boot -------------------------------------------------------------------------------------------

const INDEX_URL = new URL(PYTHON.indexURL, self.location.href).href;

async function startPython() {
  const packages = PYTHON.packages.map((p) => (p.endsWith(".whl") ? new URL(p, self.location.href).href : p));
  stage("Downloading Python", 0);
  // The big files start now, not after pyodide.mjs has been imported and has read its lock file.
  ["pyodide.asm.wasm", "python_stdlib.zip"].forEach((name) => prefetch(INDEX_URL + name));
  const lock = watchedFetch(`${INDEX_URL}pyodide-lock.json`).then((r) => r.json());
  lock.then((contents) => prefetchPackages(contents, packages, INDEX_URL), () => {});
  const snapshotAt = snapshotName(PYTHON.snapshotKey);
  const snapshot = storedSnapshot(snapshotAt);
  let loadPyodide;
  try {
    ({ loadPyodide } = await import(`${INDEX_URL}pyodide.mjs`));
  } catch (error) {
    throw failed(`${INDEX_URL}pyodide.mjs`, error.message);
  }
  // The lock file is read once, here; packages given to loadPyodide download alongside the core.
  const options = { indexURL: INDEX_URL, packageBaseUrl: INDEX_URL, lockFileContents: lock, packages };
  const restored = await snapshot;
  let start = "fresh";
  if (restored) {
    try {
      pyodide = await loadPyodide({ ...options, _loadSnapshot: restored });
      start = "snapshot";
    } catch (error) {
      if (error instanceof DownloadError) throw error;
      await forgetSnapshot(snapshotAt);
    }
  }
  pyodide ??= await loadPyodide(options);
  stage("Preparing the tests", 0.9);
  browser = await forgettingTheSnapshotOnFailure(start, () => pyodide.pyimport("harness.browser"));
  return start;
}

// Python resumed from the snapshot but cannot go on: the next start is a fresh one.
async function forgettingTheSnapshotOnFailure(start, step) {
  try {
    return step();
  } catch (error) {
    if (start === "snapshot" && !(error instanceof DownloadError)) await forgetSnapshot(snapshotName(PYTHON.snapshotKey));
    throw error;
  }
}

// The page's "init": the problem it shows, and the interrupt flag.
async function boot({ bundleURL, interrupt: buffer }) {
  const bundle = watchedFetch(bundleURL).then((r) => r.text());
  bundle.catch(() => {});
  const start = await starting;
  interrupt = buffer ?? null;
  if (interrupt) pyodide.setInterruptBuffer(interrupt);
  const text = await bundle;
  await forgettingTheSnapshotOnFailure(start, () => browser.prepare(text));
  held = bundleURL;
  ready(bundleURL, start);
  if (start === "fresh" && SNAPSHOTS_POSSIBLE) snapshotInTheBackground();
}

function ready(problem, start) {
  postMessage({ type: "ready", python: pyodide.runPython("import sys; sys.version.split()[0]"), problem, start });
}

// The same Python, another problem. Each install waits for the ones asked before it: were they side by
// side, the one whose download ends last would win, whichever the page asked for last.
function holding(bundleURL) {
  installing = installing.catch(() => {}).then(async () => {
    await booted;
    if (held === bundleURL) return;
    held = null; // while it changes, a failure leaves no problem held rather than the wrong one
    browser.prepare(await (await watchedFetch(bundleURL)).text());
    held = bundleURL;
  });
  return installing;
}

// The page navigated to another problem without unloading.
async function switchProblem({ bundleURL }) {
  await holding(bundleURL);
  ready(bundleURL, "kept");
}

// A step starts or ends, or a job does. The count of these boundaries goes up first, so that the page
// sends no interrupt for a step that is over (runtime.js), then an interrupt meant for the step before
// is dropped, whether it is still in the flag or Python has taken it already: it must land neither in
// the harness nor in the next step. Returns the count.
function stepBoundary() {
  if (!interrupt) return undefined;
  const count = Atomics.add(interrupt, 1, 1) + 1;
  Atomics.store(interrupt, 0, 0);
  try {
    pyodide.checkInterrupt();
  } catch {
    // the KeyboardInterrupt of the step before, dropped
  }
  return count;
}

function eventsOf(runId) {
  return (type, json) => {
    if (type === "done") stepBoundary();
    const step = type === "start" ? stepBoundary() : undefined;
    postMessage({ type, runId, data: JSON.parse(json), step });
  };
}

function grade({ runId, source, prior }) {
  const report = browser.grade(source, JSON.stringify(prior), eventsOf(runId));
  stepBoundary();
  postMessage({ type: "finished", runId, result: JSON.parse(report) });
}

function evaluate({ runId, source, code }) {
  const answer = browser.evaluate(source, code, eventsOf(runId));
  stepBoundary();
  postMessage({ type: "finished", runId, result: JSON.parse(answer) });
}

// What the page can ask for once Python is up: each is a job of runtime.js, answered with "finished".
const jobs = { grade, evaluate };

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "init") {
      booted = boot(data);
      installing = booted;
      await booted;
    } else if (data.type === "problem") {
      await switchProblem(data);
    } else if (Object.hasOwn(jobs, data.type)) {
      await holding(data.problem);
      jobs[data.type](data);
    }
  } catch (error) {
    if (!(error instanceof DownloadError)) postMessage({ type: "fatal", message: String(error?.message ?? error) });
  }
};

if (self.name === SNAPSHOT_MAKER) {
  makeSnapshot();
} else {
  starting = startPython();
  starting.catch(() => {}); // the page hears of it when "init" waits for it
}
