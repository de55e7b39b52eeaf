"""The site build: every asset verified, the CDN setting, and clear failures."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT
from test_architecture import imported_names

sys.path.insert(0, str(ROOT / "site"))
import build  # noqa: E402

LOCK = json.loads((ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
NUMPY = LOCK["packages"]["numpy"]["file_name"]
UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: refused at once, like a CDN out of reach


def test_numpy_comes_from_the_wheelhouse_without_touching_the_network(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the build went to the network although the wheelhouse has the wheel")

    monkeypatch.setattr(build.urllib.request, "urlopen", no_network)
    monkeypatch.setattr(build, "PYODIDE_CDN", UNREACHABLE)
    wheelhouse = build.Path(build.os.environ["PYODIDE_WHEELHOUSE"])
    wheel = build.fetch_verified_wheel(LOCK, "numpy", wheelhouse, tmp_path)
    assert wheel.read_bytes() == (wheelhouse / NUMPY).read_bytes()


def test_a_wheel_with_the_wrong_sha256_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    wheelhouse = tmp_path / "wheels"
    wheelhouse.mkdir()
    (wheelhouse / NUMPY).write_bytes(b"not the numpy wheel")
    monkeypatch.setattr(build, "PYODIDE_CDN", UNREACHABLE)
    with pytest.raises(build.BuildError) as caught:
        build.fetch_verified_wheel(LOCK, "numpy", wheelhouse, tmp_path)
    message = str(caught.value)
    assert f"no verified {NUMPY}" in message
    assert f"{wheelhouse / NUMPY} has the wrong sha256" in message
    assert f"{UNREACHABLE}{NUMPY} could not be downloaded" in message
    assert "Set PYODIDE_WHEELHOUSE" in message
    assert not (tmp_path / NUMPY).exists()


def test_the_cdn_setting_points_the_site_at_the_cdn(tmp_path):
    out = tmp_path / "_site"
    done = subprocess.run([sys.executable, "site/build.py", "--out", str(out), "--pyodide", "cdn"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    page = (out / "label-smoothing" / "index.html").read_text()
    config = json.loads(re.search(r'id="problem-config">(.*?)</script>', page, re.S).group(1))
    assert config["indexURL"] == build.PYODIDE_CDN
    assert config["packages"][0] == "numpy" and config["packages"][1].endswith(".whl")
    assert sorted(p.name for p in (out / "pyodide").iterdir()) == [config["packages"][1].split("/")[-1]]


def test_a_build_without_problems_says_so(tmp_path):
    done = subprocess.run([sys.executable, "site/build.py", "--out", str(tmp_path / "out"), "--problems", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == f"site build: error: {tmp_path}: no problem folders (each needs a problem.toml)"


def test_the_browser_wheel_carries_the_core_and_the_workers_entry_points_only(tmp_path):
    wheel = zipfile.ZipFile(build.write_browser_wheel(tmp_path))
    modules = {name for name in wheel.namelist() if name.endswith(".py")}
    assert {"harness/__init__.py", "harness/browser.py", "harness/inprocess.py", "harness/core/runner.py"} <= modules
    assert [m for m in modules if not m.startswith(("harness/core/", "harness/__init__", "harness/browser",
                                                    "harness/inprocess"))] == []
    # Everything the shipped modules import from the harness is shipped too.
    shipped = {m.removesuffix(".py").removesuffix("/__init__").replace("/", "."): m for m in modules}
    imported = {name for dotted, m in shipped.items() for name in imported_names(
        dotted if m.endswith("__init__.py") else dotted.rpartition(".")[0], wheel.read(m).decode())}
    missing = {name for name in imported if name.startswith("harness.") and not any(
        name == s or name.startswith(s + ".") for s in shipped)}
    assert missing == set()
    record = wheel.read(next(n for n in wheel.namelist() if n.endswith("RECORD"))).decode()
    assert all(f"{m},sha256=" in record for m in modules)


def test_the_service_worker_precaches_the_whole_build_under_a_content_version(tmp_path):
    site = tmp_path / "site"
    (site / "assets" / "fonts").mkdir(parents=True)
    (site / "index.html").write_text("<h1>one</h1>")
    (site / "assets" / "page.js").write_text("page")
    (site / "assets" / "fonts" / "Main.woff2").write_bytes(b"woff2")
    (site / "assets" / "fonts" / "Main.ttf").write_bytes(b"ttf")
    build.write_host_headers(site)
    first = build.write_service_worker(site)
    script = (site / "sw.js").read_text()
    precached = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script, re.S).group(1))
    assert precached == ["assets/fonts/Main.woff2", "assets/page.js", "index.html"]
    assert f'const VERSION = "{first}";' in script and "addEventListener(\"fetch\"" in script
    assert build.write_service_worker(site) == first  # the same build, the same version
    (site / "index.html").write_text("<h1>two</h1>")
    assert build.write_service_worker(site) != first


def test_hosts_get_isolation_headers_and_numpy_is_compiled(built_site):
    headers = (built_site / "_headers").read_text()
    assert headers.startswith("/*\n")
    for name, value in build.ISOLATION_HEADERS.items():
        assert f"  {name}: {value}\n" in headers
    (numpy,) = (built_site / "pyodide").glob("numpy-*.whl")
    with zipfile.ZipFile(numpy) as wheel:
        names = wheel.namelist()
    assert "numpy/__init__.pyc" in names and "numpy/__init__.py" not in names
