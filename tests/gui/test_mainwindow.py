"""The whole window (offscreen) against the real stand-in over loopback: search, keyboard, one request per intent."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu, QMessageBox, QWidget

from c2c_desktop.core import store as store_module
from c2c_desktop.core.credentials import CredentialsError
from c2c_desktop.core.models import CallRequest, CallResult, Credentials, Outcome
from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.gui import mainwindow, settings_dialog
from c2c_desktop.gui.contacts_model import NumberRole
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.mainwindow import STARTING_TITLE, TOO_LONG_TEXT, MainWindow, measured_time_text
from c2c_desktop.gui.profile import open_demo_profile
from tests.gui.shown import shown_tooltip
from tests.gui.windows import running_window

SIGNAL_MS = 10_000
# Demo contacts (c2c_desktop/resources/demo_contacts.json) and their primary numbers as sent.
MARCUS = ("marcus", "4155550167")  # ends in 7: No Answer
ADA = ("okafor", "2125550142")  # Call Connected


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.3) as service:
        yield service


@pytest.fixture
def window(qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    with running_window(qtbot, open_demo_profile()) as main:
        yield main


def search_and_wait(qtbot: QtBot, window: MainWindow, query: str) -> None:
    window.search.clear()
    qtbot.keyClicks(window.search, query)
    qtbot.waitUntil(lambda: window.current_contact() is not None)


def call_ada_and_wait(qtbot: QtBot, window: MainWindow) -> None:
    """Find Ada Okafor, call her (Enter's path), and wait for the outcome."""
    search_and_wait(qtbot, window, ADA[0])
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window.call_current_contact()


def wait_outcome(qtbot: QtBot, window: MainWindow) -> Any:
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS) as blocker:
        pass
    return blocker.args


def press_enter(widget: Any, autorepeat: bool = False) -> None:
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r", autorepeat)
    QApplication.sendEvent(widget, event)


def test_two_letters_and_enter_call_the_highlighted_contact_once(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    search_and_wait(qtbot, window, MARCUS[0][:3])  # "mar" also matches Amara Nwosu, listed first
    assert window.current_contact() is not None and window.current_contact().name == "Marcus Chen"
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert standin.request_count == 1
    assert standin.requests[0].params["phone_to_call"] == MARCUS[1]
    assert window.status_panel.title_label.text() == "No answer"
    assert "your phone" in window.status_panel.detail_label.text()
    assert window.windowTitle() == "c2c-desktop — demo"


def test_up_down_move_the_highlight_and_escape_clears(qtbot: QtBot, window: MainWindow) -> None:
    search_and_wait(qtbot, window, "a")
    first = window.contact_list.currentIndex().row()
    qtbot.keyClick(window.search, Qt.Key.Key_Down)
    assert window.contact_list.currentIndex().row() == first + 1
    qtbot.keyClick(window.search, Qt.Key.Key_Up)
    assert window.contact_list.currentIndex().row() == first
    assert window.search.hasFocus() or QApplication.focusWidget() in (None, window.search)
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == ""


def test_held_enter_makes_one_request(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    search_and_wait(qtbot, window, ADA[0])
    press_enter(window.search)
    for _ in range(20):  # auto-repeat while the key is held down
        press_enter(window.search, autorepeat=True)
    wait_outcome(qtbot, window)
    assert standin.request_count == 1


def test_call_button_plus_enter_makes_one_request(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    search_and_wait(qtbot, window, ADA[0])
    qtbot.mouseClick(window.call_selected, Qt.MouseButton.LeftButton)
    press_enter(window.search)
    press_enter(window.contact_list)
    window.dialpad.set_number("5552010003")
    press_enter(window.dialpad.number_edit)
    wait_outcome(qtbot, window)
    assert standin.request_count == 1
    assert standin.requests[0].params["phone_to_call"] == ADA[1]


def test_double_clicks_make_one_request(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    search_and_wait(qtbot, window, ADA[0])
    viewport = window.contact_list.viewport()
    point: QPoint = window.contact_list.visualRect(window.contact_list.currentIndex()).center()
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    wait_outcome(qtbot, window)
    assert standin.request_count == 1


@pytest.mark.parametrize(
    ("fault", "title", "words"),
    [
        (Fault.NONE, "Connected", "The service is now calling Ada Okafor"),
        (Fault.RESET, "Unknown", "it was not retried"),
        (Fault.UNAUTHORIZED, "Rejected", "check the access key and secret"),
        (Fault.SERVER_ERROR, "Unknown", "may still be ringing"),
        (Fault.XML_FAILURE, "Rejected", "failure"),
    ],
)
def test_outcomes_show_their_words(
    qtbot: QtBot, window: MainWindow, standin: StandInService, fault: Fault, title: str, words: str
) -> None:
    standin.fault = fault
    call_ada_and_wait(qtbot, window)
    assert window.status_panel.title_label.text() == title
    assert words in window.status_panel.detail_label.text()
    assert window.recent.count() == 1
    assert title in window.recent.item(0).text()


def test_a_markup_answer_stays_out_of_the_status_but_not_out_of_reach(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    standin.fault = Fault.XML_FAILURE
    call_ada_and_wait(qtbot, window)
    assert "<" not in window.status_panel.detail_label.text()
    assert "The service said: “<?xml" in shown_tooltip(window.recent.item(0).toolTip())  # shown, not rendered


def test_after_a_call_typing_starts_a_new_search(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    call_ada_and_wait(qtbot, window)
    assert window.search.selectedText() == window.search.text() == ADA[0]
    qtbot.keyClicks(window.search, "gr")
    assert window.search.text() == "gr"


def test_not_sent_clears_the_last_calls_time(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    call_ada_and_wait(qtbot, window)
    assert window.status_panel.timer_label.text().startswith("0:00.")  # the measured time (issue 9: was "0:00")
    window.dialpad.set_number("911")
    press_enter(window.dialpad.number_edit)
    qtbot.waitUntil(lambda: window.status_panel.title_label.text() == "Not sent")
    assert window.status_panel.timer_label.text() == ""


def test_not_sent_from_the_dial_pad(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    window.dialpad.set_number("555")
    press_enter(window.dialpad.number_edit)
    qtbot.waitUntil(lambda: window.status_panel.title_label.text() == "Not sent")
    assert "too short" in window.status_panel.detail_label.text()
    assert standin.request_count == 0


def test_the_window_stays_usable_while_ringing(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    standin.ring_seconds = 2
    search_and_wait(qtbot, window, ADA[0])
    window.call_current_contact()
    assert window.windowTitle().startswith("Calling Ada Okafor")
    assert window.status_panel.title_label.text() == "Calling…"
    assert "ringing your phone" in window.status_panel.detail_label.text()
    assert not window.dialpad.is_call_enabled() and not window.call_selected.isEnabled()
    qtbot.keyClicks(window.search, "x")  # typing and searching still work while the request blocks a thread
    assert window.search.text().endswith("x")
    qtbot.waitUntil(lambda: window.status_panel.timer_label.text() == "0:01", timeout=SIGNAL_MS)
    wait_outcome(qtbot, window)
    assert window.dialpad.is_call_enabled()


def test_redial_of_an_unknown_call_asks_first(
    qtbot: QtBot, window: MainWindow, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.fault = Fault.RESET
    call_ada_and_wait(qtbot, window)
    asked: list[str] = []

    def decline(*args: Any, **_kwargs: Any) -> bool:
        asked.append(args[2])
        return False

    monkeypatch.setattr(mainwindow, "ask", decline)  # the plain-text question (gui.plain_text.ask)
    window._on_recent_activated(window.recent.item(0))
    assert asked and "may have rung or may still be ringing" in asked[0]
    assert standin.request_count == 1


def test_recent_call_redials_with_one_click(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    call_ada_and_wait(qtbot, window)
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window._on_recent_activated(window.recent.item(0))
    assert standin.request_count == 2
    assert standin.requests[1].params["phone_to_call"] == ADA[1]


def test_tel_link_fills_the_dial_pad_without_calling(window: MainWindow, standin: StandInService) -> None:
    window.open_link("tel:+1-555-201-0003")
    assert window.dialpad.number_text().endswith("5552010003")
    assert standin.request_count == 0


def test_keyboard_shortcuts_focus_fields(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.dialpad.number_edit.hasFocus)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.search.hasFocus)


def test_every_control_has_an_accessible_name(window: MainWindow) -> None:
    from PySide6.QtWidgets import QAbstractButton, QLineEdit, QListView

    unnamed = [
        widget
        for kind in (QLineEdit, QListView, QAbstractButton)
        for widget in window.findChildren(kind)
        if widget.isVisible()
        and not (widget.accessibleName() or (isinstance(widget, QAbstractButton) and widget.text()))
    ]
    assert unnamed == []


def test_window_state_is_remembered(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.resize(700, 520)
    window.splitter.setSizes([500, 400])
    window._save_window_state()
    state = window.profile.window_state
    assert state.value("geometry") is not None and state.value("splitter") is not None
    other = MainWindow(window.profile)
    try:
        assert other.size().width() == 700
    finally:
        other.shutdown()
        other.deleteLater()


def test_status_strings_for_every_outcome_are_distinct() -> None:
    from c2c_desktop.gui.mainwindow import OUTCOME_STYLE

    assert set(OUTCOME_STYLE) == set(Outcome)
    assert len({words for words, _ in OUTCOME_STYLE.values()}) == len(Outcome)


# --- keys changed from Settings ---------------------------------------------------------------------------------


def test_a_failed_key_save_leaves_the_keys_in_use(
    qtbot: QtBot, window: MainWindow, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_credentials: Credentials) -> str:
        raise CredentialsError("The system keyring refused to store the keys: locked.")

    monkeypatch.setattr(window.profile.credential_store, "save", refuse)
    window.keyring_worker.failed.connect(window.notify)  # queued to the GUI thread (the window's own slot)
    window.keyring_worker.save(Credentials("NEWACCESSKEY", "new-secret"))
    qtbot.waitUntil(lambda: "refused to store" in window.statusBar().currentMessage(), timeout=SIGNAL_MS)
    call_ada_and_wait(qtbot, window)
    assert standin.request_count == 1  # still called with the keys that were working


class _CancelledAfterRemovingKeys:
    """Stands in for SettingsDialog: removes the keys (through the window's keyring worker), then is cancelled."""

    class DialogCode:
        Accepted = 1

    opened = 0

    def __init__(self, _settings: object, worker: Any, **_kwargs: object) -> None:
        self._worker = worker
        _CancelledAfterRemovingKeys.opened += 1

    def exec(self) -> int:
        self._worker.clear()
        return 0

    def keys_message(self) -> str:
        return ""

    def keys_removed(self) -> bool:
        return True

    def dispositions_saved(self) -> None:  # issue 12: the Dispositions page was not changed
        return None


def test_keys_removed_then_cancel_are_no_longer_used(
    qtbot: QtBot, window: MainWindow, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_dialog, "SettingsDialog", _CancelledAfterRemovingKeys)
    monkeypatch.setattr(window.profile, "demo", False)  # a real profile: no keys at the first read opens Settings
    window.open_settings()
    qtbot.waitUntil(lambda: window.controller._credentials is None, timeout=SIGNAL_MS)  # read again after removal
    assert not window.controller.credentials_loading
    assert window.profile.credential_store.load() is None
    QApplication.processEvents()
    assert _CancelledAfterRemovingKeys.opened == 1  # the removal did not reopen Settings as on a first run
    search_and_wait(qtbot, window, ADA[0])
    window.call_current_contact()
    qtbot.waitUntil(lambda: window.status_panel.title_label.text() == "Not sent", timeout=SIGNAL_MS)
    assert standin.request_count == 0


def test_the_close_question_follows_a_call_that_ends_meanwhile(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    standin.ring_seconds = 0.5
    search_and_wait(qtbot, window, ADA[0])
    window.call_current_contact()
    asked: list[tuple[str, str]] = []

    def answer_once_the_call_ended() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or window.controller.is_busy:
            QTimer.singleShot(20, answer_once_the_call_ended)  # the question is modal: look again soon
            return
        asked.append((box.windowTitle(), box.text()))
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, answer_once_the_call_ended)
    window.close()  # asks (a call is out) and returns once the question is answered
    assert asked == [("The call has ended", "The call has ended: Connected. Close the window?")]
    assert window.isVisible() and standin.request_count == 1


def test_keys_that_cannot_be_read_are_a_problem_not_a_call_outcome(qtbot: QtBot, window: MainWindow) -> None:
    window.keyring_worker.load_failed.emit("No system keyring is available, so the keys cannot be kept.")
    qtbot.waitUntil(lambda: window.status_panel.title_label.text() == "Keys not available", timeout=SIGNAL_MS)
    assert window.status_panel.detail_label.text().startswith("No system keyring is available")
    assert window.status_panel.timer_label.text() == ""
    assert window.recent.count() == 0  # nothing was attempted


def test_the_keys_and_the_call_button_stay_put_through_a_call(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    # Buttons must not move under the mouse when the status grows (a note while ringing) or the disposition strip
    # appears; the recent calls list gives up the room instead.
    window.resize(1000, 680)
    qtbot.waitUntil(lambda: window.height() == 680)

    def places() -> tuple[object, ...]:
        QApplication.processEvents()
        button = window.dialpad.call_button
        return (window.size(), button.mapTo(window, QPoint(0, 0)), button.height(), window.dialpad.height())

    before = places()
    standin.ring_seconds = 0.5
    window.dialpad.set_number("(555) 201-0003")  # possible only in US numbering: a note while ringing
    press_enter(window.dialpad.number_edit)
    qtbot.waitUntil(lambda: "Note:" in window.status_panel.detail_label.text(), timeout=SIGNAL_MS)
    assert places() == before
    wait_outcome(qtbot, window)
    assert window.disposition.isVisible()
    assert places() == before


def test_a_redial_after_a_region_change_calls_the_same_number(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    call_ada_and_wait(qtbot, window)
    assert window.profile.store.list_calls(limit=1)[0].e164 == "+12125550142"
    # The agent moves to the London office. Read again in GB, "(212) 555-0142" would be the UK number 02125550142.
    window.profile.settings = dataclasses.replace(window.profile.settings, region="GB", agent_number="+1 555 010 0100")
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window._on_recent_activated(window.recent.item(0))
    assert standin.requests[-1].params["phone_to_call"] == "0012125550142"  # Ada again, dialled from the UK


def test_a_mouse_call_leaves_the_focus_in_search_not_where_qt_would_pass_it(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    # Disabling the clicked button would pass the focus on in Tab order (the dial pad, or the last call's
    # disposition, which the agent's next letters would overwrite).
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    search_and_wait(qtbot, window, ADA[0])
    window.call_selected.setFocus()
    qtbot.waitUntil(window.call_selected.hasFocus)
    standin.ring_seconds = 0.3
    qtbot.mouseClick(window.call_selected, Qt.MouseButton.LeftButton)
    assert window.controller.is_busy
    assert QApplication.focusWidget() is window.search
    wait_outcome(qtbot, window)
    qtbot.keyClicks(QApplication.focusWidget(), "gr")
    assert window.search.text() == "gr" and window.dialpad.number_text() == ""


def test_a_typed_number_of_a_known_contact_is_journaled_under_the_name(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    window.dialpad.set_number("+1 212-555-0142")  # Ada Okafor's work number, typed
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        press_enter(window.dialpad.number_edit)
    assert window.profile.store.list_calls(limit=1)[0].contact_name == "Ada Okafor"
    assert "Ada Okafor" in window.recent.item(0).text()


def test_recent_calls_show_what_the_agent_recorded_and_history_opens_on_the_calls(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    standin.fault = Fault.RESET
    call_ada_and_wait(qtbot, window)
    assert "Unknown" in window.recent.item(0).text()
    window.show_history()
    assert window.history_dialog is not None
    table = window.history_dialog.view.table
    qtbot.waitUntil(table.hasFocus)  # Up/Down move through calls, not through the outcome filter
    assert table.selectionModel().selectedRows()[0].row() == 0
    entry = window.profile.store.list_calls(limit=1)[0]
    window.profile.store.reconcile(entry.id, Outcome.NO_ANSWER)  # as "Record what happened…" does
    window._on_history_call_updated(entry.id)
    assert "No answer" in window.recent.item(0).text()
    window.history_dialog.close()


def _crowded_recent_calls(qtbot: QtBot, window: MainWindow, earlier: int) -> list[int]:
    """`earlier` finished calls in the journal and the Recent list as short as a busy column makes it (two rows, as
    beside a session's card); the calls' ids, newest first."""
    store = window.profile.store
    for n in range(earlier):
        entry = store.begin_call(CallRequest(agent_number="5550100100", phone_to_call=f"55520100{n:02d}"))
        store.finish_call(entry.id, CallResult(Outcome.CONNECTED, "Call Connected"))
    window.recent.setMaximumHeight(window.recent.minimumHeight())
    window.refresh_recent()
    qtbot.waitUntil(lambda: window.recent.verticalScrollBar().maximum() > 0)
    return [int(window.recent.item(row).data(Qt.ItemDataRole.UserRole)) for row in range(window.recent.count())]


def _top_row(window: MainWindow) -> int:
    return window.recent.indexAt(QPoint(1, 1)).row()


def _top_call(window: MainWindow) -> int | None:
    """The call at the top of the Recent list's view (None: no row there)."""
    top = window.recent.itemAt(1, 1)
    return None if top is None else int(top.data(Qt.ItemDataRole.UserRole))


def test_the_newest_call_stays_in_view_when_the_recent_list_only_got_the_focus(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    # A new user's report: a row nobody clicked ("Connor Murphy — Connected") was selected, and each new call scrolled
    # back to it, so the newest calls went out of view. Qt makes the first row current (not selected) when the list
    # gets the focus, e.g. by Tab; each refresh then selected that row again and scrolled to it.
    _crowded_recent_calls(qtbot, window, 8)
    recent = window.recent
    QApplication.sendEvent(recent, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.TabFocusReason))
    assert recent.currentRow() == 0 and not recent.selectedItems()  # Qt's doing: current, not chosen
    for _ in range(3):
        call_ada_and_wait(qtbot, window)
        QApplication.processEvents()  # the list lays its rows out later
        assert recent.selectedItems() == []
        assert _top_row(window) == 0 and "Ada Okafor" in recent.item(0).text()


def test_a_recent_call_the_agent_chose_or_scrolled_to_stays_in_view(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    recent = window.recent
    ids = _crowded_recent_calls(qtbot, window, 8)
    recent.verticalScrollBar().setValue(recent.verticalScrollBar().maximum())  # the agent scrolled to the oldest
    top = _top_call(window)
    assert top is not None and top != ids[0]
    call_ada_and_wait(qtbot, window)
    QApplication.processEvents()  # the list lays its rows out later
    assert _top_call(window) == top  # the same rows in view
    assert recent.selectedItems() == []

    recent.scrollToTop()
    qtbot.mouseClick(recent.viewport(), Qt.MouseButton.LeftButton, pos=recent.visualItemRect(recent.item(1)).center())
    chosen = recent.item(1).data(Qt.ItemDataRole.UserRole)
    for _ in range(2):
        call_ada_and_wait(qtbot, window)
        (selected,) = recent.selectedItems()
        assert selected.data(Qt.ItemDataRole.UserRole) == chosen
        assert recent.viewport().rect().contains(recent.visualItemRect(selected))  # still in view


def test_an_empty_list_says_why_and_what_to_do(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.search, "zzqx")
    assert window.contacts_model.rowCount() == 0
    assert window.contact_list.accessibleDescription().startswith("No contact matches “zzqx”")
    window.contact_list.grab()  # paints the text without error
    window.search.clear()
    assert window.contact_list.accessibleDescription() == ""  # contacts are shown again


def test_other_number_buttons_come_right_after_the_list_in_the_tab_order(qtbot: QtBot, window: MainWindow) -> None:
    search_and_wait(qtbot, window, ADA[0])  # Ada Okafor has a second (mobile) number
    other = [button for button in window._other_number_buttons if button.isVisible()]
    assert other

    def next_tab_stop(widget: QWidget) -> QWidget:
        candidate = widget.nextInFocusChain()
        while not (candidate.focusPolicy() & Qt.FocusPolicy.TabFocus and candidate.isVisible()):
            candidate = candidate.nextInFocusChain()
        return candidate

    assert next_tab_stop(window.contact_list) is other[0]
    assert next_tab_stop(other[-1]) is window.call_selected


def test_a_change_of_region_calls_the_same_people(qtbot: QtBot, window: MainWindow, standin: StandInService) -> None:
    # The demo's numbers are North American. Switched to GB, the window must still call Ada's US number (and the
    # agent's US phone), dialled internationally from the UK, never the UK numbers its digits would read as there.
    window.profile.settings = dataclasses.replace(window.profile.settings, region="GB")
    window.contacts_model.set_region("GB")
    call_ada_and_wait(qtbot, window)
    assert standin.request_count == 1
    sent = standin.requests[0].params
    assert (sent["phone_to_call"], sent["id"]) == ("00" + "1" + ADA[1], "0015550100100")
    search_and_wait(qtbot, window, ADA[0])
    assert window.contacts_model.data(window.contact_list.currentIndex(), NumberRole) == "+1 212-555-0142"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc: zombies and start times")
def test_only_this_window_s_own_placing_call_shows_as_calling(qtbot: QtBot, window: MainWindow) -> None:
    # A call killed mid-ring stays `placing`: its process is a zombie for a moment after a quick restart, and another
    # c2c-desktop may be placing a call of its own. Neither is this window's ringing call.
    store = window.profile.store
    killed = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        owners = {
            "Killed": (killed.pid, store_module._process_start(killed.pid)),
            "Other": (os.getppid(), store_module._process_start(os.getppid())),  # pytest's parent runs on
            "Ours": None,
        }
        for name, owner in owners.items():
            entry = store.begin_call(
                CallRequest(agent_number="5550100100", phone_to_call="5552010003"), contact_name=name
            )
            if owner is not None:
                store._db.execute("UPDATE calls SET owner_pid = ?, owner_started = ? WHERE id = ?", (*owner, entry.id))
        killed.kill()
        os.waitid(os.P_PID, killed.pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped: a zombie
        window.refresh_recent()
        rows = {window.recent.item(row).text().split("  ", 1)[1]: window.recent.item(row) for row in range(3)}
    finally:
        killed.stdin.close()  # type: ignore[union-attr]
        killed.kill()
        killed.wait()
    assert list(rows) == [
        "Ours — Calling…",
        f"Other — Being placed by another c2c-desktop (pid {os.getppid()})",
        "Killed — Unknown — the app placing it stopped; the call may have been placed",
    ]
    ringing = icon("ringing").cacheKey()
    assert [item.icon().cacheKey() == ringing for item in rows.values()] == [True, False, False]


def test_the_status_shows_the_measured_time_at_the_end(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    # The live timer shows whole seconds; it stopped at "0:01" for a 1.6 s first leg. The end shows what was measured.
    standin.ring_seconds = 1.6
    search_and_wait(qtbot, window, ADA[0])
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS) as finished:
        window.call_current_contact()
    result = finished.args[1]
    assert result.elapsed_s >= 1.6
    entry = window.profile.store.list_calls(limit=1)[0]
    assert entry.resolution_s == pytest.approx(result.elapsed_s)
    assert window.status_panel.timer_label.text() == measured_time_text(result.elapsed_s)
    assert measured_time_text(1.96) == "0:02.0" and measured_time_text(59.96) == "1:00.0"
    assert measured_time_text(65.34) == "1:05.3"


def test_the_history_export_is_oldest_first_like_the_cli(
    qtbot: QtBot, window: MainWindow, standin: StandInService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    from PySide6.QtWidgets import QFileDialog

    call_ada_and_wait(qtbot, window)
    search_and_wait(qtbot, window, MARCUS[0])
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window.call_current_contact()
    target = tmp_path / "history.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kw: (str(target), "CSV (*.csv)"))
    window.export_history()
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert [row["number"] for row in rows] == [ADA[1], MARCUS[1]]  # the first call first (was newest first)


def test_enter_on_an_empty_dial_pad_says_so(window: MainWindow, standin: StandInService) -> None:
    window.dialpad.clear_number()
    press_enter(window.dialpad.number_edit)
    assert window.statusBar().currentMessage() == "Type a number first"
    assert standin.request_count == 0


def test_a_caller_id_chosen_for_the_next_call_is_shown_once(
    qtbot: QtBot, window: MainWindow, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool picks the closest number (Ada is in New York: the 212 one); the agent can choose another for one call.
    pool = "+12125550199,+13055550100"
    window.profile.settings = dataclasses.replace(window.profile.settings, caller_id_pool=pool)
    offered: list[list[str]] = []

    def pick(_parent: object, _title: str, _label: str, items: list[str], *_args: object) -> tuple[str, bool]:
        offered.append(items)
        return items[2], True  # (305) 555-0100

    monkeypatch.setattr(QInputDialog, "getItem", pick)  # imported where Caller ID opens, not with the window
    window.caller_id_action.trigger()
    assert offered == [["Automatic: the number closest to the prospect", "(212) 555-0199", "(305) 555-0100"]]
    ringing: list[str] = []  # the status while it rings (the window's own slot ran first)
    window.controller.call_started.connect(lambda *_: ringing.append(window.status_panel.detail_label.text()))
    call_ada_and_wait(qtbot, window)
    assert standin.requests[0].params["second_callerid"] == "3055550100"
    assert "shown as (305) 555-0100, chosen for this call" in ringing[0]
    call_ada_and_wait(qtbot, window)  # used up: the pool's pick again
    assert standin.requests[1].params["second_callerid"] == "2125550199"


def window_keys(window: MainWindow) -> list[tuple[str, str]]:
    """Every key that does something anywhere in the window, with what it does: the actions' shortcuts, the
    QShortcuts, and the mnemonics (Alt+letter) of the menu bar, the buttons and the labels with a buddy. Menu items'
    own mnemonics only work inside their open menu: see `menu_mnemonics`."""
    from PySide6.QtGui import QAction, QKeySequence, QShortcut
    from PySide6.QtWidgets import QAbstractButton, QLabel

    keys: list[tuple[str, str]] = []
    for action in window.findChildren(QAction):
        keys += [(sequence.toString(), f"action {action.text()!r}") for sequence in action.shortcuts()]
    for shortcut in window.findChildren(QShortcut):
        keys.append((shortcut.key().toString(), f"shortcut of {shortcut.parent().objectName() or shortcut.parent()}"))
    mnemonic_texts = [(menu.title(), "menu") for menu in window.menuBar().findChildren(QMenu) if menu.title()]
    mnemonic_texts += [(button.text(), "button") for button in window.findChildren(QAbstractButton)]
    mnemonic_texts += [(label.text(), "label") for label in window.findChildren(QLabel) if label.buddy() is not None]
    for text, kind in mnemonic_texts:
        if mnemonic := QKeySequence.mnemonic(text).toString():
            keys.append((mnemonic, f"{kind} {text!r}"))
    return keys


def menu_mnemonics(menu: QMenu) -> list[str]:
    from PySide6.QtGui import QKeySequence

    return [QKeySequence.mnemonic(action.text()).toString() for action in menu.actions() if "&" in action.text()]


def test_no_two_things_in_the_window_share_a_key(qtbot: QtBot, window: MainWindow) -> None:
    """The disposition strip (made when the first call ends) is in: its Alt+1…Alt+5 and its note's Alt+N."""
    strip = window.disposition
    assert strip.note_label.buddy() is strip.note_edit
    keys = window_keys(window)
    assert ("Alt+N", "label '&Note:'") in keys and ("Ctrl+F", "action '&Find contact'") in keys
    by_key: dict[str, list[str]] = {}
    for key, what in keys:
        by_key.setdefault(key.casefold(), []).append(what)
    assert {key: whats for key, whats in by_key.items() if len(whats) > 1} == {}
    menus = [*window.menuBar().findChildren(QMenu), *window.findChildren(QMenu)]
    for menu in menus:
        mnemonics = menu_mnemonics(menu)
        assert len(mnemonics) == len(set(mnemonics)), (menu.title(), mnemonics)


def test_alt_n_puts_the_cursor_in_the_disposition_note(qtbot: QtBot, window: MainWindow) -> None:
    call_ada_and_wait(qtbot, window)
    qtbot.waitUntil(window.disposition.isVisible)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.search.setFocus()
    qtbot.keyClick(window.search, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(window.disposition.note_edit.hasFocus)
    qtbot.keyClicks(window.disposition.note_edit, "call back Tuesday")
    with qtbot.waitSignal(window.disposition.saved, timeout=SIGNAL_MS):
        qtbot.keyClick(window.disposition.note_edit, Qt.Key.Key_Return)
    assert window.search.text() == ADA[0]  # the letters went to the note, not the search


def test_typing_and_enter_before_the_deferred_start_call_once_the_keys_are_read(
    qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_gui shows the window first and calls start() (keys, watcher, tray) only after its first paint. What the
    # agent types meanwhile is kept and searched; Enter then places nothing yet and says the app is still starting
    # (never "no keys stored"); once the keys are read the call goes out, once, without a second Enter.
    # (Before the window was painted ahead of the profile, that Enter was refused and had to be pressed again.)
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    profile = open_demo_profile()
    main = MainWindow(profile)
    qtbot.addWidget(main)
    try:
        main.search.setFocus()
        main.show()
        qtbot.keyClicks(main.search, MARCUS[0][:3])
        qtbot.waitUntil(lambda: main.current_contact() is not None and main.current_contact().name == "Marcus Chen")
        qtbot.keyClick(main.search, Qt.Key.Key_Return)
        qtbot.keyClick(main.search, Qt.Key.Key_Return)
        assert main.status_panel.title_label.text() == STARTING_TITLE
        assert standin.request_count == 0
        assert profile.store.list_calls() == []
        with qtbot.waitSignal(main.controller.call_finished, timeout=SIGNAL_MS):
            main.start()
        assert standin.request_count == 1
        assert [call.contact_name for call in profile.store.list_calls()] == ["Marcus Chen"]
    finally:
        main.shutdown()
        profile.close()


def test_a_call_asked_for_while_starting_that_waits_too_long_is_dropped_and_said(
    qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A locked keyring may ask for its password first: a call asked for minutes before must not go out then.
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    monkeypatch.setattr(mainwindow, "CALL_WHEN_READY_LIMIT_MS", 50)
    profile = open_demo_profile()
    main = MainWindow(profile)
    qtbot.addWidget(main)
    try:
        main.show()
        main.dialpad.set_number("tel:+12125550142")
        main.dialpad.call_button.click()
        assert main.status_panel.title_label.text() == STARTING_TITLE
        qtbot.waitUntil(lambda: main.status_panel.title_label.text() == "Not sent", timeout=SIGNAL_MS)
        assert main.status_panel.detail_label.text() == TOO_LONG_TEXT
        main.start()
        qtbot.waitUntil(lambda: not main.controller.credentials_loading, timeout=SIGNAL_MS)
        assert profile.store.list_calls() == []  # a call placed when the keys came would be journaled by now
        assert standin.request_count == 0
    finally:
        main.shutdown()
        profile.close()


class _RecordedSettingsDialog(_CancelledAfterRemovingKeys):
    """Stands in for SettingsDialog: records how the window opened it, then is cancelled."""

    seen: list[dict[str, object]] = []

    def __init__(self, _settings: object, worker: Any, **kwargs: object) -> None:
        self._worker = worker
        _RecordedSettingsDialog.seen.append(kwargs)

    def exec(self) -> int:
        return 0

    def keys_removed(self) -> bool:
        return False


@pytest.mark.parametrize(("agent_number", "opens"), [("", True), ("+12125550100", False)])
def test_the_first_start_opens_settings_when_the_agents_phone_is_missing_though_the_keys_are_stored(
    qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch, agent_number: str, opens: bool
) -> None:
    # `c2c-desktop keys set` before the first start (a documented way) left a window saying "Ready" with no phone to
    # ring: the first call was the first to say so. Settings now opens for the phone too, saying the keys are there.
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    monkeypatch.setattr(settings_dialog, "SettingsDialog", _RecordedSettingsDialog)
    _RecordedSettingsDialog.seen = []
    profile = open_demo_profile()
    profile.demo = False  # a real profile's first start; the demo never asks
    profile.settings = dataclasses.replace(profile.settings, agent_number=agent_number)
    with running_window(qtbot, profile):
        if opens:
            qtbot.waitUntil(lambda: len(_RecordedSettingsDialog.seen) == 1, timeout=SIGNAL_MS)
            assert _RecordedSettingsDialog.seen[0]["first_run"] is True
            assert _RecordedSettingsDialog.seen[0]["keys_stored"] is True  # its banner asks only for the phone
        else:
            QApplication.processEvents()
            assert _RecordedSettingsDialog.seen == []
