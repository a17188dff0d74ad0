"""HistoryView / JournalTableModel over a real SQLite journal: order, words and icons, filters, row actions, export."""

from __future__ import annotations

import csv
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QHeaderView, QMenu

from c2c_desktop.core.journal_export import JOURNAL_CSV_COLUMNS
from c2c_desktop.core.models import CallRequest, CallResult, Contact, JournalEntry, Outcome, PhoneEntry
from c2c_desktop.core.phone import parse_number
from c2c_desktop.core.store import Store
from c2c_desktop.gui.disposition import DispositionDialog
from c2c_desktop.gui.history import (
    NO_VALUE,
    HistoryDialog,
    HistoryView,
    JournalTableModel,
    ReconcileDialog,
    SortArrowStyle,
    local_time_text,
)
from c2c_desktop.gui.icons import icon

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

AGENT = "5550100000"
SIGNAL_TIMEOUT_MS = 2000
CANARY = "Canary-5ecret-9f3e"
M = JournalTableModel


def record_call(
    store: Store,
    number: str,
    outcome: Outcome,
    *,
    display: str = "",
    contact: Contact | None = None,
    elapsed: float = 1.25,
    days_ago: int = 0,
) -> JournalEntry:
    """A journal row made the way the app makes it: begin_call, then finish_call; optionally backdated."""
    entry = store.begin_call(
        CallRequest(agent_number=AGENT, phone_to_call=number),
        display_number=display,
        contact_id=None if contact is None else contact.id,
        contact_name="" if contact is None else contact.name,
        e164=parse_number(number, "US").e164,
    )
    store.finish_call(entry.id, CallResult(outcome, f"{outcome} message", elapsed_s=elapsed))
    if days_ago:
        started = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="milliseconds")
        with sqlite3.connect(store.path) as other:  # a second connection, as another process would write it
            other.execute("UPDATE calls SET started_at = ? WHERE id = ?", (started.replace("+00:00", "Z"), entry.id))
    found = store.get_call(entry.id)
    assert found is not None
    return found


def add_contact(store: Store, name: str, number: str) -> Contact:
    pinned = parse_number(number, "US").e164
    return store.add_contact(Contact(None, name, phones=(PhoneEntry(number, "work", pinned, True),)))


class Journal:
    """Five calls, oldest first: Ann (10 days ago), a stranger (2 days ago), then Bob, a stranger, Carl today."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ann = add_contact(store, "Ann Lee", "5551112222")
        self.bob = add_contact(store, "Bob Stone", "5554445555")
        self.carl = add_contact(store, "Carl Weiss", "5557778881")
        self.ann_call = record_call(
            store, "5551112222", Outcome.CONNECTED, display="(555) 111-2222", contact=self.ann, days_ago=10
        )
        self.stranger_old = record_call(store, "5553334447", Outcome.NO_ANSWER, display="(555) 333-4447", days_ago=2)
        self.bob_call = record_call(
            store, "5554445555", Outcome.UNKNOWN, display="(555) 444-5555", contact=self.bob, elapsed=30.0
        )
        self.stranger_new = record_call(store, "5556667770", Outcome.REJECTED)  # no display form stored
        self.carl_call = record_call(
            store, "5557778881", Outcome.NOT_SENT, display="(555) 777-8881", contact=self.carl, elapsed=0.0
        )

    @property
    def newest_first(self) -> list[int]:
        calls = (self.carl_call, self.stranger_new, self.bob_call, self.stranger_old, self.ann_call)
        return [call.id for call in calls]


@pytest.fixture
def journal(store: Store) -> Journal:
    return Journal(store)


@pytest.fixture
def view(qtbot: QtBot, journal: Journal) -> HistoryView:
    history = HistoryView(journal.store, "US")
    qtbot.addWidget(history)
    history.resize(1100, 420)
    return history


def shown_ids(view: HistoryView) -> list[int]:
    return [entry.id for entry in view.model.entries()]


def cell(view: HistoryView, row: int, column: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> object:
    return view.model.data(view.model.index(row, column), role)


def select(view: HistoryView, call_id: int) -> None:
    assert view.select_call(call_id)
    current = view.current_entry()
    assert current is not None and current.id == call_id


def set_combo_data(combo, value: object) -> None:  # noqa: ANN001 (a QComboBox)
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


# --- the table ------------------------------------------------------------------------------------------------------


def test_rows_are_newest_first_with_words_icons_and_columns(view: HistoryView, journal: Journal) -> None:
    assert shown_ids(view) == journal.newest_first
    assert [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)] == [
        "Time", "Contact", "Number", "Outcome", "First leg", "Ref", "Disposition", "Note"
    ]  # fmt: skip
    outcomes = [cell(view, row, M.OUTCOME) for row in range(5)]
    assert outcomes == ["Not sent", "Rejected", "Unknown", "No answer", "Connected"]
    for row, name in enumerate(("not_sent", "rejected", "unknown", "no_answer", "connected")):
        decoration = cell(view, row, M.OUTCOME, Qt.ItemDataRole.DecorationRole)
        assert decoration.cacheKey() == icon(name).cacheKey()  # type: ignore[attr-defined]
    bob_row = shown_ids(view).index(journal.bob_call.id)
    assert cell(view, bob_row, M.CONTACT) == "Bob Stone"
    assert cell(view, bob_row, M.NUMBER) == "(555) 444-5555"
    assert cell(view, bob_row, M.FIRST_LEG) == "30.0 s"
    assert cell(view, bob_row, M.REF) == journal.bob_call.ref
    assert cell(view, bob_row, M.DISPOSITION) == NO_VALUE  # never given one: marked as such
    assert cell(view, bob_row, M.NOTE) == ""
    assert cell(view, bob_row, M.TIME) == local_time_text(journal.bob_call.started_at)
    assert cell(view, bob_row, M.OUTCOME, Qt.ItemDataRole.ToolTipRole) == "unknown message"
    # A row without a stored display form is formatted for the region.
    assert cell(view, 1, M.NUMBER) == "(555) 666-7770"
    assert view.status_label.text() == "5 calls shown"


def test_local_time_text_converts_utc_to_the_local_zone() -> None:
    utc = datetime(2026, 11, 30, 10, 11, 12, tzinfo=UTC)
    assert local_time_text("2026-11-30T10:11:12.345Z") == utc.astimezone().strftime("%Y-%m-%d %H:%M")
    assert local_time_text("not a time") == "not a time"


def test_model_passes_the_model_tester(qtmodeltester, view: HistoryView, journal: Journal) -> None:
    qtmodeltester.check(view.model, force_py=True)  # the tester stays connected and checks each change below
    view.model.set_entries([])
    view.refresh()
    view.model.sort(M.TIME, Qt.SortOrder.AscendingOrder)
    view.model.sort(M.CONTACT, Qt.SortOrder.DescendingOrder)  # ignored: only Time sorts
    view.model.set_region("CA")
    assert shown_ids(view) == journal.newest_first[::-1]
    assert view.model.rowCount(view.model.index(0, 0)) == 0


def test_only_the_time_header_reverses_the_order(qtbot: QtBot, view: HistoryView, journal: Journal) -> None:
    view.show()
    qtbot.waitExposed(view)
    header = view.table.horizontalHeader()
    select(view, journal.bob_call.id)

    def click_header(column: int) -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))

    click_header(M.CONTACT)
    assert shown_ids(view) == journal.newest_first
    click_header(M.TIME)
    assert shown_ids(view) == journal.newest_first[::-1]
    assert header.sortIndicatorSection() == M.TIME
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert view.current_entry().id == journal.bob_call.id  # type: ignore[union-attr]  # the selection follows
    view.refresh()  # a refresh keeps the chosen order
    assert shown_ids(view) == journal.newest_first[::-1]
    click_header(M.TIME)
    assert shown_ids(view) == journal.newest_first


def started_times(view: HistoryView) -> list[str]:
    return [entry.started_at for entry in view.model.entries()]


def arrow_points_down(header: QHeaderView) -> bool:
    """Which way the sort arrow on screen points. Drawn once more with the other order, only the arrow's pixels
    change: the ones darker as shown lie higher up (the wide top of a down arrow) than the ones darker the other way.
    """
    section, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
    shown = header.grab().toImage()
    other_order = Qt.SortOrder.AscendingOrder if order == Qt.SortOrder.DescendingOrder else Qt.SortOrder.DescendingOrder
    header.setSortIndicator(section, other_order)
    other = header.grab().toImage()
    header.setSortIndicator(section, order)
    darker_shown: list[int] = []
    darker_other: list[int] = []
    for y in range(shown.height()):
        for x in range(shown.width()):
            lightness_shown, lightness_other = shown.pixelColor(x, y).lightness(), other.pixelColor(x, y).lightness()
            if lightness_shown < lightness_other:
                darker_shown.append(y)
            elif lightness_other < lightness_shown:
                darker_other.append(y)
    assert darker_shown and darker_other, "no sort arrow drawn"
    return sum(darker_shown) / len(darker_shown) < sum(darker_other) / len(darker_other)


def test_the_time_arrow_points_the_way_the_rows_run(qtbot: QtBot, view: HistoryView, journal: Journal) -> None:
    """Newest first is a descending order: the header says so (sortIndicatorOrder) and its arrow points down; a click
    on Time reverses the rows, the order and the arrow together, and a second click brings all three back."""
    view.show()
    qtbot.waitExposed(view)
    header = view.table.horizontalHeader()
    descending, ascending = Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder

    def check(order: Qt.SortOrder) -> None:
        times = started_times(view)
        assert times == sorted(times, reverse=order == descending)
        assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (M.TIME, order)
        assert arrow_points_down(header) == (order == descending)

    check(descending)
    assert shown_ids(view) == journal.newest_first
    x = header.sectionViewportPosition(M.TIME) + header.sectionSize(M.TIME) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    check(ascending)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    check(descending)


def test_refresh_shows_a_new_call_and_keeps_the_selection(view: HistoryView, journal: Journal) -> None:
    select(view, journal.ann_call.id)
    newest = record_call(journal.store, "5559990000", Outcome.CONNECTED)
    view.refresh()
    assert shown_ids(view)[0] == newest.id
    assert view.current_entry().id == journal.ann_call.id  # type: ignore[union-attr]


# --- filters --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, ["carl_call", "stranger_new", "bob_call", "stranger_old", "ann_call"]),
        ("connected", ["ann_call"]),
        ("no_answer", ["stranger_old"]),
        ("not_sent", ["carl_call"]),
        ("rejected", ["stranger_new"]),
        ("unknown", ["bob_call"]),
        ("unresolved", ["bob_call"]),
    ],
)
def test_outcome_filter(view: HistoryView, journal: Journal, choice: str | None, expected: list[str]) -> None:
    set_combo_data(view.outcome_filter, choice)
    assert shown_ids(view) == [getattr(journal, name).id for name in expected]


def test_outcome_filter_after_reconciliation(view: HistoryView, journal: Journal) -> None:
    journal.store.reconcile(journal.bob_call.id, Outcome.CONNECTED)
    set_combo_data(view.outcome_filter, "unresolved")
    assert shown_ids(view) == []
    set_combo_data(view.outcome_filter, "unknown")  # every call that was unknown, answered or not
    assert shown_ids(view) == [journal.bob_call.id]
    set_combo_data(view.outcome_filter, "connected")  # what is known now
    assert shown_ids(view) == [journal.bob_call.id, journal.ann_call.id]


def test_text_search_is_debounced_and_narrows(qtbot: QtBot, view: HistoryView, journal: Journal) -> None:
    qtbot.keyClicks(view.search, "stone")
    assert len(shown_ids(view)) == 5  # not yet: the query waits for a pause in typing
    with qtbot.waitSignal(view.model.modelReset, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert shown_ids(view) == [journal.bob_call.id]
    view.search.setText("333-44")  # the displayed number
    view.refresh()
    assert shown_ids(view) == [journal.stranger_old.id]
    view.search.setText(journal.ann_call.ref[-6:])  # part of a ref
    view.refresh()
    assert shown_ids(view) == [journal.ann_call.id]
    view.search.setText("nobody has this")
    view.refresh()
    assert shown_ids(view) == []
    assert view.status_label.text() == "0 calls shown"
    assert not view.export_action.isEnabled()


def test_date_presets_and_range(view: HistoryView, journal: Journal) -> None:
    today = [journal.carl_call.id, journal.stranger_new.id, journal.bob_call.id]
    set_combo_data(view.date_filter, "today")
    assert shown_ids(view) == today
    assert view.date_from.isHidden()
    set_combo_data(view.date_filter, "7days")
    assert shown_ids(view) == [*today, journal.stranger_old.id]
    set_combo_data(view.date_filter, "range")
    assert not view.date_from.isHidden()
    ten_days_ago = QDate.currentDate().addDays(-10)
    view.date_from.setDate(ten_days_ago.addDays(-1))
    view.date_to.setDate(ten_days_ago)  # "to" is included: the whole day
    assert shown_ids(view) == [journal.ann_call.id]
    view.date_from.setDate(QDate.currentDate())  # reversed bounds are read the right way round
    assert shown_ids(view) == journal.newest_first
    set_combo_data(view.date_filter, "all")
    assert shown_ids(view) == journal.newest_first


def test_filters_combine(view: HistoryView, journal: Journal) -> None:
    set_combo_data(view.date_filter, "today")
    set_combo_data(view.outcome_filter, "connected")
    assert shown_ids(view) == []
    set_combo_data(view.outcome_filter, "rejected")
    view.search.setText("6667")
    view.refresh()
    assert shown_ids(view) == [journal.stranger_new.id]


# --- row actions ----------------------------------------------------------------------------------------------------


def test_call_again_by_button_enter_and_double_click(qtbot: QtBot, view: HistoryView, journal: Journal) -> None:
    view.show()
    qtbot.waitExposed(view)
    assert not view.call_again_action.isEnabled()  # nothing selected yet
    select(view, journal.stranger_old.id)
    button = view.buttons[view.call_again_action]
    check = lambda entry: entry.id == journal.stranger_old.id  # noqa: E731
    with qtbot.waitSignal(view.redial_requested, timeout=SIGNAL_TIMEOUT_MS, check_params_cb=check):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    view.table.setFocus()
    with qtbot.waitSignal(view.redial_requested, timeout=SIGNAL_TIMEOUT_MS, check_params_cb=check):
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    rect = view.table.visualRect(view.model.index(view.model.row_of(journal.ann_call.id), M.CONTACT))
    with qtbot.assertNotEmitted(view.redial_requested):
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a click only selects
    assert view.current_entry().id == journal.ann_call.id  # type: ignore[union-attr]
    with qtbot.waitSignal(view.redial_requested, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[0].id == journal.ann_call.id
    view.set_call_enabled(False)  # a call is out: the window allows one at a time
    assert not button.isEnabled()
    with qtbot.assertNotEmitted(view.redial_requested):
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
        view.call_again()


def test_add_contact_only_for_numbers_without_a_contact(qtbot: QtBot, view: HistoryView, journal: Journal) -> None:
    select(view, journal.ann_call.id)
    assert not view.add_contact_action.isEnabled()
    assert not view.buttons[view.add_contact_action].isEnabled()
    with qtbot.assertNotEmitted(view.add_contact_requested):
        view.add_contact()
    select(view, journal.stranger_old.id)
    assert view.add_contact_action.isEnabled()
    with qtbot.waitSignal(view.add_contact_requested, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        view.buttons[view.add_contact_action].click()
    assert blocker.args == ["(555) 333-4447"]
    select(view, journal.stranger_new.id)  # no display form stored: the number as sent
    with qtbot.waitSignal(view.add_contact_requested, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        view.add_contact()
    assert blocker.args == ["5556667770"]
    # Once the number is a contact's, the action goes away.
    add_contact(journal.store, "New Friend", "5556667770")
    view.refresh()
    assert not view.add_contact_action.isEnabled()


def test_reconciliation_keeps_the_original_outcome_and_shows_both(
    qtbot: QtBot, view: HistoryView, journal: Journal
) -> None:
    select(view, journal.ann_call.id)
    assert not view.reconcile_action.isEnabled()  # only for UNKNOWN calls
    assert view.record_what_happened() is None
    select(view, journal.bob_call.id)
    assert view.reconcile_action.isEnabled()
    dialog = view.record_what_happened()
    assert isinstance(dialog, ReconcileDialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing chosen yet
    dialog.choose(Outcome.NO_ANSWER)
    assert ok.isEnabled()
    with qtbot.waitSignal(
        view.call_updated, timeout=SIGNAL_TIMEOUT_MS, check_params_cb=lambda i: i == journal.bob_call.id
    ):
        ok.click()
    stored = journal.store.get_call(journal.bob_call.id)
    assert stored is not None
    assert (stored.outcome, stored.reconciled_outcome) == (Outcome.UNKNOWN, Outcome.NO_ANSWER)
    row = view.model.row_of(journal.bob_call.id)
    assert cell(view, row, M.OUTCOME) == "Unknown → No answer (recorded by you)"
    decoration = cell(view, row, M.OUTCOME, Qt.ItemDataRole.DecorationRole)
    assert decoration.cacheKey() == icon("no_answer").cacheKey()  # type: ignore[attr-defined]
    # It can be corrected: the dialog opens on the recorded answer.
    select(view, journal.bob_call.id)
    again = view.record_what_happened()
    assert again is not None and again.chosen_outcome() == Outcome.NO_ANSWER
    again.reject()
    assert journal.store.get_call(journal.bob_call.id).reconciled_outcome == Outcome.NO_ANSWER  # type: ignore[union-attr]


def test_set_disposition_writes_the_row_and_survives_reopening(
    qtbot: QtBot, view: HistoryView, journal: Journal
) -> None:
    select(view, journal.ann_call.id)
    dialog = view.edit_disposition()
    assert isinstance(dialog, DispositionDialog)
    assert dialog.disposition() is None
    dialog.set_values("Left voicemail", "  try Tuesday  ")
    with qtbot.waitSignal(view.call_updated, timeout=SIGNAL_TIMEOUT_MS):
        dialog.accept()
    row = view.model.row_of(journal.ann_call.id)
    assert cell(view, row, M.DISPOSITION) == "Left voicemail"
    assert cell(view, row, M.NOTE) == "try Tuesday"
    with Store(journal.store.path) as reopened:
        stored = reopened.get_call(journal.ann_call.id)
    assert stored is not None and (stored.disposition, stored.note) == ("Left voicemail", "try Tuesday")
    # Clearing the disposition stores NULL again ("—" in the table).
    select(view, journal.ann_call.id)
    clearing = view.edit_disposition()
    assert clearing is not None and clearing.disposition() == "Left voicemail"
    clearing.set_values(None, "")
    clearing.accept()
    assert journal.store.get_call(journal.ann_call.id).disposition is None  # type: ignore[union-attr]
    assert cell(view, view.model.row_of(journal.ann_call.id), M.DISPOSITION) == NO_VALUE


def test_do_not_call_set_in_the_history_puts_the_number_on_the_internal_list(
    qtbot: QtBot, view: HistoryView, journal: Journal
) -> None:
    from c2c_desktop.core.rules.audit import StoreAuditLog
    from c2c_desktop.core.rules.dnc import DncRegistry
    from c2c_desktop.core.rules.model import AuditAction

    view.agent_number = lambda: "+15550001111"
    select(view, journal.bob_call.id)
    dialog = view.edit_disposition()
    assert dialog is not None and dialog.combo.findText("Do not call") >= 0  # offered there too
    dialog.set_values("Do not call", "rude")
    with qtbot.waitSignal(view.call_updated, timeout=SIGNAL_TIMEOUT_MS):
        dialog.accept()
    assert journal.store.get_call(journal.bob_call.id).disposition == "Do not call"  # type: ignore[union-attr]
    assert [item.internal for item in DncRegistry(journal.store).listings("+15554445555")] == [True]
    added = StoreAuditLog(journal.store).events(action=AuditAction.DNC_ADDED)
    assert [(event.callee_number, event.agent_number, event.reason) for event in added] == [
        ("+15554445555", "+15550001111", "rude")
    ]


def test_export_writes_the_rows_shown_with_ref_and_no_keys_or_urls(
    view: HistoryView, journal: Journal, tmp_path: Path
) -> None:
    journal.store.set_disposition(journal.bob_call.id, "Call back later", "after 3pm, ask for Bob")
    # A key pasted into a note by mistake must not reach the export.
    journal.store.set_disposition(journal.carl_call.id, None, f"secret_access_key={CANARY} oops")
    set_combo_data(view.date_filter, "today")
    path = tmp_path / "out" / "history.csv"
    path.parent.mkdir()
    assert view.export_csv(path) == 3
    assert view.status_label.text() == f"Exported 3 calls to {path}"
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    assert tuple(rows[0].keys()) == JOURNAL_CSV_COLUMNS
    # Oldest first, whatever the table's order, as `history export` writes it (issue 9: was the order shown).
    assert view.model.newest_first
    assert [row["ref"] for row in rows] == [entry.ref for entry in reversed(view.model.entries())]
    assert [row["started_at"] for row in rows] == sorted(row["started_at"] for row in rows)
    bob = next(row for row in rows if row["ref"] == journal.bob_call.ref)
    assert (bob["disposition"], bob["note"]) == ("Call back later", "after 3pm, ask for Bob")
    assert journal.ann_call.ref not in text  # filtered out: only what is shown
    assert CANARY not in text
    assert "://" not in text


def test_export_failure_is_reported_not_raised(view: HistoryView, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert view.export_csv(blocker / "history.csv") is None
    assert view.status_label.text().startswith("Not exported:")


# --- the dialog -----------------------------------------------------------------------------------------------------


def test_history_dialog_wraps_the_view(qtbot: QtBot, journal: Journal) -> None:
    dialog = HistoryDialog(journal.store, "US")
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Call history"
    assert not dialog.isModal()
    assert [entry.id for entry in dialog.view.model.entries()] == journal.newest_first
    newest = record_call(journal.store, "5559990000", Outcome.CONNECTED)
    dialog.refresh()
    assert dialog.view.model.entries()[0].id == newest.id
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.view.search.setFocus()
    qtbot.keyClick(dialog.view.search, Qt.Key.Key_Return)  # Enter in the search applies it; it does not close
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.finished, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_accessible_names(view: HistoryView) -> None:
    for widget in (view.table, view.search, view.outcome_filter, view.date_filter, view.date_from, view.date_to,
                   view.status_label, *view.buttons.values()):  # fmt: skip
        assert widget.accessibleName(), widget
    assert view.table.alternatingRowColors()
    assert view.model.index(0, 0).parent() == QModelIndex()


# A popup menu makes the offscreen platform warn that it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise", "grabbing the keyboard")
def test_context_menu_selects_the_row_and_offers_the_actions(qtbot: QtBot, view: HistoryView, journal: Journal) -> None:
    view.show()
    qtbot.waitExposed(view)
    rect = view.table.visualRect(view.model.index(view.model.row_of(journal.bob_call.id), M.NUMBER))
    viewport = view.table.viewport()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, rect.center(), viewport.mapToGlobal(rect.center()))
    QApplication.sendEvent(viewport, event)
    menus = [menu for menu in view.findChildren(QMenu) if menu.isVisible()]
    assert len(menus) == 1
    texts = [act.text() for act in menus[0].actions() if not act.isSeparator()]
    assert texts == ["Call again", "Add contact…", "Record what happened…", "Set disposition…", "Schedule a callback…",
                     "Export CSV…"]  # fmt: skip
    assert view.current_entry().id == journal.bob_call.id  # type: ignore[union-attr]
    enabled = {act.text(): act.isEnabled() for act in menus[0].actions()}
    assert enabled["Record what happened…"] and not enabled["Add contact…"]
    menus[0].close()


def test_a_call_still_placing_shows_calling(view: HistoryView, store: Store) -> None:
    entry = store.begin_call(CallRequest(agent_number=AGENT, phone_to_call="5552223333"))
    view.refresh()
    assert cell(view, 0, M.OUTCOME) == "Calling…"
    assert cell(view, 0, M.FIRST_LEG) == NO_VALUE
    decoration = cell(view, 0, M.OUTCOME, Qt.ItemDataRole.DecorationRole)
    assert decoration.cacheKey() == icon("ringing").cacheKey()  # type: ignore[attr-defined]
    assert view.select_call(entry.id) and not view.reconcile_action.isEnabled()


def test_another_process_s_placing_call_is_not_shown_as_this_window_s(view: HistoryView, store: Store) -> None:
    entry = store.begin_call(CallRequest(agent_number=AGENT, phone_to_call="5552223334"))
    other = os.getppid()  # a live process that is not this one
    store._db.execute("UPDATE calls SET owner_pid = ?, owner_started = NULL WHERE id = ?", (other, entry.id))
    view.refresh()
    assert cell(view, 0, M.OUTCOME) == f"Being placed by another c2c-desktop (pid {other})"
    decoration = cell(view, 0, M.OUTCOME, Qt.ItemDataRole.DecorationRole)
    assert decoration.cacheKey() != icon("ringing").cacheKey()  # type: ignore[attr-defined]


@pytest.fixture
def windows_style(qapp: QApplication) -> Iterator[None]:
    """The application in Qt's Windows style (whose arrows point the other way from Fusion's), as set by app code."""
    before = qapp.style().name()
    qapp.setStyle("Windows")
    yield
    qapp.setStyle(before)


def test_the_sort_arrow_follows_the_style_the_application_set(
    qtbot: QtBot, journal: Journal, windows_style: None
) -> None:
    """The header's proxy style draws with the application's current style, not the desktop's default one."""
    history = HistoryView(journal.store, "US")
    qtbot.addWidget(history)
    history.resize(1100, 420)
    history.show()
    qtbot.waitExposed(history)
    header = history.table.horizontalHeader()
    assert isinstance(header.style(), SortArrowStyle)
    assert header.style().baseStyle().name().lower() == "windows"
    assert arrow_points_down(header)
