"""SVG icons shipped in c2c_desktop/resources/icons, loaded once and cached.

Icons are read from the package folder, or through importlib.resources when the package is zipped (its import costs
~4 ms at startup, so only then). QIcon renders
SVG files itself (the qsvgicon engine ships with PySide6-Essentials), so the icons stay sharp at any scaling.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from pathlib import Path

from PySide6.QtGui import QIcon

#: Every icon the app uses; tests check that each one loads.
ICON_NAMES: tuple[str, ...] = (
    "c2c-desktop",
    "call",
    "call_white",
    "backspace",
    "settings",
    "ringing",
    "connected",
    "no_answer",
    "not_sent",
    "rejected",
    "unknown",
    "not_now",  # a contact that cannot be called now (calling hours, a call limit)
    "do_not_call",  # a number on a do-not-call list
)

# Keeps files extracted from a zipped install alive for the whole process.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


@functools.cache
def _icons_dir() -> Path:
    folder = Path(__file__).resolve().parent.parent / "resources" / "icons"
    if folder.is_dir():
        return folder
    from importlib import resources

    packaged = resources.files("c2c_desktop") / "resources" / "icons"
    if isinstance(packaged, Path):
        return packaged
    return _extracted.enter_context(resources.as_file(packaged))


def icon_path(name: str) -> Path:
    """The file of icon `name` (without .svg); raises KeyError for a name not in ICON_NAMES."""
    if name not in ICON_NAMES:
        raise KeyError(f"unknown icon {name!r}")
    return _icons_dir() / f"{name}.svg"


@functools.cache
def icon(name: str) -> QIcon:
    """The QIcon for `name` (e.g. 'call', 'connected'); cached. Needs a QGuiApplication. GUI thread only."""
    return QIcon(str(icon_path(name)))


def outcome_icon(outcome: str) -> QIcon:
    """The icon for an Outcome value ('connected', 'no_answer', 'not_sent', 'rejected', 'unknown')."""
    return icon(str(outcome))
