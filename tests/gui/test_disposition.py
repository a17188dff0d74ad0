"""DispositionStrip and the disposition dialogs over a real SQLite journal and a real list file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from c2c_desktop.core.config import dispositions_path_for
from c2c_desktop.core.journal_export import DEFAULT_DISPOSITIONS, load_dispositions
from c2c_desktop.core.models import CallRequest, CallResult, JournalEntry, Outcome
from c2c_desktop.core.store import Store
from c2c_desktop.gui.disposition import (
    DispositionDialog,
    DispositionListDialog,
    DispositionStrip,
    clean_dispositions,
)
from c2c_desktop.gui.history import NO_VALUE, HistoryView, JournalTableModel

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

SIGNAL_TIMEOUT_MS = 2000


def record_call(store: Store, number: str, outcome: Outcome, contact_name: str = "") -> JournalEntry:
    """A finished journal row, made the way the app makes it."""
    entry = store.begin_call(
        CallRequest(agent_number="5550100000", phone_to_call=number),
        display_number=f"({number[:3]}) {number[3:6]}-{number[6:]}",
        contact_name=contact_name,
    )
    return store.finish_call(entry.id, CallResult(outcome, "done", elapsed_s=1.0))


@pytest.fixture
def list_path(tmp_path: Path) -> Path:
    return dispositions_path_for(tmp_path / "config" / "settings.json")


@pytest.fixture
def strip(qtbot: QtBot, store: Store, list_path: Path) -> DispositionStrip:
    widget = DispositionStrip(store, list_path)
    qtbot.addWidget(widget)
    return widget


def stored(store: Store, call_id: int) -> tuple[str | None, str]:
    entry = store.get_call(call_id)
    assert entry is not None
    return entry.disposition, entry.note


def test_list_file_sits_next_to_the_settings(tmp_path: Path) -> None:
    assert dispositions_path_for(tmp_path / "settings.json") == tmp_path / "dispositions.txt"


def test_without_a_call_the_strip_is_idle(strip: DispositionStrip) -> None:
    assert strip.call_id is None
    assert not strip.combo.isEnabled() and not strip.note_edit.isEnabled() and not strip.save_button.isEnabled()
    assert not strip.save()
    assert strip.dispositions() == list(DEFAULT_DISPOSITIONS)  # no file yet: the defaults


def test_save_writes_the_row_and_survives_a_new_store(qtbot: QtBot, strip: DispositionStrip, store: Store) -> None:
    call = record_call(store, "5551112222", Outcome.CONNECTED, "Ann Lee")
    strip.set_call(call)
    assert strip.title_label.full_text().startswith("Disposition for Ann Lee (connected, ")
    assert strip.status_label.text() == ""
    strip.combo.setCurrentIndex(0)
    qtbot.keyClicks(strip.note_edit, "wants a quote")
    with qtbot.waitSignal(strip.saved, timeout=SIGNAL_TIMEOUT_MS, check_params_cb=lambda i: i == call.id):
        qtbot.keyClick(strip.note_edit, Qt.Key.Key_Return)  # Enter in the note saves
    assert strip.status_label.text() == "Saved"
    assert stored(store, call.id) == (DEFAULT_DISPOSITIONS[0], "wants a quote")
    with Store(store.path) as reopened:
        again = reopened.get_call(call.id)
    assert again is not None and (again.disposition, again.note) == (DEFAULT_DISPOSITIONS[0], "wants a quote")
    qtbot.keyClicks(strip.note_edit, "!")
    assert strip.status_label.text() == ""  # changed since the save: no longer claims "Saved"
    strip.save_button.click()
    assert stored(store, call.id) == (DEFAULT_DISPOSITIONS[0], "wants a quote!")


def test_a_typed_disposition_is_saved_as_typed(qtbot: QtBot, strip: DispositionStrip, store: Store) -> None:
    call = record_call(store, "5551112222", Outcome.CONNECTED)
    strip.set_call(call)
    qtbot.keyClicks(strip.combo.lineEdit(), "Asked for brochure")
    with qtbot.waitSignal(strip.saved, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(strip.combo.lineEdit(), Qt.Key.Key_Return)
    assert stored(store, call.id) == ("Asked for brochure", "")
    assert "Asked for brochure" not in strip.dispositions()  # one-offs do not join the shared list


def test_a_call_left_alone_stays_without_disposition(qtbot: QtBot, strip: DispositionStrip, store: Store) -> None:
    first = record_call(store, "5551112222", Outcome.CONNECTED, "Ann Lee")
    second = record_call(store, "5553334448", Outcome.NO_ANSWER, "Bob Stone")
    strip.set_call(first)
    with qtbot.assertNotEmitted(strip.saved):
        strip.set_call(second)  # the agent ignored the strip and placed the next call
    assert stored(store, first.id) == (None, "")
    history = HistoryView(store, "US")
    qtbot.addWidget(history)
    row = history.model.row_of(first.id)
    assert history.model.data(history.model.index(row, JournalTableModel.DISPOSITION)) == NO_VALUE


def test_retargeting_saves_unsaved_input_to_the_previous_call(
    qtbot: QtBot, strip: DispositionStrip, store: Store
) -> None:
    first = record_call(store, "5551112222", Outcome.CONNECTED, "Ann Lee")
    second = record_call(store, "5553334448", Outcome.NO_ANSWER, "Bob Stone")
    strip.set_call(first)
    strip.combo.setCurrentIndex(1)
    qtbot.keyClicks(strip.note_edit, "left msg")
    assert strip.has_unsaved_changes()
    with qtbot.waitSignal(strip.saved, timeout=SIGNAL_TIMEOUT_MS, check_params_cb=lambda i: i == first.id):
        strip.set_call(second)
    assert stored(store, first.id) == (DEFAULT_DISPOSITIONS[1], "left msg")
    assert strip.call_id == second.id
    assert strip.title_label.full_text().startswith("Disposition for Bob Stone (no answer, ")
    assert strip.current_values() == (None, "")
    assert stored(store, second.id) == (None, "")
    # Back to the first call: it shows what was stored.
    strip.set_call(store.get_call(first.id))
    assert strip.current_values() == (DEFAULT_DISPOSITIONS[1], "left msg")
    assert strip.status_label.text() == "Saved"


def test_same_call_again_keeps_what_is_being_typed(qtbot: QtBot, strip: DispositionStrip, store: Store) -> None:
    call = record_call(store, "5551112222", Outcome.UNKNOWN, "Ann Lee")
    strip.set_call(call)
    qtbot.keyClicks(strip.note_edit, "half typed")
    store.reconcile(call.id, Outcome.CONNECTED)
    with qtbot.assertNotEmitted(strip.saved):
        strip.set_call(store.get_call(call.id))
    assert strip.note_edit.text() == "half typed"
    assert "(connected, " in strip.title_label.full_text()


def test_reload_picks_up_an_edit_made_in_the_history(strip: DispositionStrip, store: Store) -> None:
    call = record_call(store, "5551112222", Outcome.CONNECTED)
    strip.set_call(call)
    store.set_disposition(call.id, "Wrong number", "typo in CRM")
    strip.reload()
    assert strip.current_values() == ("Wrong number", "typo in CRM")


def test_alt_number_picks_and_saves(qtbot: QtBot, store: Store, list_path: Path) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    strip = DispositionStrip(store, list_path)
    other_field = QWidget()
    other_field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    layout = QVBoxLayout(window)
    layout.addWidget(other_field)
    layout.addWidget(strip)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    call = record_call(store, "5551112222", Outcome.CONNECTED)
    strip.set_call(call)
    other_field.setFocus()  # the agent is elsewhere in the window, e.g. the search field
    assert "Alt+3: Wrong number" in strip.combo.toolTip()
    with qtbot.waitSignal(strip.saved, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(other_field, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert stored(store, call.id) == (DEFAULT_DISPOSITIONS[2], "")
    assert not strip.pick(7)  # beyond the list: nothing happens


def test_edit_list_saves_the_file_and_updates_the_strip(
    qtbot: QtBot, strip: DispositionStrip, store: Store, list_path: Path
) -> None:
    dialog = strip.edit_list()
    assert isinstance(dialog, DispositionListDialog)
    assert dialog.items() == list(DEFAULT_DISPOSITIONS)
    dialog.list.setCurrentRow(4)
    dialog.up_button.click()  # "Call back later" moves above "Not interested"
    dialog.list.setCurrentRow(0)
    dialog.remove_button.click()
    dialog.add_button.click()
    dialog.list.item(dialog.list.count() - 1).setText("  Sent   brochure ")
    expected = ["Left voicemail", "Wrong number", "Call back later", "Not interested", "Sent brochure"]
    assert dialog.items() == expected
    with qtbot.waitSignal(strip.dispositions_changed, timeout=SIGNAL_TIMEOUT_MS):
        dialog.accept()
    assert list(load_dispositions(list_path)) == expected
    assert strip.dispositions() == expected
    assert "Alt+1: Left voicemail" in strip.combo.toolTip()
    fresh = DispositionStrip(store, list_path)
    qtbot.addWidget(fresh)
    assert fresh.dispositions() == expected


def test_list_dialog_reset_and_cleaning(qtbot: QtBot) -> None:
    dialog = DispositionListDialog(["A", "a", " ", "B"])
    qtbot.addWidget(dialog)
    assert dialog.items() == ["A", "B"]
    dialog.reset_to_defaults()
    assert dialog.items() == list(DEFAULT_DISPOSITIONS)
    assert clean_dispositions(["x  y", "X Y", ""]) == ["x y"]


def test_saving_the_list_where_it_cannot_be_written_is_reported(qtbot: QtBot, store: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    strip = DispositionStrip(store, blocker / "dispositions.txt")
    qtbot.addWidget(strip)
    with qtbot.assertNotEmitted(strip.dispositions_changed):
        assert not strip.save_list(["One"])
    assert strip.status_label.text().startswith("List not saved:")
    assert strip.dispositions() == list(DEFAULT_DISPOSITIONS)


def test_without_a_list_file_there_is_no_edit_action(qtbot: QtBot, store: Store) -> None:
    strip = DispositionStrip(store)
    qtbot.addWidget(strip)
    assert strip.edit_list_button.isHidden()
    assert strip.edit_list() is None


def test_disposition_dialog_starts_from_the_stored_values(qtbot: QtBot, store: Store, list_path: Path) -> None:
    call = record_call(store, "5551112222", Outcome.CONNECTED, "Ann Lee")
    store.set_disposition(call.id, "Not interested", "said no twice")
    dialog = DispositionDialog(store.get_call(call.id), list_path)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert (dialog.disposition(), dialog.note()) == ("Not interested", "said no twice")
    dialog.set_values(None, "")
    assert (dialog.disposition(), dialog.note()) == (None, "")
