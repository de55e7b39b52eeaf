"""Prebuild the front end into the package: `python site/bundle.py` (what `make frontend` runs; needs Node).

esbuild bundles the page's scripts (CodeMirror included) and KaTeX's typesetter; with the worker, the
boot script, the templates, styles and KaTeX's fonts they land in harness/publish/frontend/, which the
wheel carries, so that instructors build sites with Python only.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
NODE_MODULES = ROOT / "node_modules"
FRONTEND = ROOT / "harness" / "publish" / "frontend"


def esbuild(*args: str) -> None:
    tool = NODE_MODULES / ".bin" / "esbuild"
    if not tool.exists():
        sys.exit("bundle: error: node_modules/.bin/esbuild is missing; run `npm ci` (or `make setup`)")
    done = subprocess.run([str(tool), "--bundle", "--minify", "--target=es2022", "--log-level=warning", *args],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bundle: error: esbuild failed:\n{done.stderr.strip()}")


def bundle(target: Path) -> None:
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    assets = staging / "assets"
    src = SITE / "src"
    esbuild(str(src / "page.js"), str(src / "index.js"), "--format=esm", f"--outdir={assets}")
    esbuild(str(src / "math.js"), "--format=iife", f"--outfile={assets / 'math.js'}")
    # What a problem's figure.js imports as "@exercise-kit/figure" (through the page's import map).
    esbuild(str(src / "figures" / "kit.js"), "--format=esm", f"--outfile={assets / 'figure-kit.js'}")
    shutil.copy2(SITE / "static" / "style.css", assets / "style.css")
    katex = NODE_MODULES / "katex" / "dist"
    (assets / "katex").mkdir()
    shutil.copy2(katex / "katex.min.css", assets / "katex" / "katex.min.css")
    shutil.copytree(katex / "fonts", assets / "katex" / "fonts")
    shutil.copy2(src / "worker.js", staging / "worker.js")
    shutil.copy2(src / "boot.js", staging / "boot.js")
    shutil.copy2(src / "sw.js", staging / "sw.js")
    shutil.copytree(SITE / "templates", staging / "templates")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


if __name__ == "__main__":
    bundle(FRONTEND)
    print(f"bundled the front end into {FRONTEND.relative_to(ROOT)}/")
