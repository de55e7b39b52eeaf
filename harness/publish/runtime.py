"""The Python runtime a site serves: Pyodide's core and its NumPy wheel, fetched once, verified, cached.

- Pyodide's core comes from its official npm tarball (the registry is reachable where the CDN may not
  be), checked against the sha512 integrity that the kit's package-lock.json pins;
- NumPy's wheel from a wheelhouse folder, else the cache, else the Pyodide CDN, checked against the
  sha256 in Pyodide's own lock file.

Both land in the user's cache folder ($EXERCISE_KIT_CACHE, else $XDG_CACHE_HOME/exercise-kit, else
~/.cache/exercise-kit), so a second build needs no network. Nothing here needs Node.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from . import PublishError

PYODIDE_VERSION = "0.29.0"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
PYODIDE_TARBALL = f"pyodide-{PYODIDE_VERSION}.tgz"
PYODIDE_TARBALL_URL = f"https://registry.npmjs.org/pyodide/-/{PYODIDE_TARBALL}"
# The same integrity as package-lock.json's node_modules/pyodide (tests/test_runtime.py keeps them equal).
PYODIDE_TARBALL_INTEGRITY = (
    "sha512-ObIvsTmcrxAWKg+FT1GjfSdDmQc5CabnYe/nn5BCuhr9BVVITeQ24DBdZuG5B2tIiAZ9YonBpnDB7cmHZyd2Rw=="
)
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
WHEELHOUSE_ENV = "PYODIDE_WHEELHOUSE"
CACHE_ENV = "EXERCISE_KIT_CACHE"


class RuntimeFetchError(PublishError):
    """A runtime file cannot be had, verified; the message says what was tried and what to do."""


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "exercise-kit"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def _store(path: Path, data: bytes) -> None:
    """Write atomically, so that an interrupted download never leaves a half file in the cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as partial:
        partial.write(data)
    Path(partial.name).replace(path)


def _verified_file(name: str, algorithm: str, check, sources: list[tuple[str, object]]) -> bytes:
    """The first of `sources` (label, Path or URL) whose bytes pass `check` (an `algorithm` digest);
    the cache is tried first, and keeps what passed."""
    tried = []
    cached = cache_dir() / name
    for label, source in [("cache", cached), *sources]:
        if isinstance(source, Path):
            if not source.is_file():
                if label != "cache":
                    tried.append(f"{source} does not exist")
                continue
            data = source.read_bytes()
        else:
            try:
                data = _download(source)
            except OSError as exc:
                tried.append(f"{source} could not be downloaded ({exc})")
                continue
        if check(data):
            if source != cached:
                _store(cached, data)
            return data
        tried.append(f"{source} has the wrong {algorithm}")
    raise RuntimeFetchError(f"no verified {name}: " + "; ".join(tried))


def pyodide_tarball(wheelhouse: Path | None) -> bytes:
    sources = ([("wheelhouse", wheelhouse / PYODIDE_TARBALL)] if wheelhouse else []) + [("npm", PYODIDE_TARBALL_URL)]
    try:
        return _verified_file(PYODIDE_TARBALL, "sha512", lambda data: _integrity(data) == PYODIDE_TARBALL_INTEGRITY, sources)
    except RuntimeFetchError as exc:
        raise RuntimeFetchError(f"{exc}. Put {PYODIDE_TARBALL} (from the npm registry) in ${WHEELHOUSE_ENV}.") from None


def vendor_pyodide(target: Path, wheelhouse: Path | None) -> dict:
    """Unpack Pyodide's core files into `target`; return its lock file."""
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(pyodide_tarball(wheelhouse)), mode="r:gz") as archive:
        for name in PYODIDE_CORE:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise RuntimeFetchError(f"{PYODIDE_TARBALL} lacks package/{name}")
            (target / name).write_bytes(member.read())
    return json.loads((target / "pyodide-lock.json").read_text(encoding="utf-8"))


def fetch_verified_wheel(lock: dict, name: str, wheelhouse: Path | None, target: Path) -> Path:
    """Copy `name`'s wheel from the wheelhouse, the cache or the CDN into `target`; check its sha256."""
    entry = lock["packages"][name]
    file_name, want = entry["file_name"], entry["sha256"]
    sources = ([("wheelhouse", wheelhouse / file_name)] if wheelhouse else []) + [("cdn", PYODIDE_CDN + file_name)]
    try:
        data = _verified_file(file_name, "sha256", lambda data: hashlib.sha256(data).hexdigest() == want, sources)
    except RuntimeFetchError as exc:
        raise RuntimeFetchError(f"{exc} (sha256 {want}). Set {WHEELHOUSE_ENV} to a folder holding it.") from None
    destination = target / file_name
    destination.write_bytes(data)
    return destination

