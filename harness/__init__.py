"""Run a coding problem's hidden tests against a submission, in CPython or in Pyodide.

The package, from the inside out:

- `harness.core`: the platform-free core. It reads a problem (a folder, or the same files as one bundle),
  runs its tests against a submission through an executor, and reports verdicts. No processes, threads,
  sockets or files beyond reading the problem: it runs unchanged in Pyodide.
- The two executors, which decide where the submission's code runs:
  `harness.inprocess` (this interpreter: the browser's worker and parity checks) and
  `harness.sandbox` (a confined process per submission: CI).
- The adapters: `harness.browser` (the Web Worker's entry points), `harness.cli` with `harness.batch`
  and `harness.formats` (the command line, many submissions at once, report formats).
- `harness.authoring`: the instructor's tools (`new`, `expected`, `check`), never used while grading.

The core imports none of the others; tests/test_architecture.py enforces the boundaries.
"""

__version__ = "0.1.0"
