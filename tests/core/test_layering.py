"""The core never depends on Qt or the GUI: checked both statically and by importing it in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import c2c_desktop.core

CORE = Path(c2c_desktop.core.__file__).parent
PACKAGE = CORE.parent
FORBIDDEN = ("PySide6", "c2c_desktop.gui")


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_imports(path: Path) -> set[str]:
    """The package's modules that `path` imports, at load time or inside functions; not those imported only for
    type checking, which never run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_checking_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_checking_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("c2c_desktop.")}


def test_no_two_modules_import_each_other() -> None:
    # A cycle works only while the import order suits it (gui/app.py and gui/mainwindow.py once shared Profile that
    # way, one import deferred into a function); each module sits below the ones that use it.
    sources = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {name: {dep for dep in _package_imports(path) if dep in sources} for name, path in sources.items()}
    cycles = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        for dep in graph[name]:
            if dep in trail:
                cycles.add(" -> ".join((*trail[trail.index(dep) :], dep)))
            elif dep not in done:
                visit(dep, (*trail, dep))
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        visit(name, (name,))
    assert sorted(cycles) == []
    assert "c2c_desktop.gui.dialpad" in graph["c2c_desktop.gui.mainwindow"]  # the graph sees `from x import y`


def test_core_sources_import_no_qt_or_gui() -> None:
    offenders = [
        f"{path.relative_to(CORE)}: {name}"
        for path in sorted(CORE.rglob("*.py"))
        for name in _imported_modules(path)
        if name.startswith(FORBIDDEN)
    ]
    assert len(list(CORE.rglob("rules/*.py"))) > 3
    assert offenders == []


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = [_module_name(path) for path in sorted(CORE.rglob("*.py"))]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'c2c_desktop.gui')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
