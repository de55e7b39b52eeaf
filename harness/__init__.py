"""Run a coding problem's hidden tests against a submission, in CPython or in Pyodide."""

__version__ = "0.1.0"
