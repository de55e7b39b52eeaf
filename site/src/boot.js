// Inlined into the problem page's <head>: starts Python in its worker while the rest of the page is
// still loading. runtime.js adopts this worker, replaying what it said before page.js ran, and calls
// startWorker() again whenever a worker must be replaced.
window.startWorker = function startWorker() {
  const config = JSON.parse(document.getElementById("problem-config").textContent);
  const absolute = (url) => new URL(url, location.href).href;
  const missed = [];
  const worker = new Worker(config.workerURL, { type: "module" });
  worker.onmessage = (event) => missed.push(event.data);
  // An error event without a message is the script itself failing to load: say which file.
  worker.addEventListener("error", (event) => {
    if (event.message) return;
    const message = `could not download ${new URL(config.workerURL, location.href).pathname.split("/").pop()}`;
    worker.dispatchEvent(new MessageEvent("message", { data: { type: "fatal", message } }));
  });
  // Cross-origin isolated, Python is interrupted through this shared flag ([0]) when a run is over time;
  // [1] counts the worker's step boundaries, so that an interrupt never lands after its step.
  const interrupt = self.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(8)) : null;
  // Python is already starting: the worker knows where it is from the build; this adds the problem.
  worker.postMessage({ type: "init", bundleURL: absolute(config.bundleURL), interrupt });
  return { worker, interrupt, missed };
};
window.earlyWorker = window.startWorker();
