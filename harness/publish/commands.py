"""The instructor's commands on a course folder: `init`, `vendor`, `build`, `serve` and `export gradescope`.

Each runs in the course folder (the current one) and raises a PublishError whose message says what to
do; the command line prints it as its one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from ..core import problem as problems
from . import build, course, gradescope, runtime, serve, wheels

EXIT_OK = 0
# Commands that write the course's copy of the kit, rather than run beside it.
COURSE_MAKERS = {"init", "vendor"}
WHEEL_HELP = "the kit's wheel to carry (default: this installation's, written from its files)"


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0
    if not 0 < seconds < 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 3600")
    return seconds


def _cmd_init(args: argparse.Namespace) -> int:
    root = Path(args.folder)
    title = args.title or root.resolve().name.replace("-", " ").replace("_", " ").capitalize()
    carried = course.init(root, title, args.wheel)[-1]
    print(f"created the course '{title}' in {root}/: course.toml, problems/, README.md, _headers,")
    print("  .github/workflows/ (pages.yml publishes the site, classroom.yml grades GitHub Classroom submissions)")
    print(f"  and {_describe(carried, root)}, which the workflows install: commit it with the course")
    print(f"next: cd {root} && exercise-kit new my-problem")
    return EXIT_OK


def _cmd_vendor(args: argparse.Namespace) -> int:
    root = Path.cwd()
    if not (root / course.CONFIG).is_file():
        raise course.CourseError(f"{root}: no {course.CONFIG} here; run this in a course folder "
                                 "(`exercise-kit init DIR` makes one)")
    carried = course.vendor(root, args.wheel)
    print(f"this course now carries {_describe(carried, root)}: commit {course.VENDORED}/ so that its "
          "workflows install this version")
    return EXIT_OK


def _describe(wheel: Path, root: Path) -> str:
    return (f"exercise-kit {wheels.wheel_version(wheel)} ({wheel.relative_to(root).as_posix()}, "
            f"{wheel.stat().st_size / 1e6:.1f} MB)")


def warn_about_the_course() -> None:
    """Say, on stderr, when the course in this folder would run another kit in CI than the one here."""
    warning = course.version_warning(Path.cwd())
    if warning:
        print(f"exercise-kit: warning: {warning}", file=sys.stderr)


def _cmd_build(args: argparse.Namespace) -> int:
    here = course.load(Path.cwd())
    # The same problems as every other command: --problems, else $HARNESS_PROBLEMS, else the course's.
    problems_root = Path(args.problems or os.environ.get(course.PROBLEMS_ENV) or here.problems)
    build.build(Path(args.out).resolve(), problems_root, args.wheelhouse, args.pyodide, here.title, here.published,
                stall_seconds=args.stall_timeout)
    print(f"built {args.out}/ from {problems_root}/; `exercise-kit serve` shows it")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        server = serve.make_server(Path(args.dir), port=args.port, isolated=not args.no_isolation, verbose=True)
    except OSError as exc:
        raise serve.ServeError(f"port {args.port}: {exc.strerror or exc}; pick another with --port") from None
    print(f"Serving {args.dir}/ on http://127.0.0.1:{server.server_port}/  (Ctrl+C to stop)", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def add_to(commands: argparse._SubParsersAction, find_problem: Callable[[str], problems.Problem]) -> None:
    """Register the commands; `find_problem` resolves a PROBLEM argument as every other command does."""
    init_cmd = commands.add_parser(
        "init", help="make a new course folder",
        description="Create a course in FOLDER: course.toml, problems/, a README for its authors, "
        "CI workflows (publish on GitHub Pages, grade in GitHub Classroom), _headers for Netlify or "
        f"Cloudflare Pages, and this kit's wheel in {course.VENDORED}/ for the workflows to install. "
        "FOLDER must not exist or be empty.",
    )
    init_cmd.add_argument("folder", metavar="FOLDER")
    init_cmd.add_argument("--title", help="the course's title (default: from FOLDER's name)")
    init_cmd.add_argument("--wheel", type=Path, metavar="WHL", help=WHEEL_HELP)
    init_cmd.set_defaults(run=_cmd_init)

    vendor_cmd = commands.add_parser(
        "vendor", help="give the course this version of the kit, for its CI",
        description=f"Replace the kit's wheel that the course in this folder carries ({course.VENDORED}/, "
        "installed by its CI workflows and Gradescope autograders) by this installation's. Run it after "
        "upgrading the kit, then commit the folder.",
    )
    vendor_cmd.add_argument("--wheel", type=Path, metavar="WHL", help=WHEEL_HELP)
    vendor_cmd.set_defaults(run=_cmd_vendor)

    build_cmd = commands.add_parser(
        "build", help="build the course's static site",
        description="Build the site of the course in this folder: a page per problem whose tests run in the "
        "learner's browser. Pyodide and its NumPy are fetched once, verified and cached "
        f"(${runtime.CACHE_ENV}, default ~/.cache/exercise-kit). Needs Python only.",
    )
    build_cmd.add_argument("--out", default="_site", help="output folder (default: _site)")
    build_cmd.add_argument("--problems", help=f"problems folder (default: ${course.PROBLEMS_ENV}, else problems)")
    build_cmd.add_argument(
        "--wheelhouse", type=Path, default=os.environ.get(runtime.WHEELHOUSE_ENV) or None, metavar="DIR",
        help=f"a folder holding {runtime.PYODIDE_TARBALL} and Pyodide's NumPy wheel, for offline builds "
        f"(default: ${runtime.WHEELHOUSE_ENV}; else the cache, then the npm registry and the Pyodide CDN)",
    )
    build_cmd.add_argument(
        "--pyodide", choices=build.SOURCES, default=os.environ.get("PYODIDE_SOURCE", "site"),
        help="serve Pyodide and NumPy from the site (default) or load them from the Pyodide CDN ($PYODIDE_SOURCE)",
    )
    build_cmd.add_argument(
        "--stall-timeout", type=_positive_seconds, default=build.DOWNLOAD_STALL_S, metavar="SECONDS",
        help="the page gives up on a download that receives nothing for this long, names it and offers Retry "
        f"(default: {build.DOWNLOAD_STALL_S}; raise it for learners on very slow or flaky links)",
    )
    build_cmd.set_defaults(run=_cmd_build)

    serve_cmd = commands.add_parser(
        "serve", help="serve the built site locally",
        description="Serve the built site on 127.0.0.1 with the headers that make it cross-origin isolated.",
    )
    serve_cmd.add_argument("--dir", default="_site", help="the built site (default: _site)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve_cmd.add_argument("--no-isolation", action="store_true",
                           help="omit COOP/COEP (a run over its time limit then restarts Python)")
    serve_cmd.set_defaults(run=_cmd_serve)

    export_cmd = commands.add_parser(
        "export", help="export a problem to a grading platform",
        description="Write what a grading platform needs to grade PROBLEM with the same tests, isolation "
        "and verdicts as `grade`.",
    )
    platforms = export_cmd.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    gradescope_cmd = platforms.add_parser(
        "gradescope", help="the autograder zip for a Gradescope programming assignment",
        description="Write the autograder zip (setup.sh, run_autograder, this kit's wheel and the problem's "
        "files with solution.py, from which grading computes the held-out inputs' expected values; only "
        "instructors see an autograder's files). Upload it in the assignment's autograder settings, with "
        "the Ubuntu 24.04 base image; learners submit one .py file.",
    )
    gradescope_cmd.add_argument("problem", metavar="PROBLEM", help="problem id or folder")
    gradescope_cmd.add_argument("--output", metavar="ZIP", help="default: PROBLEM-gradescope.zip")
    gradescope_cmd.add_argument("--wheel", type=Path, metavar="WHL",
                                help=f"the kit's wheel to install (default: the course's, in {course.VENDORED}/, "
                                "else this installation's)")

    def export_gradescope(args: argparse.Namespace) -> int:
        problem = find_problem(args.problem)
        out = Path(args.output or f"{problem.id}-gradescope.zip")
        carried = course.vendored(Path.cwd())
        gradescope.export(problem, out, args.wheel or (carried[0] if len(carried) == 1 else None))
        print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")
        return EXIT_OK

    gradescope_cmd.set_defaults(run=export_gradescope)
