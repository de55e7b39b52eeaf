"""`new`: a problem folder made from the template beside this module, full of TODOs that `check` refuses."""

from __future__ import annotations

from pathlib import Path

from ..core.manifest import problem_id_error

TEMPLATE = Path(__file__).resolve().parent / "template"


class ScaffoldError(Exception):
    """The folder cannot be made; the message is the one line the user sees."""


def create(problem_id: str, root: Path) -> Path:
    """Write `root/problem_id/` from the template, with the id, title and function name filled in."""
    error = problem_id_error(problem_id)
    if error:
        raise ScaffoldError(f"'{problem_id}' {error}")
    target = root / problem_id
    if target.exists():
        raise ScaffoldError(f"{target}: already exists")
    values = {
        "__id__": problem_id,
        "__title__": problem_id.replace("-", " ").capitalize(),
        "__function__": problem_id.replace("-", "_"),
    }
    for template in sorted(TEMPLATE.rglob("*")):
        if template.is_file() and "__pycache__" not in template.parts:
            text = template.read_text(encoding="utf-8")
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            path = target / template.relative_to(TEMPLATE)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return target
