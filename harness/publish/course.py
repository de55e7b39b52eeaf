"""A course: a folder with `course.toml`, `problems/`, its authors' README, CI workflows, `_headers` and
the kit's own wheel in `.exercise-kit/`, which its workflows install (the kit is not on PyPI).

`init` writes one from the template beside this module; the other commands run in that folder.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import harness

from . import PublishError, wheels

CONFIG = "course.toml"
PROBLEMS_ENV = "HARNESS_PROBLEMS"  # overrides a course's problems/ folder, for every command
HEADERS = "_headers"
TEMPLATE = Path(__file__).resolve().parent / "course_template"
# Template files whose names a package cannot carry as they are (hidden names get lost on the way).
RENAMED = {"gitignore": ".gitignore", "github": ".github"}
DEFAULT_TITLE = "Exercise kit"
VENDORED = ".exercise-kit"  # the kit's wheel, committed with the course, for its CI workflows


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


def init(root: Path, title: str, wheel: Path | None = None) -> list[Path]:
    """Write a new course into `root` (absent or empty), carrying the kit's `wheel` (default: this
    installation's); return the files written."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise CourseError(f"{root}: already exists and is not an empty folder; choose a new folder")
    if not title.strip():
        raise CourseError("--title: give the course a title")
    # A JSON string is a valid TOML basic string: quotes and backslashes arrive escaped.
    values = {"__title_toml__": json.dumps(title.strip(), ensure_ascii=False), "__title__": title.strip()}
    written = []
    with wheels.the_kit_wheel(wheel) as carried:  # before any file is written: it may be missing
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
        return [*written, vendor(root, carried)]


def vendor(root: Path, wheel: Path | None = None) -> Path:
    """Put the kit's `wheel` (default: this installation's) in the course, in place of any other."""
    with wheels.the_kit_wheel(wheel) as wheel:
        target = root / VENDORED / wheel.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if wheel.resolve() != target.resolve():
            shutil.copyfile(wheel, target)
    for other in vendored(root):
        if other != target:
            other.unlink()
    return target


def vendored(root: Path) -> list[Path]:
    """The kit's wheels the course carries: one, unless a hand-made change left more or none."""
    return sorted((root / VENDORED).glob(wheels.wheel_name("*")))


def version_warning(root: Path) -> str | None:
    """Why the course's CI would not run the kit that runs here, if it would not; None when it would."""
    carried = vendored(root)
    if not carried:
        return None  # not a course `init` made (the kit's own repository is one): nothing is promised
    if len(carried) > 1:
        names = ", ".join(w.name for w in carried)
        return (f"{root / VENDORED} holds {len(carried)} wheels ({names}) and its workflows install one; "
                f"run `exercise-kit vendor` to keep this installation's only")
    version = wheels.wheel_version(carried[0])
    if version == harness.__version__:
        return None
    return (f"this course's CI installs exercise-kit {version} ({VENDORED}/{carried[0].name}), but "
            f"{harness.__version__} runs here; run `exercise-kit vendor` to give the course this version "
            f"(then commit {VENDORED}/), or install {version} here")
