"""Held-out cases: a lookup table built from everything public passes in the browser and fails `grade`;
`--seed` reproduces a verdict; `check` proves draws over many seeds; a broken reference is exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import PROBLEMS
from harness.authoring import prove
from harness.core import problem as problems, runner
from harness.core.plain import decode
from harness.inprocess import InProcess

PROBLEM_IDS = sorted(p.name for p in PROBLEMS.iterdir() if (p / "problem.toml").is_file())
# The table's key for a call, the same in this process and in the submission's.
KEY = '''def key(args):
    return repr([(np.shape(a), np.round(np.asarray(a, dtype=float).ravel(), 6).tolist()) for a in args])
'''
namespace: dict = {"np": np}
exec(KEY, namespace)
key = namespace["key"]


class Recording(InProcess):
    """The reference, remembering every call the tests made and what it answered."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, object] = {}

    def call(self, args, timeout):
        plain, fault, output = super().call(args, timeout)
        self.answers[key(args)] = plain
        return plain, fault, output


def lookup_table(problem_id: str) -> str:
    """A submission with no maths in it: every input the site's tests use (the bundle ships them, and a
    graded attempt's messages show the others), each with the exact right answer."""
    site = problems.from_bundle(problems.bundle(problems.load(PROBLEMS / problem_id)))
    recording = Recording()
    runner.run(site, (PROBLEMS / problem_id / "solution.py").read_text(), recording)
    entry = site.manifest.entry
    table = {k: np.asarray(decode(v, entry.returns, "")).tolist() for k, v in recording.answers.items()}
    params = ", ".join(entry.params)
    return (f"import numpy as np\n\nTABLE = {table!r}\n\n{KEY}\n\ndef {entry.name}({params}):\n"
            f"    value = TABLE.get(key(({params},)), 0.0)\n"
            f"    return np.array(value) if isinstance(value, list) else value\n")


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tables")
    written = {}
    for problem_id in PROBLEM_IDS:
        written[problem_id] = folder / f"{problem_id}.py"
        written[problem_id].write_text(lookup_table(problem_id))
    return written


@pytest.mark.parametrize("problem_id", PROBLEM_IDS)
def test_a_lookup_table_passes_in_the_browser_and_fails_grade(problem_id, tables, cli):
    site = problems.from_bundle(problems.bundle(problems.load(PROBLEMS / problem_id)))
    in_browser = runner.run(site, tables[problem_id].read_text(), InProcess())
    assert in_browser.status == "pass", [t.message for t in in_browser.graded if t.status != "pass"]

    run = cli("grade", problem_id, str(tables[problem_id]), "--format", "json")
    report = json.loads(run.stdout)
    assert run.returncode == 1 and report["status"] == "fail"
    assert all(test["held_out"] for test in report["tests"])
    # Off its table it answers 0.0, which is right only where the answer is 0.0 whatever the input
    # (sequence-loss's all-pad batches); every other test fails on inputs drawn for this run.
    assert sum(test["status"] == "pass" for test in report["tests"]) <= 1, report["tests"]


def test_seed_zero_grades_on_the_sites_inputs(tables, cli):
    run = cli("grade", "label-smoothing", str(tables["label-smoothing"]), "--seed", "0", "--format", "json")
    assert run.returncode == 0, run.stdout
    assert not any(t["held_out"] for t in json.loads(run.stdout)["tests"])


def test_the_reports_seed_reproduces_its_verdict(tables, cli):
    first = json.loads(cli("grade", "label-smoothing", str(tables["label-smoothing"]), "--format", "json").stdout)
    again = json.loads(cli("grade", "label-smoothing", str(tables["label-smoothing"]),
                           "--seed", str(first["seed"]), "--format", "json").stdout)
    assert first["seed"] != 0 and again["seed"] == first["seed"]
    messages = [[(t["status"], t["message"], t["score"]) for t in r["tests"]] for r in (first, again)]
    assert messages[0] == messages[1]


def test_a_reference_that_fails_on_a_draw_is_the_problems_fault(copy_of, cli):
    folder = copy_of("label-smoothing")
    reference = folder / "solution.py"
    reference.write_text(reference.read_text().replace("    k = z.shape[0]\n", "    k = z.shape[0]\n"
                                                       "    if k > 6:\n        raise ValueError('too many')\n"))
    run = cli("grade", str(folder), str(folder / "accepted" / "decomposed.py"), "--seed", "1")
    assert run.returncode == 2
    assert f"{folder}/solution.py: on case '" in run.stderr and "(seed 1): raised ValueError" in run.stderr
    reference.write_text(reference.read_text().replace("raise ValueError('too many')", "return float('nan')"))
    run = cli("grade", str(folder), str(folder / "accepted" / "decomposed.py"), "--seed", "1")
    assert run.returncode == 2 and "(seed 1) it returned nan, not a finite number" in run.stderr, run.stderr
    reference.unlink()
    run = cli("grade", str(folder), str(folder / "accepted" / "decomposed.py"))
    assert run.returncode == 2 and f"{folder}/solution.py: missing" in run.stderr


def test_seed_zero_needs_no_reference_as_in_a_classroom_repository(copy_of, cli):
    folder = copy_of("label-smoothing")
    (folder / "solution.py").unlink()
    run = cli("grade", str(folder), str(folder / "accepted" / "decomposed.py"), "--seed", "0", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["seed"] == 0


def test_check_finds_a_variant_wrong_only_on_held_out_inputs_and_a_mutant_caught_only_by_the_published_draws(copy_of):
    folder = copy_of("smooth-labels")
    published = problems.load(folder)
    shown = {published.cases[name].args[1] for name in published.cases}
    drawn = {problems.redraw(published, seed).cases[n].args[1] for seed in prove.HELD_OUT_SEEDS for n in published.drawn}
    unseen = min(drawn - shown)  # a number of classes only the held-out draws use
    solution = (folder / "solution.py").read_text()
    (folder / "accepted" / "wrong_for_unseen_k.py").write_text(
        '"""Correct, except for one K that no published case uses."""\n' + solution.replace(
            "    return soft", f"    return soft * 2 if num_classes == {unseen} else soft"))
    leaked = published.cases["formula/random#1"].args
    (folder / "mutants" / "right_only_off_the_site.py").write_text(
        '"""Wrong on exactly one published input."""\n' + solution.replace(
            "    return soft", f"    return soft * 2 if (target, num_classes, alpha) == {leaked!r} else soft"))

    outcome = prove.prove(problems.load(folder))
    findings = "\n".join(outcome.findings)
    assert "accepted/wrong_for_unseen_k.py: on held-out inputs, " in findings
    assert "must pass every test but fails 'α = 0 gives the one-hot target'" in findings
    assert (f"mutants/right_only_off_the_site.py: on held-out inputs, {len(prove.HELD_OUT_SEEDS)} of "
            f"{len(prove.HELD_OUT_SEEDS)} seeds: survives") in findings
    assert "(reproduce: grade smooth-labels mutants/right_only_off_the_site.py --seed 1)" in findings


def test_check_finds_a_draw_that_does_not_come_from_its_seed(copy_of):
    folder = copy_of("smooth-labels")
    tests = folder / "tests.py"
    tests.write_text(tests.read_text().replace('"formula/random": Draw(drawn()),',
                                               '"formula/random": Draw(lambda rng: drawn()(np.random.default_rng())),'))
    outcome = prove.prove(problems.load(folder))
    assert any("tests.py: the Draw of 'formula/random#" in f and "draw only from the rng it is given" in f
               for f in outcome.findings), outcome.findings
