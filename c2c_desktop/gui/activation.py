"""Bringing the window to the front when a later launch hands it a link, so that the agent's next Enter dials.

What the desktop lets an already running program do differs (README, "A tel: link from another program"):

- Wayland: a program may take the focus only with an activation token that the compositor gave whoever started the
  launch (the CRM's browser, the desktop's link handler) in XDG_ACTIVATION_TOKEN. The launch passes it on
  (c2c_desktop/handoff.py) and it is put in this process's environment right before `QWindow.requestActivate()`,
  where Qt's Wayland plugin reads it (once; the plugin then removes it).
- X11: Qt asks the window manager with _NET_ACTIVE_WINDOW (or sets the input focus itself where no window manager
  runs). A startup id (DESKTOP_STARTUP_ID) is passed on too, but Qt 6 takes one only when the process starts (its
  xcb plugin's `setstartupid` is not reachable from Python), so it is not used: a window manager with strict focus
  stealing prevention may refuse, and then the window asks for attention (its taskbar entry flashes) instead.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from c2c_desktop import handoff

log = logging.getLogger(__name__)

#: After this, a window that did not become active asks for attention instead.
ACTIVATION_CHECK_MS = 750


def bring_to_front(window: QWidget, activation: str = "") -> None:
    """GUI thread: show `window` (also when minimised or hidden), raise it and ask for the focus.

    `activation` is the launch's second line: `XDG_ACTIVATION_TOKEN=…`, `DESKTOP_STARTUP_ID=…` or "".
    """
    parsed = handoff.parse_activation(activation)  # anything but a plausible token of a known name is ignored
    if parsed is not None:
        name, token = parsed
        if name == "XDG_ACTIVATION_TOKEN" and QGuiApplication.platformName().startswith("wayland"):
            os.environ["XDG_ACTIVATION_TOKEN"] = token  # read (and removed) by Qt's Wayland plugin in requestActivate
        else:
            log.debug("a launch passed %s; this platform (%s) cannot use it", name, QGuiApplication.platformName())
    state = window.windowState()
    if state & Qt.WindowState.WindowMinimized:
        window.setWindowState(state & ~Qt.WindowState.WindowMinimized)  # a maximised window stays maximised
    window.show()
    window.raise_()
    window.activateWindow()  # QWindow.requestActivate() on its native window
    QTimer.singleShot(ACTIVATION_CHECK_MS, window, lambda: _attention_if_not_active(window))


def _attention_if_not_active(window: QWidget) -> None:
    """GUI thread: the window manager kept the focus elsewhere; at least flash the window's taskbar entry."""
    if window.isVisible() and not window.isActiveWindow():
        QApplication.alert(window)
