// Inlined into the problem page's <head>: starts Python in its worker while the rest of the page is
// still loading. page.js adopts the worker (replaying any messages it missed) and calls startRuntime()
// again whenever the worker must be replaced.
window.startRuntime = function startRuntime() {
  const config = JSON.parse(document.getElementById("problem-config").textContent);
  const absolute = (url) => new URL(url, location.href).href;
  const runtime = {
    worker: new Worker(config.workerURL, { type: "module" }),
    interrupt: self.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null,
    missed: [],
  };
  runtime.worker.onmessage = (event) => runtime.missed.push(event.data);
  runtime.worker.postMessage({
    type: "init",
    indexURL: absolute(config.indexURL),
    packages: config.packages.map((p) => (p.endsWith(".whl") ? absolute(p) : p)),
    bundleURL: absolute(config.bundleURL),
    interruptBuffer: runtime.interrupt?.buffer,
  });
  return runtime;
};
window.earlyRuntime = window.startRuntime();
