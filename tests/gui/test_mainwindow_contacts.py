"""The window's contact and journal actions: edit/delete with undo, drop-to-import, history, dispositions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QWidget

from c2c_desktop.core.models import Outcome
from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.gui import import_dialog
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import open_demo_profile
from tests.gui.windows import running_window

SIGNAL_MS = 10_000
DATA = Path(__file__).parent.parent / "data" / "contacts"


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.1) as service:
        yield service


@pytest.fixture
def window(qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    with running_window(qtbot, open_demo_profile()) as main:
        yield main


def highlight(qtbot: QtBot, window: MainWindow, query: str) -> None:
    window.search.setText(query)
    qtbot.waitUntil(lambda: window.current_contact() is not None)


def call_and_wait(qtbot: QtBot, window: MainWindow, query: str) -> None:
    highlight(qtbot, window, query)
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window.call_current_contact()


def test_delete_then_undo_brings_the_contact_back(qtbot: QtBot, window: MainWindow) -> None:
    total = window.contacts_model.total_count
    highlight(qtbot, window, "okafor")
    qtbot.keyClick(window.contact_list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.contacts_model.total_count == total - 1)
    assert "Deleted Ada Okafor" in window.statusBar().currentMessage()
    window.undo_delete_action.trigger()
    qtbot.waitUntil(lambda: window.contacts_model.total_count == total)
    highlight(qtbot, window, "okafor")
    restored = window.current_contact()
    assert restored is not None and len(restored.phones) == 2
    assert not window.undo_delete_action.isEnabled()


def test_dropping_a_vcard_on_the_list_imports_it(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = window.contacts_model.total_count
    opened: list[Any] = []

    def run_import(dialog: QDialog) -> int:
        opened.append(dialog)
        with qtbot.waitSignal(dialog.import_finished, timeout=SIGNAL_MS):  # type: ignore[attr-defined]
            dialog.start_import()  # type: ignore[attr-defined]
        return 1

    from c2c_desktop.gui import import_dialog

    monkeypatch.setattr(import_dialog.ImportDialog, "exec", run_import)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "vcard40.vcf"))])
    viewport = window.contact_list.viewport()
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    # A real drag delivers DragEnter, then Drop to the widget that accepted it; QApplication.sendEvent cannot fake
    # an active drag, so the drop goes straight to the window's event filter for the viewport.
    assert window.eventFilter(viewport, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: bool(opened), timeout=SIGNAL_MS)
    qtbot.waitUntil(lambda: window.contacts_model.total_count == total + 2, timeout=SIGNAL_MS)


def test_dropping_something_else_is_ignored(window: MainWindow, tmp_path: Path) -> None:
    other = tmp_path / "photo.png"
    other.write_bytes(b"\x89PNG")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    assert not window.eventFilter(window.contact_list.viewport(), drop)


def test_the_disposition_strip_is_made_after_the_first_call_and_tab_reaches_it_in_place(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert window._disposition is None  # not built (nor imported) before the window shows
    call_and_wait(qtbot, window, "okafor")
    strip = window.disposition
    assert strip.isVisible()
    # Tab order: ... dial pad, the strip's controls, then the recent calls, as the layout reads top to bottom.
    order: list[QWidget] = []
    widget: QWidget | None = window.search
    for _ in range(200):
        assert widget is not None
        widget = widget.nextInFocusChain()
        if widget is window.search:
            break
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.window() is window:
            order.append(widget)
    strip_controls = [w for w in order if strip.isAncestorOf(w)]
    assert strip.combo in strip_controls and strip.note_edit in strip_controls
    assert order.index(window.dialpad.number_edit) < order.index(strip_controls[0])
    assert order.index(strip_controls[-1]) < order.index(window.recent)


def test_after_a_call_the_disposition_strip_targets_it(qtbot: QtBot, window: MainWindow) -> None:
    assert window.disposition.isHidden()
    call_and_wait(qtbot, window, "okafor")
    assert window.disposition.isVisible()
    window.disposition.combo.setCurrentText("Left voicemail")
    window.disposition.note_edit.setText("call back Tuesday")
    assert window.disposition.save()
    entry = window.profile.store.list_calls(limit=1)[0]
    assert (entry.disposition, entry.note) == ("Left voicemail", "call back Tuesday")
    # The next call is never blocked by the strip.
    call_and_wait(qtbot, window, "marcus")
    assert window.profile.store.list_calls(limit=1)[0].disposition is None


def test_history_shows_calls_and_redials_through_the_same_path(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    call_and_wait(qtbot, window, "okafor")
    window.history_action.trigger()
    dialog = window.history_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.view.model.rowCount() == 1
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        dialog.view.redial_requested.emit(dialog.view.model.entry_at(0))
    assert standin.request_count == 2
    qtbot.waitUntil(lambda: dialog.view.model.rowCount() == 2)


def test_history_redial_of_unknown_asks_first(
    qtbot: QtBot, window: MainWindow, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.fault = Fault.RESET
    call_and_wait(qtbot, window, "okafor")
    assert window.profile.store.list_calls(limit=1)[0].outcome is Outcome.UNKNOWN
    monkeypatch.setattr(window, "_confirm_unknown_redial", lambda _entry: False)
    window.show_history()
    assert window.history_dialog is not None
    window.history_dialog.view.redial_requested.emit(window.history_dialog.view.model.entry_at(0))
    assert standin.request_count == 1


def test_add_contact_from_a_history_row_prefills_the_number(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from c2c_desktop.gui import contact_dialog

    seen: list[Any] = []

    def capture(dialog: Any) -> int:
        seen.append([row.number_edit.text() for row in dialog.rows])
        return QDialog.DialogCode.Rejected.value

    monkeypatch.setattr(contact_dialog.ContactDialog, "exec", capture)
    window.new_contact("(555) 201-0099")
    assert seen and "(555) 201-0099" in seen[0]


def test_undo_last_import_from_the_menu(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 9: an import can be undone as a whole from the window (Contacts → Undo last import).
    info: list[str] = []
    monkeypatch.setattr(import_dialog, "inform", lambda _parent, _title, text, *_: info.append(text))
    window.undo_import_action.trigger()
    assert info == ["There is no import to undo."]  # the demo's own contacts are not an import

    total = window.contacts_model.total_count
    path = tmp_path / "leads.csv"
    path.write_text("Name,Phone\nMarco Salamanca,(505) 555-0104\nGus Fring,(505) 555-0200\n", encoding="utf-8")
    from c2c_desktop.core.contacts_io import import_file
    from c2c_desktop.core.store import Store

    with Store(window.profile.store.path) as other:  # as `contacts import` in a terminal would
        import_file(other, path)
    window.reload_contacts()
    qtbot.waitUntil(lambda: window.contacts_model.total_count == total + 2, timeout=SIGNAL_MS)
    assert [action.text() for action in window.menuBar().actions()[1].menu().actions()][-1] == "Undo last &import"
    window.undo_import_action.trigger()
    qtbot.waitUntil(lambda: window.contacts_model.total_count == total, timeout=SIGNAL_MS)
    assert window.statusBar().currentMessage() == "Undid the import of leads.csv: 2 contacts removed, 0 merges undone."


def test_undoing_an_import_whose_contacts_are_in_a_call_list_says_what_became_of_the_items(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info: list[str] = []
    monkeypatch.setattr(import_dialog, "inform", lambda _parent, _title, text, *_: info.append(text))
    path = tmp_path / "leads.csv"
    path.write_text("Name,Phone\nMarco Salamanca,(505) 555-0104\n", encoding="utf-8")
    from c2c_desktop.core.calllists import NewItem, StoreCallLists
    from c2c_desktop.core.contacts_io import import_file
    from c2c_desktop.core.store import Store

    with Store(window.profile.store.path) as other:
        import_file(other, path)
        (marco,) = other.find_contacts_by_e164("+15055550104")
        lists = StoreCallLists(other)
        lists.add_items(lists.create_list("Monday").id, [NewItem("+15055550104", marco.id, marco.name)])
    window.undo_import_action.trigger()
    expected = (
        "Undid the import of leads.csv: 1 contact removed, 0 merges undone."
        ' Call lists keep the removed contacts\' items as bare numbers: "Monday" (1 item).'
    )
    assert info == [expected]  # a box, not only a passing status line
    assert window.statusBar().currentMessage() == expected
