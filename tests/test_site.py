"""End to end: the built site in a real headless Chromium, used as a learner would use it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import PROBLEMS, SCENARIOS, Learner

pytestmark = pytest.mark.browser

FOLDER = PROBLEMS / "label-smoothing"


def test_index_lists_the_problem(learner):
    learner.page.goto(learner.base_url)
    card = learner.page.locator('[data-testid="problem-card"][data-problem="label-smoothing"]')
    assert "Label-smoothing cross-entropy" in card.inner_text()
    assert "medium" in card.inner_text().lower()
    card.locator("a").click()
    learner.wait_ready()
    assert learner.page.title().startswith("Label-smoothing cross-entropy")


def test_math_is_typeset_and_stub_is_loaded(learner):
    learner.open_problem()
    assert learner.page.locator(".statement .katex").count() > 10
    assert learner.page.locator(".statement .katex-error").count() == 0
    assert "$$" not in learner.page.locator(".statement").inner_text()
    assert "raise NotImplementedError" in learner.editor_text()
    status = learner.page.locator('[data-testid="runtime-status"]').inner_text()
    assert "Python 3.13" in status


def test_reference_solution_passes_every_test(learner):
    learner.open_problem()
    learner.upload(FOLDER / "solution.py")
    results = learner.run_tests()
    assert len(results) == 6 and {s for s, _ in results.values()} == {"pass"}
    summary = learner.page.locator('[data-testid="summary"]')
    assert summary.get_attribute("data-passed") == "5"
    assert "Solved" in summary.inner_text()
    assert learner.page.locator('[data-testid="solved"]').is_visible()
    learner.page.goto(learner.base_url)
    assert learner.page.locator('[data-problem="label-smoothing"] .solved-mark').is_visible()


def test_stub_passes_none(learner):
    learner.open_problem()
    learner.upload(FOLDER / "solution.py")
    learner.page.click('[data-testid="reset"]')  # the code differs from the stub: a confirm() asks first
    assert "raise NotImplementedError" in learner.editor_text()
    results = learner.run_tests()
    assert len(results) == 6 and all(status == "error" for status, _ in results.values())
    assert all("NotImplementedError" in message for _, message in results.values())
    assert learner.page.locator('[data-testid="summary"]').get_attribute("data-passed") == "0"


def test_wrong_solution_fails_the_expected_test_with_its_message(learner):
    learner.open_problem()
    learner.upload(FOLDER / "mutants" / "naive_softmax.py")
    results = learner.run_tests()
    status, message = results["Numerically stable for large logits"]
    assert status == "fail" and "returned nan, not a finite number" in message
    assert [s for s, _ in results.values()].count("pass") == 5


def test_keyboard_shortcut_runs_the_tests(learner):
    learner.open_problem()
    learner.upload(FOLDER / "solution.py")
    learner.page.locator(".cm-content").click()
    learner.page.keyboard.press("Control+Enter")
    assert {s for s, _ in learner.wait_results().values()} == {"pass"}


def test_draft_survives_a_reload(learner):
    learner.open_problem()
    learner.page.locator(".cm-content").click()
    learner.page.keyboard.press("Control+End")
    learner.page.keyboard.type("\n# my draft 42")
    learner.page.wait_for_selector('[data-testid="draft-state"]:has-text("Draft saved")')
    learner.page.reload()
    learner.wait_ready()
    assert "# my draft 42" in learner.editor_text()


def test_deep_recursion_is_a_recursion_error_not_a_crash(learner):
    learner.open_problem()
    learner.upload(SCENARIOS / "recursion" / "submission.py")
    results = learner.run_tests()
    assert all(s == "error" and "RecursionError" in m for s, m in results.values())
    learner.upload(FOLDER / "solution.py")
    assert {s for s, _ in learner.run_tests().values()} == {"pass"}


def test_broken_submission_says_where(learner):
    learner.open_problem()
    learner.upload(SCENARIOS / "syntax-error" / "submission.py")
    learner.run_tests()
    assert "SyntaxError on line 3" in learner.page.locator('[data-testid="summary"]').inner_text()


def test_hints_are_revealed_one_at_a_time(learner):
    learner.open_problem()
    hints = learner.page.locator(".hint")
    assert hints.count() == 3 and not hints.nth(0).is_visible()
    learner.page.click('[data-testid="next-hint"]')
    assert hints.nth(0).is_visible() and not hints.nth(1).is_visible()


def test_public_example_shows_its_code_hidden_tests_do_not(learner):
    learner.open_problem()
    learner.upload(FOLDER / "solution.py")
    learner.run_tests()
    rows = learner.page.locator('[data-testid="test-result"]')
    example = rows.filter(has_text="Worked example")
    example.locator("summary", has_text="Show the test's code").click()
    assert "t.call(logits, 2, 0.1)" in example.locator(".test-code").inner_text()
    assert rows.locator(".test-code").count() == 1


def test_readable_at_375_pixels_in_dark_mode(browser, base_url):
    learner = Learner(browser, base_url, viewport={"width": 375, "height": 800}, color_scheme="dark")
    try:
        learner.open_problem()
        width = learner.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        background = learner.page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert sum(map(int, re.findall(r"\d+", background)[:3])) < 150  # a dark background
    finally:
        learner.context.close()


def test_site_contains_no_reference_solution(built_site):
    # A line of a reference is secret unless the problem publishes it (a hint may teach a line).
    distinctive = set()
    for folder in PROBLEMS.iterdir():
        if not (folder / "solution.py").is_file():
            continue
        published = "".join((folder / name).read_text() for name in ("statement.md", "stub.py", "tests.py"))
        distinctive |= {
            line.strip() for line in (folder / "solution.py").read_text().splitlines()
            if len(line.strip()) > 12 and line.strip() not in published
            and not line.strip().startswith(("import", "from", "def ", "return", '"""'))
        }
    assert len(distinctive) > 10
    for path in built_site.rglob("*"):
        if not path.is_file():
            continue
        texts = [path.read_bytes().decode("utf-8", "replace")]
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                names = wheel.namelist()
                assert not [n for n in names if "solution" in n or n.startswith("problems/")], names
                if "harness" in path.name:
                    texts += [wheel.read(n).decode("utf-8", "replace") for n in names]
        for text in texts:
            for line in distinctive:
                assert line not in text, f"{path} contains a line of a reference solution: {line!r}"
    assert not list(built_site.rglob("solution*"))


def test_memory_bomb_is_a_memory_error(learner):
    learner.open_problem()
    learner.upload(SCENARIOS / "memory-bomb" / "submission.py")
    results = learner.run_tests()
    assert all(s == "error" and "MemoryError" in m for s, m in results.values())


def test_usable_with_the_keyboard_alone(learner):
    learner.open_problem()
    for _ in range(40):
        learner.page.keyboard.press("Tab")
        if learner.page.evaluate("document.activeElement.dataset.testid") == "run-tests":
            break
    else:
        pytest.fail("Tab never reached the Run tests button")
    learner.page.keyboard.press("Enter")
    results = learner.wait_results()
    assert len(results) == 6 and all(status == "error" for status, _ in results.values())  # the stub


def test_the_track_is_ordered_by_difficulty(learner):
    learner.page.goto(learner.base_url)
    difficulties = [d.lower() for d in learner.page.locator('[data-testid="problem-card"] .difficulty').all_inner_texts()]
    assert len(difficulties) == 5
    assert difficulties == sorted(difficulties, key=["easy", "medium", "hard"].index)


def test_printed_output_is_shown_and_truncated(learner):
    learner.open_problem()
    learner.upload(SCENARIOS / "prints-a-lot" / "submission.py")
    results = learner.run_tests()
    assert {s for s, _ in results.values()} == {"pass"}
    load_output = learner.page.locator('[data-testid="load-output"]')
    assert load_output.is_visible() and "loading my solution" in load_output.inner_text()
    row = learner.page.locator('[data-testid="test-result"]').first
    row.locator("summary", has_text="Printed output").click()
    printed = row.locator(".output").inner_text()
    assert printed.startswith("debug line 0") and "[output truncated:" in printed
