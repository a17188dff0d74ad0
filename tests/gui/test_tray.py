"""The tray icon (issue 11): its look through a call, its menu, notifications only while the window is not in front,
and closing the window without a tray. Real window, real stand-in; offscreen (no tray host: see
tests/e2e/test_tray_xvfb.py for a real tray and notification daemon)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from c2c_desktop.core.models import CallResult, Contact, JournalEntry, Outcome, PhoneEntry
from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.gui import notifications
from c2c_desktop.gui import tray as tray_module
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.notifications import FreedesktopOrTray, body_for_service, notification_text
from c2c_desktop.gui.profile import open_demo_profile
from c2c_desktop.gui.tray import NO_NUMBER_ON_CLIPBOARD, CallTray, tray_menu_texts
from tests.gui.windows import running_window

SIGNAL_MS = 10_000


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.2) as service:
        yield service


@pytest.fixture
def window(qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    with running_window(qtbot, open_demo_profile()) as main:
        yield main


@pytest.fixture
def tray(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> Iterator[CallTray]:
    """The window's own tray, as the app makes it, on a desktop without a session bus: its notifier is then the tray
    icon's message (the freedesktop one is exercised against dunst in the e2e test)."""
    monkeypatch.setattr(notifications, "session_bus_present", lambda environ=None: False)
    tray = window.enable_tray()
    assert isinstance(tray.notifier, FreedesktopOrTray) and tray.notifier.freedesktop is None
    yield tray
    tray.close()


def call(qtbot: QtBot, window: MainWindow, name: str) -> None:
    """Call the demo contact `name` (the window's Enter path) and wait for the outcome."""
    window.search.setText(name)
    qtbot.waitUntil(lambda: window.current_contact() is not None)
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window.call_current_contact()


def put_in_front(qtbot: QtBot, window: MainWindow) -> None:
    window.bring_to_front()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.is_in_front()


@pytest.mark.parametrize(
    ("name", "fault", "outcome", "tooltip"),
    [
        ("Ada Okafor", Fault.NONE, Outcome.CONNECTED, "Connected — Ada Okafor"),
        ("Marcus Chen", Fault.NONE, Outcome.NO_ANSWER, "No answer — Marcus Chen"),  # his number ends in 7
        ("Claire Dawson", Fault.XML_FAILURE, Outcome.REJECTED, "Rejected — Claire Dawson"),
        ("Peter Lindqvist", Fault.RESET, Outcome.UNKNOWN, "Unknown (may still ring; not retried) — Peter Lindqvist"),
    ],
)
def test_the_icon_and_tooltip_follow_the_call(
    qtbot: QtBot,
    window: MainWindow,
    tray: CallTray,
    standin: StandInService,
    name: str,
    fault: Fault,
    outcome: Outcome,
    tooltip: str,
) -> None:
    standin.fault = fault
    assert (tray.icon_name, tray.tooltip) == ("c2c-desktop", "c2c-desktop — ready")
    looks: list[tuple[str, str]] = []
    tray.look_changed.connect(lambda name, tip: looks.append((name, tip)))
    call(qtbot, window, name)
    assert looks == [("ringing", f"Ringing {name}…"), (str(outcome), tooltip)]
    assert tray.icon.toolTip() == tooltip
    assert tray.icon.icon().cacheKey() == icon(str(outcome)).cacheKey()


def test_a_call_not_sent_shows_its_own_icon(
    qtbot: QtBot, window: MainWindow, tray: CallTray, monkeypatch: pytest.MonkeyPatch
) -> None:
    with StandInService() as gone:
        url = gone.url  # a loopback port where nothing listens any more: the connection is refused, nothing sent
    monkeypatch.setenv("C2C_DESKTOP_API_URL", url)
    window.apply_settings(dataclasses.replace(window.profile.settings, page="not-sent"))  # the URL is read again
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window.call_number("2125550142")
    assert (tray.icon_name, tray.tooltip) == ("not_sent", "Not sent — Ada Okafor")


def test_the_outcome_icons_are_distinct() -> None:
    keys = {icon(str(outcome)).cacheKey() for outcome in Outcome} | {icon("ringing").cacheKey()}
    assert len(keys) == len(Outcome) + 1
    assert all(not icon(str(outcome)).isNull() for outcome in Outcome)


def test_a_notification_only_while_the_window_is_not_in_front(qtbot: QtBot, window: MainWindow, tray: CallTray) -> None:
    put_in_front(qtbot, window)
    with qtbot.assertNotEmitted(tray.notified):
        call(qtbot, window, "Ada Okafor")

    other = QWidget()  # another window takes the focus: the agent is in the CRM
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    with qtbot.waitSignal(tray.notified, timeout=SIGNAL_MS) as blocker:
        call(qtbot, window, "Ada Okafor")
    assert blocker.args == ["Connected — the service is now calling Ada Okafor", "Ada Okafor · (212) 555-0142"]

    window.send_to_tray()  # hidden in the tray
    with qtbot.waitSignal(tray.notified, timeout=SIGNAL_MS) as blocker:
        call(qtbot, window, "Marcus Chen")
    assert blocker.args[0] == "No answer — Marcus Chen"


def test_no_notification_when_the_setting_is_off(qtbot: QtBot, window: MainWindow, tray: CallTray) -> None:
    window.profile.settings = dataclasses.replace(window.profile.settings, notifications=False)
    window.send_to_tray()
    with qtbot.assertNotEmitted(tray.notified):
        call(qtbot, window, "Ada Okafor")
    assert tray.icon_name == "connected"  # the icon still says it


def test_clicking_the_notification_or_the_icon_brings_the_window_back(
    qtbot: QtBot, window: MainWindow, tray: CallTray
) -> None:
    window.send_to_tray()
    assert not window.isVisible()
    # What Qt emits when the tray's message is clicked: through the notifier and CallTray's own wiring to the window.
    tray.icon.messageClicked.emit()
    qtbot.waitUntil(window.is_shown)
    window.send_to_tray()
    tray.icon.activated.emit(tray.icon.ActivationReason.Trigger)
    qtbot.waitUntil(window.is_shown)


def test_the_menu_shows_or_hides_the_window(qtbot: QtBot, window: MainWindow, tray: CallTray) -> None:
    tray.menu.aboutToShow.emit()
    assert tray_menu_texts(tray) == ["Hide c2c-desktop", "Call the number on the clipboard", "", "Quit"]
    tray.show_hide_action.trigger()
    assert not window.isVisible()
    tray.menu.aboutToShow.emit()
    assert tray_menu_texts(tray)[0] == "Show c2c-desktop"
    tray.show_hide_action.trigger()
    qtbot.waitUntil(window.is_shown)


def test_the_clipboard_number_fills_the_dial_pad_and_never_dials(
    qtbot: QtBot, window: MainWindow, tray: CallTray, standin: StandInService
) -> None:
    window.send_to_tray()
    QGuiApplication.clipboard().setText("Please call Ada back on (212) 555-0142 today")
    with qtbot.assertNotEmitted(window.controller.call_started, wait=500):
        tray.clipboard_action.trigger()
    qtbot.waitUntil(window.is_shown)
    assert window.dialpad.number_edit.text() == "(212) 555-0142"
    assert standin.request_count == 0


def test_no_number_on_the_clipboard_gives_a_hint(
    qtbot: QtBot, window: MainWindow, tray: CallTray, standin: StandInService
) -> None:
    window.dialpad.set_number("2125550142")
    window.send_to_tray()
    QGuiApplication.clipboard().setText("see you at lunch")
    tray.clipboard_action.trigger()
    qtbot.waitUntil(window.is_shown)
    assert window.statusBar().currentMessage() == NO_NUMBER_ON_CLIPBOARD
    assert window.dialpad.number_edit.text() == "(212) 555-0142"  # left as it was
    assert standin.request_count == 0


def test_without_a_tray_closing_the_window_closes_it(qtbot: QtBot, window: MainWindow, tray: CallTray) -> None:
    tray.show()  # offscreen: no tray at all, so the icon is not in one
    assert window.profile.settings.close_to_tray and not window.closes_to_tray()
    assert window.close()
    assert window.controller.is_busy is False and window._shut_down


# -- the words -------------------------------------------------------------------------------------------------------

ENTRY = JournalEntry(
    id=1,
    ref="r",
    started_at="2026-01-01T00:00:00+00:00",
    number="2125550142",
    display_number="(212) 555-0142",
    agent_number="5550100100",
    call_type=2,
    state=None,  # type: ignore[arg-type]  # not read here
    outcome=None,
    message="",
    contact_name="Ada Okafor",
)


@pytest.mark.parametrize(
    ("outcome", "message", "summary", "body"),
    [
        (
            Outcome.CONNECTED,
            "Connected — the service is now calling Ada Okafor",
            "Connected — the service is now calling Ada Okafor",
            "Ada Okafor · (212) 555-0142",
        ),
        (
            Outcome.NO_ANSWER,
            "No answer on your phone",
            "No answer — Ada Okafor",
            "Ada Okafor · (212) 555-0142\nNo answer on your phone",
        ),
        (
            Outcome.UNKNOWN,
            "Unknown — the connection dropped after sending. The call may still be ringing.",
            "Unknown — may still ring; not retried",
            "Ada Okafor · (212) 555-0142\nThe connection dropped after sending. The call may still be ringing.",
        ),
        (
            Outcome.NOT_SENT,
            "Not sent: the service refused the connection",
            "Not sent — Ada Okafor",
            "Ada Okafor · (212) 555-0142\nThe service refused the connection",
        ),
        (
            Outcome.REJECTED,
            "Rejected — check your keys (HTTP 401)",
            "Rejected — Ada Okafor",
            "Ada Okafor · (212) 555-0142\nCheck your keys (HTTP 401)",
        ),
    ],
)
def test_notification_words(outcome: Outcome, message: str, summary: str, body: str) -> None:
    assert notification_text(ENTRY, CallResult(outcome, message), message) == (summary, body)


def test_a_name_is_never_markup_for_the_service() -> None:
    entry = dataclasses.replace(ENTRY, contact_name="<b>Ada</b> & Co")
    summary, body = notification_text(entry, CallResult(Outcome.NO_ANSWER, "x"), "No answer on your phone")
    assert summary == "No answer — <b>Ada</b> & Co"  # the summary is plain text by the specification: sent as it is
    assert body_for_service(body, frozenset({"body", "body-markup"})).startswith("&lt;b&gt;Ada&lt;/b&gt; &amp; Co · ")
    assert body_for_service(body, frozenset({"body"})) == body  # a service without markup shows it as sent


def test_a_contact_with_markup_in_its_name_reaches_the_notifier_as_text(
    qtbot: QtBot, window: MainWindow, tray: CallTray
) -> None:
    window.profile.store.add_contact(
        Contact(id=None, name="<b>Ada</b> & Co", phones=(PhoneEntry(number="+12125550143", primary=True),))
    )
    window.reload_contacts()
    window.send_to_tray()
    with qtbot.waitSignal(tray.notified, timeout=SIGNAL_MS) as blocker:
        call(qtbot, window, "<b>Ada")
    assert blocker.args[0] == "Connected — the service is now calling <b>Ada</b> & Co"
    assert tray.tooltip == "Connected — <b>Ada</b> & Co"
    assert "&lt;b&gt;" in tray.icon.toolTip()  # the tooltip shows the name as written, never bold


# -- the whole app without a tray: closing quits, --in-tray starts minimised -------------------------------------------

_RUN = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from c2c_desktop.gui.app import run_gui
    from c2c_desktop.gui.mainwindow import MainWindow

    app = QApplication(sys.argv[:1])

    def main_window():
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)

    def act():
        window = main_window()
        if window is None:
            QTimer.singleShot(50, act)
            return
        print("minimised" if window.isMinimized() else "shown" if window.isVisible() else "hidden", flush=True)
        window.close()  # as the window manager's close button does

    QTimer.singleShot(300, act)
    code = run_gui(demo=True, in_tray="--in-tray" in sys.argv)
    print("exited", code, flush=True)
    """
)


@pytest.mark.parametrize(("flag", "state"), [("", "shown"), ("--in-tray", "minimised")])
def test_without_a_tray_close_quits_and_in_tray_starts_minimised(flag: str, state: str) -> None:
    with StandInService(ring_seconds=0.1) as standin:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "C2C_DESKTOP_API_URL": standin.url}
        done = subprocess.run(
            [sys.executable, "-c", _RUN, *([flag] if flag else [])],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.stdout.split("\n")[:2] == [state, "exited 0"], done.stderr


@pytest.mark.parametrize(
    "clipboard",
    [
        "Please call Ada back on (212) 555-0142 today. " + "1 " * 2_000_000,  # a 4 MB log pasted after the number
        "1 " * 2_000_000 + "(212) 555-0142",  # the number too far in to be looked for
    ],
    ids=["number-first", "number-beyond-the-cap"],
)
def test_a_huge_clipboard_is_read_promptly_and_never_dials(
    qtbot: QtBot, window: MainWindow, tray: CallTray, standin: StandInService, clipboard: str
) -> None:
    """Only the clipboard's head is searched on the GUI thread: a multi-megabyte clipboard must not freeze it."""
    window.send_to_tray()
    QGuiApplication.clipboard().setText(clipboard)
    assert len(QGuiApplication.clipboard().text()) > 4_000_000
    with qtbot.assertNotEmitted(window.controller.call_started, wait=500):
        started = time.perf_counter()
        tray.clipboard_action.trigger()
        took = time.perf_counter() - started
    qtbot.waitUntil(window.is_shown)
    assert took < 0.15, f"the clipboard action took {took:.3f} s on the GUI thread"
    assert len(window.dialpad.number_edit.text()) <= tray_module.CLIPBOARD_HEAD_CHARS
    assert standin.request_count == 0


# -- the tray going away while the window is hidden in it --------------------------------------------------------------


def test_hidden_in_the_tray_the_window_comes_back_minimised_when_the_tray_goes(
    qtbot: QtBot, window: MainWindow, tray: CallTray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tray host exits while the window is hidden in the tray: the window shows minimised (the real tray host is
    killed in tests/e2e/test_tray_xvfb.py; offscreen has none, so its presence is switched here)."""
    there = [True]
    monkeypatch.setattr(tray_module, "tray_available", lambda: there[0])
    monkeypatch.setattr(tray_module, "TRAY_WATCH_MS", 50)
    window.send_to_tray()
    with qtbot.assertNotEmitted(window.windowHandle().visibleChanged, wait=300):
        pass  # the tray is there: the window stays hidden
    assert not window.isVisible()
    there[0] = False
    qtbot.waitUntil(lambda: window.isVisible() and window.isMinimized())


def test_started_hidden_without_a_tray_it_waits_then_shows_minimised(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--in-tray` at login before the panel is up: the tray is waited for, then the window shows minimised."""
    monkeypatch.setattr(notifications, "session_bus_present", lambda environ=None: False)
    monkeypatch.setattr(tray_module, "TRAY_WAIT_MS", 600)
    window.hide()  # as never shown
    tray = window.enable_tray()  # offscreen: no tray comes
    with qtbot.assertNotEmitted(window.windowHandle().visibleChanged, wait=300):
        pass  # still waiting for a tray
    assert not window.isVisible()
    qtbot.waitUntil(lambda: window.isVisible() and window.isMinimized(), timeout=5000)
    tray.close()


def test_a_tray_that_comes_while_waiting_keeps_the_window_hidden(
    qtbot: QtBot, window: MainWindow, tray: CallTray, monkeypatch: pytest.MonkeyPatch
) -> None:
    there = [False]
    monkeypatch.setattr(tray_module, "tray_available", lambda: there[0])
    monkeypatch.setattr(tray_module, "TRAY_WAIT_MS", 600)
    window.send_to_tray()
    there[0] = True  # the panel came up
    with qtbot.assertNotEmitted(window.windowHandle().visibleChanged, wait=1200):
        pass
    assert not window.isVisible()


def test_the_windows_own_dialog_in_front_counts_as_the_window(qtbot: QtBot, window: MainWindow, tray: CallTray) -> None:
    """Settings or a confirmation open over the window: the agent is looking at the app, so no notification."""
    put_in_front(qtbot, window)
    dialog = QDialog(window)
    dialog.setModal(True)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert window.is_in_front()
    with qtbot.assertNotEmitted(tray.notified):
        call(qtbot, window, "Ada Okafor")
    dialog.close()


def test_the_first_close_to_the_tray_says_the_app_is_still_running(
    qtbot: QtBot, window: MainWindow, tray: CallTray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new-user pass: closing the window made the app seem to vanish. Said once per run, never on later closes.
    from c2c_desktop.gui.tray import STILL_RUNNING

    monkeypatch.setattr(tray, "is_in_tray", lambda: True)  # offscreen has no tray; the setting is on by default
    assert window.closes_to_tray()
    with qtbot.waitSignal(tray.notified, timeout=SIGNAL_MS) as blocker:
        window.close()
    assert tuple(blocker.args) == STILL_RUNNING
    assert not window.is_shown()
    window.bring_to_front()
    with qtbot.assertNotEmitted(tray.notified):
        window.close()
    assert not window.is_shown()
