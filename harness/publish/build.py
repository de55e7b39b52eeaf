"""Build a course's static site: `exercise-kit build [--out _site]`.

Every asset is verified and served from the site: Pyodide's core and its NumPy wheel (see runtime.py),
the harness as a wheel added to Pyodide's lock file, and the front end prebuilt into this package
(CodeMirror, the page's scripts, KaTeX's typesetter, styles and fonts; see site/bundle.py). Maths is
typeset by KaTeX in the browser, so building needs Python only. Problems ship their grading files as
data; the reference solution never leaves the course folder.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..authoring import statement
from ..core import problem as problems
from ..core.testing import EXAMPLE, HIDDEN
from . import PublishError, runtime, wheels

FRONTEND = Path(__file__).resolve().parent / "frontend"
SOURCES = ("site", "cdn")
# A download that receives nothing for this long is abandoned, named, and retried.
DOWNLOAD_STALL_S = 20


class BuildError(PublishError):
    """The site cannot be built; the message says what is missing and how to get it."""


def load_problems(root: Path) -> list[problems.Problem]:
    if not root.is_dir():
        raise BuildError(f"{root}: no such folder; run this in a course folder (`exercise-kit init DIR` makes one)")
    folders = sorted(p for p in root.iterdir() if (p / problems.MANIFEST).is_file())
    if not folders:
        raise BuildError(f"{root}: no problem folders (each needs a {problems.MANIFEST})")
    return [problems.load(folder) for folder in folders]


# ---- The harness and the front end -------------------------------------------------------------------

def build_harness_wheel(pyodide_dir: Path, lock: dict | None) -> str:
    """Write the browser's harness wheel into `pyodide_dir`; add it to `lock` (and its file) if given."""
    wheel = wheels.browser_wheel(pyodide_dir)
    if lock is not None:
        lock["packages"]["harness"] = wheels.lock_entry(wheel)
        (pyodide_dir / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")
    return wheel.name


def install_frontend(target: Path) -> None:
    """Copy the prebuilt front end (scripts, styles, KaTeX) into the site."""
    if not (FRONTEND / "assets").is_dir():
        raise BuildError(
            f"{FRONTEND} holds no prebuilt front end: in the kit's repository run `make frontend` (needs Node); "
            "an installed wheel carries it"
        )
    shutil.copytree(FRONTEND / "assets", target / "assets")


WORKER = "worker.js"


def write_worker(site: Path, python: dict) -> None:
    """Write worker.js: the front end's worker after `const PYTHON = <python>;`, so that Python starts as
    soon as the worker runs, before the page has said anything (its typesetting and editor keep the
    page's thread busy then). URLs in `python` are relative to the site's root, where the worker is."""
    header = f"const PYTHON = {json.dumps(python, sort_keys=True)};\n"
    (site / WORKER).write_text(header + (FRONTEND / WORKER).read_text(encoding="utf-8"), encoding="utf-8")


# ---- Figures and explanations: optional files of a problem folder (AUTHORING.md) ---------------------

FIGURE = "figure.js"
EXPLANATION = "explanation.md"


def figure_of(problem: problems.Problem) -> Path | None:
    path = problem.folder / FIGURE if problem.folder else None
    return path if path and path.is_file() else None


def install_figures(target: Path, all_problems: list[problems.Problem]) -> None:
    """Each problem's figure.js, as it is: the page's import map resolves its `@exercise-kit/figure`."""
    for problem in all_problems:
        if figure_of(problem):
            (target / "assets" / "figures").mkdir(exist_ok=True)
            shutil.copy2(figure_of(problem), target / "assets" / "figures" / f"{problem.id}.js")


def explanation_html(problem: problems.Problem) -> str:
    """The author's explanation.md as HTML (formulas typeset in the page), revealed once solved."""
    path = problem.folder / EXPLANATION if problem.folder else None
    if not path or not path.is_file():
        return ""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{path}: cannot be read: {exc}") from None
    return statement.parse(text, f"{problem.origin}/{EXPLANATION}").html


def with_figure(statement_html: str, problem: problems.Problem) -> str:
    """The figure's mount point, placed before the statement's first `##` section (above the maths)."""
    if not figure_of(problem):
        return statement_html
    mount = f'<figure class="figure" data-testid="figure" data-figure="{problem.id}"></figure>\n'
    at = statement_html.find("<h2>")
    return statement_html + mount if at < 0 else statement_html[:at] + mount + statement_html[at:]


def track_links(problem: problems.Problem, all_tracks: list[dict]) -> dict:
    """The problem's track for the page: every member's id (for "N of M solved") and the next one."""
    track = next(t for t in all_tracks if problem.manifest in t["problems"])
    members = track["problems"]
    position = members.index(problem.manifest)
    following = members[position + 1] if position + 1 < len(members) else None
    return {
        "title": track["title"],
        "problems": [m.id for m in members],
        "next": {"id": following.id, "title": following.title} if following else None,
    }


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


def files_version(files: dict[str, Path], salt: str = "") -> str:
    """A short hash of the files' names (the keys) and contents, and of `salt`."""
    digest = hashlib.sha256(salt.encode())
    for name, path in sorted(files.items()):
        digest.update(f"{name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:16]


def runtime_version(pyodide_dir: Path) -> str:
    """A hash of what Python starts from in the browser: the site's runtime files and the worker.

    The worker keeps its memory snapshot of Python under it (`snapshotKey`, see write_worker): a build
    that changes any of them never resumes from an older build's snapshot.
    """
    return files_version({path.name: path for path in [*pyodide_dir.iterdir(), FRONTEND / WORKER]})


def frontend_version(python: dict, frontend: Path = FRONTEND) -> str:
    """A hash of all a page runs but its problem: the installed front end (scripts, styles, templates,
    worker) and where and how Python starts. Pages carry it, and navigate in place only between pages
    that carry the same: a page of a new deploy never runs under the scripts of the old one.
    """
    files = {path.relative_to(frontend).as_posix(): path for path in frontend.rglob("*") if path.is_file()}
    return files_version(files, salt=json.dumps(python, sort_keys=True))


def page_config(problem: problems.Problem, python: dict, all_tracks: list[dict]) -> dict:
    code = example_sources(problem)
    return {
        "id": problem.id,
        "entry": problem.manifest.entry.name,
        "stub": problem.files[problems.STUB],
        "tests": [
            {"id": t.id, "name": t.name, "visibility": t.visibility, **({"code": code[t.id]} if t.id in code else {})}
            for t in problem.tests
        ],
        "stallSeconds": python["stallSeconds"],
        "bundleURL": f"../problems/{problem.id}.json",
        "workerURL": f"../{WORKER}",
        "figureURL": f"../assets/figures/{problem.id}.js" if figure_of(problem) else None,
        "track": track_links(problem, all_tracks),
    }


def render_pages(target: Path, all_problems: list[problems.Problem], python: dict, title: str) -> None:
    """`python`: where and how the worker starts Python (see write_worker)."""
    env = Environment(loader=FileSystemLoader(FRONTEND / "templates"), autoescape=True, undefined=StrictUndefined)
    env.globals["site_title"] = title
    env.globals["build_id"] = frontend_version(python)
    boot_script = (FRONTEND / "boot.js").read_text(encoding="utf-8")
    (target / "problems").mkdir()
    all_tracks = tracks(all_problems)
    for problem in all_problems:
        # Formulas stay TeX in the HTML; the page's math.js typesets them with KaTeX.
        parsed = statement.parse(problem.files[problems.STATEMENT], f"{problem.origin}/{problems.STATEMENT}")
        (target / "problems" / f"{problem.id}.json").write_text(problems.bundle(problem), encoding="utf-8")
        page = target / problem.id / "index.html"
        page.parent.mkdir()
        manifest = problem.manifest
        page.write_text(env.get_template("problem.html").render(
            root="../",
            problem={"title": manifest.title, "difficulty": manifest.difficulty, "tags": manifest.tags,
                     "signature": manifest.entry.signature},
            statement_html=with_figure(parsed.html, problem),
            explanation_html=explanation_html(problem),
            hints=parsed.hints,
            hidden_count=sum(t.visibility == HIDDEN for t in problem.tests),
            example_count=sum(t.visibility == EXAMPLE for t in problem.tests),
            config=page_config(problem, python, all_tracks),
            boot_script=boot_script,
        ), encoding="utf-8")
    (target / "index.html").write_text(
        env.get_template("index.html").render(root="", tracks=all_tracks), encoding="utf-8"
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
    """Write sw.js: the front end's sw.js after the build's version and file list. Returns the version.

    The version hashes every precached file's path and content, so any change to the build gives a
    new script, which browsers install as an update, into a cache of its own.
    """
    files = sorted(
        path.relative_to(site).as_posix() for path in site.rglob("*")
        if path.is_file() and path.name not in (SERVICE_WORKER, HOST_HEADERS)
        and not any(path.match(pattern) for pattern in NOT_PRECACHED)
    )
    version = files_version({name: site / name for name in files})
    header = f"const VERSION = {json.dumps(version)};\nconst PRECACHE = {json.dumps(files, indent=0)};\n"
    (site / SERVICE_WORKER).write_text(header + (FRONTEND / SERVICE_WORKER).read_text(), encoding="utf-8")
    return version


def write_host_headers(site: Path) -> None:
    """`_headers` for Netlify and Cloudflare Pages: isolation from the first page, and validators."""
    lines = ["/*", *(f"  {name}: {value}" for name, value in ISOLATION_HEADERS.items()), "  Cache-Control: no-cache"]
    (site / HOST_HEADERS).write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- Build ----------------------------------------------------------------------------------------------

def build(out: Path, problems_root: Path, wheelhouse: Path | None, pyodide_source: str, title: str,
          published: tuple[Path, ...] = (), stall_seconds: float = DOWNLOAD_STALL_S) -> None:
    """Build the site into `out`, replacing it only once the whole build has succeeded.

    `published`: course files copied as they are to the site's root (a host's `_headers`, say).
    `stall_seconds`: how long the page waits on a download that receives nothing before naming it.
    """
    all_problems = load_problems(problems_root)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="site-", dir=out.parent))
    try:
        pyodide_dir = staging / "pyodide"
        if pyodide_source == "cdn":
            # Only the harness is served from the site; Pyodide and NumPy come from the CDN.
            pyodide_dir.mkdir()
            wheel = build_harness_wheel(pyodide_dir, None)
            packages, index_url = ["numpy", f"pyodide/{wheel}"], runtime.PYODIDE_CDN
        else:
            lock = runtime.vendor_pyodide(pyodide_dir, wheelhouse)
            wheels.compile_stdlib(pyodide_dir / "python_stdlib.zip")
            numpy = runtime.fetch_verified_wheel(lock, "numpy", wheelhouse, pyodide_dir)
            wheels.compile_wheel(numpy, lock["packages"]["numpy"])
            build_harness_wheel(pyodide_dir, lock)
            packages, index_url = ["numpy", "harness"], "pyodide/"
        install_frontend(staging)
        install_figures(staging, all_problems)
        python = {"indexURL": index_url, "packages": packages, "stallSeconds": stall_seconds,
                  "snapshotKey": runtime_version(pyodide_dir)}
        write_worker(staging, python)
        render_pages(staging, all_problems, python, title)
        write_host_headers(staging)
        for path in published:  # a course's own _headers replaces the default one
            shutil.copy2(path, staging / path.name)
        write_service_worker(staging)
        staging.chmod(0o755)
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
