"""The core never depends on Qt or the GUI: checked both statically and by importing it in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import c2c_desktop.core

CORE = Path(c2c_desktop.core.__file__).parent
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


def test_core_sources_import_no_qt_or_gui() -> None:
    offenders = [
        f"{path.name}: {name}"
        for path in sorted(CORE.glob("*.py"))
        for name in _imported_modules(path)
        if name.startswith(FORBIDDEN)
    ]
    assert len(list(CORE.glob("*.py"))) > 3
    assert offenders == []


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = [f"c2c_desktop.core.{path.stem}" for path in sorted(CORE.glob("*.py")) if path.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'c2c_desktop.gui')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
