"""PySide6 6.12.0 on Python 3.11 aborts the process (none_dealloc) after a few thousand calls of any method that
returns None. The project pins PySide6 below 6.12 on Python < 3.12; these tests keep that pin honest."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the pin only applies below Python 3.12")
def test_installed_pyside_is_below_6_12_on_python_3_11() -> None:
    assert _release(version("PySide6-Essentials")) < (6, 12)


def test_many_calls_returning_none_do_not_abort_the_process() -> None:
    # A fresh interpreter: an abort here must fail this test, not kill the test run.
    code = (
        "from PySide6.QtCore import QObject\n"
        "obj = QObject()\n"
        "for i in range(50_000):\n"
        "    obj.setObjectName('x')\n"
        "    obj.blockSignals(False)\n"
        "print('survived')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "survived"
