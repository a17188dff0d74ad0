"""`c2c-desktop --version` names the version in pyproject.toml (scripts/bundle-smoke.sh checks the bundle's)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import c2c_desktop

PYPROJECT = Path(c2c_desktop.__file__).parents[1] / "pyproject.toml"


@pytest.mark.parametrize("args", [["--version"], ["--version", "keys"]], ids=["window-parser", "command-parser"])
def test_version_prints_the_project_version(args: list[str]) -> None:
    version = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    result = subprocess.run(
        [sys.executable, "-m", "c2c_desktop", *args], capture_output=True, text=True, env=os.environ.copy(), timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"c2c-desktop {version}\n", "")
