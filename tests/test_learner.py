"""End to end, in Chromium: what a learner sees when something fails, tries things, and moves on.

Issue 12: feedback in the editor, the exact failing call, the console, the live figures, the
learning loop, uploads, phones and the keyboard.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import PROBLEMS, Learner

pytestmark = pytest.mark.browser

LABEL_SMOOTHING = PROBLEMS / "label-smoothing"
GRADIENT = PROBLEMS / "label-smoothing-grad"
HELPER_RAISES = """\
import numpy as np

def helper(z):
    return z[10]

def label_smoothing_loss(logits, target, alpha):
    return helper(logits)
"""
PHONES = (320, 375, 414)


def write(tmp_path, text: str, name: str = "submission.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def figure_numbers(page) -> dict[str, float]:
    cells = page.locator('[data-testid^="figure-"]:is(dd)')
    return {c.get_attribute("data-testid").removeprefix("figure-"): number(c.inner_text()) for c in cells.all()}


def row(learner, name: str):
    return learner.page.locator(f'[data-testid="test-result"][data-name="{name}"]')


def console(learner, code: str):
    """Type `code` into "Try it", press Enter, and return the log's new entries."""
    log = learner.page.locator('[data-testid="console-log"] > li')
    before = log.count()
    learner.page.fill('[data-testid="console-input"]', code)
    learner.page.press('[data-testid="console-input"]', "Enter")
    learner.page.wait_for_function(
        "n => !document.querySelector('[data-testid=console-form]').dataset.busy && "
        "document.querySelectorAll('[data-testid=console-log] > li').length > n", arg=before, timeout=30_000)
    return log.all()[before:]


# ---- The live figure ----------------------------------------------------------------------------------

def test_figure_shows_the_sources_numbers_before_python_has_loaded(learner):
    learner.page.goto(f"{learner.base_url}label-smoothing/index.html")
    learner.page.wait_for_selector('[data-testid="figure-loss"]:not(:empty)')
    assert learner.page.get_attribute('[data-testid="runtime-status"]', "data-state") == "loading"
    numbers = figure_numbers(learner.page)
    assert numbers["q-true"] == 0.925 and numbers["q-off"] == 0.025
    assert numbers["loss"] == 0.6279 and numbers["loss-hard"] == 0.5108
    assert numbers["loss-true-part"] + numbers["loss-off-part"] == pytest.approx(0.6279, abs=1e-4)
    assert numbers["grad-true"] == -0.325 and numbers["grad-hard"] == -0.4
    assert numbers["p-stop"] == 0.925  # 1 - α + α/K
    assert learner.page.locator('[data-testid="figure-overlay"]').is_disabled()
    # Above the maths: the figure comes before the statement's first formula section.
    assert learner.page.evaluate(
        "document.querySelector('[data-testid=figure]').compareDocumentPosition(document.querySelector('.statement h2')) & 4")


def test_figure_responds_to_the_keyboard_alone(learner):
    learner.open_problem()
    alpha = learner.page.locator('[data-testid="figure-alpha"]')
    alpha.focus()
    for _ in range(20):
        learner.page.keyboard.press("ArrowRight")  # 0.1 + 20 × 0.005 = 0.2
    numbers = figure_numbers(learner.page)
    assert numbers["q-true"] == 0.85 and numbers["p-stop"] == 0.85 and numbers["q-off"] == 0.05
    learner.page.keyboard.press("Tab")  # on to the first logit's handle
    assert learner.page.evaluate("document.activeElement.dataset.testid") == "figure-logit-sunny"
    learner.page.locator('[data-testid="figure-logit-rainy"]').focus()
    learner.page.keyboard.press("End")  # the true class's logit all the way up: a confident prediction
    assert figure_numbers(learner.page)["grad-true"] > 0  # past the stop point, training pushes back down


def test_overlay_shows_where_a_wrong_function_bends_away(learner, tmp_path):
    learner.open_problem()
    learner.upload(LABEL_SMOOTHING / "mutants" / "true_class_gets_one_minus_alpha.py")
    learner.page.click('[data-testid="figure-overlay"]')
    status = learner.page.locator('[data-testid="figure-overlay-status"]')
    status.locator("text=off by").wait_for()
    assert float(status.get_attribute("data-deviation")) > 0.1  # at α = 1 the mutant's target sums to 0.75
    assert learner.page.locator('[data-testid="figure-mine"]').count() == 1
    # The overlay is not a run: nothing was graded.
    assert learner.page.get_attribute('[data-testid="summary"]', "data-passed") is None
    learner.upload(LABEL_SMOOTHING / "solution.py")
    learner.page.locator('[data-testid="figure-alpha"]').press("ArrowRight")  # the figure calls the new code
    status.locator("text=matches the true curve").wait_for()
    assert float(status.get_attribute("data-deviation")) < 1e-9


def test_gradient_problem_has_its_own_figure(learner):
    learner.open_problem("label-smoothing-grad")
    assert figure_numbers(learner.page)["grad-true"] == -0.325
    learner.page.locator('[data-testid="figure-logit-sunny"]').press("End")
    numbers = figure_numbers(learner.page)
    assert numbers["grad-true"] < -0.325 and numbers["grad-sum"] == 0
    learner.upload(GRADIENT / "mutants" / "sign_flipped.py")
    learner.page.click('[data-testid="figure-overlay"]')
    learner.page.locator('[data-testid="figure-overlay-status"]', has_text="off by").wait_for()
    assert learner.page.locator(".figure-chart .figure-mine-mark").count() == 4


# ---- Feedback where the code is ------------------------------------------------------------------------

def test_a_raising_line_and_its_caller_are_marked_until_the_next_edit(learner, tmp_path):
    learner.open_problem()
    learner.upload(write(tmp_path, HELPER_RAISES))
    learner.run_tests()
    first = row(learner, "α = 0 reduces to plain cross-entropy")
    assert "IndexError" in first.inner_text()
    frames = first.locator('[data-testid="frames"] li').all_inner_texts()
    assert frames == ["line 4 in helper", "called from line 7 in label_smoothing_loss"]
    assert "harness" not in first.inner_text() and "runner.py" not in first.inner_text()
    marked = learner.page.locator(".cm-line.cm-fault-line-raised")
    assert marked.inner_text() == "    return z[10]"
    assert learner.page.locator(".cm-line.cm-fault-line-caller").inner_text() == "    return helper(logits)"
    assert learner.page.locator(".cm-fault-gutter .cm-fault-raised").count() == 1
    first.locator('[data-testid="frames"] button').nth(1).click()  # "called from line 7" goes there
    assert learner.page.evaluate("getSelection().toString()") == "    return helper(logits)"
    learner.page.keyboard.press("End")
    learner.page.keyboard.type("  # edited")
    assert learner.page.locator(".cm-fault-line-raised, .cm-fault-line-caller, .cm-fault-marker").count() == 0


def test_a_wrong_value_marks_the_return_it_left_from(learner):
    learner.open_problem()
    learner.upload(LABEL_SMOOTHING / "mutants" / "smooths_the_loss.py")
    learner.run_tests()
    returned = learner.page.locator(".cm-line.cm-fault-line-returned")
    assert returned.all_inner_texts() == [
        line for line in (LABEL_SMOOTHING / "mutants" / "smooths_the_loss.py").read_text().splitlines()
        if line.strip().startswith("return ")
    ]
    assert learner.page.locator(".cm-fault-gutter .cm-fault-returned").count() == returned.count()


def test_a_syntax_error_is_one_row_and_marks_its_line(learner, tmp_path):
    learner.open_problem()
    learner.upload(write(tmp_path, "import numpy as np\n\ndef label_smoothing_loss(logits, target, alpha)\n    return 0.0\n"))
    results = learner.run_tests()
    assert list(results) == ["Your code could not be loaded"]
    status, message = results["Your code could not be loaded"]
    assert status == "error" and "SyntaxError on line 3" in message and "not run" not in message
    assert learner.page.locator(".cm-fault-line-raised").inner_text().startswith("def label_smoothing_loss")


def test_the_failing_call_is_exact_and_reproduces_the_result(browser, base_url):
    learner = Learner(browser, base_url, permissions=["clipboard-read", "clipboard-write"])
    try:
        learner.open_problem()
        mutant = LABEL_SMOOTHING / "mutants" / "smooths_the_loss.py"
        learner.upload(mutant)
        learner.run_tests()
        example = row(learner, "Worked example: p = [0.1, 0.2, 0.6, 0.1], y = 2, α = 0.1")
        call = example.locator('[data-testid="failing-call"]').inner_text()
        assert call == "label_smoothing_loss(np.array([-2.3025850929940455, -1.6094379124341003, " \
                       "-0.5108256237659907, -2.3025850929940455]), 2, 0.1)"
        example.locator('[data-testid="copy-call"]').click()
        assert learner.page.evaluate("navigator.clipboard.readText()") == call
        example.locator('[data-testid="try-call"]').click()
        assert learner.page.input_value('[data-testid="console-input"]') == call
        learner.page.press('[data-testid="console-input"]', "Enter")
        learner.page.wait_for_selector('[data-testid="console-result"]')
        namespace = {"np": np}
        exec(mutant.read_text(), namespace)
        assert learner.page.inner_text('[data-testid="console-result"]') == repr(eval(call, namespace))
    finally:
        learner.context.close()


def test_an_array_diff_highlights_the_worst_entries(learner):
    learner.open_problem("label-smoothing-grad")
    learner.upload(GRADIENT / "mutants" / "forgets_smoothing.py")
    learner.run_tests()
    diff = learner.page.locator('[data-testid="diff"]').first
    assert re.search(r"\d+ of \d+ entries are outside the tolerance", diff.inner_text())
    rows = diff.locator("tr").all()[1:]
    errors = {r.locator("td").first.inner_text(): abs(number(r.locator("td").nth(3).inner_text())) for r in rows}
    worst = diff.locator('[data-testid="diff-worst"] td:first-child').all_inner_texts()
    assert 1 <= len(worst) <= 3
    assert max(errors, key=errors.get) in worst


def test_messages_that_used_to_mislead(learner, tmp_path):
    learner.open_problem()
    learner.upload(write(tmp_path, "def label_smoothing_loss(logits, target, alpha):\n    return [0.5]\n"))
    _, message = learner.run_tests()["α = 0 reduces to plain cross-entropy"]
    assert "x.item()" in message and "sum over the classes" not in message
    learner.open_problem("sequence-loss")
    learner.upload(PROBLEMS / "sequence-loss" / "mutants" / "all_pad_is_nan.py")
    _, message = learner.run_tests()["An all-pad batch has loss 0.0"]
    assert "returned nan" in message and "0/0" in message


# ---- The console -----------------------------------------------------------------------------------------

def test_console_returns_a_value_its_prints_and_a_traceback_without_a_run(learner, tmp_path):
    learner.open_problem()
    learner.upload(write(tmp_path, HELPER_RAISES + "\nprint('module loaded')\n"))
    entries = console(learner, "float(np.log([.1, .2, .6, .1]).sum())")
    assert [e.get_attribute("class") for e in entries] == ["console-code", "console-output", "console-result"]
    assert entries[1].inner_text() == "module loaded"
    assert number(entries[2].inner_text()) == pytest.approx(np.log([.1, .2, .6, .1]).sum(), rel=1e-15)
    error = console(learner, "label_smoothing_loss(np.log([.1, .2, .6, .1]), 2, 0.1)")[-1]
    assert "IndexError" in error.inner_text()
    assert error.locator("li").all_inner_texts() == ["line 4 in helper", "called from line 7 in label_smoothing_loss"]
    assert learner.page.get_attribute('[data-testid="summary"]', "data-passed") is None  # never a run
    learner.upload(LABEL_SMOOTHING / "solution.py")
    result = console(learner, "label_smoothing_loss(np.log([.1, .2, .6, .1]), 2, 0.1)")[-1]
    assert number(result.inner_text()) == pytest.approx(0.6278789, abs=1e-7)


def test_console_shares_the_time_limit(learner):
    learner.open_problem()
    timed_out = console(learner, "while True: pass")[-1]
    assert "time limit" in timed_out.inner_text()
    assert console(learner, "6 * 7")[-1].inner_text() == "42"
    learner.page.press('[data-testid="console-input"]', "ArrowUp")  # history, as at a Python prompt
    assert learner.page.input_value('[data-testid="console-input"]') == "6 * 7"


# ---- The learning loop and uploads -----------------------------------------------------------------------

def test_solving_reveals_the_explanation_and_the_next_problem_and_counts_it(learner):
    learner.page.goto(learner.base_url)
    assert learner.page.locator('[data-testid="track-progress"]').inner_text() == "0 of 5 solved"
    learner.open_problem()
    assert not learner.page.locator('[data-testid="solved-panel"]').is_visible()
    learner.page.click('[data-testid="next-hint"]')
    learner.page.click('[data-testid="next-hint"]')
    learner.upload(LABEL_SMOOTHING / "solution.py")
    learner.run_tests()
    assert "1 of 5 solved" in learner.page.inner_text('[data-testid="track-progress"]')
    explanation = learner.page.locator('[data-testid="explanation"]')
    assert explanation.locator(".katex").count() == 0  # typeset once opened, not while Python starts
    explanation.locator("summary").click()
    assert "log-softmax" in explanation.inner_text()
    explanation.locator(".katex").first.wait_for(state="attached")  # the toggle event comes as a task
    assert explanation.locator(".katex-error").count() == 0
    learner.page.reload()
    learner.wait_ready()
    assert learner.page.locator(".hint:not([hidden])").count() == 2  # revealed hints are remembered
    assert learner.page.locator('[data-testid="solved-panel"]').is_visible()
    next_link = learner.page.locator('[data-testid="next-problem"]')
    title = next_link.inner_text().removeprefix("Next problem: ").removesuffix(" →")
    next_link.click()
    learner.page.wait_for_url("**/batched-loss/index.html")  # swapped in place, then the URL changes
    assert learner.page.locator("h1").inner_text() == title == "Batched label-smoothing loss"
    learner.page.goto(learner.base_url)
    assert learner.page.locator('[data-testid="track-progress"]').inner_text() == "1 of 5 solved"


def test_upload_refuses_a_binary_file_and_asks_before_replacing_changed_code(learner):
    learner.open_problem()
    stub = learner.editor_text()
    learner.upload([{"name": "model.pyc", "mimeType": "application/octet-stream", "buffer": b"\x00\x01binary\xff"}])
    message = learner.page.locator('[data-testid="upload-message"]')
    assert "model.pyc looks like a binary file" in message.inner_text()
    assert learner.editor_text() == stub
    learner.page.locator(".cm-content").click()
    learner.page.keyboard.type("# my work ")
    learner.accept_dialogs = False
    learner.upload(LABEL_SMOOTHING / "solution.py")
    assert learner.dialogs == ["Replace your code with solution.py?"]
    assert "# my work" in learner.editor_text()
    assert not message.is_visible()


# ---- Phones and keyboards --------------------------------------------------------------------------------

@pytest.mark.parametrize("width", PHONES)
def test_phones_have_no_horizontal_overflow_and_reach_the_editor(browser, base_url, width):
    learner = Learner(browser, base_url, viewport={"width": width, "height": 740}, has_touch=True, is_mobile=True,
                      color_scheme="dark")
    try:
        # Against the phone's width, not innerWidth: a mobile viewport widens to fit content that overflows.
        overflowing = f"Math.max(document.documentElement.scrollWidth, innerWidth) - {width}"
        learner.page.goto(base_url)
        assert learner.page.evaluate(overflowing) <= 0
        learner.page.goto(f"{base_url}label-smoothing/index.html")
        learner.page.wait_for_selector('[data-testid="figure-loss"]:not(:empty)')
        assert learner.page.evaluate(overflowing) <= 0
        bar = "getComputedStyle(document.querySelector('.figure-chart .figure-p')).fill"
        assert learner.page.evaluate(bar) == "rgb(122, 162, 255)"  # the dark theme's accent, readable on dark
        learner.open_problem("label-smoothing-grad")
        learner.upload(GRADIENT / "mutants" / "forgets_smoothing.py")
        learner.run_tests()  # rows, diffs and the failing calls are on the page now
        assert learner.page.evaluate(overflowing) <= 0
        assert not learner.page.locator(".key-hint").first.is_visible()  # no Ctrl+Enter on a phone
        learner.page.evaluate("scrollTo(0, 0)")
        learner.page.click('[data-testid="jump-to-editor"]')
        assert learner.page.locator(".cm-content").is_visible()
        assert learner.page.evaluate("document.querySelector('.cm-editor').getBoundingClientRect().top") < 740
        learner.page.evaluate("scrollBy(0, 300)")  # the Run bar stays pinned while scrolling through the editor
        assert learner.page.evaluate("document.querySelector('[data-testid=run-tests]').getBoundingClientRect().top") >= 0
        learner.page.locator(".cm-content").click()
        learner.page.keyboard.press("Control+End")
        learner.page.keyboard.type("\n# " + "a long comment " * 20)
        assert learner.page.evaluate("(s => s.scrollWidth - s.clientWidth)(document.querySelector('.cm-scroller'))") <= 0
    finally:
        learner.context.close()


def test_editor_focus_ring_and_triple_quotes(learner):
    learner.open_problem()
    learner.page.locator(".cm-content").click()
    ring = learner.page.evaluate("(s => [s.outlineStyle, s.outlineWidth])(getComputedStyle(document.querySelector('.editor')))")
    assert ring == ["solid", "3px"]
    learner.page.keyboard.press("Control+End")
    learner.page.keyboard.type('\n"""doc"""')
    assert learner.editor_text().rstrip().splitlines()[-1] == '"""doc"""'
