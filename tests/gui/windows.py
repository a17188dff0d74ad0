"""One way to open the main window in a test and to take it down again (threads shut down, dialogs closed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pytestqt.qtbot import QtBot

from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import Profile

READY_MS = 10_000


@contextmanager
def running_window(qtbot: QtBot, profile: Profile) -> Iterator[MainWindow]:
    """The window on `profile`, shown and started, once its keys and contacts are loaded; closed with the profile."""
    main = MainWindow(profile)
    main.show()
    main.start()
    qtbot.waitUntil(lambda: not main.controller.credentials_loading, timeout=READY_MS)
    qtbot.waitUntil(lambda: not main.contacts_model.is_loading, timeout=READY_MS)
    try:
        yield main
    finally:
        for dialog in (main.history_dialog, main.compliance_dialog):
            if dialog is not None:
                dialog.close()
        main.shutdown()
        main.close()
        main.deleteLater()
        profile.close()
