"""The calling session in the window (offscreen) against the stand-in over loopback, driven by keys sent to the window:
a 50-lead list worked to its end, the countdown stopped every way, one request per Enter, a restart mid-session, and
the callback dialog in both clocks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from c2c_desktop.core.calllists import ItemState, StoreCallLists
from c2c_desktop.core.config import Settings
from c2c_desktop.core.list_session import Mode, Phase
from c2c_desktop.core.models import Outcome
from c2c_desktop.core.phone import number_to_call
from c2c_desktop.core.rules.guard import build_guard
from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.core.store import Store
from c2c_desktop.gui.callback_dialog import YOURS, CallbackDialog
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.session import CallingSession, ListPicker
from tests.gui.session_support import (
    SIGNAL_MS,
    enter,
    enter_when_armed,
    escape,
    fill_store,
    lead_dial,
    letter,
    open_profile,
    wait_card,
    when_modal,
    without_enter_guard,
)
from tests.gui.windows import running_window

LEADS = 50


def _session(window: MainWindow) -> CallingSession:
    assert window.session is not None
    return window.session


def _start(qtbot: QtBot, window: MainWindow, list_id: int, mode: Mode, countdown_ms: int = 0) -> CallingSession:
    assert window.start_list_session(list_id, mode=mode, countdown_ms=countdown_ms)
    wait_card(qtbot, window, "Lead 00")
    return _session(window)


def _is_connected(n: int) -> bool:
    return n % 10 not in (7, 8, 9)  # the stand-in's rule for lead n's number


def _pick(qtbot: QtBot, window: MainWindow, mode: Mode, countdown_s: int) -> None:
    """Ctrl+Shift+L, then the picker: the list, the mode, the countdown, Enter."""

    def choose(picker: QWidget) -> None:
        assert isinstance(picker, ListPicker)
        assert "Monday — 50 items" in picker.lists.item(0).text()
        (picker.power if mode is Mode.POWER else picker.preview).setChecked(True)
        picker.countdown.setValue(countdown_s)
        qtbot.keyClick(picker.lists, Qt.Key.Key_Return)

    picked: list[bool] = []
    when_modal(qtbot, lambda picker: (choose(picker), picked.append(True)))
    window.activateWindow()  # a shortcut works in the active window (a dialog just closed had it)
    qtbot.waitUntil(window.isActiveWindow)
    if window.session is None:
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    else:  # Ctrl+Shift+L shows the running session's card: the card's "Work another list…" picks
        qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # a mnemonic clicks a moment later
    qtbot.waitUntil(lambda: picked == [True], timeout=SIGNAL_MS)


def _accept_callback(qtbot: QtBot) -> None:
    def accept(dialog: QWidget) -> None:
        assert isinstance(dialog, CallbackDialog) and dialog.ok_button.isEnabled(), dialog.refusal()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)

    when_modal(qtbot, accept)


def test_fifty_leads_worked_from_the_keyboard_make_exactly_the_expected_requests(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_enter_guard(monkeypatch)
    list_id = fill_store(_db(tmp_path), LEADS)
    finished: list[tuple[str, Outcome]] = []
    # Call type 1: the prospect's phone rings first, so "No Answer" is about the prospect (with type 2 it is about the
    # agent's phone: see test_type_2_no_answer_is_the_agent_away).
    with running_window(qtbot, open_profile(tmp_path / "profile", standin.url, call_type=1)) as window:
        window.controller.call_finished.connect(
            lambda entry, result, _m: finished.append((entry.number, result.outcome))
        )
        _pick(qtbot, window, Mode.PREVIEW, 5)
        wait_card(qtbot, window, "Lead 00")
        session = _session(window)
        assert session.state.mode is Mode.PREVIEW
        assert "1\u00a0Connected\u00a0–\u00a0interested · 2\u00a0Left" in session.panel.dispositions_label.text()
        assert "Enter call · S skip · P pause" in session.panel.keys_label.text()
        digits = ["1", "4", "2", "3"]
        expected: list[str] = []
        not_called = {3, 5, 10, 25}

        def settle(n: int) -> None:
            """Lead n's call ends; a connected one gets its disposition by key."""
            expected.append(lead_dial(n))
            qtbot.waitUntil(lambda: len(finished) >= len(expected), timeout=SIGNAL_MS)
            assert finished[len(expected) - 1][0] == lead_dial(n)
            if _is_connected(n):
                qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
                assert session.panel.message_label.text() == f"Lead {n:02d} answered — press 1–7 for the disposition"
                enter(window)  # waiting for the disposition: Enter dials nothing
                if n == 16:
                    _accept_callback(qtbot)
                letter(window, {15: "7", 16: "5"}.get(n, digits[n % len(digits)]))

        for n in range(LEADS):
            if n == 20:
                _pick(qtbot, window, Mode.POWER, 0)  # the shortest countdown: the next card dials at once
                assert session.state.mode is Mode.POWER
            if n == 35:
                _pick(qtbot, window, Mode.PREVIEW, 5)
            power = 20 <= n < 35
            if not power or n in not_called or n == 31:
                wait_card(qtbot, window, f"Lead {n:02d}")
            if n == 3:
                letter(window, "s")
                letter(window, "t")  # tomorrow
            elif n == 5:
                letter(window, "s")
                letter(window, "r")  # out of the list
            elif n == 10:
                _accept_callback(qtbot)
                letter(window, "c")
            elif n == 25:  # its countdown runs (lead 24 connected: the card came with its disposition key)
                assert session.state.phase is Phase.COUNTDOWN
                letter(window, "s")
                letter(window, "l")  # later today
            elif n == 12:
                letter(window, "p")
                enter(window)  # paused: nothing
                assert session.state.phase is Phase.PAUSED and len(finished) == len(expected)
                letter(window, "p")
                enter(window)
                settle(n)
            elif n == 14:
                letter(window, "n")
                qtbot.keyClicks(session.panel.note_edit, "asked for pricing")
                qtbot.keyClick(session.panel.note_edit, Qt.Key.Key_Return)
                enter(window)
                settle(n)
            elif n == 31:  # lead 30 connected: the countdown runs; P stops it, P again dials
                assert session.state.phase is Phase.COUNTDOWN
                letter(window, "p")
                assert session.state.phase is Phase.PAUSED
                with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
                    pass
                letter(window, "p")
                settle(n)
            elif power:
                settle(n)  # dialled by the countdown
            else:
                enter(window)
                settle(n)
        qtbot.waitUntil(lambda: session.state.phase is Phase.NOTHING, timeout=SIGNAL_MS)
        with qtbot.assertNotEmitted(window.controller.call_started, wait=200):
            pass
        assert [request.params["phone_to_call"] for request in standin.requests] == expected
        assert len(expected) == LEADS - len(not_called)
        assert "Nothing in this list is callable now" in session.panel.message_label.text()
        # When the next item opens is worked out on a thread of its own, after the card shows "Nothing to call now".
        qtbot.waitUntil(lambda: session.panel.local_label.text().startswith("The next opens"), timeout=SIGNAL_MS)
        assert session.panel.progress_label.text().startswith(f"{LEADS} of {LEADS} worked")
        store = window.profile.store
        items = {item.name: item for item in StoreCallLists(store).items(list_id)}
        assert items["Lead 03"].state is ItemState.DUE_LATER and items["Lead 03"].attempts == 0
        assert items["Lead 05"].state is ItemState.SKIPPED
        assert items["Lead 10"].state is ItemState.CALLBACK and items["Lead 10"].attempts == 0
        assert items["Lead 15"].state is ItemState.DO_NOT_CALL
        assert items["Lead 16"].state is ItemState.CALLBACK and items["Lead 16"].last_disposition == "Call back later"
        assert (
            items["Lead 00"].state is ItemState.DONE and items["Lead 00"].last_disposition == "Connected – interested"
        )
        assert items["Lead 07"].state is ItemState.DUE_LATER and items["Lead 07"].last_outcome == "no_answer"
        assert items["Lead 25"].state is ItemState.DUE_LATER
        assert [callback.name for callback in StoreCallLists(store).callbacks()] == ["Lead 10", "Lead 16"]
        note = store.get_call(items["Lead 14"].last_call_id or 0)
        assert note is not None and note.note == "asked for pricing"


def _db(tmp_path: Path) -> Path:
    (tmp_path / "profile").mkdir(exist_ok=True)
    return tmp_path / "profile" / "c2c-desktop.sqlite3"


@pytest.fixture
def power_window(qtbot: QtBot, tmp_path: Path, standin: StandInService) -> Iterator[tuple[MainWindow, int]]:
    list_id = fill_store(_db(tmp_path), 3)
    with running_window(qtbot, open_profile(tmp_path / "profile", standin.url)) as window:
        yield window, list_id


RUNS = 25


def _restart_countdown(window: MainWindow) -> None:
    """P twice: paused, then resumed, which shows the card again and starts its countdown (0 ms)."""
    letter(window, "p")
    letter(window, "p")
    assert _session(window).state.phase is Phase.COUNTDOWN


@pytest.mark.parametrize("stop", ["esc", "skip", "pause", "hide"])
def test_the_countdown_stopped_never_dials(
    qtbot: QtBot, power_window: tuple[MainWindow, int], standin: StandInService, stop: str
) -> None:
    window, list_id = power_window
    session = _start(qtbot, window, list_id, Mode.POWER, countdown_ms=0)  # its shortest: due at the next turn
    for _ in range(RUNS):
        assert session.state.phase is Phase.COUNTDOWN
        if stop == "esc":
            escape(window)
        elif stop == "skip":
            letter(window, "s")
        elif stop == "pause":
            letter(window, "p")
        else:
            window.hide()  # as closing into the tray does
        with qtbot.assertNotEmitted(window.controller.call_started, wait=20):
            pass
        if stop == "skip":
            escape(window)  # keep the prospect
        if stop == "hide":
            window.show()
            assert session.state.phase is Phase.READY  # shown again: Enter dials, nothing on its own
        if stop == "pause":
            assert session.state.phase is Phase.PAUSED
            letter(window, "p")  # resumed: counts down again
            assert session.state.phase is Phase.COUNTDOWN
        else:
            _restart_countdown(window)
    escape(window)
    with qtbot.assertNotEmitted(window.controller.call_started, wait=100):
        pass
    assert standin.request_count == 0


def test_closing_the_window_during_the_countdown_never_dials(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    list_id = fill_store(_db(tmp_path), 3)
    for _ in range(5):
        with running_window(qtbot, open_profile(tmp_path / "profile", standin.url)) as window:
            if window.session is None:
                _start(qtbot, window, list_id, Mode.POWER, countdown_ms=0)
            session = _session(window)
            if session.state.paused:  # a power session resumes paused after a restart
                letter(window, "p")
            assert session.state.phase is Phase.COUNTDOWN
            window.close()
            with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
                pass
    assert standin.request_count == 0


def test_held_enter_and_a_double_enter_each_make_one_request(
    qtbot: QtBot, power_window: tuple[MainWindow, int], standin: StandInService
) -> None:
    window, list_id = power_window
    session = _start(qtbot, window, list_id, Mode.PREVIEW)
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        enter_when_armed(qtbot, window)
        assert not session.panel.call_button.isEnabled()  # a call in flight: no dial key works
        for _ in range(20):
            enter(window, autorepeat=True)  # the key held down
    letter(window, "1")
    wait_card(qtbot, window, "Lead 01")
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        enter_when_armed(qtbot, window)
        enter(window)
    for _ in range(3):
        enter(window)  # waiting for the disposition: nothing
    with qtbot.assertNotEmitted(window.controller.call_started, wait=100):
        pass
    assert [request.params["phone_to_call"] for request in standin.requests] == [lead_dial(0), lead_dial(1)]


def test_a_restart_resumes_the_session_and_asks_before_calling_an_unknown_again(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    list_id = fill_store(_db(tmp_path), 3)
    with running_window(qtbot, open_profile(tmp_path / "profile", standin.url)) as window:
        _start(qtbot, window, list_id, Mode.PREVIEW)
        standin.fault = Fault.RESET  # the answer is lost: unknown, it may still ring
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        wait_card(qtbot, window, "Lead 01")
        assert "may still ring" in _session(window).panel.notice_label.text()
        standin.fault = Fault.NONE
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        qtbot.waitUntil(lambda: _session(window).state.phase is Phase.WRAP_UP)
    # The window closed before the disposition of Lead 01's connected call: it comes first after the restart.
    with running_window(qtbot, open_profile(tmp_path / "profile", standin.url)) as window:
        qtbot.waitUntil(lambda: window.session is not None, timeout=SIGNAL_MS)
        session = _session(window)
        wait_card(qtbot, window, "Lead 01")
        assert session.state.phase is Phase.WRAP_UP and session.list.id == list_id
        letter(window, "4")  # not interested
        wait_card(qtbot, window, "Lead 02")  # the unknown call waits until the rest of the list is worked
        letter(window, "s")
        letter(window, "r")
        wait_card(qtbot, window, "Lead 00")
        assert "Enter asks before calling Lead 00 again" in session.panel.message_label.text()
        asked: list[str] = []

        def answer(button: QMessageBox.StandardButton) -> None:
            def click(box: QWidget) -> None:
                assert isinstance(box, QMessageBox)
                asked.append(box.text())
                box.button(button).click()

            when_modal(qtbot, click)

        answer(QMessageBox.StandardButton.Cancel)
        enter_when_armed(qtbot, window)
        assert len(asked) == 1 and "unknown outcome" in asked[0]
        with qtbot.assertNotEmitted(window.controller.call_started, wait=100):
            pass
        assert session.state.phase is Phase.READY
        answer(QMessageBox.StandardButton.Yes)
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
    assert [request.params["phone_to_call"] for request in standin.requests] == [
        lead_dial(0),
        lead_dial(1),
        lead_dial(0),
    ]


# -- the callback dialog ---------------------------------------------------------------------------------------------

#: 08:00 in New York (EDT), 14:00 in Paris (CEST).
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
FLORIDA = "+13055550100"


def _dialog(qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch) -> CallbackDialog:
    monkeypatch.setenv("TZ", "Europe/Paris")
    guard = build_guard(Settings(agent_number="3125550100"), store, clock=lambda: NOW)  # consumer: 08:00–21:00
    dialog = CallbackDialog("Ada Okafor", number_to_call(FLORIDA, "US"), guard, lambda: NOW)
    qtbot.addWidget(dialog)
    return dialog


def test_the_callback_dialog_shows_both_clocks_live(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, store, monkeypatch)
    assert dialog.clock_choice.currentText() == "their clock (America/New_York)"
    dialog.set_typed("2026-06-04 10:00", theirs=True)
    assert dialog.both_clocks.text() == "Thu 2026-06-04 10:00 their time (America/New_York) · Thu 16:00 yours"
    assert dialog.ok_button.isEnabled() and dialog.moment() == datetime(2026, 6, 4, 14, 0, tzinfo=UTC)
    dialog.clock_choice.setCurrentIndex(YOURS)  # the same moment, typed on the agent's clock
    assert dialog.when.dateTime().toString("yyyy-MM-dd HH:mm") == "2026-06-04 16:00"
    assert dialog.moment() == datetime(2026, 6, 4, 14, 0, tzinfo=UTC)
    dialog.set_typed("2026-06-04 17:30", theirs=False)
    assert dialog.both_clocks.text() == "Thu 2026-06-04 11:30 their time (America/New_York) · Thu 17:30 yours"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("2026-06-04 23:30", "next possible time is Fri 2026-06-05 08:00 their time"),  # night in Florida
        ("2026-06-03 07:00", "is in the past"),
    ],
)
def test_the_callback_dialog_refuses_a_slot_outside_hours_or_in_the_past(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch, typed: str, why: str
) -> None:
    dialog = _dialog(qtbot, store, monkeypatch)
    dialog.set_typed(typed, theirs=True)
    assert not dialog.ok_button.isEnabled() and dialog.moment() is None
    assert why in dialog.refusal() and why in dialog.reason.text()
    assert dialog.ok_button.toolTip().startswith("Disabled: ") and why in dialog.ok_button.toolTip()
    dialog.accept()  # Enter with OK disabled: still open, nothing chosen
    assert dialog.result() != CallbackDialog.DialogCode.Accepted


def test_callbacks_from_the_contacts_and_the_history(qtbot: QtBot, tmp_path: Path, standin: StandInService) -> None:
    fill_store(_db(tmp_path), 3)
    with running_window(qtbot, open_profile(tmp_path / "profile", standin.url)) as window:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        qtbot.keyClicks(window.search, "lead")
        qtbot.waitUntil(lambda: window.current_contact() is not None)
        qtbot.keyClick(window.search, Qt.Key.Key_Down)
        qtbot.keyClick(window.search, Qt.Key.Key_Down)
        assert window.current_contact() is not None and window.current_contact().name == "Lead 02"
        _accept_callback(qtbot)
        qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        lists = StoreCallLists(window.profile.store)
        qtbot.waitUntil(lambda: len(lists.callbacks()) == 1)
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            window.call_current_contact()
        window.show_history()
        assert window.history_dialog is not None
        view = window.history_dialog.view
        view.table.selectRow(0)
        _accept_callback(qtbot)
        view.callback_action.trigger()
        qtbot.waitUntil(lambda: len(lists.callbacks()) == 2)
        first, second = lists.callbacks()
        assert first.name == second.name == "Lead 02" and first.zone == "America/New_York"
        assert first.due_at > datetime.now(UTC) + timedelta(minutes=30)
    assert QApplication.activeModalWidget() is None
