"""A lead list whose every field is HTML is shown as the text it is, everywhere in the window (issue 9, finding 1).

A contact imported from a CSV with markup in its name, company, title, notes and number labels is called against the
stand-in, given a disposition and a note that are markup too, and then every label, tooltip, message box and item-view
tooltip of the main window, History (and its dialogs), Settings, the import dialog, the contact dialog and the
disposition strip is walked: none may render rich text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QAbstractListModel, QModelIndex, QTimer
from PySide6.QtGui import QColor, QImage, Qt  # Qt.mightBeRichText lives in QtGui
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication, QLabel, QMessageBox, QWidget

from c2c_desktop.core import contacts_io
from c2c_desktop.core.models import Outcome
from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.gui import plain_text
from c2c_desktop.gui.contact_dialog import ContactDialog
from c2c_desktop.gui.import_dialog import ImportDialog
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import Profile, open_demo_profile
from c2c_desktop.gui.settings_dialog import SettingsDialog
from tests.gui.shown import shown_tooltip

SIGNAL_MS = 10_000
GUI = Path(__file__).resolve().parents[2] / "c2c_desktop" / "gui"
NUMBER = "(505) 555-0104"  # ends in 4: the stand-in connects it
OTHER_NUMBER = "(505) 555-0106"


@pytest.fixture
def image(tmp_path: Path) -> Path:
    """A local image a rendered <img> would load and show (a lead list probing the agent's disk)."""
    path = tmp_path / "probe.png"
    picture = QImage(400, 400, QImage.Format.Format_RGB32)
    picture.fill(QColor("red"))
    assert picture.save(str(path))
    return path


@pytest.fixture
def hostile(image: Path) -> dict[str, str]:
    """Every field of the contact (and what the agent records) as markup."""
    return {
        "name": f"<b>Bold</b> <font color=red size=7>BIG</font> <img src={image}>",
        "company": f"<i>Nameless</i> <img src={image}> & Co",
        "title": "<u>Head</u> <font size=7>of Sales</font>",
        "notes": "<h1>Call</h1> <a href='http://example.com'>me</a>",
        "label": "<s>Mob&ile</s>",
        "other_label": f"<img src={image}>",
        "disposition": "<font color=green size=7>Connected</font>",
        "note": f"<table><tr><td><img src={image}></td></tr></table>",
    }


def markup_of(hostile: dict[str, str]) -> list[str]:
    """Fragments that appear raw only where a hostile value was put in without escaping."""
    return sorted({tag for value in hostile.values() for tag in re.findall(r"<[a-z0-9]+[^<>]*>", value)})


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.3) as service:
        yield service


@pytest.fixture
def window(
    qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hostile: dict[str, str]
) -> Iterator[MainWindow]:
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    profile: Profile = open_demo_profile()
    lead_list = tmp_path / "leads.csv"
    with open(lead_list, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Name", "Organization Name", "Organization Title", "Notes", "Phone 1 - Label",
                         "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value"])  # fmt: skip
        writer.writerow([hostile["name"], hostile["company"], hostile["title"], hostile["notes"], hostile["label"],
                         NUMBER, hostile["other_label"], OTHER_NUMBER])  # fmt: skip
    summary = contacts_io.import_file(profile.store, lead_list, region="US")
    assert summary.imported == 1, summary
    main = MainWindow(profile)
    main.show()
    main.start()
    qtbot.waitUntil(lambda: not main.controller.credentials_loading and not main.contacts_model.is_loading)
    yield main
    main.shutdown()
    main.close()
    main.deleteLater()
    profile.close()


def rich_text_problems(root: QWidget, markup: list[str]) -> list[str]:
    """Every place under `root` (itself included) where Qt would render data as HTML."""
    problems: list[str] = []

    def raw_markup(text: str) -> bool:
        return any(fragment in text for fragment in markup)

    for widget in [root, *root.findChildren(QWidget)]:
        where = f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()!r}"
        if isinstance(widget, QLabel):
            if widget.textFormat() != Qt.TextFormat.PlainText and Qt.mightBeRichText(widget.text()):
                problems.append(f"{where} renders rich text: {widget.text()!r}")
        if raw_markup(widget.toolTip()):
            problems.append(f"{where} has a tooltip with raw markup: {widget.toolTip()!r}")
        if isinstance(widget, QAbstractButton) and raw_markup(widget.text()) and "&" in widget.text().replace("&&", ""):
            problems.append(f"{where} takes a '&' of data as a shortcut: {widget.text()!r}")
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            pending = [QModelIndex()]
            while pending:
                parent = pending.pop()
                for row in range(model.rowCount(parent)):
                    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(parent)
                    for column in range(columns):
                        index = model.index(row, column, parent)
                        tip = index.data(Qt.ItemDataRole.ToolTipRole)
                        if isinstance(tip, str) and raw_markup(tip):
                            problems.append(f"{where} row {row} has a tooltip with raw markup: {tip!r}")
                        if column == 0 and not isinstance(model, QAbstractListModel) and model.rowCount(index):
                            pending.append(index)
    return problems


def walk_next_modal(seen: list[str], problems: list[str], markup: list[str]) -> None:
    """Walk the next modal message box (opened by what follows this call), then close it with Cancel."""

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, poll)
            return
        seen.append(box.text())
        problems.extend(rich_text_problems(box, markup))
        box.reject()

    QTimer.singleShot(0, poll)


def test_a_hostile_lead_list_is_shown_as_plain_text_everywhere(
    qtbot: QtBot, window: MainWindow, standin: StandInService, hostile: dict[str, str], tmp_path: Path
) -> None:
    markup = markup_of(hostile)
    start_size = window.size()
    qtbot.keyClicks(window.search, "bold")
    qtbot.waitUntil(lambda: window.current_contact() is not None)
    contact = window.current_contact()
    assert contact is not None and contact.name == hostile["name"]  # stored as it came: shown as it is

    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS) as finished:
        window.call_current_contact()
    assert finished.args[1].outcome is Outcome.CONNECTED
    assert hostile["name"] in window.status_panel.detail_label.text()
    strip = window.disposition
    strip.combo.setEditText(hostile["disposition"])
    strip.note_edit.setText(hostile["note"])
    assert strip.save()
    # The service answers with an HTML page, for a typed number of the contact (journaled under its name).
    standin.fault = Fault.HTML
    window.dialpad.set_number(OTHER_NUMBER)
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS) as finished:
        window.dialpad.call_button.click()
    assert finished.args[1].outcome is Outcome.UNKNOWN
    QApplication.processEvents()

    problems = rich_text_problems(window, markup)
    # The other number's button shows its label, "&" and all.
    others = [button for button in window.other_numbers.findChildren(QAbstractButton) if button.isVisible()]
    assert others and hostile["other_label"] in others[0].accessibleName()
    assert others[0].text().replace("&&", "&").startswith(hostile["other_label"][:4])
    assert hostile["name"] in shown_tooltip(others[0].toolTip())
    # Tooltips show the text as written (escaped where Qt would take it for HTML).
    row = window.contacts_model.row_of_contact(contact.id or 0)
    assert row is not None
    contact_tip = window.contacts_model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert hostile["name"] in shown_tooltip(contact_tip) and hostile["label"] in shown_tooltip(contact_tip)
    assert "<!DOCTYPE" in shown_tooltip(window.recent.item(0).toolTip()) or "<html" in shown_tooltip(
        window.recent.item(0).toolTip()
    )

    # The call history, with its disposition and reconciliation dialogs.
    window.show_history()
    history = window.history_dialog
    assert history is not None
    view = history.view
    problems += rich_text_problems(history, markup)
    view.select_call(view.model.entry_at(1).id if view.model.entry_at(1) else 0)
    disposition_dialog = view.edit_disposition()
    assert disposition_dialog is not None
    problems += rich_text_problems(disposition_dialog, markup)
    disposition_dialog.reject()
    view.select_call(view.model.entry_at(0).id if view.model.entry_at(0) else 0)
    reconcile = view.record_what_happened()
    assert reconcile is not None
    problems += rich_text_problems(reconcile, markup)
    reconcile.reject()
    history.close()

    # "Call again?" for the unknown call.
    seen: list[str] = []
    walk_next_modal(seen, problems, markup)
    window._on_recent_activated(window.recent.item(0))
    assert seen and hostile["name"] in seen[0]

    # The contact dialog, and its question about a number another contact has.
    dialog = ContactDialog(contact, "US", window.profile.store, window)
    dialog.show()
    problems += rich_text_problems(dialog, markup)
    dialog.reject()
    new = ContactDialog(None, "US", window.profile.store, window)
    new.name_edit.setText("Someone else")
    new.rows[0].number_edit.setText(NUMBER)
    seen.clear()
    walk_next_modal(seen, problems, markup)
    new.accept()
    assert seen and hostile["name"] in seen[0]
    new.reject()

    # Settings, with markup typed where a number goes (its message quotes what was typed).
    settings = SettingsDialog(window.profile.settings, None, demo=True, parent=window)
    settings.show()
    settings.agent_number_edit.setText(hostile["name"])
    settings.page_edit.setText(hostile["title"])
    problems += rich_text_problems(settings, markup)
    settings.reject()

    # The import dialog: a file whose name, column headers and cells are markup, through to its summary.
    lead_file = tmp_path / f"{hostile['title'].replace('/', '')}.csv"
    with open(lead_file, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([hostile["label"], hostile["other_label"]])
        writer.writerow(["<b>not a number</b>", hostile["name"]])
    importer = ImportDialog(window.profile.store.path, [lead_file], "US", window)
    importer.show()
    problems += rich_text_problems(importer, markup)
    table = next(iter(importer.mappings.values()))
    table.set_field(hostile["label"], "phone")
    table.set_field(hostile["other_label"], "name")
    with qtbot.waitSignal(importer.import_finished, timeout=SIGNAL_MS):
        importer.start_import()
    problems += rich_text_problems(importer, markup)
    importer.reject()

    assert problems == []
    # Nothing was drawn big: the window kept its size and fits a 1280x900 screen.
    assert window.size() == start_size
    assert window.width() <= 1280 and window.height() <= 900
    assert window.status_panel.detail_label.sizeHint().height() < 6 * window.fontMetrics().height()


def test_plain_tooltips_show_exactly_the_text(qapp: QApplication) -> None:
    for text in ("plain", "<b>bold</b>\nline two", "a & b", "&lt;b&gt;", "  two  spaces\n<img src=/x.png>"):
        tip = plain_text.plain_tooltip(text)
        assert shown_tooltip(tip) == text
    assert plain_text.plain_tooltip("Call Ada on this number") == "Call Ada on this number"


def test_app_html_escapes_its_data() -> None:
    assert plain_text.app_html("<b>{}</b>", "<i>x</i> & 'y'") == "<b>&lt;i&gt;x&lt;/i&gt; &amp; &#x27;y&#x27;</b>"


def test_buttons_and_titles_show_data_as_it_is() -> None:
    assert plain_text.button_text("Smith & Co") == "Smith && Co"
    assert plain_text.window_title("Edit contact — a [*] b") == "Edit contact — a [*][*] b"


def test_every_label_and_message_box_comes_from_gui_plain_text() -> None:
    """The one way to make a label or a message box: direct QLabel(...) / QMessageBox.warning(...) calls are caught
    here before a test has to find the widget they make."""
    direct = re.compile(r"\bQLabel\(|QMessageBox\.(warning|critical|question|information|about)\(|QMessageBox\(")
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(GUI.glob("*.py"))
        if path.name != "plain_text.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if direct.search(line) and not line.lstrip().startswith("class ")
    ]
    assert offenders == []


def test_a_long_name_without_spaces_never_widens_the_window(window: MainWindow) -> None:
    # The hostile contact's other number (a long label) has its button; now a 400-letter word in the status.
    window.status_panel.show_outcome(Outcome.CONNECTED, "Connected — the service is now calling " + "W" * 400)
    QApplication.processEvents()  # the layouts take the new text in
    assert window.status_panel.minimumSizeHint().width() < 640
    assert window.minimumSizeHint().width() < 800
