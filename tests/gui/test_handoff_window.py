"""The running window's side of a hand-off (MainWindow.open_link, gui/activation.py): the number in the dial pad,
the window back from minimised, the launch's activation token given to Qt where it can use it, and a link without
a number said in the status bar instead of a silent dial pad."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from c2c_desktop.gui import activation
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import open_demo_profile
from tests.gui.windows import running_window


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    with running_window(qtbot, open_demo_profile()) as main:
        yield main


def test_a_link_with_a_number_fills_the_dial_pad_ready_for_enter(qtbot: QtBot, window: MainWindow) -> None:
    window.open_link("tel:+1-555-201-0003")
    assert window.dialpad.number_text().endswith("5552010003")
    assert window.dialpad.number_edit.selectedText() == window.dialpad.number_edit.text()  # typing replaces it
    assert window.statusBar().currentMessage() == ""


@pytest.mark.parametrize("link", ["tel:garbage", "callto:ada.okafor", "TEL:"])
def test_a_link_without_a_number_says_so_in_the_status_bar(qtbot: QtBot, window: MainWindow, link: str) -> None:
    window.dialpad.set_number("555 201 0004")  # what the agent had typed stays
    window.open_link(link)
    assert window.statusBar().currentMessage() == f"That link has no phone number: {link}"
    assert window.dialpad.number_text().endswith("5552010004")


def test_the_hint_is_one_plain_line_however_odd_the_link(qtbot: QtBot, window: MainWindow) -> None:
    window.open_link("tel:<b>x</b>\u202e\n" + "y" * 500)
    message = window.statusBar().currentMessage()
    assert message.startswith("That link has no phone number: tel:<b>x</b> yyy")
    assert "\n" not in message and "\u202e" not in message
    assert len(message) < 130 and message.endswith("…")


def test_a_minimised_window_comes_back_as_it_was(qtbot: QtBot, window: MainWindow) -> None:
    window.showMaximized()
    window.showMinimized()
    qtbot.waitUntil(lambda: bool(window.windowState() & Qt.WindowState.WindowMinimized))
    window.open_link("tel:+1-555-201-0003")
    assert not window.windowState() & Qt.WindowState.WindowMinimized
    assert window.windowState() & Qt.WindowState.WindowMaximized  # not un-maximised on the way
    assert window.isVisible()


def test_a_hidden_window_is_shown(qtbot: QtBot, window: MainWindow) -> None:
    window.hide()
    window.open_link("")  # a launch without a link: just come to the front
    assert window.isVisible()


def test_the_wayland_token_is_where_qts_wayland_plugin_reads_it(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Qt's Wayland plugin reads XDG_ACTIVATION_TOKEN in requestActivate (and removes it); the offscreen platform of
    # this test reads nothing, so the variable is still there to look at.
    monkeypatch.delenv("XDG_ACTIVATION_TOKEN", raising=False)
    monkeypatch.setattr(activation.QGuiApplication, "platformName", staticmethod(lambda: "wayland"))
    window.open_link("tel:+1-555-201-0003", "XDG_ACTIVATION_TOKEN=token-from-the-compositor")
    assert os.environ["XDG_ACTIVATION_TOKEN"] == "token-from-the-compositor"


@pytest.mark.parametrize("line", ["DESKTOP_STARTUP_ID=id_TIME1", "XDG_ACTIVATION_TOKEN=t", "nonsense", ""])
def test_other_tokens_are_not_put_in_the_environment(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    # Off Wayland (here: offscreen) a Wayland token would linger for a later window to misuse.
    monkeypatch.delenv("XDG_ACTIVATION_TOKEN", raising=False)
    window.open_link("", line)
    assert "XDG_ACTIVATION_TOKEN" not in os.environ


@pytest.mark.parametrize(
    "line",
    [
        "XDG_ACTIVATION_TOKEN=a b",
        "XDG_ACTIVATION_TOKEN=a\x00b",
        "XDG_ACTIVATION_TOKEN=" + "x" * 300,
        "XDG_ACTIVATION_TOKEN=",
        "PATH=/tmp/evil",
        "LD_PRELOAD=/tmp/evil.so",
    ],
)
def test_only_a_plausible_token_of_a_known_name_reaches_the_environment(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    # Any program of this user may connect to the socket and send any second line: on Wayland only a token that
    # looks like one goes into the environment (a NUL would raise in the slot, a variable name would be set).
    monkeypatch.delenv("XDG_ACTIVATION_TOKEN", raising=False)
    monkeypatch.setattr(activation.QGuiApplication, "platformName", staticmethod(lambda: "wayland"))
    path_before, preload_before = os.environ.get("PATH"), os.environ.get("LD_PRELOAD")
    window.open_link("tel:+1-555-201-0003", line)
    assert "XDG_ACTIVATION_TOKEN" not in os.environ
    assert (os.environ.get("PATH"), os.environ.get("LD_PRELOAD")) == (path_before, preload_before)
    assert window.isVisible()  # the window still comes to the front
