"""The instructor's tools: never imported while grading or in the browser.

- `scaffold`: `new`, a problem folder from `template/`.
- `expected`: `expected`, the reference's outputs recorded as data.
- `prove`: `check`, proof that a problem is sound (and parity in Pyodide under Node, `pyodide_runner.mjs`).
- `statement`: the statement's Markdown, math and worked examples (for the site and for `check`).
"""
