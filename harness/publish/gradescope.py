"""`export gradescope PROBLEM`: the autograder zip Gradescope builds its grading image from.

The zip holds `setup.sh` (installs the kit's wheel, carried in the zip, into a virtual environment),
`run_autograder` (grades the one .py file a learner uploaded, in the same confined child process as
`grade`, and writes `results/results.json`), the kit's wheel and the problem's folder with its
reference solution: `grade` computes the expected values of held-out inputs (drawn afresh for every
submission) from solution.py. The zip may hold it: only a course's instructors see an autograder's
files, learners never do (unlike the site, which ships no solution.py). Both scripts take the
autograder folder from $AUTOGRADER (Gradescope's /autograder by default), so that the zip can be tried
out anywhere.

Gradescope's layout, from its autograder specification: the zip unpacked in /autograder/source,
setup.sh run there once as root when the image is built (with network access), run_autograder copied
to /autograder/run_autograder and run as root for each submission, with the learner's files in
/autograder/submission; it must leave /autograder/results/results.json.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..core import problem as problems
from . import PublishError, wheels

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image, with the zip unpacked in
# $AUTOGRADER/source. It installs the kit's wheel, carried in the zip, into a virtual environment; the
# kit's dependencies (NumPy, Jinja, Markdown) come from PyPI, where they are published.
set -euo pipefail
AUTOGRADER="${AUTOGRADER:-/autograder}"
PYTHON="${PYTHON:-python3}"
apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
command -v "$PYTHON" >/dev/null || apt_install python3 python3-venv
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  echo "exercise-kit needs Python 3.12 or newer, and $PYTHON is $("$PYTHON" -V 2>&1): choose the" \\
       "Ubuntu 24.04 base image in Gradescope's autograder settings" >&2
  exit 1
fi
# Ubuntu's Python makes virtual environments only once its python3-venv package is installed.
if ! "$PYTHON" -m venv "$AUTOGRADER/kit" >/dev/null 2>&1; then
  rm -rf "$AUTOGRADER/kit"
  apt_install python3-venv
  "$PYTHON" -m venv "$AUTOGRADER/kit"
fi
"$AUTOGRADER/kit/bin/python" -m pip install --quiet --disable-pip-version-check "$AUTOGRADER"/source/{wheel}
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this, as root, for each submission: it grades the one .py file the learner uploaded.
set -uo pipefail
AUTOGRADER="${AUTOGRADER:-/autograder}"
results="$AUTOGRADER/results/results.json"
mkdir -p "$AUTOGRADER/results"
shopt -s nullglob
files=("$AUTOGRADER"/submission/*.py)
if [ "${#files[@]}" -ne 1 ]; then
  printf '{"score": 0, "output": "Upload exactly one .py file (this submission has %d)."}\\n' "${#files[@]}" > "$results"
  exit 0
fi
"$AUTOGRADER/kit/bin/exercise-kit" grade "$AUTOGRADER/source/problems/{problem}" "${files[0]}" --format gradescope --output "$results"
if [ $? -eq 2 ]; then  # the reason is on stderr, in the log instructors see
  printf '{"score": 0, "output": "The autograder could not run. Please tell your instructor."}\\n' > "$results"
fi
exit 0
"""


def export(problem: problems.Problem, out: Path, wheel: Path | None = None) -> Path:
    """Write the autograder zip for `problem` to `out`; `wheel` is the kit's wheel (default: this
    installation's)."""
    graded = [name for name in (*problems.SHIPPED_FILES, problems.SOLUTION) if name in problem.files]
    if problem.drawn and problems.SOLUTION not in graded:
        raise PublishError(f"{problem.origin}/{problems.SOLUTION}: missing; the autograder computes the expected "
                           "values of held-out inputs from it")
    with wheels.the_kit_wheel(wheel) as wheel:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "setup.sh", SETUP.replace("{wheel}", wheel.name), executable=True)
            _add(archive, "run_autograder", RUN_AUTOGRADER.replace("{problem}", problem.id), executable=True)
            archive.write(wheel, wheel.name)
            for name in graded:
                _add(archive, f"problems/{problem.id}/{name}", problem.files[name])
    return out


def _add(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)
