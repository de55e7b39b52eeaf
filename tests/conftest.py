"""Shared helpers: the repository's layout and a way to run the CLI as a grader would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m harness ARGS` in a fresh process, exactly as a CI script would call it."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def cli():
    return run_cli
