"""The window is painted before the profile is open (gui/app.py run_gui): what the agent does in that moment.

The search typed meanwhile applies once the contacts arrive, typed digits stay in the dial pad, and Enter or Call
says plainly that the app is still starting: nothing is dialed or journaled then; the call goes out once, as soon as
the contacts and the keys are there (issue 11, time to a visible window).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import DB_FILE_NAME, default_db_path
from c2c_desktop.gui.mainwindow import STARTING_TITLE, MainWindow
from c2c_desktop.gui.profile import Profile, open_demo_profile
from tests.gui.windows import READY_MS


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.1) as service:
        monkeypatch.setenv("C2C_DESKTOP_API_URL", service.url)
        yield service


@contextmanager
def window_without_profile(qtbot: QtBot) -> Iterator[MainWindow]:
    """The window as run_gui first paints it: no profile yet (demo, so no saved size)."""
    main = MainWindow(demo=True)
    qtbot.addWidget(main)
    main.search.setFocus()
    main.show()
    qtbot.waitExposed(main)
    try:
        yield main
    finally:
        main.shutdown()
        main.close()


def attach_and_start(qtbot: QtBot, main: MainWindow, profile: Profile) -> None:
    """What run_gui does right after the first paint."""
    main.attach_profile(profile)
    main.start()
    qtbot.waitUntil(lambda: not main.controller.credentials_loading, timeout=READY_MS)


def test_the_first_paint_is_the_window_and_what_needs_the_profile_waits(qtbot: QtBot) -> None:
    with window_without_profile(qtbot) as main:
        assert not main.ready
        assert main.search.isVisible() and main.dialpad.isVisible() and main.status_panel.isVisible()
        assert not main.call_selected.isEnabled()  # no contact highlighted: as once the (empty) profile is open
        assert not main.settings_action.isEnabled()
        assert main.find_action.isEnabled() and main.dialpad_action.isEnabled() and main.quit_action.isEnabled()
        profile = open_demo_profile()
        try:
            attach_and_start(qtbot, main, profile)
            assert main.settings_action.isEnabled()
            assert main.mode_label.text() == "Business (B2B) rules"  # the demo's, with its settings
        finally:
            main.shutdown()
            main.close()  # saves its state into the profile's folder: before the folder goes
            profile.close()


def test_a_search_and_enter_before_the_profile_call_the_match_once_it_is_there(
    qtbot: QtBot, standin: StandInService
) -> None:
    with window_without_profile(qtbot) as main:
        qtbot.keyClicks(main.search, "okafor")
        qtbot.keyClick(main.search, Qt.Key.Key_Return)
        qtbot.keyClick(main.search, Qt.Key.Key_Return)  # pressed again while starting: still one call
        assert main.status_panel.title_label.text() == STARTING_TITLE
        assert standin.request_count == 0
        profile = open_demo_profile()
        try:
            attach_and_start(qtbot, main, profile)
            qtbot.waitUntil(lambda: len(profile.store.list_calls()) == 1, timeout=READY_MS)
            qtbot.waitUntil(lambda: not main.controller.is_busy, timeout=READY_MS)
            assert main.search.text() == "okafor"
            assert main.contacts_model.rowCount() == 1  # the search applied to the contacts as they came
            assert [call.contact_name for call in profile.store.list_calls()] == ["Ada Okafor"]
            assert standin.request_count == 1
        finally:
            main.shutdown()
            main.close()  # saves its state into the profile's folder: before the folder goes
            profile.close()


def test_digits_and_call_before_the_profile_stay_and_are_called_once(qtbot: QtBot, standin: StandInService) -> None:
    with window_without_profile(qtbot) as main:
        qtbot.keyClicks(main.dialpad.number_edit, "2125550142")
        qtbot.keyClick(main.dialpad.number_edit, Qt.Key.Key_Return)
        main.status_panel.title_label.setText("")
        qtbot.mouseClick(main.dialpad.call_button, Qt.MouseButton.LeftButton)
        assert main.status_panel.title_label.text() == STARTING_TITLE
        profile = open_demo_profile()
        try:
            attach_and_start(qtbot, main, profile)
            qtbot.waitUntil(lambda: standin.request_count == 1 and not main.controller.is_busy, timeout=READY_MS)
            assert "".join(ch for ch in main.dialpad.number_edit.text() if ch.isdigit()) == "2125550142"
            assert standin.requests[0].params["phone_to_call"] == "2125550142"
            assert len(profile.store.list_calls()) == 1
        finally:
            main.shutdown()
            main.close()  # saves its state into the profile's folder: before the folder goes
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
    if "--attach-fails" in sys.argv:
        from c2c_desktop.core.store import StoreError
        from c2c_desktop.gui.mainwindow import MainWindow

        def attach_profile(self, profile):
            raise StoreError("The database is damaged")

        MainWindow.attach_profile = attach_profile
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


def test_a_profile_the_window_cannot_take_is_said_plainly_too(tmp_path: Path) -> None:
    # Opened, but the window cannot read it (say the journal is damaged): the same plain line and exit code, never a
    # window left saying "Starting…".
    result = subprocess.run(
        [sys.executable, "-c", _RUN_GUI, "--attach-fails"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.stdout.splitlines() == [
        "painted before: ['c2c-desktop']",
        "message: c2c-desktop cannot start: The database is damaged",
        "exited 2",
    ], result.stderr[-2000:]
