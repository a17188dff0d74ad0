"""The import dialog (worker thread with its own Store, progress, cancel, summary), export and dropped files.

Every test uses a real SQLite file: the dialog's worker writes through its own connection while the test reads through
another one, as the window does.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtWidgets import QFileDialog

from c2c_desktop.core.contacts_io import DuplicatePolicy
from c2c_desktop.core.importers import MAPPING_FIELDS
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import digits_to_dial
from c2c_desktop.core.store import Store
from c2c_desktop.gui import import_dialog
from c2c_desktop.gui.import_dialog import (
    MAPPING_CHOICES,
    FileReport,
    ImportDialog,
    dropped_contact_files,
    export_contacts_interactive,
)

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

DATA = Path(__file__).resolve().parent.parent / "data" / "contacts"
WAIT_MS = 20_000
EXISTING = Contact(
    None, "Existing Person", "Old Co", phones=(PhoneEntry("(415) 555-0100", "Work", "+14155550100", True),)
)

DialogFactory = Callable[[list[Path]], ImportDialog]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "c2c.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """The GUI thread's own connection, as the window has it."""
    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def open_dialog(qtbot: QtBot, db_path: Path, store: Store) -> Iterator[DialogFactory]:
    dialogs: list[ImportDialog] = []

    def make(paths: list[Path]) -> ImportDialog:
        dialog = ImportDialog(db_path, paths, "US")
        qtbot.addWidget(dialog)
        dialogs.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield make
    for dialog in dialogs:
        assert dialog.shutdown(5000)


def _run(qtbot: QtBot, dialog: ImportDialog) -> list[FileReport]:
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT_MS) as finished:
        dialog.import_button.click()
    reports: list[FileReport] = finished.args[0]
    return reports


def _snapshot(store: Store) -> list[Contact]:
    return store.list_contacts()


def _big_csv(path: Path, rows: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Name", "Company", "Phone"])
        for index in range(rows):
            writer.writerow(
                [f"Person {index}", f"Company {index % 97}", f"(212) {200 + index // 10000}-{index % 10000:04d}"]
            )
    return path


def test_mapping_choices_cover_the_importers_fields() -> None:
    assert {field for field, _ in MAPPING_CHOICES} == MAPPING_FIELDS | {"ignore"}


def test_google_csv_import_shows_progress_and_summary(qtbot: QtBot, store: Store, open_dialog: DialogFactory) -> None:
    store.add_contact(EXISTING)
    dialog = open_dialog([DATA / "google_current.csv"])
    assert dialog.files_tree.topLevelItem(0).text(1) == "Ready"
    assert dialog.mapping_box.isHidden()
    progress: list[tuple[int, int, int]] = []
    dialog.progress_changed.connect(lambda *args: progress.append(args))
    changed: list[int] = []
    dialog.imported.connect(changed.append)

    reports = _run(qtbot, dialog)

    assert len(reports) == 1 and reports[0].summary is not None
    summary = reports[0].summary
    assert (summary.imported, summary.merged, summary.format) == (4, 0, "google-csv")
    assert changed == [4]
    assert progress and progress[-1][1] == progress[-1][2]  # the bar ended full
    assert store.contact_count() == 5
    names = {contact.name for contact in store.list_contacts()}
    assert {"Alan Mathison Turing", "Margaret Hamilton", "Existing Person"} <= names
    assert dialog.pages.currentIndex() == 2 and dialog.close_button.isVisible()
    assert dialog.summary_tree.topLevelItem(0).text(0) == "google_current.csv: imported 4, merged 0, skipped 0"
    assert dialog.summary_title.text() == "Imported 4 contacts, merged 0, skipped 0."


def test_problems_are_listed_per_row(qtbot: QtBot, store: Store, open_dialog: DialogFactory) -> None:
    dialog = open_dialog([DATA / "broken.csv"])
    reports = _run(qtbot, dialog)
    summary = reports[0].summary
    assert summary is not None and summary.imported == 5 and summary.skipped == 4
    item = dialog.summary_tree.topLevelItem(0)
    problems = [item.child(index).text(0) for index in range(item.childCount())]
    assert "row 3: the number 12 is too short" in problems
    assert "row 5: no phone number" in problems
    assert store.contact_count() == 5


def test_second_import_merges_or_skips_by_choice(qtbot: QtBot, store: Store, open_dialog: DialogFactory) -> None:
    _run(qtbot, open_dialog([DATA / "outlook_cp1252.csv"]))
    before = _snapshot(store)

    skipping = open_dialog([DATA / "outlook_cp1252.csv"])
    skipping.set_policy(DuplicatePolicy.SKIP)
    summary = _run(qtbot, skipping)[0].summary
    assert summary is not None and (summary.imported, summary.merged, summary.skipped) == (0, 0, 3)
    assert _snapshot(store) == before

    merging = open_dialog([DATA / "outlook_cp1252.csv"])
    assert merging.selected_policy() is DuplicatePolicy.MERGE  # the default
    summary = _run(qtbot, merging)[0].summary
    assert summary is not None and (summary.imported, summary.merged) == (0, 3)
    assert store.contact_count() == len(before)


def test_unknown_headers_get_a_mapping_step(
    qtbot: QtBot, tmp_path: Path, store: Store, open_dialog: DialogFactory
) -> None:
    path = tmp_path / "crm export.csv"
    path.write_text(
        "Kunde;Firma;Ruf;Bemerkung\nJörg Schmidt;Beispiel GmbH;(212) 555-0142;Rückruf\nPat Jones;;(646) 555-0134;\n",
        encoding="utf-8",
    )
    dialog = open_dialog([path])
    table = dialog.mappings[path]
    assert dialog.mapping_box.isVisibleTo(dialog)
    assert table.check.headers == ("Kunde", "Firma", "Ruf", "Bemerkung")
    assert table.mapping() == {"Firma": "company", "Ruf": "phone"}  # guessed from "Firma" and a phone-like value
    table.set_field("Ruf", "ignore")
    assert not dialog.import_button.isEnabled()  # no phone column: nothing to import
    assert "Choose the column that holds phone numbers" in dialog.mapping_hint.text()

    table.set_field("Kunde", "name")
    table.set_field("Ruf", "phone")
    table.set_field("Bemerkung", "notes")
    assert dialog.import_button.isEnabled()
    reports = _run(qtbot, dialog)

    assert reports[0].summary is not None and reports[0].summary.imported == 2
    stored = {contact.name: contact for contact in store.list_contacts()}
    assert stored["Jörg Schmidt"].company == "Beispiel GmbH"
    assert stored["Jörg Schmidt"].notes == "Rückruf"
    assert stored["Pat Jones"].phones[0].e164 == "+16465550134"


def test_unreadable_files_change_nothing(
    qtbot: QtBot, tmp_path: Path, store: Store, open_dialog: DialogFactory
) -> None:
    store.add_contact(EXISTING)
    before = _snapshot(store)
    missing = tmp_path / "gone.csv"
    dialog = open_dialog([DATA / "not_contacts.png", missing, DATA / "empty.csv"])
    assert dialog.files_tree.topLevelItem(1).text(1).startswith("Cannot read gone.csv")
    changed: list[int] = []
    dialog.imported.connect(changed.append)

    reports = _run(qtbot, dialog)

    assert [report.summary for report in reports] == [None, None, None]
    assert all(report.error for report in reports)
    items = [dialog.summary_tree.topLevelItem(index) for index in range(3)]
    assert [item.text(0) for item in items] == [
        "not_contacts.png: not imported — nothing was changed",
        "gone.csv: not imported — nothing was changed",
        "empty.csv: not imported — nothing was changed",
    ]
    assert items[0].child(0).text(0).startswith("This is not a contacts file")
    assert items[1].child(0).text(0).startswith("Cannot read gone.csv")
    assert dialog.summary_title.text() == "Nothing was imported."
    assert changed == []
    assert _snapshot(store) == before


def test_cancel_mid_import_changes_nothing(
    qtbot: QtBot, tmp_path: Path, store: Store, open_dialog: DialogFactory
) -> None:
    store.add_contact(EXISTING)
    before = _snapshot(store)
    dialog = open_dialog([_big_csv(tmp_path / "big.csv", 50_000)])
    changed: list[int] = []
    dialog.imported.connect(changed.append)

    with qtbot.waitSignal(dialog.progress_changed, timeout=WAIT_MS, check_params_cb=lambda _i, d, t: 0 < d < t):
        dialog.import_button.click()
    assert dialog.is_importing and dialog.cancel_button.text() == "Cancel import"
    with qtbot.waitSignal(dialog.import_finished, timeout=WAIT_MS) as finished:
        dialog.cancel_button.click()

    reports: list[FileReport] = finished.args[0]
    assert [(report.cancelled, report.summary) for report in reports] == [(True, None)]
    assert dialog.summary_title.text() == "Import cancelled. Nothing was changed."
    assert changed == []
    assert _snapshot(store) == before
    assert store.integrity_check() == "ok"


def test_closing_mid_import_stops_the_thread_and_changes_nothing(
    qtbot: QtBot, tmp_path: Path, store: Store, open_dialog: DialogFactory
) -> None:
    store.add_contact(EXISTING)
    before = _snapshot(store)
    dialog = open_dialog([_big_csv(tmp_path / "big.csv", 50_000)])
    with qtbot.waitSignal(dialog.progress_changed, timeout=WAIT_MS, check_params_cb=lambda _i, d, t: 0 < d < t):
        dialog.import_button.click()

    dialog.close()

    assert not dialog.isVisible()
    assert dialog.shutdown() is True  # already stopped within the bound by close()
    assert not dialog.is_importing
    assert _snapshot(store) == before
    store.add_contact(Contact(None, "After", phones=(PhoneEntry("(646) 555-0134", "", "+16465550134"),)))  # not locked
    assert store.contact_count() == 2


@pytest.mark.parametrize(("chosen_filter", "name"), [("CSV (Google) (*.csv)", "out"), ("vCard 3.0 (*.vcf)", "out")])
def test_export_imports_back_unchanged(
    qtbot: QtBot,
    tmp_path: Path,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    chosen_filter: str,
    name: str,
) -> None:
    originals = [
        Contact(
            None,
            "Grace Hopper",
            "Navy, Inc.",
            "Rear Admiral",
            (
                PhoneEntry("(212) 555-0142", "Work", "+12125550142", False),
                PhoneEntry("+44 20 7946 0958", "Mobile", "+442079460958", True),
            ),
            "Line one, with a comma\nLine two",
        ),
        Contact(None, "Front Desk", "Acme Corp", phones=(PhoneEntry("(646) 555-0134", "Main", "+16465550134", True),)),
    ]
    for contact in originals:
        store.add_contact(contact)
    target = tmp_path / name
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kw: (str(target), chosen_filter))

    message = export_contacts_interactive(None, store)

    suffix = ".csv" if "csv" in chosen_filter.lower() else ".vcf"
    written = target.with_name(name + suffix)  # the extension of the chosen format is added
    assert message == f"Exported 2 contacts to {written}"
    assert written.is_file()

    with Store(tmp_path / "fresh.sqlite3") as fresh:
        dialog = ImportDialog(fresh.path, [written], "US")
        qtbot.addWidget(dialog)
        try:
            reports = _run(qtbot, dialog)
        finally:
            assert dialog.shutdown(5000)
        assert reports[0].summary is not None and reports[0].summary.imported == 2
        back = {(c.name, c.company): c for c in fresh.list_contacts()}
    for original in originals:
        copy = back[(original.name, original.company)]
        assert (copy.title, copy.notes) == (original.title, original.notes)
        assert [(p.label, p.e164, p.primary) for p in copy.phones] == [
            (p.label, p.e164, p.primary) for p in original.phones
        ]


def test_export_cancelled_or_failing(tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kw: ("", ""))
    assert export_contacts_interactive(None, store) is None

    shown: list[str] = []
    monkeypatch.setattr(import_dialog, "warn", lambda _parent, _title, text, *_: shown.append(text))
    folder = tmp_path / "a folder.csv"
    folder.mkdir()  # a folder where the file should go: the OS refuses
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kw: (str(folder), "CSV (Google) (*.csv)"))
    assert export_contacts_interactive(None, store) is None
    assert len(shown) == 1 and shown[0].startswith(f"The contacts could not be saved to {folder}")
    assert "Traceback" not in shown[0]


def test_dropped_contact_files(tmp_path: Path, qapp: object) -> None:
    mime = QMimeData()
    assert dropped_contact_files(mime) == []
    names = ["a.csv", "b.VCF", "c.vcard", "d.txt", "photo.png", "noext"]
    urls = [QUrl.fromLocalFile(str(tmp_path / name)) for name in names] + [QUrl("https://example.com/x.csv")]
    mime.setUrls(urls)
    assert dropped_contact_files(mime) == [tmp_path / name for name in names[:4]]
    mime_text = QMimeData()
    mime_text.setText("/tmp/a.csv")
    assert dropped_contact_files(mime_text) == []


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    from c2c_desktop.gui.import_dialog import inspect_contact_file

    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    check = inspect_contact_file(fifo)
    assert check.error is not None and "not a regular file" in check.error


# --- issue 9: every merge listed; undo this import ------------------------------------------------------------------

SALAMANCA = "Name,Company,Phone\nMarco Salamanca,,(505) 555-0104\nleonel salamanca,Cartel,505-555-0104\n"


def test_the_summary_lists_merges_and_shared_numbers_and_offers_undo(
    qtbot: QtBot, tmp_path: Path, store: Store, open_dialog: DialogFactory
) -> None:
    leonel = store.add_contact(
        Contact(None, "Leonel Salamanca", phones=(PhoneEntry("(505) 555-0104", "", "+15055550104"),))
    )
    before = _snapshot(store)
    path = tmp_path / "leads.csv"
    path.write_text(SALAMANCA, encoding="utf-8")
    dialog = open_dialog([path])
    summary = _run(qtbot, dialog)[0].summary
    assert summary is not None and (summary.imported, summary.merged) == (1, 1)
    item = dialog.summary_tree.topLevelItem(0)
    assert [item.child(index).text(0) for index in range(item.childCount())] == [
        "row 2 Marco Salamanca shares (505) 555-0104 with Leonel Salamanca; kept both",
        "row 3 leonel salamanca → merged into Leonel Salamanca",
    ]
    assert dialog.undo_button.isVisible() and dialog.undo_button.text() == "&Undo this import"

    with qtbot.waitSignal(dialog.undone, timeout=WAIT_MS):
        dialog.undo_button.click()
    assert _snapshot(store) == before and store.get_contact(leonel.id or 0) == before[0]
    assert dialog.summary_title.text() == "Undid the import of leads.csv: 1 contact removed, 1 merge undone."
    assert not dialog.undo_button.isVisible()


def test_undo_in_the_dialog_is_refused_after_an_edit_and_changes_nothing(
    qtbot: QtBot, tmp_path: Path, store: Store, open_dialog: DialogFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(SALAMANCA, encoding="utf-8")
    dialog = open_dialog([path])
    _run(qtbot, dialog)
    marco = store.find_contacts_by_e164("+15055550104")[1]
    store.update_contact(Contact(marco.id, "Marco", phones=marco.phones))
    edited = _snapshot(store)
    shown: list[str] = []
    monkeypatch.setattr(import_dialog, "warn", lambda _parent, _title, text, *_: shown.append(text))
    dialog.undo_button.click()
    assert shown == [
        "The import of leads.csv cannot be undone: Marco, whom it added, was edited since. Nothing changed."
    ]
    assert _snapshot(store) == edited and dialog.undo_button.isVisible()


def test_the_country_of_the_files_numbers_can_be_chosen_like_contacts_import_region(
    qtbot: QtBot, store: Store, open_dialog: DialogFactory, tmp_path: Path
) -> None:
    path = tmp_path / "paris.csv"
    path.write_text("Name,Phone\nMusée,01 42 68 53 00\n", encoding="utf-8")
    dialog = open_dialog([path])
    assert dialog.file_region() == "US"  # the configured region by default
    dialog.set_file_region("FR")
    reports = _run(qtbot, dialog)
    assert reports[0].summary is not None and reports[0].summary.imported == 1
    phone = store.list_contacts()[0].phones[0]
    # Read as French and stored in international form; still dialled from the configured region (US), as the CLI.
    assert (phone.e164, digits_to_dial(phone, "US")) == ("+33142685300", "01133142685300")
