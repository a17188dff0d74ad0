"""The freedesktop notifier's threads against the window's lifetime, and the signals it listens to (the service
itself is exercised against dunst in tests/e2e/test_tray_xvfb.py)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import shiboken6
from jeepney import DBusAddress, new_signal
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QSystemTrayIcon

from c2c_desktop.gui.notifications import (
    DEFAULT_ACTION,
    NOTIFICATIONS_INTERFACE,
    NOTIFICATIONS_PATH,
    FreedesktopNotifier,
    FreedesktopOrTray,
)

ADDRESS = DBusAddress(NOTIFICATIONS_PATH, interface=NOTIFICATIONS_INTERFACE)


def test_the_notifier_outlives_the_window_that_made_it(qtbot: QtBot) -> None:
    """The window (and with it the tray and its notifier front) is deleted while the notifier thread may still emit:
    the object it emits on must still be there."""
    window = QObject()
    front = FreedesktopOrTray(QSystemTrayIcon(window), use_freedesktop=True, parent=window)
    notifier = front.freedesktop
    assert notifier is not None
    front.close()
    del front
    shiboken6.delete(window)  # as when the window is deleted

    assert shiboken6.isValid(notifier)
    emitter = threading.Thread(target=notifier._emit, args=(notifier.shown, 7))  # as the notifier thread does
    emitter.start()
    emitter.join()
    assert notifier.finished()  # closed, no thread left: let go when the next one is made


def test_a_malformed_action_invoked_signal_is_ignored(qtbot: QtBot) -> None:
    """Any program may broadcast ActionInvoked: a wrong signature or a message that is not one at all must neither
    raise on jeepney's receiver thread (ending it) nor count as a click; ours (uint32, "default") does."""
    notifier = FreedesktopNotifier()
    notifier._ids.add(5)
    malformed = [
        new_signal(ADDRESS, "ActionInvoked", "u", (5,)),
        new_signal(ADDRESS, "ActionInvoked", "s", ("default",)),
        new_signal(ADDRESS, "ActionInvoked", "ss", ("5", DEFAULT_ACTION)),
        SimpleNamespace(body=(5,)),  # no header at all
    ]
    with qtbot.assertNotEmitted(notifier.activated, wait=200):
        for message in malformed:
            notifier._on_signal(message)  # type: ignore[arg-type]
    with qtbot.waitSignal(notifier.activated, timeout=5000):
        notifier._on_signal(new_signal(ADDRESS, "ActionInvoked", "us", (5, DEFAULT_ACTION)))
    notifier.close()
