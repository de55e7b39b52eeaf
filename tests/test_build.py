"""The site build: every runtime file verified and cached, the CDN setting, the browser's wheel, and
clear failures."""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import zipfile

import pytest

from conftest import PROBLEMS, ROOT, run_cli
from test_architecture import imported_names
from harness.publish import build as site_build, runtime, wheels

LOCK = json.loads((ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
NUMPY = LOCK["packages"]["numpy"]["file_name"]
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: refused at once, like a CDN out of reach


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_numpy_comes_from_the_wheelhouse_then_the_cache_without_touching_the_network(
        tmp_path, empty_cache, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the build went to the network although the wheelhouse has the wheel")

    monkeypatch.setattr(runtime.urllib.request, "urlopen", no_network)
    wheelhouse = runtime.Path(runtime.os.environ.get("PYODIDE_WHEELHOUSE") or "../shared/pyodide-wheels")
    if not (wheelhouse / NUMPY).is_file():
        pytest.fail(f"this test needs Pyodide's NumPy wheel in a wheelhouse, and {wheelhouse / NUMPY} does not exist: "
                    "set PYODIDE_WHEELHOUSE to the folder that holds it (the Makefile uses ../shared/pyodide-wheels "
                    "when that folder exists)", pytrace=False)
    wheel = runtime.fetch_verified_wheel(LOCK, "numpy", wheelhouse, tmp_path)
    assert wheel.read_bytes() == (wheelhouse / NUMPY).read_bytes()
    # Without the wheelhouse: the cache serves it.
    (tmp_path / "again").mkdir()
    again = runtime.fetch_verified_wheel(LOCK, "numpy", None, tmp_path / "again")
    assert again.read_bytes() == wheel.read_bytes()


def test_a_wheel_with_the_wrong_sha256_is_refused_with_a_clear_message(tmp_path, empty_cache, monkeypatch):
    wheelhouse = tmp_path / "wheels"
    wheelhouse.mkdir()
    (wheelhouse / NUMPY).write_bytes(b"not the numpy wheel")
    monkeypatch.setattr(runtime, "PYODIDE_CDN", UNREACHABLE)
    with pytest.raises(runtime.RuntimeFetchError) as caught:
        runtime.fetch_verified_wheel(LOCK, "numpy", wheelhouse, tmp_path)
    message = str(caught.value)
    assert f"no verified {NUMPY}" in message
    assert f"{wheelhouse / NUMPY} has the wrong sha256" in message
    assert f"{UNREACHABLE}{NUMPY} could not be downloaded" in message
    assert "Set PYODIDE_WHEELHOUSE" in message
    assert not (tmp_path / NUMPY).exists() and not (empty_cache / NUMPY).exists()


def test_pyodide_is_pinned_to_the_integrity_of_the_package_lock():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/pyodide"]
    assert (pinned["version"], pinned["integrity"]) == (runtime.PYODIDE_VERSION, runtime.PYODIDE_TARBALL_INTEGRITY)


def test_a_pyodide_tarball_with_the_wrong_integrity_is_refused(tmp_path, empty_cache, monkeypatch):
    forged = io.BytesIO()
    with tarfile.open(fileobj=forged, mode="w:gz") as archive:
        data = b'{"packages": {}}'
        member = tarfile.TarInfo("package/pyodide-lock.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    (tmp_path / runtime.PYODIDE_TARBALL).write_bytes(forged.getvalue())
    monkeypatch.setattr(runtime, "PYODIDE_TARBALL_URL", UNREACHABLE + runtime.PYODIDE_TARBALL)
    with pytest.raises(runtime.RuntimeFetchError) as caught:
        runtime.vendor_pyodide(tmp_path / "site", tmp_path)
    message = str(caught.value)
    assert f"{tmp_path / runtime.PYODIDE_TARBALL} has the wrong sha512" in message
    assert "could not be downloaded" in message and "PYODIDE_WHEELHOUSE" in message


def test_the_browser_wheel_carries_the_core_and_the_workers_entry_points_only(tmp_path):
    wheel = wheels.browser_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    # Compiled for Pyodide's Python 3.13 (this suite runs on it): no sources.
    modules = {name.removesuffix("c") for name in names if name.endswith(".pyc")}
    assert not [n for n in names if n.endswith(".py")]
    assert {"harness/__init__.py", "harness/browser.py", "harness/inprocess.py", "harness/core/runner.py"} <= modules
    assert [m for m in modules if not m.startswith(("harness/core/", "harness/__init__", "harness/browser",
                                                    "harness/inprocess"))] == []
    # Everything the shipped modules import from the harness is shipped too (read from their sources).
    shipped = {m.removesuffix(".py").removesuffix("/__init__").replace("/", "."): m for m in modules}
    imported = {name for dotted, m in shipped.items() for name in imported_names(
        dotted if m.endswith("__init__.py") else dotted.rpartition(".")[0], (ROOT / m).read_text())}
    missing = {name for name in imported if name.startswith("harness.") and not any(
        name == s or name.startswith(s + ".") for s in shipped)}
    assert missing == set()
    record = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("RECORD"))).decode()
    assert all(f"{m}c,sha256=" in record for m in modules)
    entry = wheels.lock_entry(wheel)
    assert entry["sha256"] == runtime.sha256(wheel) and entry["file_name"] == wheel.name
    assert set(entry) == set(LOCK["packages"]["numpy"])  # the shape of Pyodide's own entries


def test_the_cdn_setting_points_the_site_at_the_cdn(tmp_path, frontend):
    out = tmp_path / "_site"
    done = run_cli("build", "--out", str(out), "--pyodide", "cdn")
    assert done.returncode == 0, done.stderr
    worker = (out / "worker.js").read_text()
    python = json.loads(re.match(r"const PYTHON = (.*);\n", worker).group(1))
    assert python["indexURL"] == runtime.PYODIDE_CDN
    assert python["packages"][0] == "numpy" and python["packages"][1].endswith(".whl")
    assert sorted(p.name for p in (out / "pyodide").iterdir()) == [python["packages"][1].split("/")[-1]]


def test_a_build_without_problems_says_so(tmp_path):
    done = run_cli("build", "--out", str(tmp_path / "out"), "--problems", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip() == f"exercise-kit: error: {tmp_path}: no problem folders (each needs a problem.toml)"


def test_the_service_worker_precaches_the_whole_build_under_a_content_version(tmp_path, frontend):
    site = tmp_path / "site"
    (site / "assets" / "fonts").mkdir(parents=True)
    (site / "index.html").write_text("<h1>one</h1>")
    (site / "assets" / "page.js").write_text("page")
    (site / "assets" / "fonts" / "Main.woff2").write_bytes(b"woff2")
    (site / "assets" / "fonts" / "Main.ttf").write_bytes(b"ttf")
    site_build.write_host_headers(site)
    first = site_build.write_service_worker(site)
    script = (site / "sw.js").read_text()
    precached = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script, re.S).group(1))
    assert precached == ["assets/fonts/Main.woff2", "assets/page.js", "index.html"]
    assert f'const VERSION = "{first}";' in script and 'addEventListener("fetch"' in script
    assert site_build.write_service_worker(site) == first  # the same build, the same version
    (site / "index.html").write_text("<h1>two</h1>")
    assert site_build.write_service_worker(site) != first


def test_hosts_get_isolation_headers_and_numpy_is_compiled(built_site):
    headers = (built_site / "_headers").read_text()
    assert headers.startswith("/*\n")
    for name, value in site_build.ISOLATION_HEADERS.items():
        assert f"  {name}: {value}\n" in headers
    (numpy,) = (built_site / "pyodide").glob("numpy-*.whl")
    with zipfile.ZipFile(numpy) as wheel:
        names = wheel.namelist()
    assert "numpy/__init__.pyc" in names and "numpy/__init__.py" not in names
    lock = json.loads((built_site / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"]["numpy"]["sha256"] == runtime.sha256(numpy)


def test_every_standard_module_the_page_imports_is_bytecode(built_site):
    """Pyodide ships its standard library as sources, compiled at each import in the browser: the build
    compiles what starting a page and grading import, and only that (bytecode is twice the download)."""
    found = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "imported_stdlib.mjs"), str(built_site / "pyodide"),
         str(built_site / "problems" / "label-smoothing.json"), str(PROBLEMS / "label-smoothing" / "solution.py")],
        capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    imported = json.loads(found.stdout)
    assert len(imported) > 100  # Python's start, NumPy and the harness
    from_sources = [path.split(".zip/", 1)[1] for path in imported if not path.endswith(".pyc")]
    assert not from_sources, f"add these to harness/publish/startup_stdlib.txt: {' '.join(from_sources)}"
    with zipfile.ZipFile(built_site / "pyodide" / "python_stdlib.zip") as stdlib:
        compiled = {name[:-1] for name in stdlib.namelist() if name.endswith(".pyc")}
    assert compiled == wheels.STARTUP_STDLIB


def test_pages_resume_python_only_from_a_snapshot_of_the_same_runtime(tmp_path):
    pyodide = tmp_path / "pyodide"
    pyodide.mkdir()
    (pyodide / "pyodide.asm.wasm").write_bytes(b"one")
    first = site_build.runtime_version(pyodide)
    assert site_build.runtime_version(pyodide) == first
    (pyodide / "pyodide.asm.wasm").write_bytes(b"two")
    assert site_build.runtime_version(pyodide) != first


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "soon"])
def test_a_stall_timeout_that_is_not_a_positive_number_of_seconds_is_refused(tmp_path, seconds):
    done = run_cli("build", "--out", str(tmp_path / "out"), "--stall-timeout", seconds)
    assert done.returncode == 2 and "is not a number of seconds between 0 and 3600" in done.stderr
    assert not (tmp_path / "out").exists()
