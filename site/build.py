"""Build the static site: `python site/build.py [--out _site]` (what `make site` runs).

Every asset comes from a registry at build time and is served from the site: Pyodide's core from the
npm package, its NumPy wheel from a wheelhouse folder or the Pyodide CDN (verified against the sha256
in Pyodide's lock file either way), the harness as a wheel added to that lock file, CodeMirror
bundled by esbuild, KaTeX's styles and fonts. Problems ship their grading files as data; the reference
solution never leaves the repository.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import harness  # noqa: E402
from harness.authoring import statement  # noqa: E402
from harness.core import problem as problems  # noqa: E402
from harness.core.manifest import ProblemError  # noqa: E402
from harness.core.testing import EXAMPLE, HIDDEN  # noqa: E402

SITE = ROOT / "site"
NODE_MODULES = ROOT / "node_modules"
PYODIDE_VERSION = "0.29.0"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
WHEELHOUSE_ENV = "PYODIDE_WHEELHOUSE"
SOURCE_ENV = "PYODIDE_SOURCE"


class BuildError(Exception):
    """The site cannot be built; the message says what is missing and how to get it."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_problems(root: Path) -> list[problems.Problem]:
    folders = sorted(p for p in root.iterdir() if (p / problems.MANIFEST).is_file())
    if not folders:
        raise BuildError(f"{root}: no problem folders (each needs a {problems.MANIFEST})")
    return [problems.load(folder) for folder in folders]


# ---- Pyodide, NumPy and the harness ---------------------------------------------------------------

def vendor_pyodide(target: Path) -> dict:
    source = NODE_MODULES / "pyodide"
    version = json.loads((source / "package.json").read_text())["version"] if source.is_dir() else None
    if version != PYODIDE_VERSION:
        raise BuildError(f"node_modules/pyodide must be {PYODIDE_VERSION} (found {version}); run `npm ci`")
    target.mkdir(parents=True)
    for name in PYODIDE_CORE:
        shutil.copy2(source / name, target / name)
    return json.loads((target / "pyodide-lock.json").read_text())


def fetch_verified_wheel(lock: dict, name: str, wheelhouse: Path | None, target: Path) -> Path:
    """Copy `name`'s wheel from the wheelhouse, else download it from the CDN; check its sha256."""
    entry = lock["packages"][name]
    file_name, want = entry["file_name"], entry["sha256"]
    destination = target / file_name
    tried = []
    if wheelhouse is not None:
        candidate = wheelhouse / file_name
        if candidate.is_file():
            if sha256(candidate) == want:
                shutil.copyfile(candidate, destination)
                return destination
            tried.append(f"{candidate} has the wrong sha256")
        else:
            tried.append(f"{candidate} does not exist")
    url = PYODIDE_CDN + file_name
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            destination.write_bytes(response.read())
    except OSError as exc:
        tried.append(f"{url} could not be downloaded ({exc})")
    else:
        if sha256(destination) == want:
            return destination
        destination.unlink()
        tried.append(f"{url} has the wrong sha256")
    raise BuildError(
        f"no verified {file_name} (sha256 {want}): " + "; ".join(tried)
        + f". Set {WHEELHOUSE_ENV} to a folder holding it."
    )


# What the browser runs: the core and the worker's entry points, nothing of the CLI, sandbox or authoring.
BROWSER_MODULES = ("harness/__init__.py", "harness/browser.py", "harness/inprocess.py", "harness/core/*.py")


def write_browser_wheel(dist: Path) -> Path:
    """A pure wheel of BROWSER_MODULES, written directly: the project's own wheel carries the whole kit."""
    version = harness.__version__
    info = f"harness-{version}.dist-info"
    files = {str(path.relative_to(ROOT)): path.read_bytes()
             for pattern in BROWSER_MODULES for path in sorted(ROOT.glob(pattern))}
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: harness\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: site/build.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [f"{name},sha256={_urlsafe_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join(record + [f"{info}/RECORD,,"]) + "\n").encode()
    dist.mkdir(parents=True, exist_ok=True)
    wheel = dist / f"harness-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


def _urlsafe_digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_harness_wheel(pyodide_dir: Path, work: Path) -> str:
    """Add the browser's harness wheel to the site's lock file, and compile the wheels to .pyc for Pyodide.

    The lock tool accepts only the pure `py3-none-any` tag and py-compile retags the wheel `cp313`,
    so the wheel is locked first; py-compile then rewrites its lock entry (name and sha256) itself.
    """
    wheel = write_browser_wheel(work / "dist")
    shutil.copy2(wheel, pyodide_dir / wheel.name)
    lock = pyodide_dir / "pyodide-lock.json"
    run([_pyodide_cli(), "lockfile", "add-wheels", "--input", str(lock), "--output", str(lock),
         "--base-path", str(pyodide_dir), str(pyodide_dir / wheel.name)])
    # Every wheel, NumPy's too: Pyodide ships NumPy as .py sources, and compiling them at import
    # time was the slowest phase of starting the page (650-1060 ms, against 200-310 ms compiled).
    run([_pyodide_cli(), "py-compile", "--silent", str(pyodide_dir)])
    return json.loads(lock.read_text())["packages"]["harness"]["file_name"]


def _pyodide_cli() -> str:
    return str(Path(sys.executable).with_name("pyodide"))


def run(command: list[str], cwd: Path = ROOT, stdin: str | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"`{' '.join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))}` "
                         f"failed:\n{done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


# ---- Front-end assets -------------------------------------------------------------------------------

def build_assets(target: Path) -> None:
    assets = target / "assets"
    esbuild = NODE_MODULES / ".bin" / "esbuild"
    if not esbuild.exists():
        raise BuildError("node_modules/.bin/esbuild is missing; run `npm ci`")
    run([str(esbuild), str(SITE / "src" / "page.js"), str(SITE / "src" / "index.js"), "--bundle",
         "--format=esm", "--minify", "--target=es2022", f"--outdir={assets}", "--log-level=warning"])
    shutil.copy2(SITE / "src" / "worker.js", target / "worker.js")
    shutil.copy2(SITE / "static" / "style.css", assets / "style.css")
    katex = NODE_MODULES / "katex" / "dist"
    (assets / "katex").mkdir()
    shutil.copy2(katex / "katex.min.css", assets / "katex" / "katex.min.css")
    shutil.copytree(katex / "fonts", assets / "katex" / "fonts")


def typeset(items: list[tuple[str, bool]]) -> list[str]:
    """KaTeX, run once under Node for every formula of the site."""
    if not items:
        return []
    return json.loads(run(["node", str(SITE / "src" / "render-math.mjs")], stdin=json.dumps(items)))


# ---- Pages --------------------------------------------------------------------------------------------

def example_sources(problem: problems.Problem) -> dict[str, str]:
    """The code of each public example test, decorator included, as learners will see it."""
    source = problem.files[problems.TESTS]
    lines = source.splitlines()
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Call) and getattr(d.func, "id", "") == EXAMPLE for d in node.decorator_list
        ):
            start = min(d.lineno for d in node.decorator_list)
            found[node.name] = "\n".join(lines[start - 1 : node.end_lineno])
    return found


def page_config(problem: problems.Problem, packages: list[str], index_url: str) -> dict:
    code = example_sources(problem)
    return {
        "id": problem.id,
        "entry": problem.manifest.entry.name,
        "stub": problem.files[problems.STUB],
        "tests": [
            {"id": t.id, "name": t.name, "visibility": t.visibility, **({"code": code[t.id]} if t.id in code else {})}
            for t in problem.tests
        ],
        "indexURL": index_url,
        "packages": packages,
        "bundleURL": f"../problems/{problem.id}.json",
        "workerURL": "../worker.js",
    }


def render_pages(target: Path, all_problems: list[problems.Problem], packages: list[str], index_url: str) -> None:
    env = Environment(loader=FileSystemLoader(SITE / "templates"), autoescape=True, undefined=StrictUndefined)
    math: list[tuple[str, bool]] = []

    def collect(items: list[tuple[str, bool]]) -> list[str]:
        math.extend(items)
        return [""] * len(items)

    for problem in all_problems:
        # A first pass collects every formula, so that KaTeX runs once for the whole site.
        statement.parse(problem.files[problems.STATEMENT], render_math=collect)
    rendered = iter(typeset(math))
    parsed = {}
    for problem in all_problems:
        parsed[problem.id] = statement.parse(
            problem.files[problems.STATEMENT],
            f"{problem.origin}/{problems.STATEMENT}",
            render_math=lambda items: [next(rendered) for _ in items],
        )
    (target / "problems").mkdir()
    for problem in all_problems:
        (target / "problems" / f"{problem.id}.json").write_text(problems.bundle(problem), encoding="utf-8")
        page = target / problem.id / "index.html"
        page.parent.mkdir()
        manifest = problem.manifest
        page.write_text(env.get_template("problem.html").render(
            root="../",
            problem={"title": manifest.title, "difficulty": manifest.difficulty, "tags": manifest.tags,
                     "signature": manifest.entry.signature},
            statement_html=parsed[problem.id].html,
            hints=parsed[problem.id].hints,
            hidden_count=sum(t.visibility == HIDDEN for t in problem.tests),
            example_count=sum(t.visibility == EXAMPLE for t in problem.tests),
            config=page_config(problem, packages, index_url),
            boot_script=(SITE / "src" / "boot.js").read_text(encoding="utf-8"),
        ), encoding="utf-8")
    (target / "index.html").write_text(
        env.get_template("index.html").render(root="", tracks=tracks(all_problems)), encoding="utf-8"
    )


DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}


def tracks(all_problems: list[problems.Problem]) -> list[dict]:
    grouped: dict[str, list] = {}
    for problem in all_problems:
        grouped.setdefault(problem.manifest.track or "more-problems", []).append(problem.manifest)
    return [
        {
            "title": name.replace("-", " ").capitalize(),
            "problems": sorted(members, key=lambda m: (DIFFICULTY_ORDER[m.difficulty], m.order, m.title)),
        }
        for name, members in sorted(grouped.items())
    ]


# ---- The offline copy and the hosts' headers ---------------------------------------------------------

SERVICE_WORKER = "sw.js"
HOST_HEADERS = "_headers"
# Chromium, Firefox and Safari all read woff2; KaTeX's older font formats would only fill the cache.
NOT_PRECACHED = ("*.ttf", "*.woff")
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def write_service_worker(site: Path) -> str:
    """Write sw.js: site/src/sw.js after the build's version and file list. Returns the version.

    The version hashes every precached file's path and content, so any change to the build gives a
    new script, which browsers install as an update, into a cache of its own.
    """
    files = sorted(
        path.relative_to(site).as_posix() for path in site.rglob("*")
        if path.is_file() and path.name not in (SERVICE_WORKER, HOST_HEADERS)
        and not any(path.match(pattern) for pattern in NOT_PRECACHED)
    )
    digest = hashlib.sha256()
    for name in files:
        digest.update(f"{name}\0{sha256(site / name)}\n".encode())
    version = digest.hexdigest()[:16]
    header = f"const VERSION = {json.dumps(version)};\nconst PRECACHE = {json.dumps(files, indent=0)};\n"
    (site / SERVICE_WORKER).write_text(header + (SITE / "src" / SERVICE_WORKER).read_text(), encoding="utf-8")
    return version


def write_host_headers(site: Path) -> None:
    """`_headers` for Netlify and Cloudflare Pages: isolation from the first page, and validators."""
    lines = ["/*", *(f"  {name}: {value}" for name, value in ISOLATION_HEADERS.items()), "  Cache-Control: no-cache"]
    (site / HOST_HEADERS).write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- Build ----------------------------------------------------------------------------------------------

def build(out: Path, problems_root: Path, wheelhouse: Path | None, pyodide_source: str) -> None:
    all_problems = load_problems(problems_root)
    staging = Path(tempfile.mkdtemp(prefix="site-", dir=out.parent))
    try:
        with tempfile.TemporaryDirectory() as work:
            if pyodide_source == "cdn":
                # Only the harness is served from the site; Pyodide and NumPy come from the CDN.
                pyodide_dir = staging / "pyodide"
                lock = vendor_pyodide(pyodide_dir)
                wheel = build_harness_wheel(pyodide_dir, Path(work))
                for name in PYODIDE_CORE:
                    (pyodide_dir / name).unlink()
                packages, index_url = ["numpy", f"../pyodide/{wheel}"], PYODIDE_CDN
            else:
                lock = vendor_pyodide(staging / "pyodide")
                fetch_verified_wheel(lock, "numpy", wheelhouse, staging / "pyodide")
                build_harness_wheel(staging / "pyodide", Path(work))
                packages, index_url = ["numpy", "harness"], "../pyodide/"
        build_assets(staging)
        render_pages(staging, all_problems, packages, index_url)
        write_host_headers(staging)
        write_service_worker(staging)
        staging.chmod(0o755)
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="output folder (default: _site)")
    parser.add_argument("--problems", type=Path, default=ROOT / "problems", help="problems folder")
    parser.add_argument(
        "--wheelhouse", type=Path, default=os.environ.get(WHEELHOUSE_ENV) or None,
        help=f"folder holding Pyodide's NumPy wheel (default: ${WHEELHOUSE_ENV}; else the CDN)",
    )
    parser.add_argument(
        "--pyodide", choices=("site", "cdn"), default=os.environ.get(SOURCE_ENV, "site"),
        help=f"serve Pyodide and NumPy from the site (default) or point at the CDN (${SOURCE_ENV})",
    )
    args = parser.parse_args(argv)
    try:
        build(args.out.resolve(), args.problems, args.wheelhouse, args.pyodide)
    except (BuildError, ProblemError) as exc:
        print(f"site build: error: {exc}", file=sys.stderr)
        return 2
    print(f"built {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
