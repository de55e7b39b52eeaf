"""A problem's `statement.md`: Markdown with $math$, worked examples in ```pycon blocks, and a
`## Hints` list whose items are revealed one at a time.

Used when building the site and checking a problem, never while grading, so its Markdown parser
(markdown-it-py) is imported only here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable

from ..core.manifest import ProblemError

HINTS_HEADING = "## Hints"
# (tex, display) pairs in, one HTML string per pair out.
MathRenderer = Callable[[list[tuple[str, bool]]], list[str]]


@dataclass(frozen=True)
class WorkedExample:
    """`>>> call` and the result the statement promises for it."""

    call: str
    result: str
    line: int


@dataclass(frozen=True)
class Statement:
    html: str
    hints: tuple[str, ...]
    examples: tuple[WorkedExample, ...]


def plain_math(items: list[tuple[str, bool]]) -> list[str]:
    """Math left as escaped TeX; the site's build typesets it with KaTeX instead."""
    return [f'<span class="math">{html.escape(tex)}</span>' for tex, _ in items]


def parse(source: str, where: str = "statement.md", render_math: MathRenderer = plain_math) -> Statement:
    body, _, hints_source = source.partition(f"\n{HINTS_HEADING}\n")
    if not body.strip():
        raise ProblemError(f"{where}: is empty")
    markdown = _markdown()
    math: list[tuple[str, bool]] = []
    env = {"math": math}
    body_html = markdown.render(body, env)
    hints_html = [markdown.render(item, env) for item in _list_items(hints_source)]
    typeset = render_math(math)
    if len(typeset) != len(math):
        raise ProblemError(f"{where}: math rendering returned {len(typeset)} results for {len(math)} formulas")

    def fill(text: str) -> str:
        return re.sub(r"\x00MATH(\d+)\x00", lambda m: typeset[int(m.group(1))], text)

    return Statement(fill(body_html), tuple(fill(h) for h in hints_html), tuple(_worked_examples(body, where)))


def _markdown():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    dollarmath_plugin(markdown, double_inline=True)

    def placeholder(display: bool):
        def render(renderer, tokens, idx, options, env) -> str:
            env["math"].append((tokens[idx].content, display))
            marker = f"\x00MATH{len(env['math']) - 1}\x00"
            return f'<div class="math-display">{marker}</div>\n' if display else marker

        return render

    markdown.add_render_rule("math_inline", placeholder(False))
    markdown.add_render_rule("math_inline_double", placeholder(True))
    markdown.add_render_rule("math_block", placeholder(True))
    markdown.add_render_rule("math_block_label", placeholder(True))
    return markdown


def _list_items(source: str) -> list[str]:
    """The items of the numbered list under `## Hints`, each as its own Markdown text."""
    items: list[list[str]] = []
    for line in source.splitlines():
        start = re.match(r"^\d+\.\s+(.*)$", line)
        if start:
            items.append([start.group(1)])
        elif items and (line.startswith("   ") or not line.strip()):
            items[-1].append(line.strip())
    return ["\n".join(item).strip() for item in items]


def _worked_examples(body: str, where: str) -> list[WorkedExample]:
    examples = []
    lines = body.splitlines()
    inside = False
    for number, line in enumerate(lines, start=1):
        if line.strip().startswith("```"):
            inside = line.strip() == "```pycon" if not inside else False
            continue
        if inside and line.startswith(">>> "):
            result = lines[number].strip() if number < len(lines) else ""
            if not result or result.startswith(("```", ">>>")):
                raise ProblemError(f"{where}: line {number}: a worked example needs its result on the next line")
            examples.append(WorkedExample(line[4:].strip(), result, number))
    return examples
