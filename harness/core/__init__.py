"""The platform-free core: a problem, its tests, a submission, and the verdicts.

Contract: pure Python and NumPy. It does no I/O beyond reading a problem's folder (or bundle); it starts
no process or thread and never touches the network, so it runs unchanged in CPython and in Pyodide.
Where the submission runs is an executor's business (`runner.Executor`); the core never imports
`harness.sandbox`, `harness.cli`, `harness.authoring` or any other adapter.

- `manifest`: the schema of `problem.toml`, with errors that name the file and the key.
- `problem`: a problem folder or bundle, loaded and validated.
- `testing`: the API a problem's `tests.py` is written with.
- `submission`: loading the learner's source and calling its function, faults described for the learner.
- `plain`: results as JSON-safe data, checked for type, shape and finiteness before any comparison.
- `runner`: runs the tests through an executor and builds the report.
"""
