"""The list manager (Call → Call lists…): each way of making a list, reorder, remove, rename, delete and undo, CSV
export, a 10,000-item list that opens without the GUI thread judging it, and Start calling. Real SQLite file, real
widgets (offscreen), the real calling-rules guard."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QTabWidget

from c2c_desktop.core import list_work
from c2c_desktop.core.calllists import ItemState, NewItem, StoreCallLists
from c2c_desktop.core.config import Settings
from c2c_desktop.core.models import Contact, Outcome, PhoneEntry
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import Store
from c2c_desktop.gui import list_manager as list_manager_module
from c2c_desktop.gui.list_manager import ContactPick, ListManager, MadeReport, Source
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import open_demo_profile
from tests.figures_support import journal_call
from tests.gui.windows import running_window

WAIT_MS = 20_000
FLORIDA, NEW_YORK, CHICAGO = "+13055550100", "+12125550142", "+13125550177"
#: A Wednesday, 13:00 in Florida.
NOW = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)


def person(name: str, e164: str) -> Contact:
    return Contact(None, name, phones=(PhoneEntry(e164, e164=e164, primary=True),))


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    added = {}
    for name, e164 in (("Ada Lovelace", FLORIDA), ("Grace Hopper", NEW_YORK), ("Alan Turing", CHICAGO)):
        contact = store.add_contact(person(name, e164))
        assert contact.id is not None
        added[name] = contact.id
    return added


@pytest.fixture
def pick() -> list[ContactPick]:
    """What the main window offers (a test sets it)."""
    return [ContactPick()]


@pytest.fixture
def manager(qtbot: QtBot, store: Store, pick: list[ContactPick]) -> Iterator[ListManager]:
    settings = Settings(agent_number="3125550100")
    dialog = ListManager(store, lambda: settings, lambda: NOW, contact_pick=lambda: pick[0])
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog
    dialog.close()


def make(qtbot: QtBot, manager: ListManager, name: str, source: Source) -> MadeReport:
    with qtbot.waitSignal(manager.made, timeout=WAIT_MS) as made:
        manager.create_list(name, source)
    report: MadeReport = made.args[0]
    return report


def shown_items(qtbot: QtBot, manager: ListManager, count: int) -> list[tuple[str, str]]:
    """(name, number) of the rows shown, once there are `count` of them and each has its standing."""
    model = manager.model
    qtbot.waitUntil(lambda: model.rowCount() == count and model.judged() == count, timeout=WAIT_MS)
    return [(model.text(item, 1), item.e164) for item in model.items]


def stored(store: Store, name: str) -> list[str]:
    lists = StoreCallLists(store)
    return [item.e164 for item in lists.items(lists.require_list(name).id)]


def test_a_list_from_the_search_results_and_from_the_highlighted_contact(
    qtbot: QtBot, manager: ListManager, store: Store, people: dict[str, int], pick: list[ContactPick]
) -> None:
    ids = (people["Grace Hopper"], people["Ada Lovelace"], people["Grace Hopper"])  # one shown twice: kept once
    pick[0] = ContactPick("o", ids, (people["Alan Turing"],), "Alan Turing")
    manager.new_menu.aboutToShow.emit()
    texts = [action.text() for action in manager.new_menu.actions()]
    assert "From the &search results (“o”: 3 contacts)" in texts
    assert "From the &highlighted contact (Alan Turing)" in texts
    report = make(qtbot, manager, "Search o", Source("contacts", contact_ids=ids))
    assert (report.added, report.duplicates) == (2, ("Grace Hopper",))
    assert '"Search o": 2 items added; 1 already in the list, kept once (Grace Hopper)' in manager.report_label.text()
    assert shown_items(qtbot, manager, 2) == [("Grace Hopper", NEW_YORK), ("Ada Lovelace", FLORIDA)]
    assert manager.title_label.text() == "Search o — 2 items"

    # The menu's own entry makes the highlighted contact's list (after asking its name).
    manager.ask_text = lambda *_args: "Alan"  # type: ignore[method-assign]
    manager.new_menu.aboutToShow.emit()
    highlighted = next(a for a in manager.new_menu.actions() if a.text().startswith("From the &highlighted"))
    with qtbot.waitSignal(manager.made, timeout=WAIT_MS):
        highlighted.trigger()
    assert stored(store, "Alan") == [CHICAGO]
    qtbot.waitUntil(lambda: [row[0] for row in manager.list_row_texts()] == ["Alan", "Search o"])
    assert manager.current_list() is not None and manager.current_list().name == "Alan"  # type: ignore[union-attr]
    # The figures of each list come from the worker: size, done / left, callbacks due.
    qtbot.waitUntil(
        lambda: manager.list_row_texts() == [("Alan", "1", "0 / 1", "0"), ("Search o", "2", "0 / 2", "0")],
        timeout=WAIT_MS,
    )


def test_a_list_from_a_contact_file_with_the_imports_report(
    qtbot: QtBot, manager: ListManager, store: Store, tmp_path: Path
) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "Name,Phone\nAda Lovelace,305 555 0100\nNo Number,\nGrace Hopper,212 555 0142\nAda Lovelace,(305) 555-0100\n",
        encoding="utf-8",
    )
    report = make(qtbot, manager, "Leads", Source("file", path=str(leads)))
    text = manager.report_label.text()
    assert text.startswith("leads.csv: ") and " imported, " in text, text
    assert (report.added, report.duplicates) == (2, ("Ada Lovelace",)), report
    assert "row 3: no phone number" in text and "1 already in the list, kept once (Ada Lovelace)" in text
    assert stored(store, "Leads") == [FLORIDA, NEW_YORK]
    assert {contact.name for contact in store.find_contacts_by_e164(NEW_YORK)} == {"Grace Hopper"}  # imported


def test_a_file_without_a_phone_column_makes_no_list(
    qtbot: QtBot, manager: ListManager, store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "names.csv"
    bad.write_text("Name,Company\nAda,Acme\n", encoding="utf-8")
    with qtbot.waitSignal(manager._results.failed, timeout=WAIT_MS):
        manager.create_list("Names", Source("file", path=str(bad)))
    assert "phone" in manager.report_label.text().lower()
    assert StoreCallLists(store).find_list("Names") is None


def test_a_list_from_a_history_filter(
    qtbot: QtBot, manager: ListManager, store: Store, people: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    journal_call(store, monkeypatch, "2026-06-02T15:00:00.000Z", FLORIDA, Outcome.NO_ANSWER)
    journal_call(store, monkeypatch, "2026-06-02T16:00:00.000Z", NEW_YORK, Outcome.CONNECTED)
    journal_call(store, monkeypatch, "2026-06-02T17:00:00.000Z", CHICAGO, Outcome.NO_ANSWER)
    journal_call(store, monkeypatch, "2026-06-01T17:00:00.000Z", NEW_YORK, Outcome.NO_ANSWER)  # the day before
    dialog = list_manager_module.HistoryFilterDialog(manager, date(2026, 6, 3))
    qtbot.addWidget(dialog)
    assert dialog.name_edit.text() == "No answer 2026-06-02"  # yesterday's No answer calls, by default
    source = dialog.source()
    assert (source.outcome, source.since, source.until) == ("no_answer", date(2026, 6, 2), date(2026, 6, 3))
    make(qtbot, manager, dialog.name_edit.text(), source)
    assert stored(store, "No answer 2026-06-02") == [CHICAGO, FLORIDA]  # newest first, as History shows them


def test_a_list_by_hand_a_number_and_a_contact(
    qtbot: QtBot, manager: ListManager, store: Store, people: dict[str, int]
) -> None:
    make(qtbot, manager, "By hand", Source("empty"))
    assert stored(store, "By hand") == []
    with qtbot.waitSignal(manager.made, timeout=WAIT_MS):
        manager.add_text("(212) 555-0142")  # Grace's number: becomes Grace
    with qtbot.waitSignal(manager.made, timeout=WAIT_MS):
        manager.add_text("Lovelace")  # a name: the contacts the search finds
    with qtbot.waitSignal(manager.made, timeout=WAIT_MS) as made:
        manager.add_text("212 555 0142")
    assert made.args[0].duplicates == ("Grace Hopper",)
    assert "already in the list, kept once (Grace Hopper)" in manager.report_label.text()
    assert shown_items(qtbot, manager, 2) == [("Grace Hopper", NEW_YORK), ("Ada Lovelace", FLORIDA)]


def test_a_name_already_taken_is_refused_at_once(
    qtbot: QtBot, manager: ListManager, store: Store, people: dict[str, int]
) -> None:
    make(qtbot, manager, "Monday", Source("empty"))
    with qtbot.assertNotEmitted(manager.made, wait=200):
        manager.create_list(" monday ", Source("contacts", contact_ids=(people["Ada Lovelace"],)))
    assert manager.report_label.text() == 'There is already a list named "monday": choose another name.'


@pytest.fixture
def three(qtbot: QtBot, manager: ListManager, people: dict[str, int]) -> ListManager:
    ids = (people["Ada Lovelace"], people["Grace Hopper"], people["Alan Turing"])
    make(qtbot, manager, "Three", Source("contacts", contact_ids=ids))
    shown_items(qtbot, manager, 3)
    return manager


def test_reorder_with_alt_arrows_and_by_dragging(qtbot: QtBot, three: ListManager, store: Store) -> None:
    manager = three
    view = manager.items_view
    view.setFocus()
    view.setCurrentIndex(manager.model.index(0, 1))
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert stored(store, "Three") == [NEW_YORK, FLORIDA, CHICAGO]
    assert [item.e164 for item in manager.model.items] == [NEW_YORK, FLORIDA, CHICAGO]
    assert view.currentIndex().row() == 1  # the moved item stays current: Alt+Down again moves it on
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert stored(store, "Three") == [NEW_YORK, CHICAGO, FLORIDA]
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert stored(store, "Three") == [NEW_YORK, FLORIDA, CHICAGO]
    # A drag of the last row dropped before the first (what the view hands the model on a drop).
    model = manager.model
    dragged = model.mimeData([model.index(2, 0)])
    assert not model.dropMimeData(dragged, Qt.DropAction.MoveAction, 0, 0, QModelIndex())  # the view removes nothing
    assert stored(store, "Three") == [CHICAGO, NEW_YORK, FLORIDA]
    assert [model.text(item, 0) for item in model.items] == ["1", "2", "3"]
    dragged = model.mimeData([model.index(0, 0)])
    model.dropMimeData(dragged, Qt.DropAction.MoveAction, 3, 0, QModelIndex())  # dropped after the last row
    assert stored(store, "Three") == [NEW_YORK, FLORIDA, CHICAGO]


def test_remove_items_with_delete(qtbot: QtBot, three: ListManager, store: Store) -> None:
    manager = three
    view = manager.items_view
    view.setFocus()
    selection = view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(manager.model.index(0, 0), flags)
    selection.select(manager.model.index(2, 0), flags)
    qtbot.waitUntil(lambda: manager.status_label.text().endswith("of 3 callable now"), timeout=10_000)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert manager.status_label.text().endswith("of 1 callable now")  # recounted, not "… of 3"
    assert manager.model.text(manager.model.items[0], 2) == "(212) 555-0142"  # formatted as in the contact list
    assert stored(store, "Three") == [NEW_YORK]
    assert [item.e164 for item in manager.model.items] == [NEW_YORK]
    assert manager.report_label.text() == "2 items removed"
    assert manager.list_row_texts()[0][:2] == ("Three", "1")


def test_rename_delete_and_undo_with_the_bar_and_ctrl_z(qtbot: QtBot, three: ListManager, store: Store) -> None:
    manager = three
    lists = StoreCallLists(store)
    first = lists.items(lists.require_list("Three").id)[0]
    lists.update_item(first.id, state=ItemState.DONE, attempts=1, last_outcome="connected")
    manager.ask_text = lambda *_args: "  Monday   leads "  # type: ignore[method-assign]
    manager.rename_current()
    assert lists.find_list("Three") is None and lists.require_list("Monday leads").items == 3
    assert manager.list_row_texts()[0][0] == "Monday leads"

    manager.delete_current()
    assert lists.find_list("Monday leads") is None
    assert manager.undo_bar.isVisible()
    assert manager.undo_label.text() == "List “Monday leads” deleted (3 items)"
    assert manager.list_row_texts() == []
    manager.activateWindow()
    qtbot.waitUntil(lambda: manager.isActiveWindow())
    qtbot.keyClick(manager.lists_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not manager.undo_bar.isVisible()
    back = lists.require_list("Monday leads")
    assert back.items == 3 and lists.items(back.id)[0].state is ItemState.DONE  # states and all
    assert manager.report_label.text() == '"Monday leads" is back (3 items)'
    qtbot.waitUntil(lambda: manager.list_row_texts() == [("Monday leads", "3", "1 / 2", "0")], timeout=WAIT_MS)

    manager.delete_current()
    manager.undo_button.click()  # the bar's button does the same
    assert lists.require_list("Monday leads").items == 3


def test_export_writes_the_lists_csv(qtbot: QtBot, three: ListManager, store: Store, tmp_path: Path) -> None:
    manager = three
    lists = StoreCallLists(store)
    items = lists.items(lists.require_list("Three").id)
    due = datetime(2026, 6, 4, 14, 0, tzinfo=UTC)
    lists.update_item(items[1].id, state=ItemState.DUE_LATER, due_at=due, attempts=1, last_outcome="no_answer")
    lists.update_item(items[2].id, state=ItemState.DONE, attempts=1, last_outcome="connected", last_disposition="=1+1")
    store.delete_contact(people_id := items[0].contact_id or 0)
    assert people_id
    path = tmp_path / "three.csv"
    with qtbot.waitSignal(manager.exported, timeout=WAIT_MS) as exported:
        manager.export_csv(path)
    assert exported.args == [3, str(path)]
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows == [
        ["position", "name", "number", "state", "attempts", "next_time", "last_outcome", "last_disposition"],
        # As `lists export` writes them: a well-formed phone number plain; another cell starting with + = - @ gets a
        # "'" (spreadsheets would run it).
        ["1", "Ada Lovelace (contact deleted)", FLORIDA, "ready", "0", "", "", ""],
        ["2", "Grace Hopper", NEW_YORK, "due later", "1", "2026-06-04T14:00:00Z", "no_answer", ""],
        ["3", "Alan Turing", CHICAGO, "done", "1", "", "connected", "'=1+1"],
    ]
    assert manager.report_label.text() == f"3 items written to {path}"
    with qtbot.waitSignal(manager._results.failed, timeout=WAIT_MS):
        manager.export_csv(tmp_path / "missing" / "x.csv")
    assert manager.report_label.text().startswith("Not exported: ")
    assert not (tmp_path / "missing").exists()


def test_a_deleted_contacts_item_says_so(qtbot: QtBot, three: ListManager, store: Store) -> None:
    manager = three
    store.delete_contact(manager.model.items[0].contact_id or 0)
    retry = manager.model.items[1]
    StoreCallLists(store).update_item(retry.id, state=ItemState.DUE_LATER, due_at=NOW + timedelta(hours=2))
    with qtbot.waitSignal(manager.items_judged, timeout=WAIT_MS):
        manager.refresh()
    model = manager.model
    first, second = model.items[:2]
    assert model.text(first, 1) == "Ada Lovelace (contact deleted)"
    assert model.text(first, 7) == "No: the contact was deleted since it was put in the list: skipped"
    # A retry says when, short (on the agent's clock); its tooltip gives both clocks.
    assert model.text(second, 7) == f"No: retry at {list_manager_module.local_time_text(NOW + timedelta(hours=2), NOW)}"
    tip = model.data(model.index(1, 7), Qt.ItemDataRole.ToolTipRole)
    assert "their time (America/New_York)" in tip


def test_outcomes_are_shown_in_words_in_the_cells_and_their_tooltips(
    qtbot: QtBot, three: ListManager, store: Store
) -> None:
    manager = three
    lists = StoreCallLists(store)
    missed, not_sent, placing = manager.model.items[:3]
    lists.update_item(missed.id, last_outcome="no_answer", last_disposition="Left voicemail")
    lists.update_item(not_sent.id, last_outcome="not_sent")
    lists.update_item(placing.id, last_outcome=list_work.PLACING)  # as `lists show` and the session say it
    with qtbot.waitSignal(manager.items_judged, timeout=WAIT_MS):
        manager.refresh()
    model = manager.model
    assert model.text(model.items[0], 5) == "no answer / Left voicemail"
    assert model.text(model.items[1], 5) == "not sent"
    assert model.text(model.items[2], 5) == "being placed"
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                assert "_" not in str(model.data(model.index(row, column), role) or ""), (row, column)
    tip = model.data(model.index(0, 5), Qt.ItemDataRole.ToolTipRole)
    assert "no answer / Left voicemail" in tip


def test_a_10000_item_list_opens_at_once_and_its_rows_fill_in_later(
    qtbot: QtBot, manager: ListManager, store: Store
) -> None:
    lists = StoreCallLists(store)
    big = lists.create_list("Big")
    lists.add_items(big.id, [NewItem(f"+1305555{n:04d}") for n in range(10_000)])
    small = lists.create_list("A small one")
    lists.add_items(small.id, [NewItem(FLORIDA)])
    manager.refresh()
    shown = manager.model
    qtbot.waitUntil(lambda: shown.rowCount() == 1 and shown.judged() == 1, timeout=WAIT_MS)

    assert manager.select_list_named("Big")
    # Nothing of the list was read or judged on the GUI thread: the rows are not there yet.
    assert shown.rowCount() == 0
    assert manager.status_label.text() == "Loading the items…"
    assert manager.title_label.text() == "Big — 10000 items"
    qtbot.waitUntil(lambda: shown.rowCount() == 10_000, timeout=WAIT_MS)
    # The rows are there before their standings: those come in chunks, the first rows first.
    qtbot.waitUntil(lambda: shown.judged() == 10_000, timeout=60_000)
    assert manager.status_label.text().endswith("of 10000 callable now")
    assert shown.text(shown.items[9_999], 7).startswith(("Yes", "No: "))
    # The lists' figures come from their own worker thread, in their own time (after the standings on a busy machine).
    qtbot.waitUntil(lambda: manager.list_row_texts()[1] == ("Big", "10000", "0 / 10000", "0"), timeout=WAIT_MS)


def test_the_standings_of_a_list_left_meanwhile_are_dropped(qtbot: QtBot, manager: ListManager, store: Store) -> None:
    lists = StoreCallLists(store)
    big = lists.create_list("Big")
    lists.add_items(big.id, [NewItem(f"+1305555{n:04d}") for n in range(3_000)])
    other = lists.create_list("Other")
    lists.add_items(other.id, [NewItem(NEW_YORK)])
    manager.refresh()
    manager.select_list_named("Big")
    manager.select_list_named("Other")
    qtbot.waitUntil(lambda: manager.model.rowCount() == 1 and manager.model.judged() == 1, timeout=WAIT_MS)
    assert [item.e164 for item in manager.model.items] == [NEW_YORK]


def test_start_calling_emits_the_lists_id(qtbot: QtBot, three: ListManager) -> None:
    manager = three
    list_id = manager.current_list_id
    with qtbot.waitSignal(manager.start_session_requested, timeout=1000) as started:
        manager.start_button.click()
    assert started.args == [list_id]
    manager.lists_table.setFocus()
    with qtbot.waitSignal(manager.start_session_requested, timeout=1000) as started:
        qtbot.keyClick(manager.lists_table, Qt.Key.Key_Return)
    assert started.args == [list_id]
    assert manager.isVisible()  # Enter did not close the window


# --- in the main window -------------------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    with StandInService(ring_seconds=0.1) as standin:
        monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
        with running_window(qtbot, open_demo_profile()) as main:
            yield main
            manager = getattr(main, "list_manager", None)
            if manager is not None:
                manager.close()


def test_the_menu_opens_it_and_the_search_becomes_a_list(qtbot: QtBot, window: MainWindow) -> None:
    window.search.setText("Ada")
    qtbot.waitUntil(lambda: window.current_contact() is not None)
    assert window.lists_action.shortcut().toString() == "Ctrl+Shift+M"
    window.lists_action.trigger()
    manager: ListManager = window.list_manager
    assert manager.isVisible()
    pick = window.contact_pick()
    assert pick.search == "Ada" and pick.selected_name == window.current_contact().name  # type: ignore[union-attr]
    model = window.contacts_model
    assert pick.shown_ids == tuple(model.contact_id_at(row) for row in range(model.rowCount()))
    assert 0 < len(pick.shown_ids) < model.total_count  # the search's contacts, in the list's order
    make(qtbot, manager, "Ada", Source("contacts", contact_ids=pick.shown_ids))
    assert manager.model.rowCount() or shown_items(qtbot, manager, len(pick.shown_ids))
    manager.start_button.click()  # the calling session starts on it, in the main window, with its first card
    session = window.session
    assert session is not None and session.list.id == manager.current_list_id
    assert window.findChild(QTabWidget, "left_tabs").currentWidget() is session.panel  # type: ignore[union-attr]


def test_every_key_of_the_window_does_one_thing(manager: ListManager) -> None:
    keys = [sequence.toString() for action in manager.actions() for sequence in action.shortcuts()]
    keys += [
        QKeySequence.mnemonic(button.text()).toString()
        for button in manager.findChildren(QAbstractButton)
        if "&" in button.text()
    ]
    assert len(keys) == len(set(keys)), sorted(keys)
    assert {"Ctrl+Z", "Alt+Up", "Alt+Down", "F2", "Alt+N", "Alt+M", "Alt+S"} <= set(keys)


def test_it_fits_a_1024_by_768_screen_with_every_button_whole(
    qtbot: QtBot, manager: ListManager, store: Store, people: dict[str, int], tmp_path: Path
) -> None:
    """It opened 1300 px wide on a 1280 px screen (buttons and the title cut off): its default size stays within
    the screen, its minimum fits 1024×768, and at that size every button shows whole; a long list name elides in
    the lists pane with the whole name in its tooltip."""
    long_name = "Florida dentists who asked for the annual plan at the spring trade show in Orlando"
    ids = (people["Ada Lovelace"], people["Grace Hopper"], people["Alan Turing"])
    make(qtbot, manager, long_name, Source("contacts", contact_ids=ids))
    shown_items(qtbot, manager, 3)
    available = manager.screen().availableGeometry()
    assert manager.width() <= available.width() and manager.height() <= available.height()
    hint = manager.minimumSizeHint()
    assert hint.width() <= 1024 - 20 and hint.height() <= 768 - 60  # room for the window's frame and a panel
    manager.resize(1024 - 20, 768 - 60)
    qtbot.waitUntil(lambda: manager.width() == 1024 - 20, timeout=WAIT_MS)
    manager.grab().save(str(tmp_path / "list_manager_1004.png"))
    buttons = [button for button in manager.findChildren(QAbstractButton) if button.isVisible()]
    assert len(buttons) >= 10
    window_rect = manager.rect()
    for button in buttons:
        place = button.geometry().translated(
            button.parentWidget().mapTo(manager, button.parentWidget().rect().topLeft())
        )
        assert window_rect.contains(place), button.text()
        assert button.width() >= button.sizeHint().width(), f"{button.text()!r} squeezed: {button.width()}"
        assert button.visibleRegion().boundingRect().size() == button.size(), f"{button.text()!r} clipped"
    title = manager.title_label
    assert title.visibleRegion().boundingRect().width() == title.width()
    assert title.width() >= title.minimumSizeHint().width()
    row = next(r for r, texts in enumerate(manager.list_row_texts()) if texts[0] == long_name)
    cell = manager.lists_table.item(row, 0)
    assert cell is not None and long_name in cell.toolTip()
    # Every column of the items elides: the whole text is in its tooltip.
    model = manager.model
    tipped = []
    for column in range(1, model.columnCount()):
        tip = model.data(model.index(0, column), Qt.ItemDataRole.ToolTipRole)
        if text := model.text(model.items[0], column):
            assert tip is not None and text in tip, column
            tipped.append(column)
    assert {1, 2, 3, 4, model.WHY_COLUMN} <= set(tipped)
