"""The calling session's fixes (issue 12, second round), in the window (offscreen) against the stand-in over loopback:
a double Enter after a call that ended at once, call type 2's "No answer", the list link before the request, a list
deleted under a running session, the note saved with its disposition, a countdown that meets another call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QMessageBox, QWidget

from c2c_desktop.core.calllists import ItemState, ListError, ListItem, StoreCallLists
from c2c_desktop.core.list_session import Mode, Phase
from c2c_desktop.core.list_work import AGENT_NO_ANSWER_TEXT
from c2c_desktop.core.models import Outcome
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, Fault, StandInService
from c2c_desktop.gui import session as session_module
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.session import CallingSession
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
)
from tests.gui.windows import running_window


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0, access_key=DEMO_ACCESS_KEY, secret_access_key=DEMO_SECRET_ACCESS_KEY) as made:
        yield made


def _profile_dir(tmp_path: Path, leads: int, *, first: int = 0) -> tuple[Path, int]:
    """A profile folder with `leads` leads in a list; the leads before `first` are done already."""
    folder = tmp_path / "profile"
    folder.mkdir()
    list_id = fill_store(folder / "c2c-desktop.sqlite3", leads)
    if first:
        from c2c_desktop.core.store import Store

        with Store(folder / "c2c-desktop.sqlite3") as store:
            lists = StoreCallLists(store)
            for item in lists.items(list_id)[:first]:
                lists.update_item(item.id, state=ItemState.DONE)
    return folder, list_id


def _start(
    qtbot: QtBot, window: MainWindow, list_id: int, first: str, mode: Mode, countdown_ms: int = 0
) -> CallingSession:
    assert window.start_list_session(list_id, mode=mode, countdown_ms=countdown_ms)
    wait_card(qtbot, window, first)
    assert window.session is not None
    return window.session


def _item(window: MainWindow, list_id: int, name: str) -> ListItem:
    return next(item for item in StoreCallLists(window.profile.store).items(list_id) if item.name == name)


def _dialled(standin: StandInService) -> list[str]:
    return [request.params["phone_to_call"] for request in standin.requests]


# -- a double Enter -------------------------------------------------------------------------------------------------


def test_a_double_enter_on_a_call_refused_at_once_calls_the_same_card_once(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    standin.fault = Fault.RATE_LIMITED  # 429 at once: rejected; preview mode keeps the same card, ready again
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        assert session.state.phase is Phase.READY and session.state.item is not None
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            enter(window)  # the second press of the double Enter, as soon as the call has ended
            session.panel.call_button.click()  # nor a double click on Call
        assert standin.request_count == 1
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)  # a deliberate Enter a moment later calls again
    assert _dialled(standin) == [lead_dial(0), lead_dial(0)]


def test_a_double_enter_after_a_fast_no_answer_never_calls_the_next_prospect(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    folder, list_id = _profile_dir(tmp_path, 10, first=7)  # Lead 07: "No Answer" at once (the stand-in's rule)
    with running_window(qtbot, open_profile(folder, standin.url, call_type=1)) as window:
        session = _start(qtbot, window, list_id, "Lead 07", Mode.PREVIEW)
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        assert session.state.item is not None and session.state.item.name == "Lead 08"  # moved on by itself
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            enter(window)
        assert session.state.phase is Phase.READY
    assert _dialled(standin) == [lead_dial(7)]


def test_power_mode_a_second_enter_right_after_a_disposition_does_not_cut_the_countdown(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url, call_type=1)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.POWER, countdown_ms=30_000)
        assert session.state.phase is Phase.COUNTDOWN
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)  # Enter during the countdown calls at once
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        letter(window, "1")  # the disposition: the next card's countdown starts
        assert session.state.phase is Phase.COUNTDOWN and session.state.item is not None
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            enter(window)
            enter(window, autorepeat=True)
        assert session.state.phase is Phase.COUNTDOWN
        escape(window)
    assert _dialled(standin) == [lead_dial(0)]


def test_p_then_enter_on_the_same_card_calls_at_once(qtbot: QtBot, tmp_path: Path, standin: StandInService) -> None:
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        qtbot.waitUntil(session.enter_armed, timeout=SIGNAL_MS)
        letter(window, "p")
        letter(window, "p")  # resumed: the same card, not a new one
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter(window)
    assert _dialled(standin) == [lead_dial(0)]


# -- call type 2: "No answer" is the agent's phone --------------------------------------------------------------------


@pytest.mark.parametrize("mode", [Mode.PREVIEW, Mode.POWER])
def test_type_2_no_answer_is_the_agent_away(qtbot: QtBot, tmp_path: Path, standin: StandInService, mode: Mode) -> None:
    folder, list_id = _profile_dir(tmp_path, 10, first=7)
    with running_window(qtbot, open_profile(folder, standin.url, call_type=2)) as window:
        session = _start(qtbot, window, list_id, "Lead 07", mode, countdown_ms=30_000)
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        wait_card(qtbot, window, "Lead 07")  # the prospect was never called: it keeps its place
        assert session.panel.notice_label.text().startswith(AGENT_NO_ANSWER_TEXT)
        assert session.panel.notice_label.isVisible()
        item = _item(window, list_id, "Lead 07")
        assert (item.state, item.attempts, item.last_outcome) == (ItemState.READY, 0, Outcome.NO_ANSWER.value)
        if mode is Mode.POWER:
            assert session.state.phase is Phase.PAUSED  # the agent is away: no countdown on its own
            assert "P resumes" in session.panel.notice_label.text()
        else:
            assert session.state.phase is Phase.READY
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            pass
    assert _dialled(standin) == [lead_dial(7)]


# -- the list link before the request ---------------------------------------------------------------------------------


def test_an_item_that_cannot_be_linked_to_its_call_sends_nothing(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, list_id = _profile_dir(tmp_path, 3)

    def cannot_link(*_args: object) -> ListItem:
        raise ListError("the list is being rewritten")

    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        monkeypatch.setattr(session_module, "call_started", cannot_link)
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            enter_when_armed(qtbot, window)
        assert session.state.phase is Phase.READY and session._call_id is None
        assert "Not called" in session.panel.notice_label.text()
        calls = window.profile.store.list_calls()
        assert [call.outcome for call in calls] == [Outcome.NOT_SENT.value]
        item = _item(window, list_id, "Lead 00")
        assert (item.attempts, item.last_call_id, item.state) == (0, None, ItemState.READY)
        with qtbot.assertNotEmitted(window.controller.call_finished, wait=100):
            pass
    assert standin.request_count == 0


def test_a_list_deleted_under_the_session_ends_it_and_is_never_dialled(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        StoreCallLists(window.profile.store).delete_list(list_id)  # the call lists' Delete, or `lists delete`
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            enter_when_armed(qtbot, window)
        assert window.session is None
        assert window.statusBar().currentMessage().startswith("The list “Monday” was deleted")
    assert standin.request_count == 0


# -- the note and its disposition ----------------------------------------------------------------------------------


def test_a_refused_disposition_keeps_neither_it_nor_the_note_and_both_are_saved_together(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    from datetime import timedelta

    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url, call_type=1)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        session.panel.note_edit.setText("wants the spring catalogue")
        call_id = _item(window, list_id, "Lead 00").last_call_id
        assert call_id is not None
        said: list[str] = []

        def ok(box: QWidget) -> None:
            assert isinstance(box, QMessageBox)
            said.append(box.text())
            box.accept()

        when_modal(qtbot, ok)
        past = session.now() - timedelta(hours=1)  # refused by record_disposition: a callback in the past
        assert not session.dispose("Call back later", callback_at=past)
        assert said and "was not saved" in said[0]
        entry = window.profile.store.get_call(call_id)
        assert entry is not None and (entry.disposition, entry.note) == (None, "")
        assert session.panel.note_edit.text() == "wants the spring catalogue"  # kept for the next try
        letter(window, "1")
        wait_card(qtbot, window, "Lead 01")
        entry = window.profile.store.get_call(call_id)
        assert entry is not None and (entry.disposition, entry.note) == (
            "Connected – interested",
            "wants the spring catalogue",
        )


# -- the countdown and another call --------------------------------------------------------------------------------


def test_a_countdown_that_ends_while_another_call_is_out_pauses_the_session(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    standin.ring_seconds = 1.0  # the dial pad's call is still out when the countdown ends
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.POWER, countdown_ms=300)
        window.call_number("2125550142")  # the dial pad (or a tel: link and Enter)
        assert window.controller.is_busy and session.state.phase is Phase.COUNTDOWN
        qtbot.waitUntil(lambda: session.state.phase is Phase.PAUSED, timeout=SIGNAL_MS)
        assert window.controller.is_busy  # paused while the other call is out, not after
        assert session.panel.notice_label.text() == "Paused: another call is out. P resumes."
        assert not session.panel.countdown_bar.isVisible()
        qtbot.waitUntil(lambda: not window.controller.is_busy, timeout=SIGNAL_MS)
        with qtbot.assertNotEmitted(window.controller.call_started, wait=400):
            pass
        assert session.state.phase is Phase.PAUSED
    assert _dialled(standin) == ["2125550142"]


def test_minimising_the_window_stops_the_countdown(qtbot: QtBot, tmp_path: Path, standin: StandInService) -> None:
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.POWER, countdown_ms=200)
        assert session.state.phase is Phase.COUNTDOWN
        window.showMinimized()
        assert session.state.phase is Phase.READY
        with qtbot.assertNotEmitted(window.controller.call_started, wait=400):
            pass
        window.showNormal()
        assert session.state.phase is Phase.READY  # back: Enter calls, nothing on its own
    assert standin.request_count == 0


# -- nothing callable: off the GUI thread ------------------------------------------------------------------------------


def _all_later(folder: Path, list_id: int) -> None:
    """Every lead of the list retried in two hours: nothing is callable now."""
    from datetime import UTC, datetime, timedelta

    from c2c_desktop.core.store import Store

    with Store(folder / "c2c-desktop.sqlite3") as store:
        lists = StoreCallLists(store)
        for n, item in enumerate(lists.items(list_id)):
            due = datetime.now(UTC) + timedelta(hours=2, minutes=n)
            lists.update_item(item.id, state=ItemState.DUE_LATER, due_at=due)


def test_when_the_next_item_opens_is_worked_out_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from c2c_desktop.core.list_work import CallableNow

    folder, list_id = _profile_dir(tmp_path, 3)
    _all_later(folder, list_id)
    judged_on: list[bool] = []  # True: on the GUI thread
    whole = CallableNow.next_opening

    def recorded(self: CallableNow, items: list[ListItem]) -> object:
        judged_on.append(threading.current_thread() is threading.main_thread())
        return whole(self, items)

    monkeypatch.setattr(CallableNow, "next_opening", recorded)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        assert window.start_list_session(list_id)
        wait_card(qtbot, window, "Nothing to call now")
        session = window.session
        assert session is not None
        label = session.panel.local_label
        qtbot.waitUntil(lambda: label.text().startswith("The next opens"), timeout=SIGNAL_MS)
        assert label.text().endswith(": Lead 00")  # the soonest retry
        # No prospect on the card: nothing to pause, no last calls or note field; P does nothing.
        panel = session.panel
        assert not panel.pause_button.isEnabled()
        assert all(each.isHidden() for each in (panel.journal_title, panel.journal_label, panel.note_edit))
        letter(window, "P")
        assert not session.state.paused
        label.setText("")
        session._recheck.timeout.emit()  # as every 30 s while nothing is callable
        qtbot.waitUntil(lambda: label.text().startswith("The next opens"), timeout=SIGNAL_MS)
        assert session.state.phase is Phase.NOTHING
    assert judged_on and not any(judged_on)


def test_the_picker_counts_the_callable_items_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    folder, list_id = _profile_dir(tmp_path, 3)
    read_on: list[bool] = []
    whole = StoreCallLists.items

    def recorded(self: StoreCallLists, wanted: int) -> list[ListItem]:
        read_on.append(threading.current_thread() is threading.main_thread())
        return whole(self, wanted)

    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        monkeypatch.setattr(StoreCallLists, "items", recorded)
        texts: list[str] = []

        def look(picker: QWidget) -> None:
            from c2c_desktop.gui.session import ListPicker

            assert isinstance(picker, ListPicker)
            texts.append(picker.lists.item(0).text())
            qtbot.waitUntil(lambda: "callable now" in picker.lists.item(0).text(), timeout=SIGNAL_MS)
            texts.append(picker.lists.item(0).text())
            picker.reject()

        when_modal(qtbot, look)
        window.work_a_list()
        assert window.session is None
    assert texts[-1] == "Monday — 3 items · 3 callable now"
    assert read_on and not any(read_on)


# -- what a new user ran into --------------------------------------------------------------------------------------


def test_the_card_says_the_keys_that_have_a_disposition_and_a_key_without_one(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url, call_type=1)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        assert len(session.dispositions) == 7
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        assert session.panel.message_label.text() == "Lead 00 answered — press 1–7 for the disposition"
        letter(window, "9")
        assert session.state.phase is Phase.WRAP_UP
        assert session.panel.notice_label.text() == "No disposition on 9: the keys 1–7 have one."
        assert session.panel.notice_label.isVisible()
        letter(window, "?")
        assert session.panel.help_label.text().splitlines()[1].startswith("1–7  the disposition")


def test_n_during_the_countdown_stops_it_so_a_note_is_never_cut_short(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.POWER, countdown_ms=300)
        letter(window, "n")
        assert session.state.phase is Phase.READY and session.panel.note_edit.hasFocus()
        qtbot.keyClicks(session.panel.note_edit, "asked for the price list")
        with qtbot.assertNotEmitted(window.controller.call_started, wait=600):
            pass
        assert session.panel.note_edit.text() == "asked for the price list"
    assert standin.request_count == 0


def test_ctrl_shift_l_brings_the_running_session_back_and_another_list_is_asked_for(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from c2c_desktop.core.calllists import NewItem
    from c2c_desktop.gui.session import ListPicker

    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        store = window.profile.store
        other = StoreCallLists(store).create_list("Tuesday")
        lead = store.list_contacts()[0]
        StoreCallLists(store).add_items(other.id, [NewItem(lead.phones[0].e164, lead.id, lead.name)])
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        window.show_contacts_tab()  # Ctrl+F: the contacts in front, the session waits in its tab
        assert not session.panel.isVisible()
        opened: list[object] = []
        looked: list[bool] = []

        def no_dialog() -> None:
            modal = QApplication.activeModalWidget()
            if modal is not None:
                opened.append(type(modal).__name__)
                modal.close()
            looked.append(True)

        QTimer.singleShot(200, no_dialog)
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: looked == [True], timeout=SIGNAL_MS)
        assert opened == [] and session.panel.isVisible() and window.session is session

        def pick(answer: QMessageBox.StandardButton) -> list[str]:
            asked: list[str] = []

            def choose(picker: QWidget) -> None:
                assert isinstance(picker, ListPicker)
                picker.lists.setCurrentRow(1)  # Tuesday
                when_modal(qtbot, lambda box: (asked.append(box.text()), box.button(answer).click()))
                picker.accept()

            when_modal(qtbot, choose)
            session_now = window.session
            assert session_now is not None
            session_now.panel.other_list_button.click()
            return asked

        asked = pick(QMessageBox.StandardButton.Cancel)
        assert len(asked) == 1 and "End the session on “Monday” and work “Tuesday”?" in asked[0]
        assert window.session is session and session.panel.isVisible()
        asked = pick(QMessageBox.StandardButton.Yes)
        assert len(asked) == 1
        assert window.session is not None and window.session.list.name == "Tuesday"
    assert standin.request_count == 0


def test_the_local_time_on_the_card_follows_the_clock_and_old_messages_go(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    from datetime import UTC, datetime, timedelta

    folder, list_id = _profile_dir(tmp_path, 3)
    now = [datetime(2026, 6, 3, 15, 0, tzinfo=UTC)]  # 11:00 in New York
    profile = open_profile(folder, standin.url)
    profile.clock = lambda: now[0]
    with running_window(qtbot, profile) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        label = session.panel.local_label
        assert label.text() == "New York · 11:00 · callable now"
        assert session._minute.isActive() and session._minute.interval() <= 60_000
        now[0] += timedelta(minutes=1)
        session._minute.timeout.emit()
        assert label.text() == "New York · 11:01 · callable now"
        session.end()
        assert "has ended" in window.statusBar().currentMessage()
        _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        assert window.statusBar().currentMessage() == ""


def test_a_callback_from_the_card_tab_goes_to_the_note_and_the_note_is_kept(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from c2c_desktop.gui.callback_dialog import CallbackDialog

    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)

        seen: list[str] = []

        def type_note(dialog: QWidget) -> None:
            assert isinstance(dialog, CallbackDialog)
            try:
                assert dialog.ok_button.isEnabled(), dialog.refusal()
                qtbot.waitUntil(dialog.when.hasFocus, timeout=SIGNAL_MS)
                qtbot.keyClick(dialog.when, Qt.Key.Key_Tab)  # from the date and time to the note
                seen.append(type(QApplication.focusWidget()).__name__)
                qtbot.keyClicks(QApplication.focusWidget(), "pricing on Tuesday")
            finally:
                dialog.accept()  # what Enter does (closed whatever happened: a failure must not hang the test)

        when_modal(qtbot, type_note)
        letter(window, "c")
        wait_card(qtbot, window, "Lead 01")
        assert seen == ["QLineEdit"]
        callbacks = StoreCallLists(window.profile.store).callbacks()
        assert [(callback.name, callback.note) for callback in callbacks] == [("Lead 00", "pricing on Tuesday")]
    assert standin.request_count == 0


def test_the_callback_dialog_keeps_its_rows_whole_when_a_reason_shows(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from c2c_desktop.core.config import Settings
    from c2c_desktop.core.phone import number_to_call
    from c2c_desktop.core.rules.guard import build_guard
    from c2c_desktop.core.store import Store
    from c2c_desktop.gui.callback_dialog import CallbackDialog

    monkeypatch.setenv("TZ", "Europe/Paris")
    now = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    with Store(tmp_path / "c2c.sqlite3") as store:
        guard = build_guard(Settings(agent_number="3125550100"), store, clock=lambda: now)
        dialog = CallbackDialog("Ada Okafor", number_to_call("+13055550100", "US"), guard, lambda: now)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.set_typed("2026-06-03 07:00", theirs=True)  # in the past: a reason of two lines shows
        assert dialog.reason.isVisible()
        for field in (dialog.clock_choice, dialog.when, dialog.note):
            assert field.height() >= field.sizeHint().height(), field.objectName()
        for label in (dialog.both_clocks, dialog.reason):
            assert label.height() >= label.heightForWidth(label.width()), label.objectName()
        dialog.close()


def test_no_two_things_share_a_key_while_a_session_runs(qtbot: QtBot, tmp_path: Path, standin: StandInService) -> None:
    from tests.gui.test_mainwindow import window_keys

    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        keys = window_keys(window)
        assert ("Alt+W", "button '&Work another list…'") in keys
        by_key: dict[str, list[str]] = {}
        for key, what in keys:
            by_key.setdefault(key.casefold(), []).append(what)
        assert {key: whats for key, whats in by_key.items() if len(whats) > 1} == {}


def test_power_mode_a_countdown_ending_under_a_modal_dialog_never_dials(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    """A dialog of the app (Settings, or any other) over the card: the countdown runs out into "ready", nothing is
    dialled; Enter calls once the dialog is closed."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QDialog

    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url, call_type=1)) as window:
        dialog = QDialog(window)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.show()
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog, timeout=SIGNAL_MS)
        session = _start(qtbot, window, list_id, "Lead 00", Mode.POWER, countdown_ms=200)
        assert session.state.phase is Phase.COUNTDOWN
        qtbot.waitUntil(lambda: session.state.phase is Phase.READY, timeout=SIGNAL_MS)
        assert "Press Enter to call" in session.panel.message_label.text()
        assert standin.request_count == 0
        dialog.close()
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
    assert _dialled(standin) == [lead_dial(0)]


def test_the_card_after_a_connected_call_shows_the_call_while_it_waits_for_its_disposition(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    """Call type 2, connected: the card waits for the disposition, and says what the journal and the item say now."""
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        panel = session.panel
        assert panel.progress_label.text().startswith("0 of 3 worked")
        assert " · new" in panel.number_label.text() and "connected" not in panel.journal_label.text()
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        assert not panel.progress_label.text().startswith("0 of 3 worked"), panel.progress_label.text()
        assert panel.number_label.text().endswith("waiting for its disposition · 1 call so far")
        assert "connected" in panel.journal_label.text().splitlines()[0]


def test_a_bare_number_shows_formatted_and_a_callback_notice_gives_both_clocks(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    """An item with no contact is titled by its number as written in the region, never "+1…"; the notice after a
    callback disposition gives the callee's clock and the agent's, as the callback dialog does."""
    from datetime import UTC, datetime, timedelta

    from c2c_desktop.core.calllists import NewItem

    folder, list_id = _profile_dir(tmp_path, 1)
    from c2c_desktop.core.store import Store

    with Store(folder / "c2c-desktop.sqlite3") as store:
        lists = StoreCallLists(store)
        bare = lists.create_list("Bare")
        lists.add_items(bare.id, [NewItem("+12125550140")])
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, bare.id, "(212) 555-0140", Mode.PREVIEW)
        assert "+1" not in session.panel.message_label.text()
        assert session.panel.message_label.text() == "Press Enter to call (212) 555-0140"
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            enter_when_armed(qtbot, window)
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        day = datetime.now(UTC) + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        at = day.replace(hour=15, minute=0, second=0, microsecond=0)  # 10:00 or 11:00 in New York
        assert session.dispose("Call back later", callback_at=at)
        notice = session.panel.notice_label.text()
        assert notice.startswith("(212) 555-0140: Call back later — callback"), notice
        assert "their time (America/New_York)" in notice and "yours" in notice


# -- Enter while the keys are read --------------------------------------------------------------------------------


def test_enter_while_the_keys_are_read_calls_once_they_are_and_esc_cancels_it(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    """As the main window's Enter: a call asked for while the keys are read from the keyring goes out once they are
    read — once, even after a second Enter; Esc before then cancels it."""
    folder, list_id = _profile_dir(tmp_path, 3)
    with running_window(qtbot, open_profile(folder, standin.url)) as window:
        session = _start(qtbot, window, list_id, "Lead 00", Mode.PREVIEW)
        qtbot.waitUntil(session.enter_armed, timeout=SIGNAL_MS)
        window.controller.credentials_loading = True  # as right after a start, or after Settings saved new keys
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            enter(window)
            escape(window)
        assert "keys" not in session.panel.notice_label.text()
        window._reload_keys()  # the keys are read: the cancelled call does not go out
        qtbot.waitUntil(lambda: not window.controller.credentials_loading, timeout=SIGNAL_MS)
        with qtbot.assertNotEmitted(window.controller.call_started, wait=100):
            pass
        assert standin.request_count == 0 and session.state.phase is Phase.READY

        window.controller.credentials_loading = True
        with qtbot.assertNotEmitted(window.controller.call_started, wait=50):
            enter(window)
            enter(window)  # a second, impatient Enter
        assert "once the keys are read" in session.panel.notice_label.text()
        assert session.state.phase is Phase.READY and standin.request_count == 0
        with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
            window._reload_keys()
        with qtbot.assertNotEmitted(window.controller.call_started, wait=100):
            pass
    assert _dialled(standin) == [lead_dial(0)]
