"""The calling rules in the window (issue 10): a refusal's reason in the status, "Call anyway…" for an hours refusal
of a manual dial (one request, with the typed reason audited), the mode in the status bar, "Do not call" as a
disposition and as a contact action. The whole window offscreen, the real stand-in over loopback, a real SQLite
file, the real guard with its clock frozen."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from c2c_desktop.core import config
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.rules import dnc
from c2c_desktop.core.rules.audit import StoreAuditLog
from c2c_desktop.core.rules.model import AuditAction
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import StoreError
from c2c_desktop.gui.do_not_call import DO_NOT_CALL, save_disposition
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import Profile, open_demo_profile
from c2c_desktop.gui.refusal import ReasonDialog

SIGNAL_MS = 10_000
MIAMI = "+13055550100"  # (305): America/New_York, Florida (08:00–20:00)
#: 20:14 in Miami (EDT) on a Wednesday: inside the federal window, outside Florida's.
MIAMI_EVENING = datetime(2026, 6, 4, 0, 14, tzinfo=UTC)
#: 14:00 in Miami.
MIAMI_AFTERNOON = datetime(2026, 6, 3, 18, 0, tzinfo=UTC)
ADA = ("okafor", "+12125550142")  # a demo contact; Call Connected at the stand-in


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.2) as service:
        yield service


def open_window(qtbot: QtBot, profile: Profile) -> MainWindow:
    main = MainWindow(profile)
    main.show()
    main.start()
    qtbot.waitUntil(lambda: not main.controller.credentials_loading, timeout=SIGNAL_MS)
    return main


@pytest.fixture
def make_window(
    qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., MainWindow]]:
    """A demo profile (business mode unless `mode` says otherwise) with Zelda Marsh in Miami and a frozen clock."""
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    opened: list[tuple[MainWindow, Profile]] = []

    def make(mode: str = "business", at: datetime = MIAMI_EVENING) -> MainWindow:
        profile = open_demo_profile()
        profile.settings = dataclasses.replace(profile.settings, mode=mode)
        profile.clock = Clock(at)
        profile.store.add_contact(
            Contact(None, "Zelda Marsh", "Sunshine Realty", phones=(PhoneEntry("(305) 555-0100", "Work", MIAMI, True),))
        )
        main = open_window(qtbot, profile)
        opened.append((main, profile))
        return main

    yield make
    for main, profile in opened:
        main.shutdown()
        main.close()
        main.deleteLater()
        profile.close()


def find(qtbot: QtBot, window: MainWindow, query: str) -> None:
    window.search.clear()
    qtbot.keyClicks(window.search, query)
    qtbot.waitUntil(lambda: window.current_contact() is not None)


def answer_reason(reason: str | None, seen: dict[str, Any]) -> None:
    """Once the reason dialog is up: note what it showed, then type `reason` and press OK (None: press Esc)."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ReasonDialog):
            QTimer.singleShot(10, answer)
            return
        seen["question"] = dialog.question_label.text()
        seen["ok_enabled_when_empty"] = dialog.ok_button.isEnabled()
        dialog.reason_edit.setText("   ")
        seen["ok_enabled_when_blank"] = dialog.ok_button.isEnabled()
        if reason is None:
            dialog.reject()  # Esc's path (QDialog maps Esc to reject)
            return
        dialog.reason_edit.setText(reason)
        seen["ok_enabled_with_reason"] = dialog.ok_button.isEnabled()
        dialog.ok_button.click()

    QTimer.singleShot(0, answer)


def enter_on_search(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window.search, Qt.Key.Key_Return)


# --- hours refusal and Call anyway… ---------------------------------------------------------------------------------


def test_an_hours_refusal_shows_the_reason_and_call_anyway_places_it_once_with_the_reason_audited(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService
) -> None:
    window = make_window(mode="consumer", at=MIAMI_EVENING)
    store = window.profile.store
    find(qtbot, window, "zelda")
    with qtbot.waitSignal(window.controller.refused, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    panel = window.status_panel
    assert panel.title_label.text() == "Not sent"
    detail = panel.detail_label.text()
    assert "20:14" in detail and "Florida" in detail and "America/New_York" in detail, detail
    assert "Call anyway" in detail
    assert panel.override_button.isVisible() and panel.override_button.isEnabled()
    assert panel.override_button.shortcut() == QKeySequence("Alt+A")  # the mnemonic: keyboard reachable
    assert panel.override_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert standin.request_count == 0 and store.list_calls() == []

    seen: dict[str, Any] = {}
    answer_reason("customer asked for a call back now", seen)
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        panel.override_button.click()
    assert seen["ok_enabled_when_empty"] is False and seen["ok_enabled_when_blank"] is False
    assert seen["ok_enabled_with_reason"] is True
    assert "Zelda Marsh at (305) 555-0100" in seen["question"] and "20:14" in seen["question"]
    assert standin.request_count == 1
    assert standin.requests[0].params["phone_to_call"] == "3055550100"
    calls = store.list_calls()
    assert len(calls) == 1 and calls[0].e164 == MIAMI and calls[0].contact_name == "Zelda Marsh"
    overrides = StoreAuditLog(store).events(action=AuditAction.OVERRIDDEN)
    assert len(overrides) == 1
    assert overrides[0].callee_number == MIAMI and "customer asked for a call back now" in overrides[0].reason
    assert not panel.override_button.isVisible()  # the outcome replaced the refusal


def test_call_anyway_by_keyboard_and_cancelled_sends_nothing(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService
) -> None:
    window = make_window(mode="consumer", at=MIAMI_EVENING)
    find(qtbot, window, "zelda")
    with qtbot.waitSignal(window.controller.refused, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    seen: dict[str, Any] = {}
    answer_reason(None, seen)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # Alt+A: the button's animated click
    qtbot.waitUntil(lambda: "question" in seen)  # the reason dialog came up, and Esc closed it
    assert standin.request_count == 0 and window.profile.store.list_calls() == []
    assert StoreAuditLog(window.profile.store).events(action=AuditAction.OVERRIDDEN) == []
    assert window.status_panel.override_button.isVisible()  # still there to try again


@pytest.mark.parametrize("change", ["a link", "typed digits", "another search"])
def test_a_refusal_offers_call_anyway_only_while_its_number_is_what_enter_would_call(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService, change: str
) -> None:
    # A new-user pass found "Call anyway…" still offered after another number was put in the dial pad: the override
    # then dialled the refused number, one the agent no longer saw, with a reason typed for another call.
    window = make_window(mode="consumer", at=MIAMI_EVENING)
    find(qtbot, window, "zelda")
    with qtbot.waitSignal(window.controller.refused, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    assert window.status_panel.override_button.isVisible()
    if change == "a link":
        window.open_link("tel:+13125550177")
    elif change == "typed digits":
        window.dialpad.focus_number()
        qtbot.keyClicks(window.dialpad.number_edit, "3125550177")
    else:
        find(qtbot, window, "okafor")
    assert not window.status_panel.override_button.isVisible()
    window.call_anyway()  # also Alt+A's path: nothing to place any more
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert QApplication.activeModalWidget() is None  # no reason is asked for
    assert standin.request_count == 0 and window.profile.store.list_calls() == []


def test_inside_the_hours_the_same_call_goes_through_without_a_button(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService
) -> None:
    window = make_window(mode="consumer", at=MIAMI_AFTERNOON)
    find(qtbot, window, "zelda")
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    assert standin.request_count == 1
    assert not window.status_panel.override_button.isVisible()


def test_a_do_not_call_refusal_has_no_override_and_says_how_to_remove_the_number(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService
) -> None:
    window = make_window(mode="consumer", at=MIAMI_AFTERNOON)
    dnc.add_internal(window.profile.store, MIAMI, "asked not to be called", audit=None)
    find(qtbot, window, "zelda")
    with qtbot.waitSignal(window.controller.refused, timeout=SIGNAL_MS) as blocker:
        enter_on_search(qtbot, window)
    assert not blocker.args[0].refusal.overridable
    detail = window.status_panel.detail_label.text()
    assert "do-not-call list" in detail and "Remove from do-not-call list" in detail, detail
    assert not window.status_panel.override_button.isVisible()
    window.call_anyway()  # even called directly, nothing is placed for a refusal that cannot be overridden
    assert standin.request_count == 0 and window.profile.store.list_calls() == []


# --- the mode in the status bar ---------------------------------------------------------------------------------------


def test_the_mode_is_in_the_status_bar_and_follows_the_settings(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(mode="business")
    label = window.mode_label
    assert label.isVisible() and label.text() == "Business (B2B) rules"
    assert "company calling window" in label.toolTip()
    window.notify("a passing notice")  # a permanent widget: a notice does not hide it
    assert label.isVisible()
    assert window.apply_settings(dataclasses.replace(window.profile.settings, mode="consumer"))
    assert label.text() == "Consumer rules" and "calling hours" in label.toolTip()


def test_the_mode_follows_a_settings_file_changed_by_another_program(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(mode="business")
    on_file = config.load_settings(window.profile.settings_path)
    config.save_settings(dataclasses.replace(on_file, mode="consumer"), window.profile.settings_path)
    qtbot.waitUntil(lambda: window.mode_label.text() == "Consumer rules", timeout=SIGNAL_MS)


# --- "Do not call" ----------------------------------------------------------------------------------------------------


def test_do_not_call_through_the_disposition_strip_then_enter_sends_nothing(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService
) -> None:
    window = make_window()
    store = window.profile.store
    find(qtbot, window, ADA[0])
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    assert standin.request_count == 1
    strip = window.disposition
    assert DO_NOT_CALL in strip.offered()
    strip.combo.setCurrentIndex(strip.combo.findText(DO_NOT_CALL))
    strip.note_edit.setText("asked us to stop calling")
    with qtbot.waitSignal(strip.do_not_call, timeout=1000):
        qtbot.mouseClick(strip.save_button, Qt.MouseButton.LeftButton)
    assert store.list_calls()[0].disposition == DO_NOT_CALL
    added = StoreAuditLog(store).events(action=AuditAction.DNC_ADDED)
    assert [(event.callee_number, event.reason) for event in added] == [(ADA[1], "asked us to stop calling")]
    rows_before = len(store.list_calls())

    find(qtbot, window, ADA[0])
    with qtbot.waitSignal(window.controller.refused, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    assert standin.request_count == 1  # unchanged: nothing sent
    assert len(store.list_calls()) == rows_before  # no journal row
    assert window.status_panel.title_label.text() == "Not sent"
    assert "do-not-call list" in window.status_panel.detail_label.text()
    assert not window.status_panel.override_button.isVisible()


def test_the_do_not_call_disposition_and_its_list_entry_commit_together(
    qtbot: QtBot, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window()
    store = window.profile.store
    find(qtbot, window, ADA[0])
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    entry = store.list_calls()[0]
    store.connection.execute("DROP TABLE dnc_internal")  # the list cannot take the number: neither is written
    with pytest.raises(StoreError):
        save_disposition(store, entry, DO_NOT_CALL, "stop", "")
    assert store.get_call(entry.id).disposition is None
    strip = window.disposition
    strip.combo.setEditText("do not call")  # typed, any case
    assert not strip.save()
    assert strip.status_label.text().startswith("Not saved")
    assert store.get_call(entry.id).disposition is None


def test_do_not_call_and_remove_from_the_contacts_menu(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService
) -> None:
    window = make_window(mode="consumer", at=MIAMI_AFTERNOON)
    store = window.profile.store
    find(qtbot, window, "zelda")
    menu_actions = [action.text() for action in window.menuBar().actions()[1].menu().actions()]
    assert "Do not &call…" in menu_actions and "&Remove from do-not-call list…" in menu_actions
    seen: dict[str, Any] = {}
    answer_reason("asked by phone", seen)
    window.do_not_call_action.trigger()
    assert seen["ok_enabled_when_empty"] is False and "Zelda Marsh" in seen["question"]
    assert [event.callee_number for event in StoreAuditLog(store).events(action=AuditAction.DNC_ADDED)] == [MIAMI]
    with qtbot.waitSignal(window.controller.refused, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    assert standin.request_count == 0

    answer_reason(None, {})  # cancelled: stays on the list
    window.remove_do_not_call_action.trigger()
    assert dnc.DncRegistry(store).listings(MIAMI)
    answer_reason("consent given in writing", seen)
    window.remove_do_not_call_action.trigger()
    removed = StoreAuditLog(store).events(action=AuditAction.DNC_REMOVED)
    assert [(event.callee_number, event.reason) for event in removed] == [(MIAMI, "consent given in writing")]
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    assert standin.request_count == 1


def test_a_number_taken_off_here_but_on_the_team_list_says_so_and_stays_refused(
    qtbot: QtBot, make_window: Callable[..., MainWindow], standin: StandInService
) -> None:
    # Team mode: the agent's own mark went up to the team's list; only a manager takes it off there.
    window = make_window(mode="consumer", at=MIAMI_AFTERNOON)
    store = window.profile.store
    find(qtbot, window, "zelda")
    answer_reason("asked by phone", {})
    window.do_not_call_action.trigger()
    store.connection.execute(
        "INSERT INTO team_dnc (e164, reason, added_by, added_at) VALUES (?, 'asked by phone', 'alice', ?)",
        (MIAMI, "2026-06-03T16:00:00Z"),
    )
    answer_reason("consent given in writing", {})
    window.remove_do_not_call_action.trigger()
    assert window.statusBar().currentMessage() == (
        "Zelda Marsh: 1 number(s) taken off the internal do-not-call list. Still on the team's do-not-call list: a "
        "team manager takes numbers off it."
    )
    with qtbot.waitSignal(window.controller.refused, timeout=SIGNAL_MS):
        enter_on_search(qtbot, window)
    assert standin.request_count == 0
