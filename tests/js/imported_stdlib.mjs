// Prints, as a JSON list, the standard library's files that Python imports in Pyodide to start a problem
// page and grade a submission, with the site's runtime files (tests/test_build.py reads it).
//
//   node tests/js/imported_stdlib.mjs SITE/pyodide/ BUNDLE.json SUBMISSION.py
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, bundle, submission] = process.argv.slice(2);
const indexURL = resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL, packages: ["numpy", "harness"], stdout: () => {}, stderr: () => {} });
const browser = pyodide.pyimport("harness.browser");
browser.prepare(readFileSync(bundle, "utf8"));
browser.grade(readFileSync(submission, "utf8"), "[]", () => {});
process.stdout.write(pyodide.runPython(`
import json, sys
json.dumps(sorted(path for module in list(sys.modules.values())
                  if (path := getattr(module, "__file__", None) or "").startswith("/lib/python313.zip/")))
`));
