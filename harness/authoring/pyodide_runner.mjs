// Runs the harness inside Pyodide under Node, from a built site's vendored files: the parity check's
// other half. Reads {bundles: {id: bundleJSON}, runs: [{problem, label, source}]} as JSON on stdin and
// writes one report per run, in order, as a JSON array.
//
//   node site/src/node-runner.mjs _site/pyodide/ < runs.json
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const indexURL = resolve(process.argv[2] ?? "_site/pyodide") + "/";
const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { bundles, runs } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const pyodide = await loadPyodide({ indexURL, stdout: () => {}, stderr: () => {} });
await pyodide.loadPackage(["numpy", "harness"], { messageCallback: () => {} });
const browser = pyodide.pyimport("harness.browser");

const reports = [];
let prepared = null;
for (const { problem, source } of runs) {
  if (prepared !== problem) {
    browser.prepare(bundles[problem]);
    prepared = problem;
  }
  reports.push(JSON.parse(browser.grade(source, "[]", () => {})));
}
process.stdout.write(JSON.stringify(reports));
