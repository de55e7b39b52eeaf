"""The package's boundaries, enforced: each part imports only what its contract allows.

Imports are read from the source (every `import` and `from` statement, at any depth, including those
inside functions), so a lazy import cannot slip past.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

HARNESS = ROOT / "harness"

# part -> the parts of `harness` it may import. A part is `harness.X` for a subpackage or a module.
ALLOWED = {
    "harness.core": {"harness.core"},
    "harness.inprocess": {"harness.core"},
    "harness.browser": {"harness.core", "harness.inprocess"},
    "harness.sandbox": {"harness.core", "harness.sandbox"},
    "harness.authoring": {"harness.core", "harness.inprocess", "harness.authoring"},
    "harness.formats": {"harness.core"},
    "harness.platforms": {"harness.core"},
    "harness.publish": {"harness.core", "harness.authoring", "harness.publish"},
    "harness.batch": {"harness.core", "harness.sandbox"},
    "harness.cli": {"harness.core", "harness.sandbox", "harness.authoring", "harness.batch", "harness.formats",
                    "harness.platforms", "harness.publish"},
    "harness.__main__": {"harness.cli"},
}
# The core runs unchanged in Pyodide: nothing that starts processes or threads or opens sockets.
PLATFORM_MODULES = {"subprocess", "threading", "multiprocessing", "socket", "select", "signal", "resource",
                     "ctypes", "concurrent", "asyncio", "shutil", "tempfile"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(package: str, source: str) -> set[str]:
    """Every module `source` imports, absolute, with relative imports resolved against `package`."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            # `from harness import cli` imports a module too: count each name as one.
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def part_of(module: str) -> str | None:
    if module == "harness" or not module.startswith("harness."):
        return None
    return ".".join(module.split(".")[:2])


def modules() -> list[Path]:
    return sorted(p for p in HARNESS.rglob("*.py") if "template" not in p.parts and "frontend" not in p.parts)


def violations(path: Path) -> list[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return violations_of(name, package, path.read_text(encoding="utf-8"))


def violations_of(name: str, package: str, source: str) -> list[str]:
    part = part_of(name)
    if part is None:
        return []
    imported = sorted(imported_names(package, source))
    allowed = ALLOWED[part] | {part}
    found = [f"imports {other}" for other in imported if part_of(other) is not None and part_of(other) not in allowed]
    if part == "harness.core":
        found += [f"imports {other} (platform code)" for other in imported if other.split(".")[0] in PLATFORM_MODULES]
    return found


def test_every_module_belongs_to_a_known_part():
    unknown = {module_name(p) for p in modules() if part_of(module_name(p)) not in ALLOWED and module_name(p) != "harness"}
    assert not unknown, f"add these to ALLOWED and to the README's layout: {sorted(unknown)}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_what_its_part_allows(path):
    assert violations(path) == []


def test_a_core_module_importing_the_sandbox_is_caught():
    """The check itself: a lazy import of the sandbox, a CLI import and a subprocess in the core."""
    source = (HARNESS / "core" / "runner.py").read_text(encoding="utf-8") + (
        "\n\ndef _leak():\n    from ..sandbox import executor\n    from harness import cli\n    import subprocess\n"
    )
    assert violations_of("harness.core.runner", "harness.core", source) == [
        "imports harness.cli",
        "imports harness.sandbox",
        "imports harness.sandbox.executor",
        "imports subprocess (platform code)",
    ]


def test_the_readme_layout_names_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    missing = [module_name(p) for p in modules() if p.name != "__init__.py" and f"`{p.stem}`" not in layout]
    assert missing == [], "README's layout table should name these modules"
