"""Benchmark of batch grading against the naive baseline: `make bench-grade`. Prints figures.

Generates 200 submissions for label-smoothing (correct, wrong, broken, hostile, drawn from the
problem's accepted variants and mutants and the golden scenarios), then grades them twice in the same
run: with the batch command (`grade PROBLEM FOLDER --jobs N`, one confined process per submission) and
with one fresh `python -m harness grade PROBLEM FILE` process per submission, one after the other, as a
CI script would with the single-file command. Prints submissions per second for both, the ratio, and
whether both gave the same verdicts, test by test. Goal: at least 20x the baseline.

Then, in the same run: the batch's rate on 600 correct and wrong submissions only (goal: 120/s), three
times each, overall and after the command's start (timed apart), at --jobs N and 2N; the CPU each
submission costs with every layer on, split between the grader, the zygote's fork and the child (fork
to ready, loading, the calls and the round trips they took: an `over=` test's cases go in one), read
from /proc/PID/schedstat so that load does not distort it, beside the baseline's CPU per submission;
the cost of each isolation layer, timed in alternation with a bare fork; and the grader's peak memory
(its own VmHWM) grading an attack batch, submissions whose replies flood 60 MB and 7 MB each, beside
the same figure for a batch of correct submissions. The load average is printed first: wall rates fall
with it, CPU figures do not.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.sandbox.executor import usable_cores

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
    folder.mkdir()
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


def rate_of_batch(count: int, folder: Path, jobs: int) -> float:
    started = time.perf_counter()
    grade_command(str(folder), "--jobs", str(jobs))
    return count / (time.perf_counter() - started)


def correct_and_wrong(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    sources = pools()["correct"] + pools()["wrong"]
    made = []
    for number, source in zip(range(count), itertools.cycle(sources)):
        made.append(folder / f"{number:03d}-{source.stem}.py")
        made[-1].write_bytes(source.read_bytes())
    return made


# VmHWM, not ru_maxrss: Linux carries a process's ru_maxrss across exec from its parent's memory.
GRADER_PEAK = """
import sys
from harness.cli import main
main(sys.argv[1:])
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")), file=sys.stderr)
"""


def grader_peak_mb(folder: Path, jobs: int) -> float:
    """The grading process's own peak resident memory (not the zygote's or the children's)."""
    run = subprocess.run([sys.executable, "-c", GRADER_PEAK, "grade", "label-smoothing", str(folder), "--jobs", str(jobs),
                          "--format", "json", "--output", os.devnull], cwd=ROOT, capture_output=True, text=True)
    return int(run.stderr.strip().splitlines()[-1]) / 1024


def attack(folder: Path, count: int) -> None:
    folder.mkdir()
    floods = [SCENARIOS / "hostile-floods-one-reply" / "submission.py", SCENARIOS / "hostile-floods-within-limit" / "submission.py"]
    for number, source in zip(range(count), itertools.cycle(floods)):
        (folder / f"{number:03d}-{source.parent.name}.py").write_bytes(source.read_bytes())


def cpu_ms() -> float:
    """CPU milliseconds of this process and of every child it has waited for: unlike wall time, the
    same on a busy machine as on an idle one."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.process_time() + children.ru_utime + children.ru_stime) * 1000


def over_bare_fork_ms(prepare, rounds: int = 10, forks: int = 20) -> float:
    """What `prepare` adds to a bare fork, in CPU milliseconds: the two timed in alternation, so that a
    change of load falls on both."""
    extra = sum(per_fork_ms(prepare, forks) - per_fork_ms(lambda: None, forks) for _ in range(rounds))
    return extra / rounds


def per_fork_ms(prepare, rounds: int = 200) -> float:
    """CPU milliseconds of a fork whose child runs `prepare()` and exits, waited for."""
    started = cpu_ms()
    for _ in range(rounds):
        pid = os.fork()
        if pid == 0:
            try:
                prepare()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    return (cpu_ms() - started) / rounds


def layer_costs() -> list[tuple[str, str]]:
    """Each layer's CPU cost per submission (or per run), over a bare fork of this process."""
    from harness.sandbox import kernel
    from harness.sandbox.executor import UidBlock, remove_tree

    rows = [("fork and wait, bare (the reference)", f"{per_fork_ms(lambda: None):.3f} ms")]
    rows.append(("seccomp filter, per submission", f"{over_bare_fork_ms(kernel.install_seccomp):+.3f} ms"))
    rows.append(("death with the zygote (prctl), per submission",
                 f"{over_bare_fork_ms(lambda: kernel.die_with_parent(os.getppid())):+.3f} ms"))
    if os.geteuid() == 0:
        namespaces = over_bare_fork_ms(lambda: os.unshare(os.CLONE_NEWNET | os.CLONE_NEWIPC), forks=5)
        rows.append(("network + IPC namespaces, once per run (if per submission: this each)", f"{namespaces:+.3f} ms"))
    else:
        every = os.CLONE_NEWUSER | os.CLONE_NEWNS | os.CLONE_NEWNET | os.CLONE_NEWIPC
        namespaces = over_bare_fork_ms(lambda: os.unshare(every), forks=5)
        rows.append(("not root: user, mount, network + IPC namespaces, per submission", f"{namespaces:+.3f} ms"))
    started = cpu_ms()
    for _ in range(200):
        folder = tempfile.mkdtemp()
        os.makedirs(os.path.join(folder, "a", "b"))
        remove_tree(folder)
    rows.append(("own folder made and removed, per submission", f"{(cpu_ms() - started) / 200:.3f} ms"))
    if os.geteuid() == 0:
        started = cpu_ms()
        UidBlock().release()
        rows.append(("uid block locked, once per run", f"{cpu_ms() - started:.3f} ms"))
    stat = os.open(f"/proc/{os.getpid()}/stat", os.O_RDONLY)
    started = cpu_ms()
    for _ in range(1000):
        os.pread(stat, 1024, 0)
    os.close(stat)
    rows.append(("CPU time read from /proc, per call", f"{(cpu_ms() - started) / 1000:.3f} ms"))
    return rows


def on_cpu_ms(pid: int) -> float:
    with open(f"/proc/{pid}/schedstat") as schedstat:
        return int(schedstat.read().split()[0]) / 1e6


@dataclass
class CpuSplit:
    """CPU milliseconds per submission, every layer on, correct and wrong submissions alternating."""

    grader: float  # the grading process: its tests, the exchanges, making and removing the child
    fork: float  # the zygote, forking
    ready: float  # the child, from fork to ready (confining itself) and answering one empty load
    load: float  # the child, loading the submission (beyond an empty load)
    tests: float  # the child, answering the tests' calls
    alone: float  # the same tests on the same sources in one process, no isolation at all
    calls: float  # calls to the submission per submission
    trips: float  # round trips to the child those calls took (a batch of a test's cases is one)

    @property
    def child(self) -> float:
        return self.ready + self.load + self.tests

    @property
    def total(self) -> float:
        return self.grader + self.fork + self.child


def cpu_per_submission(rounds: int = 60) -> CpuSplit:
    """Grades correct and wrong sources in this process through the batch's own executor; the zygote's
    and the children's CPU come from /proc/PID/schedstat (exact, whatever the load)."""
    from harness.authoring import expected
    from harness.batch import executor_for, pin_to_a_core
    from harness.core import problem as problems, runner
    from harness.inprocess import InProcess
    from harness.sandbox.executor import Zygote

    pool = pools()
    sources = [p.read_text() for p in pool["correct"] + pool["wrong"]]
    problem = problems.load(PROBLEM)
    entry = problem.manifest.entry
    with Zygote() as zygote:
        pin_to_a_core()()  # as each of a batch's threads is (the zygote, started before, is not)
        with executor_for(problem, zygote) as reference:
            problem = expected.held_out(problem, 1, reference)
        started = time.process_time()
        for number in range(rounds):
            runner.run(problem, sources[number % len(sources)], InProcess())
        alone = (time.process_time() - started) * 1000 / rounds
        ready = 0.0
        for _ in range(rounds):
            with executor_for(problem, zygote) as executor:
                executor.load("", entry)
                ready += on_cpu_ms(executor._pid)
        loaded, tests, calls, trips = 0.0, 0.0, 0, 0
        grader, forks = time.process_time(), on_cpu_ms(zygote._process.pid)
        for number in range(rounds):
            with executor_for(problem, zygote) as executor:
                marks: list[float] = []

                def first_test(kind: str, data: dict) -> None:
                    if not marks and kind == "start":
                        marks.append(on_cpu_ms(executor._pid))

                call, call_many = executor.call, executor.call_many

                def counted(*args: object) -> tuple:
                    nonlocal calls, trips
                    calls, trips = calls + 1, trips + 1
                    return call(*args)

                def counted_many(*args: object) -> list:
                    nonlocal calls, trips
                    results = call_many(*args)
                    calls, trips = calls + len(results), trips + 1
                    return results

                executor.call, executor.call_many = counted, counted_many
                runner.run(problem, sources[number % len(sources)], executor, on_event=first_test)
                loaded += marks[0] if marks else 0.0
                tests += on_cpu_ms(executor._pid) - marks[0] if marks and executor._pid else 0.0
        grader = (time.process_time() - grader) * 1000 / rounds
        forks = (on_cpu_ms(zygote._process.pid) - forks) / rounds
    return CpuSplit(grader, forks, ready / rounds, (loaded - ready) / rounds, tests / rounds, alone, calls / rounds,
                    trips / rounds)


@dataclass
class Rate:
    """One run of the batch command: submissions per second overall and after its start (None when
    load made the batch of two the slower), and the start's seconds."""

    overall: float
    steady: float | None
    start: float


def measured_rate(folder: Path, count: int, jobs: int) -> Rate:
    """The start (the problem loaded, the zygote started, the held-out values computed) is timed on a
    batch of two and subtracted."""
    small = folder.parent / f"{folder.name}-start"
    small.mkdir(exist_ok=True)
    for path in sorted(folder.iterdir())[:2]:
        shutil.copy(path, small / path.name)
    start = 2 / rate_of_batch(2, small, jobs)
    overall = rate_of_batch(count, folder, jobs)
    rest = count / overall - start
    return Rate(overall, (count - 2) / rest if rest > 0 else None, start)


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark batch grading against one process per submission.")
    parser.add_argument("--count", type=int, default=200, help="mixed submissions, graded by both commands")
    parser.add_argument("--rate-count", type=int, default=600, help="correct and wrong submissions, for the rate")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the batch for each rate")
    parser.add_argument("--jobs", type=int, default=usable_cores())
    args = parser.parse_args()
    load_before, cores = os.getloadavg()[0], usable_cores()  # before cpu_per_submission pins this thread
    folder = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        files = generate(folder / "mixed", args.count)
        started = time.perf_counter()
        batch = grade_command(str(folder / "mixed"), "--jobs", str(args.jobs))
        batch_seconds = time.perf_counter() - started
        if batch.returncode not in (0, 1):
            raise SystemExit(f"bench-grade: the batch command failed: {batch.stderr}")
        batch_verdicts = {Path(r["submission"]).name: verdicts(r) for r in json.loads(batch.stdout)["submissions"]}

        started, single_cpu = time.perf_counter(), cpu_ms()
        single_verdicts = {}
        for path in files:
            run = grade_command(str(path))
            single_verdicts[path.name] = verdicts(json.loads(run.stdout)) if run.stdout else ("no report",)
        single_seconds, single_cpu = time.perf_counter() - started, (cpu_ms() - single_cpu) / len(files)
        correct_and_wrong(folder / "correct-and-wrong", args.rate_count)
        rates = {jobs: [measured_rate(folder / "correct-and-wrong", args.rate_count, jobs) for _ in range(args.repeat)]
                 for jobs in dict.fromkeys((args.jobs, 2 * args.jobs))}
        attack(folder / "attack", 40)
        attack_mb = grader_peak_mb(folder / "attack", args.jobs)
        calm_mb = grader_peak_mb(folder / "correct-and-wrong", args.jobs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    layers = layer_costs()  # before cpu_per_submission starts threads: it forks this process
    split = cpu_per_submission()
    load_after = os.getloadavg()[0]

    differing = sorted(name for name in single_verdicts if single_verdicts[name] != batch_verdicts.get(name))
    kinds = {kind: sum(p.name.startswith(kind) for p in files) for kind in MIX}
    batch_rate, single_rate = len(files) / batch_seconds, len(files) / single_seconds
    print(f"bench-grade: {cores} usable cores, load average {load_before:.1f} at the start and {load_after:.1f} "
          "at the end (wall rates fall with load; CPU figures do not)")
    print(f"  {len(files)} submissions ({', '.join(f'{n} {k}' for k, n in kinds.items())}):")
    print(f"    batch, --jobs {args.jobs}, every submission in its own confined process: "
          f"{batch_seconds:7.2f} s  {batch_rate:7.1f} submissions/s")
    print(f"    baseline, one `python -m harness grade` per submission:        "
          f"{single_seconds:7.2f} s  {single_rate:7.1f} submissions/s, {single_cpu:.0f} ms CPU each")
    print(f"    ratio: {batch_rate / single_rate:.1f}x in wall time, {single_cpu / split.total:.1f}x in CPU "
          "per submission (goal: at least 20x)")
    print(f"    same verdicts, test by test: {'yes' if not differing else 'NO: ' + ', '.join(differing)}")
    print(f"  {args.rate_count} correct and wrong submissions (goal: 120/s), {args.repeat} runs each:")
    for jobs, runs in rates.items():
        overall = statistics.median(r.overall for r in runs)
        steady = [r.steady for r in runs if r.steady]
        after = (f"{statistics.median(steady):6.1f}/s after the command's start ({statistics.median(steady) / single_rate:.0f}x; "
                 f"runs: {', '.join(f'{r:.1f}' for r in steady)})" if steady
                 else "after its start: not measurable (load made a batch of two the slower)")
        print(f"    --jobs {jobs}: {overall:6.1f} submissions/s overall ({overall / single_rate:.0f}x the baseline; runs: "
              f"{', '.join(f'{r.overall:.1f}' for r in runs)}), {after}")
        print(f"             the command's start: {statistics.median(r.start for r in runs):.2f} s")
    print(f"  CPU per submission, every layer on (correct and wrong alternating): {split.total:.1f} ms")
    print(f"    grader {split.grader:.1f} ms (its GIL alone would cap a batch at {1000 / split.grader:.0f}/s), "
          f"zygote's fork {split.fork:.1f} ms, child {split.child:.1f} ms: fork to ready {split.ready:.1f}, "
          f"loading the submission {split.load:.1f}, {split.calls:.1f} calls in {split.trips:.1f} round trips "
          f"{split.tests:.1f} ({split.tests / max(split.calls, 1) * 1000:.0f} us a call)")
    print(f"    the same tests in one process, no isolation: {split.alone:.1f} ms; the baseline: {single_cpu:.0f} ms")
    print(f"    at this cost {cores} idle cores grade at most {cores * 1000 / split.total:.0f}/s "
          f"(200/s needs {cores * 1000 / 200:.0f} ms)")
    print(f"  grader's peak memory: {attack_mb:.0f} MB grading 40 flooding submissions "
          f"(60 MB and 7 MB per reply), {calm_mb:.0f} MB grading {args.count} correct and wrong ones")
    print("  isolation layers, each timed alone (CPU):")
    for layer, cost in layers:
        print(f"    {layer:72} {cost}")
    return 0 if not differing else 1


if __name__ == "__main__":
    sys.exit(main())
