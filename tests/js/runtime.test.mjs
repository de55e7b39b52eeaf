// The worker's lifecycle (site/src/runtime.js) with a fake worker and a fake clock: `node --test tests/js`.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  Runtime, RuntimeFailure, BOOT_RETRIES, INTERRUPT_GRACE_MS, INTERRUPT_RESEND_MS, LIMIT_SLACK_MS, RETRY_DELAY_MS, STALL_MARGIN_MS, UNWINDING_GRACES,
} from "../../site/src/runtime.js";

class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.next = 1;
  }
  setTimeout = (callback, ms) => {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, callback });
    return id;
  };
  clearTimeout = (id) => this.timers.delete(id);
  advance(ms) {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = until;
  }
}

class FakeWorker {
  constructor() {
    this.posted = [];
    this.terminated = false;
  }
  postMessage(message) {
    this.posted.push(message);
  }
  terminate() {
    this.terminated = true;
  }
  say(message) {
    this.onmessage({ data: message });
  }
  get job() {
    return this.posted.at(-1);
  }
}

function setUp({ isolated = true, missed = [], downloadStallSeconds } = {}) {
  const clock = new FakeClock();
  const workers = [];
  const states = [];
  const runtime = new Runtime({
    spawn: () => {
      const worker = new FakeWorker();
      workers.push(worker);
      return { worker, interrupt: isolated ? new Int32Array(new SharedArrayBuffer(8)) : null, missed: workers.length === 1 ? missed : [] };
    },
    onStatus: (status) => states.push(status),
    timers: clock,
    downloadStallSeconds,
  });
  const worker = () => workers.at(-1);
  const ready = () => worker().say({ type: "ready", python: "3.13.2" });
  // Every boot fails with `message`, its retries included, until Python gives up.
  const failEveryBoot = (message) => {
    for (let attempt = 0; attempt <= BOOT_RETRIES; attempt += 1) {
      worker().say({ type: "fatal", message });
      clock.advance(RETRY_DELAY_MS * (attempt + 1));
    }
  };
  return { clock, workers, states, runtime, worker, ready, failEveryBoot, state: () => runtime.status().state };
}

const result = (id, status = "pass") => ({ id, name: id, visibility: "hidden", status, message: "", output: "", duration_ms: 1 });

test("loading -> ready -> running -> ready", async () => {
  const { runtime, worker, ready, state } = setUp();
  assert.equal(state(), "loading");
  worker().say({ type: "progress", text: "Downloading Python (1.0 of 9.0 MB)", fraction: 0.1 });
  assert.deepEqual([runtime.status().text, runtime.status().fraction], ["Downloading Python (1.0 of 9.0 MB)", 0.1]);
  ready();
  assert.equal(state(), "ready");
  const seen = [];
  const done = runtime.grade("code", (r) => seen.push(r.id));
  assert.equal(state(), "running");
  const { runId, type, source, prior } = worker().job;
  assert.deepEqual([type, source, prior], ["grade", "code", []]);
  worker().say({ type: "start", runId, data: { id: null, time_limit: 2 } });
  worker().say({ type: "start", runId, data: { id: "a", time_limit: 2 } });
  worker().say({ type: "done", runId, data: result("a") });
  worker().say({ type: "finished", runId, result: { status: "pass" } });
  assert.deepEqual(await done, { status: "pass" });
  assert.deepEqual(seen, ["a"]);
  assert.equal(state(), "ready");
});

test("the status says how Python started: resumed from its snapshot, or fresh", () => {
  const { runtime, worker, workers } = setUp();
  assert.equal(runtime.status().start, null);
  worker().say({ type: "ready", python: "3.13.2", start: "snapshot" });
  assert.equal(runtime.status().start, "snapshot");
  worker().say({ type: "fatal", message: "boom" }); // a crash: the new worker starts fresh
  assert.equal(runtime.status().start, null);
  workers.at(-1).say({ type: "ready", python: "3.13.2", start: "fresh" });
  assert.equal(runtime.status().start, "fresh");
});

test("the messages the early worker sent before the page took it over are replayed", () => {
  const { state } = setUp({ missed: [{ type: "progress", text: "x", fraction: 0.5 }, { type: "ready", python: "3.13" }] });
  assert.equal(state(), "ready");
});

test("a run asked for while Python loads waits, shows the loading progress, and is sent once ready", () => {
  const { runtime, worker, ready, state } = setUp();
  worker().say({ type: "progress", text: "Downloading Python", fraction: 0.4 });
  runtime.grade("code");
  assert.equal(state(), "running");
  assert.equal(runtime.status().fraction, 0.4);
  assert.match(runtime.status().text, /Waiting for Python: Downloading Python/);
  assert.equal(worker().posted.length, 0);
  ready();
  assert.equal(worker().job.type, "grade");
  assert.equal(state(), "running");
});

test("a second run while one is pending is refused", async () => {
  const { runtime, ready } = setUp();
  ready();
  runtime.grade("one");
  await assert.rejects(runtime.grade("two"), /already running/);
});

test("isolated: a test over its limit is interrupted, and Python is not restarted", () => {
  const { runtime, worker, ready, clock, workers } = setUp();
  ready();
  runtime.grade("code");
  const { runId } = worker().job;
  worker().say({ type: "start", runId, data: { id: "a", time_limit: 2 } });
  const interrupt = runtime.interrupt;
  clock.advance(2000 + LIMIT_SLACK_MS - 1);
  assert.equal(Atomics.load(interrupt, 0), 0);
  clock.advance(1);
  assert.equal(Atomics.load(interrupt, 0), 2);
  worker().say({ type: "done", runId, data: result("a", "error") }); // KeyboardInterrupt landed
  clock.advance(INTERRUPT_GRACE_MS * 2);
  assert.equal(workers.length, 1);
  assert.equal(runtime.status().restarts, 0);
});

test("never ready while a run is pending, even while Python restarts after a timeout", async () => {
  const { runtime, worker, ready, clock, workers, states } = setUp({ isolated: false });
  ready();
  const seen = [];
  const done = runtime.grade("code", (r) => seen.push(r));
  const first = worker();
  first.say({ type: "start", runId: first.job.runId, data: { id: "a", time_limit: 2 } });
  const from = states.length;
  clock.advance(2000 + LIMIT_SLACK_MS); // no interrupt buffer: the worker is replaced at once
  assert.ok(first.terminated);
  assert.equal(workers.length, 2);
  assert.equal(runtime.status().restarts, 1);
  worker().say({ type: "progress", text: "Downloading Python", fraction: 0.2 });
  ready();
  assert.ok(states.slice(from).every((s) => s.state === "running"), states.slice(from).map((s) => s.state).join());
  // The new worker is handed the fault, and Python words it in the report.
  const { runId, prior } = worker().job;
  assert.deepEqual(prior, [{ id: "a", fault: "timeout", message: "did not finish within the time limit of 2 s" }]);
  worker().say({ type: "done", runId, data: result("a", "error") });
  worker().say({ type: "finished", runId, result: { status: "fail" } });
  assert.deepEqual(await done, { status: "fail" });
  assert.equal(runtime.status().state, "ready");
});

test("isolated: an interrupt that does not land restarts Python after the grace", () => {
  const { runtime, worker, ready, clock, workers } = setUp();
  ready();
  runtime.grade("code");
  worker().say({ type: "start", runId: worker().job.runId, data: { id: null, time_limit: 1 } });
  clock.advance(1000 + LIMIT_SLACK_MS + INTERRUPT_GRACE_MS - 1);
  assert.equal(workers.length, 1);
  clock.advance(1);
  assert.equal(workers.length, 2);
  ready();
  assert.deepEqual(worker().job.prior, [{ id: null, fault: "timeout", message: "did not finish within the time limit of 1 s" }]);
});

// A step starts, as the worker says it when isolated: it counts the step in the shared buffer first.
function startStep({ runtime, worker }, runId, id, timeLimit) {
  const step = Atomics.add(runtime.interrupt, 1, 1) + 1;
  worker().say({ type: "start", runId, data: { id, time_limit: timeLimit }, step });
}

// Isolated, a run whose step "a" has just gone over its limit of 1 s: the interrupt is sent.
function overTheLimit() {
  const setup = setUp();
  setup.ready();
  setup.runtime.grade("code");
  const { runId } = setup.worker().job;
  startStep(setup, runId, "a", 1);
  setup.clock.advance(1000 + LIMIT_SLACK_MS);
  assert.equal(Atomics.load(setup.runtime.interrupt, 0), 2);
  return { ...setup, runId };
}

test("isolated: a step that ended while the page was busy is not interrupted, nor is the next", () => {
  const setup = setUp();
  setup.ready();
  setup.runtime.grade("code");
  startStep(setup, setup.worker().job.runId, "a", 1);
  Atomics.add(setup.runtime.interrupt, 1, 2); // the worker ended "a" and started "b"; the page has not heard
  setup.clock.advance(1000 + LIMIT_SLACK_MS + INTERRUPT_GRACE_MS * 4);
  assert.equal(Atomics.load(setup.runtime.interrupt, 0), 0);
  assert.equal(setup.workers.length, 1);
});

test("isolated: an interrupt is not sent again once the step has ended", () => {
  const run = overTheLimit();
  Atomics.store(run.runtime.interrupt, 0, 0); // taken, and "a" ended: a step boundary, not heard of yet
  Atomics.add(run.runtime.interrupt, 1, 1);
  run.clock.advance(INTERRUPT_RESEND_MS * 20);
  assert.equal(Atomics.load(run.runtime.interrupt, 0), 0);
  assert.equal(run.workers.length, 1);
});

function stepEndsInTheSamePython({ runtime, worker, clock, workers, runId }) {
  worker().say({ type: "done", runId, data: result("a", "error") });
  clock.advance(INTERRUPT_GRACE_MS * 4);
  assert.equal(workers.length, 1);
  assert.equal(runtime.status().restarts, 0);
}

test("isolated: an interrupt taken but slow to unwind (a starved machine) gets more time, not a restart", () => {
  const run = overTheLimit();
  for (let grace = 0; grace < UNWINDING_GRACES; grace += 1) {
    Atomics.store(run.runtime.interrupt, 0, 0); // Python took the interrupt and is unwinding
    run.clock.advance(INTERRUPT_GRACE_MS);
  }
  stepEndsInTheSamePython(run);
});

test("isolated: an interrupt that Python took but that did not end the step is sent again, soon", () => {
  const run = overTheLimit();
  Atomics.store(run.runtime.interrupt, 0, 0); // taken, and lost: the learner's loop goes on
  run.clock.advance(INTERRUPT_RESEND_MS - 1);
  assert.equal(Atomics.load(run.runtime.interrupt, 0), 0);
  run.clock.advance(1);
  assert.equal(Atomics.load(run.runtime.interrupt, 0), 2);
  Atomics.store(run.runtime.interrupt, 0, 0); // taken again, and this one lands
  stepEndsInTheSamePython(run);
});

test("isolated: a grace in which Python took the interrupt once is not one in which it cannot land", () => {
  const { runtime, clock, workers } = overTheLimit();
  Atomics.store(runtime.interrupt, 0, 0); // taken; the one sent again then waits (a long call in C)
  clock.advance(INTERRUPT_GRACE_MS);
  assert.equal(workers.length, 1);
  clock.advance(INTERRUPT_GRACE_MS - 1); // a whole grace with the interrupt never taken
  assert.equal(workers.length, 1);
  clock.advance(1);
  assert.equal(workers.length, 2);
});

test("isolated: code that swallows the interrupt is replaced once the graces run out", () => {
  const { runtime, clock, workers } = overTheLimit();
  for (let grace = 0; grace < UNWINDING_GRACES + 1; grace += 1) {
    Atomics.store(runtime.interrupt, 0, 0); // taken, and caught by a bare `except:` in a loop
    clock.advance(INTERRUPT_GRACE_MS - 1);
    assert.equal(workers.length, 1);
    clock.advance(1);
  }
  assert.equal(workers.length, 2);
  assert.equal(runtime.status().restarts, 1);
});

test("results before a restart are handed to the new worker; a late message of the old one is ignored", () => {
  const { runtime, worker, ready, clock } = setUp({ isolated: false });
  ready();
  runtime.grade("code");
  const old = worker();
  const runId = old.job.runId;
  old.say({ type: "start", runId, data: { id: "a", time_limit: 2 } });
  old.say({ type: "done", runId, data: result("a") });
  old.say({ type: "start", runId, data: { id: "b", time_limit: 2 } });
  clock.advance(3000);
  old.say({ type: "done", runId, data: result("b") }); // too late: its worker is gone
  ready();
  assert.deepEqual(worker().job.prior.map((p) => [p.id, p.status ?? p.fault]), [["a", "pass"], ["b", "timeout"]]);
});

test("a crash during a test is that test's error, and the run goes on", () => {
  const { runtime, worker, ready, workers } = setUp();
  ready();
  runtime.grade("code");
  worker().say({ type: "start", runId: worker().job.runId, data: { id: "a", time_limit: 2 } });
  worker().say({ type: "fatal", message: "simulated fatal error" });
  assert.equal(workers.length, 2);
  ready();
  const [fault] = worker().job.prior;
  assert.equal(fault.fault, "crashed");
  assert.match(fault.message, /Python crashed \(simulated fatal error\) and was restarted/);
});

test("crashes outside the learner's code end the run as our failure, not a verdict", async () => {
  const { runtime, worker, ready, state } = setUp();
  ready();
  const done = runtime.grade("code");
  for (let i = 0; i < 3; i += 1) {
    worker().say({ type: "fatal", message: "broken harness" });
    ready();
  }
  await assert.rejects(done, RuntimeFailure);
  assert.equal(state(), "ready");
});

test("a failed download is retried a bounded number of times, then names what failed; Retry starts again", () => {
  const { runtime, clock, workers, state, failEveryBoot } = setUp();
  failEveryBoot("could not download pyodide.asm.wasm (HTTP 404)");
  assert.equal(workers.length, BOOT_RETRIES + 1);
  assert.ok(workers.every((w) => w.terminated));
  assert.equal(state(), "error");
  assert.equal(runtime.status().text, "Python could not start: could not download pyodide.asm.wasm (HTTP 404)");
  clock.advance(60_000);
  assert.equal(workers.length, BOOT_RETRIES + 1); // no more tries on its own
  runtime.retry();
  assert.equal(state(), "loading");
  assert.equal(workers.length, BOOT_RETRIES + 2);
});

test("a silent boot is abandoned, past the site's stall timeout, and retried", () => {
  const { worker, clock, workers } = setUp({ downloadStallSeconds: 5 });
  worker().say({ type: "progress", text: "Downloading Python", fraction: 0.1 });
  clock.advance(5000 + STALL_MARGIN_MS - 1);
  assert.equal(workers.length, 1);
  clock.advance(1);
  assert.ok(workers[0].terminated);
  clock.advance(RETRY_DELAY_MS);
  assert.equal(workers.length, 2);
});

test("a worker script that cannot be loaded counts as a failed boot", () => {
  const { worker, state, runtime } = setUp();
  worker().onerror({ message: "" , preventDefault() {} });
  assert.equal(state(), "loading");
  assert.match(runtime.status().text, /Retrying \(the worker script could not be loaded\)/);
});

test("a run pending when Python cannot start ends as our failure naming the download; Run again retries", async () => {
  const { runtime, worker, ready, state, failEveryBoot } = setUp();
  const done = runtime.grade("code");
  failEveryBoot("could not download numpy.whl (network error)");
  await assert.rejects(done, (error) => error instanceof RuntimeFailure
    && error.message === "Python could not start: could not download numpy.whl (network error)");
  assert.equal(state(), "error");
  assert.equal(runtime.job, null);
  const again = runtime.grade("code"); // the page's Run button: retries at once
  assert.equal(state(), "running");
  ready();
  worker().say({ type: "finished", runId: worker().job.runId, result: { status: "pass" } });
  assert.deepEqual(await again, { status: "pass" });
});

test("Run in the error state retries at once", () => {
  const { runtime, workers, state, failEveryBoot } = setUp();
  failEveryBoot("x");
  runtime.grade("code");
  assert.equal(workers.length, BOOT_RETRIES + 2);
  assert.equal(state(), "running");
});

test("a generic job can finish itself when Python restarts (the scratch console's way)", async () => {
  const { runtime, worker, ready, clock } = setUp({ isolated: false });
  ready();
  const done = runtime.run(() => ({ type: "evaluate", expression: "f(1)" }), {
    label: "Evaluating…",
    onRestart: (fault) => ({ result: { error: fault.message } }),
  });
  assert.equal(runtime.status().text, "Evaluating…");
  worker().say({ type: "start", runId: worker().job.runId, data: { id: "expression", time_limit: 2 } });
  clock.advance(2500);
  assert.deepEqual(await done, { error: "did not finish within the time limit of 2 s" });
  ready();
  assert.equal(runtime.status().state, "ready");
});

test("another problem for the running Python: loading until the worker has it, then ready, Python kept", () => {
  const { runtime, worker, workers, ready, state } = setUp();
  ready();
  runtime.useProblem("https://site/problems/b.json");
  assert.equal(state(), "loading");
  assert.deepEqual(worker().posted.at(-1), { type: "problem", bundleURL: "https://site/problems/b.json" });
  worker().say({ type: "ready", python: "3.13.2", problem: "https://site/problems/b.json", start: "kept" });
  assert.deepEqual([state(), runtime.status().start, workers.length], ["ready", "kept", 1]);
});

test("a page that navigates while Python starts keeps showing Python's progress", () => {
  const { runtime, worker, state } = setUp();
  worker().say({ type: "progress", text: "Starting Python…", fraction: 0.9 });
  runtime.useProblem("https://site/problems/b.json");
  assert.deepEqual([state(), runtime.status().text, runtime.status().fraction], ["loading", "Starting Python…", 0.9]);
});

test("a page that navigates while Python boots is not ready with the problem it left", () => {
  const { runtime, worker, state } = setUp();
  runtime.useProblem("https://site/problems/b.json");
  worker().say({ type: "ready", python: "3.13.2", problem: "https://site/problems/a.json", start: "fresh" });
  assert.equal(state(), "loading");
  worker().say({ type: "ready", python: "3.13.2", problem: "https://site/problems/b.json", start: "kept" });
  assert.equal(state(), "ready");
});

test("Back at once to the problem of before: the run waits for it and names it, never the other", async () => {
  const a = "https://site/problems/a.json";
  const b = "https://site/problems/b.json";
  const { runtime, worker, state } = setUp();
  runtime.useProblem(a);
  worker().say({ type: "ready", python: "3.13.2", problem: a, start: "fresh" });
  runtime.useProblem(b);
  runtime.useProblem(a); // Back before b's bundle came
  assert.deepEqual(worker().posted.slice(-2).map((m) => m.bundleURL), [b, a]);
  const asked = worker().posted.length;
  const done = runtime.grade("code");
  assert.equal(worker().posted.length, asked); // not sent while the worker may hold b
  worker().say({ type: "ready", python: "3.13.2", problem: b, start: "kept" });
  assert.deepEqual([state(), worker().posted.length], ["running", asked]);
  worker().say({ type: "ready", python: "3.13.2", problem: a, start: "kept" });
  const { type, problem, runId } = worker().job;
  assert.deepEqual([type, problem], ["grade", a]);
  worker().say({ type: "finished", runId, result: { status: "pass" } });
  assert.deepEqual(await done, { status: "pass" });
  assert.equal(state(), "ready");
});

test("a worker started after the page navigated boots with the page's problem, and no other is asked for", () => {
  const { runtime, worker, workers, ready, state } = setUp();
  ready();
  runtime.useProblem("https://site/problems/b.json");
  worker().say({ type: "fatal", message: "boom" }); // while switching: a failed boot, retried
  assert.equal(workers.length, 1);
  runtime.timers.advance(RETRY_DELAY_MS);
  assert.equal(workers.length, 2);
  assert.deepEqual(worker().posted, []);
  worker().say({ type: "ready", python: "3.13.2", problem: "https://site/problems/b.json", start: "fresh" });
  assert.equal(state(), "ready");
});

test("no other problem while a job runs", () => {
  const { runtime, ready } = setUp();
  ready();
  runtime.grade("code");
  assert.throws(() => runtime.useProblem("https://site/problems/b.json"), /job is running/);
});
