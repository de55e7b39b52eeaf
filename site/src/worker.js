// Runs Pyodide and the harness off the page's thread. Learner code lives here, never on the page.
//
// page -> worker  {type: "init", indexURL, packages, bundleURL, interruptBuffer?}
//                 {type: "run", runId, source, only?}
//                 {type: "evaluate", runId, source, code}         the "Try it" console, never graded
// worker -> page  {type: "progress", stage, step, steps}
//                 {type: "ready", python}
//                 {type: "start" | "done", runId, data}      one test starting / its result
//                 {type: "report", runId, report}             the whole verdict
//                 {type: "evaluated", runId, answer}          {output, result, error} of an evaluate
//                 {type: "fatal", message}                    the runtime is unusable; replace the worker

let pyodide;
let browser;
let booted;

const STEPS = 3;
const progress = (stage, step) => postMessage({ type: "progress", stage, step, steps: STEPS });

async function boot({ indexURL, packages, bundleURL, interruptBuffer }) {
  progress("Loading the Python runtime", 0);
  const bundle = fetch(bundleURL).then((r) => {
    if (!r.ok) throw new Error(`could not fetch the problem (${r.status})`);
    return r.text();
  });
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  pyodide = await loadPyodide({ indexURL });
  if (interruptBuffer) pyodide.setInterruptBuffer(interruptBuffer);
  progress("Loading NumPy and the test harness", 1);
  await pyodide.loadPackage(packages, { messageCallback: () => {} });
  progress("Preparing the tests", 2);
  browser = pyodide.pyimport("harness.browser");
  browser.prepare(await bundle);
  const python = pyodide.runPython("import sys; sys.version.split()[0]");
  postMessage({ type: "ready", python });
}

function run({ runId, source, only }) {
  const onEvent = (kind, json) => postMessage({ type: kind, runId, data: JSON.parse(json) });
  const report = browser.grade(source, only, onEvent);  // undefined (not null) reaches Python as None
  postMessage({ type: "report", runId, report: JSON.parse(report) });
}

function evaluate({ runId, source, code }) {
  const onEvent = (kind, json) => postMessage({ type: kind, runId, data: JSON.parse(json) });
  const answer = browser.evaluate(source, code, onEvent);
  postMessage({ type: "evaluated", runId, answer: JSON.parse(answer) });
}

function fatal(error) {
  postMessage({ type: "fatal", message: String(error && error.message ? error.message : error) });
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "init") {
      booted = boot(data);
      await booted;
    } else if (data.type === "run") {
      await booted;
      run(data);
    } else if (data.type === "evaluate") {
      await booted;
      evaluate(data);
    }
  } catch (error) {
    fatal(error);
  }
};
