// The Python worker's lifecycle, with no DOM: boot, progress, retries, time limits, interrupt, restart.
// page.js renders what it reports; tests/js/runtime.test.mjs drives it with a fake worker under Node.
//
// States: "loading" -> "ready" -> "running" -> "ready", and "error" when Python cannot be started
// after BOOT_RETRIES retries (retry() starts again). While a job is pending the state is "running",
// never "ready", even while Python restarts or is still loading: the job is sent once it is ready.
// useProblem() hands the running Python another problem (the page navigated in place): "loading"
// until the worker has it, and a worker started later boots with the page's problem anyway.
//
// A job is anything run in the worker under a time limit (grading; the scratch console): it is posted
// as {...request, runId, problem}; the worker answers with {type: "start", runId, data: {id, time_limit}} when a
// timed step begins (a null id is the loading of the learner's code), {type: "done", runId, data} when
// it ends, other events the job's onEvent receives, and {type: "finished", runId, result} at the end.
// A step over its limit is interrupted when the page is cross-origin isolated (KeyboardInterrupt in
// Python); otherwise, or when the interrupt does not land, the worker is replaced, the job's onRestart
// hears why, and the job is posted again to the new worker with what it already knows.

export const LIMIT_SLACK_MS = 100;
export const INTERRUPT_GRACE_MS = 1500;
// Further graces for Python once it has taken an interrupt, before it is replaced all the same.
export const UNWINDING_GRACES = 2;
// How often an interrupt that Python took, but that has not ended the step, is sent again.
export const INTERRUPT_RESEND_MS = 200;
export const BOOT_RETRIES = 2;
export const RETRY_DELAY_MS = 1000;
// The worker gives up on a download that receives nothing for the site's stall timeout (`build
// --stall-timeout`) and says so; silence for this much longer means the worker itself is stuck.
export const DOWNLOAD_STALL_S = 20;
export const STALL_MARGIN_MS = 10_000;
// Restarts in a row without a step of the job finishing before the job is abandoned as our fault.
export const FUTILE_RESTARTS = 2;

export const TIMEOUT = "timeout";
export const CRASHED = "crashed";

/** Python could not run the job, for a reason that is ours, not the learner's code. */
export class RuntimeFailure extends Error {}

export class Runtime {
  /**
   * @param spawn    () => ({worker, interrupt: Int32Array | null, missed?: messages already received})
   * @param onStatus called with status() whenever it changes
   * @param timers   {setTimeout, clearTimeout}; tests pass a fake clock
   * @param downloadStallSeconds the worker's own stall timeout
   * @param problem  the bundle URL of the problem the first worker boots with, if known
   */
  constructor({ spawn, onStatus = () => {}, timers = globalThis, downloadStallSeconds = DOWNLOAD_STALL_S, problem = null }) {
    this.spawn = spawn;
    this.stallMs = downloadStallSeconds * 1000 + STALL_MARGIN_MS;
    this.onStatus = onStatus;
    this.timers = timers;
    this.job = null;
    this.failure = null;
    this.failures = 0; // failed boots since Python was last ready
    this.restarts = 0; // workers replaced, for the page's automation contract
    this.watchdog = null;
    this.problem = problem; // the problem's bundle URL: "ready" with another is not ready yet
    this.start();
  }

  // ---- What the page sees -----------------------------------------------------------------------

  status() {
    const base = { restarts: this.restarts, python: this.python ?? null, start: this.booted ? this.pythonStart : null };
    if (this.failure) return { ...base, state: "error", text: `Python could not start: ${this.failure}`, fraction: null };
    const loading = this.booted ? null : this.progress;
    if (this.job) {
      const text = loading ? `${this.job.label} Waiting for Python: ${loading.text}` : this.job.label;
      return { ...base, state: "running", text, fraction: loading ? loading.fraction : null };
    }
    if (loading) return { ...base, state: "loading", text: loading.text, fraction: loading.fraction };
    return { ...base, state: "ready", text: `Python ${this.python} ready`, fraction: null };
  }

  emit() {
    this.onStatus(this.status());
  }

  // ---- Jobs -----------------------------------------------------------------------------------------

  /**
   * Run a job; resolves with the worker's result, or rejects with RuntimeFailure.
   * @param request   () => the message to post (called again after each restart)
   * @param onEvent   (type, data) for each event of the job, "start" and "done" included
   * @param onRestart (fault: {kind, message}, step: the step that was running or null); may return
   *                  {result} to finish the job there instead of posting it again
   */
  run(request, { label = "Running…", onEvent = () => {}, onRestart = () => undefined } = {}) {
    if (this.job) return Promise.reject(new Error("a job is already running"));
    return new Promise((resolve, reject) => {
      this.job = { runId: newRunId(), request, label, onEvent, onRestart, resolve, reject, step: null, futile: 0 };
      if (this.failure) this.retry();
      else if (this.booted) this.send();
      this.emit();
    });
  }

  /**
   * Grade `source`; `onResult(result)` hears each test's result as it comes. Tests that ended with a
   * restart are handed back to Python, which reports them in the final report with the others.
   */
  grade(source, onResult = () => {}) {
    const known = new Map(); // test id (null: the loading of the code) -> result or fault
    return this.run(() => ({ type: "grade", source, prior: [...known.values()] }), {
      label: "Running tests…",
      onEvent: (type, data) => {
        if (type !== "done") return;
        known.set(data.id, data);
        onResult(data);
      },
      onRestart: (fault, step) => {
        if (step) known.set(step.id, { id: step.id, fault: fault.kind, message: fault.message });
      },
    });
  }

  /**
   * Evaluate `code` against `source` for the "Try it" console or a figure: {output, result, error}.
   * Never a run; it shares the time limit and the interrupt, and a restart ends it with an error.
   */
  evaluate(source, code) {
    return this.run(() => ({ type: "evaluate", source, code }), {
      label: "Trying it…",
      onRestart: (fault) => ({ result: { output: "", result: null, error: { kind: fault.kind, message: fault.message, line: null, frames: [] } } }),
    });
  }

  /**
   * Give Python the problem at `bundleURL` (absolute), keeping it running: "loading" until the worker
   * says it is ready with that problem. Not while a job runs (the page navigates anew then).
   */
  useProblem(bundleURL) {
    if (this.job) throw new Error("a job is running");
    if (bundleURL === this.problem) return;
    this.problem = bundleURL;
    // Without a worker (it could not start) the next one boots with the page's problem.
    if (this.failure || !this.worker) return;
    // While Python still starts, its progress goes on being shown: the problem follows in a moment.
    if (this.booted) this.progress = { text: "Loading the problem…", fraction: 0.95 };
    this.booted = false;
    this.armWatchdog();
    this.worker.postMessage({ type: "problem", bundleURL });
    this.emit();
  }

  send() {
    const job = this.job;
    job.step = null;
    // The worker runs it only with this problem installed, never with the tests of another.
    this.worker.postMessage({ ...job.request(), runId: job.runId, problem: this.problem });
  }

  finish(settle, value) {
    const job = this.job;
    this.clearTimer();
    this.job = null;
    job[settle](value); // first, so that the page shows the results as the state turns ready
    this.emit();
  }

  // ---- The worker -------------------------------------------------------------------------------------

  start() {
    this.booted = false;
    this.progress = { text: "Starting Python…", fraction: 0 };
    const { worker, interrupt, missed = [] } = this.spawn();
    this.worker = worker;
    this.interrupt = interrupt;
    worker.onmessage = ({ data }) => this.receive(worker, data);
    worker.onerror = (event) => {
      event?.preventDefault?.();
      this.receive(worker, { type: "fatal", message: event?.message || "the worker script could not be loaded" });
    };
    this.armWatchdog();
    this.emit();
    missed.forEach((message) => this.receive(worker, message));
  }

  receive(worker, message) {
    if (worker !== this.worker) return; // a replaced worker's last words
    const job = this.job;
    switch (message.type) {
      case "progress":
        this.progress = { text: message.text, fraction: message.fraction };
        this.armWatchdog();
        this.emit();
        return;
      case "ready":
        // Ready with the problem of before the page navigated: the one asked for follows.
        if (this.problem && message.problem !== this.problem) return;
        this.clearWatchdog();
        this.booted = true;
        this.failures = 0;
        this.python = message.python;
        // "snapshot": resumed from a memory snapshot of Python; "kept": the Python of the page before
        this.pythonStart = message.start ?? "fresh";
        if (job) this.send();
        this.emit();
        return;
      case "fatal":
        if (this.booted) this.replace({ kind: CRASHED, message: `Python crashed (${message.message}) and was restarted` });
        else this.bootFailed(message.message);
        return;
    }
    if (!job || message.runId !== job.runId) return;
    if (message.type === "start") {
      job.step = message.data;
      this.armTimer(message.data.time_limit, message.step);
    } else if (message.type === "done") {
      this.clearTimer();
      job.step = null;
      job.futile = 0;
    }
    if (message.type === "finished") this.finish("resolve", message.result);
    else job.onEvent(message.type, message.data);
  }

  bootFailed(reason) {
    this.worker.terminate();
    this.worker = null; // whatever else it says is ignored
    this.clearWatchdog();
    this.failures += 1;
    if (this.failures > BOOT_RETRIES) {
      this.failure = reason;
      // A run that waited for Python ends here, as our failure: never left "running", never a verdict.
      if (this.job) this.finish("reject", new RuntimeFailure(`Python could not start: ${reason}`));
      else this.emit();
      return;
    }
    this.progress = { text: `Retrying (${reason})…`, fraction: 0 };
    this.emit();
    this.timers.setTimeout(() => this.start(), RETRY_DELAY_MS * this.failures);
  }

  /** Start Python again after it could not start; a pending job then runs. */
  retry() {
    if (!this.failure) return;
    this.failure = null;
    this.failures = 0;
    this.start();
  }

  replace(fault) {
    this.worker.terminate();
    this.clearTimer();
    this.restarts += 1;
    const job = this.job;
    if (job) {
      const step = job.step;
      job.futile = step ? 0 : job.futile + 1;
      const ending = job.onRestart(fault, step);
      if (ending) {
        this.finish("resolve", ending.result);
      } else if (job.futile > FUTILE_RESTARTS) {
        this.finish("reject", new RuntimeFailure(`${fault.message}, again and again outside your code`));
      }
    }
    this.start();
  }

  // ---- Timers -------------------------------------------------------------------------------------------

  // `step`: the worker's count of step boundaries when this one started (isolated only).
  armTimer(seconds, step) {
    this.clearTimer();
    this.timedStep = step;
    this.timer = this.timers.setTimeout(() => this.overtime(seconds), seconds * 1000 + LIMIT_SLACK_MS);
  }

  // The worker has passed the end of this step (or of its job), and that is a message the page has not
  // handled yet (its thread was busy): an interrupt now would land in the harness or the next step.
  timedStepIsOver() {
    return this.timedStep !== undefined && Atomics.load(this.interrupt, 1) !== this.timedStep;
  }

  overtime(seconds) {
    const fault = { kind: TIMEOUT, message: `did not finish within the time limit of ${seconds} s` };
    if (!this.interrupt) return this.replace(fault);
    if (this.timedStepIsOver()) return;
    Atomics.store(this.interrupt, 0, 2); // SIGINT: Python raises KeyboardInterrupt
    this.checkInterrupt(fault, { graces: UNWINDING_GRACES, taken: false, waited: 0 });
  }

  // Python clears the flag when it takes the interrupt: it is then unwinding the learner's code (slowly
  // on a starved machine) and gets more time. An interrupt Python took can still come to nothing (with
  // Pyodide 0.29, about one step in 30 of an endless loop went on looping), so while the step goes on it
  // is sent again every INTERRUPT_RESEND_MS: a lost one costs that, not a grace. The worker drops an
  // interrupt left over when a step ends or starts. A grace in which Python took none means that it
  // cannot land (code stuck in C or JavaScript), and code that swallows KeyboardInterrupt runs out of
  // graces: either way the worker is replaced.
  checkInterrupt(fault, grace) {
    const wait = Math.min(INTERRUPT_RESEND_MS, INTERRUPT_GRACE_MS - grace.waited);
    this.timer = this.timers.setTimeout(() => {
      if (this.timedStepIsOver()) return;
      const taken = grace.taken || Atomics.load(this.interrupt, 0) === 0;
      Atomics.store(this.interrupt, 0, 2);
      const waited = grace.waited + wait;
      if (waited < INTERRUPT_GRACE_MS) return this.checkInterrupt(fault, { ...grace, taken, waited });
      if (!taken || grace.graces === 0) return this.replace(fault);
      this.checkInterrupt(fault, { graces: grace.graces - 1, taken: false, waited: 0 });
    }, wait);
  }

  clearTimer() {
    this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  armWatchdog() {
    this.clearWatchdog();
    const worker = this.worker;
    this.watchdog = this.timers.setTimeout(() => {
      if (this.worker === worker && !this.booted) this.bootFailed("the download stalled");
    }, this.stallMs);
  }

  clearWatchdog() {
    this.timers.clearTimeout(this.watchdog);
    this.watchdog = null;
  }
}

let runs = 0;
function newRunId() {
  runs += 1;
  return `run-${runs}`;
}
