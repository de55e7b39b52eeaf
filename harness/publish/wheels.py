"""Wheels written directly from this installed package, so that no build tool is needed to publish.

- the browser's wheel: the core and the worker's entry points only, compiled to .pyc when this
  interpreter's bytecode is Pyodide's (Python 3.13), with its entry for Pyodide's lock file;
- this kit's own wheel, written from its running files, for what installs the kit without PyPI: a course
  carries it in `.exercise-kit/` for its CI workflows, and Gradescope's autograder zip carries it.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import importlib.metadata
import py_compile
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import harness

from . import PublishError

PACKAGE = Path(harness.__file__).resolve().parent
DISTRIBUTION = "exercise-kit"
FILE_NAME = DISTRIBUTION.replace("-", "_")  # the distribution's name in its wheel's file names
# What the browser runs: the core and the worker's entry points, nothing of the CLI, sandbox or authoring.
BROWSER_MODULES = ("__init__.py", "browser.py", "inprocess.py", "core/*.py")
PYODIDE_PYTHON = (3, 13)
# The kit's prebuilt front end, inside the package: a wheel without it cannot build a site.
FRONTEND = "publish/frontend"
# The standard library's files that starting a problem page and grading import in Pyodide, found by
# tests/test_build.py::test_every_standard_module_the_page_imports_is_bytecode, which names any missing.
STARTUP_STDLIB = frozenset((Path(__file__).parent / "startup_stdlib.txt").read_text().split())
# Compiled files beside the sources are the interpreter's cache, not the package.
LEFT_OUT = {".pyc", ".pyo"}


class WheelError(PublishError):
    """A wheel cannot be written; the message says why and what to do."""


def write_wheel(path: Path, files: dict[str, bytes], info: str) -> Path:
    """Zip `files` (archive name -> bytes) with a RECORD for the `info` dist-info folder."""
    record = [f"{name},sha256={_urlsafe_digest(data)},{len(data)}" for name, data in files.items()]
    files = {**files, f"{info}/RECORD": ("\n".join(record + [f"{info}/RECORD,,"]) + "\n").encode()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return path


def _wheel_file(tag: str) -> bytes:
    return f"Wheel-Version: 1.0\nGenerator: exercise-kit\nRoot-Is-Purelib: true\nTag: {tag}\n".encode()


def _urlsafe_digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def browser_wheel(dist: Path) -> Path:
    """The harness as Pyodide loads it; bytecode when this Python's matches Pyodide's, else sources."""
    version = harness.__version__
    compiled = sys.version_info[:2] == PYODIDE_PYTHON
    files = {}
    for pattern in BROWSER_MODULES:
        for path in sorted(PACKAGE.glob(pattern)):
            name = f"harness/{path.relative_to(PACKAGE).as_posix()}"
            files[name + ("c" if compiled else "")] = _bytecode(path, name) if compiled else path.read_bytes()
    tag = "cp313-none-any" if compiled else "py3-none-any"
    info = f"harness-{version}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: harness\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = _wheel_file(tag)
    return write_wheel(dist / f"harness-{version}-{tag}.whl", files, info)


def _bytecode(path: Path, name: str) -> bytes:
    # Unchecked-hash .pyc: the same bytes for the same source, whatever the file's timestamp.
    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / "module.pyc"
        py_compile.compile(str(path), cfile=str(target), dfile=name, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        return target.read_bytes()


def compile_wheel(wheel: Path, entry: dict) -> None:
    """Replace a wheel's Python sources by bytecode, in place, and update its lock `entry`'s sha256.

    Pyodide ships NumPy as .py sources, and compiling them at import was the slowest phase of starting
    the page (650-1060 ms, against 200-310 ms compiled). Left as they are when this Python's bytecode
    is not Pyodide's, and for any file that does not compile.
    """
    if sys.version_info[:2] != PYODIDE_PYTHON:
        return
    with zipfile.ZipFile(wheel) as archive:
        files = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    info = next(name.split("/")[0] for name in files if name.endswith(".dist-info/WHEEL"))
    del files[f"{info}/RECORD"]  # write_wheel writes a new one
    write_wheel(wheel, _compiled(files, lambda name: True), info)
    entry["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()


def compile_stdlib(archive_path: Path) -> None:
    """Replace, in Pyodide's standard library zip, the sources of the modules that starting the page and
    grading import (STARTUP_STDLIB) by bytecode, in place.

    Pyodide's npm package ships the standard library as sources, so every import compiled them in the
    browser: Python's start-up and the harness's imports took twice as long. Only what a page imports is
    compiled, because bytecode deflates to half what sources do: the whole library compiled would add
    1.7 MB to the first visit, this 0.6 MB. Left as it is when this Python's bytecode is not Pyodide's.
    """
    if sys.version_info[:2] != PYODIDE_PYTHON:
        return
    with zipfile.ZipFile(archive_path) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    compiled = _compiled(files, STARTUP_STDLIB.__contains__)
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in compiled.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def _compiled(files: dict[str, bytes], wanted) -> dict[str, bytes]:
    """`files` with each wanted .py source replaced by its bytecode (as name + "c"), in their order."""
    compiled = {}
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "module.py"
        for name, data in files.items():
            if not (name.endswith(".py") and wanted(name)):
                compiled[name] = data
                continue
            source.write_bytes(data)
            try:
                compiled[name + "c"] = _bytecode(source, name)
            except py_compile.PyCompileError:
                compiled[name] = data
    return compiled


def lock_entry(wheel: Path) -> dict:
    """The browser wheel's entry in Pyodide's lock file, in the form Pyodide's own entries take."""
    return {
        "name": "harness",
        "version": harness.__version__,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": ["harness"],
        "depends": ["numpy"],
        "unvendored_tests": False,
    }


def kit_wheel(dist: Path) -> Path:
    """This kit's own wheel, written from the running package's files and its installed metadata.

    The same wheel whether the kit runs from an installed wheel or from its repository (an editable
    install or a source checkout, where the front end must have been prebuilt by `make frontend`).
    """
    try:
        installed = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise WheelError(
            f"{DISTRIBUTION}'s metadata is not installed with this copy of the kit ({PACKAGE}); "
            f"install the kit (`pip install -e .` in its repository) or pass --wheel PATH"
        ) from None
    if not (PACKAGE / FRONTEND).is_dir():
        raise WheelError(f"{PACKAGE / FRONTEND} holds no prebuilt front end: in the kit's repository run "
                         "`make frontend` (needs Node), or pass --wheel PATH")
    version = harness.__version__
    info = f"{FILE_NAME}-{version}.dist-info"
    files = {f"harness/{path.relative_to(PACKAGE).as_posix()}": path.read_bytes()
             for path in sorted(PACKAGE.rglob("*"))
             if path.is_file() and "__pycache__" not in path.parts and path.suffix not in LEFT_OUT}
    files[f"{info}/METADATA"] = _metadata(installed, version).encode()
    files[f"{info}/WHEEL"] = _wheel_file("py3-none-any")
    scripts = [f"{e.name} = {e.value}\n" for e in installed.entry_points if e.group == "console_scripts"]
    files[f"{info}/entry_points.txt"] = ("[console_scripts]\n" + "".join(scripts)).encode()
    return write_wheel(dist / wheel_name(version), files, info)


def wheel_name(version: str) -> str:
    return f"{FILE_NAME}-{version}-py3-none-any.whl"


@contextmanager
def the_kit_wheel(wheel: Path | None) -> Iterator[Path]:
    """`wheel`, once checked to be the kit's; by default this kit's, written to a folder that lasts the block."""
    if wheel is not None:
        yield check_kit_wheel(wheel)
        return
    with tempfile.TemporaryDirectory() as work:
        yield kit_wheel(Path(work))


def check_kit_wheel(wheel: Path) -> Path:
    """`wheel`, when it is a file named as this kit's wheels are; else a WheelError that says so."""
    if not wheel.is_file():
        raise WheelError(f"--wheel {wheel}: no such file")
    if not fnmatch.fnmatch(wheel.name, wheel_name("*")):
        raise WheelError(f"--wheel {wheel}: not {DISTRIBUTION}'s wheel (its name is {wheel_name('VERSION')})")
    return wheel


def wheel_version(wheel: Path) -> str:
    """The version in a wheel's file name (`exercise_kit-0.1.0-py3-none-any.whl` -> `0.1.0`)."""
    return wheel.name.split("-")[1] if wheel.name.count("-") >= 4 else "?"


def _metadata(installed: importlib.metadata.Distribution, version: str) -> str:
    # The fields pip reads; the version is the running package's (a checkout's metadata may be older).
    fields = [("Metadata-Version", "2.1"), ("Name", DISTRIBUTION), ("Version", version)]
    fields += [(key, installed.metadata[key]) for key in ("Summary", "Requires-Python") if installed.metadata[key]]
    fields += [("Provides-Extra", extra) for extra in installed.metadata.get_all("Provides-Extra") or []]
    fields += [("Requires-Dist", requirement) for requirement in installed.requires or []]
    return "".join(f"{key}: {value}\n" for key, value in fields)
