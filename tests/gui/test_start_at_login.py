"""Settings → Start at login: the checkbox shows whether the XDG autostart entry exists, and OK writes or removes it
(Cancel changes nothing). The entry written is checked with the real desktop-file-validate."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from c2c_desktop.core.config import Settings
from c2c_desktop.core.desktop_entry import enable_autostart
from c2c_desktop.gui.profile import open_demo_profile
from c2c_desktop.gui.settings_dialog import SettingsDialog
from tests.gui.windows import running_window

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def autostart_entry(isolated_profile: Path) -> Path:
    return isolated_profile / "xdg_config_home" / "autostart" / "c2c-desktop.desktop"


def _answer_settings(seen: list[bool], *, toggle: bool, ok: bool) -> None:
    """When Settings is open (modal), note its checkbox, maybe click it, then press OK or Cancel."""
    dialog = QApplication.activeModalWidget()
    if not isinstance(dialog, SettingsDialog):
        QTimer.singleShot(20, lambda: _answer_settings(seen, toggle=toggle, ok=ok))
        return
    seen.append(dialog.start_at_login_check.isChecked())
    if toggle:
        dialog.start_at_login_check.click()
    (dialog.ok_button if ok else dialog.cancel_button).click()


def test_ok_writes_then_removes_the_autostart_entry(qtbot: QtBot, autostart_entry: Path) -> None:
    profile = open_demo_profile()
    profile.demo = False  # the checkbox is off in the demo; the rest of the demo profile (keys, stand-in) is handy
    seen: list[bool] = []
    with running_window(qtbot, profile) as window:
        QTimer.singleShot(0, lambda: _answer_settings(seen, toggle=True, ok=False))
        window.open_settings()
        assert not autostart_entry.exists()  # Cancel

        QTimer.singleShot(0, lambda: _answer_settings(seen, toggle=True, ok=True))
        window.open_settings()
        assert autostart_entry.is_file()
        validator = shutil.which("desktop-file-validate")
        assert validator is not None, "install the Debian package desktop-file-utils"
        checked = subprocess.run([validator, str(autostart_entry)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(autostart_entry.read_text(encoding="utf-8"))
        assert parser["Desktop Entry"]["Exec"].endswith(" --in-tray")
        assert "will start at login" in window.statusBar().currentMessage()

        QTimer.singleShot(0, lambda: _answer_settings(seen, toggle=True, ok=True))
        window.open_settings()
        assert not autostart_entry.exists()
    assert seen == [False, False, True]


def test_checkbox_shows_an_entry_written_elsewhere(qtbot: QtBot, autostart_entry: Path) -> None:
    enable_autostart(["/opt/c2c-desktop/c2c-desktop"])
    dialog = SettingsDialog(Settings(), None)
    qtbot.addWidget(dialog)
    assert dialog.start_at_login_check.isChecked() and dialog.start_at_login_check.isEnabled()
    assert dialog.start_at_login_change() is None
    dialog.start_at_login_check.click()
    assert dialog.start_at_login_change() is False


def test_checkbox_is_off_in_the_demo(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(), None, demo=True)
    qtbot.addWidget(dialog)
    assert not dialog.start_at_login_check.isEnabled()
