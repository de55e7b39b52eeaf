"""Benchmark of batch grading against the naive baseline: `make bench-grade`. Prints figures.

Generates 200 submissions for label-smoothing (correct, wrong, broken, hostile, drawn from the
problem's accepted variants and mutants and the golden scenarios), then grades them twice in the same
run: with the batch command (`grade PROBLEM FOLDER --jobs N`, one confined process per submission) and
with one fresh `python -m harness grade PROBLEM FILE` process per submission, one after the other, as a
CI script would with the single-file command. Prints submissions per second for both, the ratio, and
whether both gave the same verdicts, test by test. Goal: at least 20x the baseline.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = ROOT / "problems" / "label-smoothing"
SCENARIOS = ROOT / "tests" / "scenarios"
MIX = {"correct": 0.45, "wrong": 0.3, "broken": 0.2, "hostile": 0.05}


def pools() -> dict[str, list[Path]]:
    scenarios = sorted(SCENARIOS.glob("*/submission.py"))
    return {
        "correct": [PROBLEM / "solution.py", *sorted((PROBLEM / "accepted").glob("*.py"))],
        "wrong": sorted((PROBLEM / "mutants").glob("*.py")),
        "broken": [p for p in scenarios if not p.parent.name.startswith(("hostile-", "infinite"))],
        "hostile": [p for p in scenarios if p.parent.name.startswith(("hostile-", "infinite"))],
    }


def generate(folder: Path, count: int) -> list[Path]:
    made = []
    for kind, sources in pools().items():
        for number, source in zip(range(round(count * MIX[kind])), itertools.cycle(sources)):
            path = folder / f"{kind}-{number:03d}-{source.parent.name if source.name == 'submission.py' else source.stem}.py"
            path.write_bytes(f"# submission {kind} {number}\n".encode() + source.read_bytes())
            made.append(path)
    return sorted(made)


def verdicts(report: dict) -> tuple:
    return report["status"], tuple((t["id"], t["status"]) for t in report["tests"] + report["examples"])


def grade_command(*args: str) -> subprocess.CompletedProcess:
    # One seed for every run, so that both commands grade on the same held-out inputs.
    return subprocess.run([sys.executable, "-m", "harness", "grade", "label-smoothing", *args, "--seed", "1", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark batch grading against one process per submission.")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        files = generate(folder, args.count)
        started = time.perf_counter()
        batch = grade_command(str(folder), "--jobs", str(args.jobs))
        batch_seconds = time.perf_counter() - started
        if batch.returncode not in (0, 1):
            raise SystemExit(f"bench-grade: the batch command failed: {batch.stderr}")
        batch_verdicts = {Path(r["submission"]).name: verdicts(r) for r in json.loads(batch.stdout)["submissions"]}

        started = time.perf_counter()
        single_verdicts = {}
        for path in files:
            run = grade_command(str(path))
            single_verdicts[path.name] = verdicts(json.loads(run.stdout)) if run.stdout else ("no report",)
        single_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    differing = sorted(name for name in single_verdicts if single_verdicts[name] != batch_verdicts.get(name))
    kinds = {kind: sum(p.name.startswith(kind) for p in files) for kind in MIX}
    batch_rate, single_rate = len(files) / batch_seconds, len(files) / single_seconds
    print(f"bench-grade: {len(files)} submissions ({', '.join(f'{n} {k}' for k, n in kinds.items())})")
    print(f"  batch, --jobs {args.jobs}, every submission in its own confined process: "
          f"{batch_seconds:7.2f} s  {batch_rate:7.1f} submissions/s")
    print(f"  baseline, one `python -m harness grade` per submission:        "
          f"{single_seconds:7.2f} s  {single_rate:7.1f} submissions/s")
    print(f"  ratio: {batch_rate / single_rate:.1f}x (goal: at least 20x)")
    print(f"  same verdicts, test by test: {'yes' if not differing else 'NO: ' + ', '.join(differing)}")
    return 0 if not differing else 1


if __name__ == "__main__":
    sys.exit(main())
