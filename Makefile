# The kit's commands. `make serve` builds and serves the site; `make test` runs every test.
# Both set up what they need: a .venv on Python 3.13 (Pyodide 0.29's Python) and node_modules.
# This repository is a course like any other (course.toml, problems/): the targets below are thin calls
# of the `exercise-kit` commands; only `frontend` (and so `wheel`) needs Node.

# pyenv may install 3.13 without putting it on PATH; PYENV_VERSION selects it then.
PYTHON313 ?= $(shell python3.13 --version >/dev/null 2>&1 && echo python3.13 || echo env PYENV_VERSION=3.13.0 python3.13)
VENV := .venv
PY := $(VENV)/bin/python
PROBLEM ?= label-smoothing
SUBMISSION ?= problems/$(PROBLEM)/stub.py

# Where Pyodide's NumPy wheel is found offline; the build falls back to the Pyodide CDN.
PYODIDE_WHEELHOUSE ?= $(if $(wildcard ../shared/pyodide-wheels),../shared/pyodide-wheels,)
export PYODIDE_WHEELHOUSE

.PHONY: help setup frontend wheel test grade expected site serve bench-site bench-grade check new

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(VENV)/.installed: pyproject.toml
	$(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed  ## Make .venv (Python 3.13, pinned) and node_modules

test: check  ## Run the whole test suite (after `make check`)
	node --test tests/js/
	$(PY) -m pytest

frontend: setup  ## Prebuild the front end (esbuild, KaTeX) into harness/publish/frontend/
	$(PY) site/bundle.py

wheel: frontend  ## Build the installable wheel (exercise-kit) into dist/
	rm -rf build/lib *.egg-info  # setuptools would package the stale files they list too
	$(PY) -m build --wheel --no-isolation --outdir dist .

site: frontend  ## Build the static site into _site/
	$(PY) -m harness build

serve: site  ## Build the site and serve it on http://127.0.0.1:8000
	$(PY) -m harness serve

grade: setup  ## Grade a file: make grade PROBLEM=label-smoothing SUBMISSION=my.py
	$(PY) -m harness grade $(PROBLEM) $(SUBMISSION)

expected: setup  ## Recompute a problem's expected.json from its reference: make expected PROBLEM=...
	$(PY) -m harness expected $(PROBLEM)

bench-site: site  ## Benchmark the problem page against a bare Pyodide page (prints figures)
	$(PY) tests/benchmarks/site.py

check: site  ## Prove every problem sound, with parity against Pyodide under Node
	$(PY) -m harness check --pyodide _site/pyodide

new: setup  ## Scaffold a problem: make new PROBLEM=my-problem
	$(PY) -m harness new $(PROBLEM)

bench-grade: setup  ## Benchmark batch grading against one process per submission (prints figures)
	$(PY) tests/benchmarks/grade.py
