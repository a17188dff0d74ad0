"""The window is painted before the profile is open (gui/app.py run_gui): what the agent does in that moment.

The search typed meanwhile applies once the contacts arrive, typed digits stay in the dial pad, and Enter or Call
says plainly that the app is still starting: nothing is dialed or journaled (issue 11, time to a visible window).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from c2c_desktop.core.store import DB_FILE_NAME, default_db_path
from c2c_desktop.gui.mainwindow import STARTING_TITLE, MainWindow
from c2c_desktop.gui.profile import open_demo_profile
from tests.gui.windows import READY_MS


def test_keys_typed_before_the_profile_are_kept_and_enter_never_dials(qtbot: QtBot) -> None:
    main = MainWindow(demo=True)
    qtbot.addWidget(main)
    main.search.setFocus()
    main.show()
    qtbot.waitExposed(main)
    assert not main.ready
    assert main.search.isVisible() and main.dialpad.isVisible() and main.status_panel.isVisible()
    assert not main.call_selected.isEnabled()  # no contact highlighted: as once the (empty) profile is open

    qtbot.keyClicks(main.search, "okafor")
    qtbot.keyClick(main.search, Qt.Key.Key_Return)
    assert main.status_panel.title_label.text() == STARTING_TITLE
    qtbot.keyClicks(main.dialpad.number_edit, "2125550142")
    main.status_panel.title_label.setText("")
    qtbot.keyClick(main.dialpad.number_edit, Qt.Key.Key_Return)
    assert main.status_panel.title_label.text() == STARTING_TITLE
    main.status_panel.title_label.setText("")
    qtbot.mouseClick(main.dialpad.call_button, Qt.MouseButton.LeftButton)
    assert main.status_panel.title_label.text() == STARTING_TITLE
    assert not main.settings_action.isEnabled()  # what needs the profile waits for it
    assert main.find_action.isEnabled()

    profile = open_demo_profile()
    try:
        main.attach_profile(profile)
        qtbot.waitUntil(lambda: not main.contacts_model.is_loading, timeout=READY_MS)
        assert main.search.text() == "okafor"
        assert main.contacts_model.rowCount() == 1  # the search applied to the contacts as they came
        current = main.current_contact()
        assert current is not None and current.name == "Ada Okafor"
        assert "".join(ch for ch in main.dialpad.number_edit.text() if ch.isdigit()) == "2125550142"
        assert profile.store.list_calls() == []  # nothing was journaled (nor sent)
        assert main.settings_action.isEnabled()
    finally:
        main.shutdown()
        main.close()
        profile.close()


_RUN_GUI = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QWindow
    from PySide6.QtWidgets import QApplication
    from c2c_desktop.gui import app as gui_app, plain_text

    qt_app = QApplication(sys.argv[:1])
    painted = []

    class Painted(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Expose and isinstance(watched, QWindow) and watched.isExposed():
                painted.append(watched.title())
            return False

    watcher = Painted()
    qt_app.installEventFilter(watcher)

    def critical(parent, title, text):
        print("painted before:", painted[:1], flush=True)
        print("message:", text, flush=True)

    plain_text.critical = critical
    print("exited", gui_app.run_gui(), flush=True)
    """
)


def test_a_store_that_cannot_be_opened_is_said_plainly_after_the_window_showed(tmp_path: Path) -> None:
    # The database's path taken by a folder: sqlite cannot open it. The window has painted by then (the profile is
    # opened right after the first paint); it goes, the plain line is shown and the app ends with 2.
    default_db_path().mkdir(parents=True)
    assert default_db_path().name == DB_FILE_NAME
    result = subprocess.run(
        [sys.executable, "-c", _RUN_GUI], capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "painted before: ['c2c-desktop']", result.stderr[-2000:]
    assert lines[1].startswith("message: c2c-desktop cannot start: Cannot open the database")
    assert lines[2:] == ["exited 2"]
