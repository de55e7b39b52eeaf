"""Wheels written directly from this installed package, so that no build tool is needed to publish.

- the browser's wheel: the core and the worker's entry points only, compiled to .pyc when this
  interpreter's bytecode is Pyodide's (Python 3.13), with its entry for Pyodide's lock file;
- this kit's own wheel, repacked from its installed files, for platforms that install it themselves
  (Gradescope's autograder zip carries it).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path

import harness

from . import PublishError

PACKAGE = Path(harness.__file__).resolve().parent
DISTRIBUTION = "exercise-kit"
# What the browser runs: the core and the worker's entry points, nothing of the CLI, sandbox or authoring.
BROWSER_MODULES = ("__init__.py", "browser.py", "inprocess.py", "core/*.py")
PYODIDE_PYTHON = (3, 13)
# Left out when repacking: what the installer wrote, not the package.
INSTALLER_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


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
    files[f"{info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: exercise-kit\nRoot-Is-Purelib: true\nTag: {tag}\n".encode()
    )
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
    compiled = {}
    with tempfile.TemporaryDirectory() as work:
        for name, data in files.items():
            if name == f"{info}/RECORD":
                continue  # write_wheel writes a new one
            if not name.endswith(".py"):
                compiled[name] = data
                continue
            source = Path(work) / "module.py"
            source.write_bytes(data)
            try:
                compiled[name + "c"] = _bytecode(source, name)
            except py_compile.PyCompileError:
                compiled[name] = data
    write_wheel(wheel, compiled, info)
    entry["sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()


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
    """This kit's own wheel, rebuilt from the files pip installed (an editable install has none)."""
    try:
        installed = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        installed = None
    files = (installed.files or []) if installed is not None else []
    infos = [str(f).split("/")[0] for f in files if str(f).endswith(".dist-info/METADATA")]
    init = next((f for f in files if str(f) == "harness/__init__.py"), None)
    # A source checkout's metadata (an egg-info, or an editable install's) lists no installed package.
    if not infos or init is None or Path(init.locate()).resolve() != PACKAGE / "__init__.py":
        raise WheelError(
            f"{DISTRIBUTION} is not installed from a wheel here (an editable or source checkout); "
            f"install its wheel (`pip install {DISTRIBUTION}`) or pass --wheel PATH"
        )
    info = infos[0]
    packed = {}
    for file in files:
        name = str(file)
        if name.startswith(("harness/", f"{info}/")) and "__pycache__" not in name \
                and name.rpartition("/")[2] not in INSTALLER_FILES:
            packed[name] = Path(file.locate()).read_bytes()
    version = installed.version
    return write_wheel(dist / f"{DISTRIBUTION.replace('-', '_')}-{version}-py3-none-any.whl", packed, info)
