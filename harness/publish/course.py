"""A course: a folder with `course.toml`, `problems/`, its authors' README, CI workflows and `_headers`.

`init` writes one from the template beside this module; the other commands run in that folder.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import harness

from . import PublishError

CONFIG = "course.toml"
PROBLEMS_ENV = "HARNESS_PROBLEMS"  # overrides a course's problems/ folder, for every command
HEADERS = "_headers"
TEMPLATE = Path(__file__).resolve().parent / "course_template"
# Template files whose names a package cannot carry as they are (hidden names get lost on the way).
RENAMED = {"gitignore": ".gitignore", "github": ".github"}
DEFAULT_TITLE = "Exercise kit"


class CourseError(PublishError):
    """The course folder or its config is unusable; the message says which file and what to do."""


@dataclass(frozen=True)
class Course:
    root: Path
    title: str = DEFAULT_TITLE

    @property
    def problems(self) -> Path:
        return self.root / "problems"

    @property
    def published(self) -> tuple[Path, ...]:
        """Files of the course that the site publishes as they are."""
        headers = self.root / HEADERS
        return (headers,) if headers.is_file() else ()


def load(root: Path) -> Course:
    """The course in `root`; a folder without course.toml is a course with the default settings."""
    path = root / CONFIG
    if not path.is_file():
        return Course(root)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(f"{path}: cannot be read: {exc}") from None
    title = data.get("course", {}).get("title", DEFAULT_TITLE)
    if not isinstance(title, str) or not title.strip():
        raise CourseError(f"{path}: [course] title must be a non-empty string")
    return Course(root, title.strip())


def init(root: Path, title: str) -> list[Path]:
    """Write a new course into `root` (absent or empty); return the files written."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise CourseError(f"{root}: already exists and is not an empty folder; choose a new folder")
    if not title.strip():
        raise CourseError("--title: give the course a title")
    # A JSON string is a valid TOML basic string: quotes and backslashes arrive escaped.
    values = {"__title_toml__": json.dumps(title.strip(), ensure_ascii=False), "__title__": title.strip(),
              "__version__": harness.__version__}
    written = []
    for template in sorted(TEMPLATE.rglob("*")):
        if not template.is_file() or "__pycache__" in template.parts:
            continue
        parts = template.relative_to(TEMPLATE).parts
        path = root.joinpath(RENAMED.get(parts[0], parts[0]), *parts[1:])
        text = template.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
