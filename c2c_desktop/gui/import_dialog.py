"""Contacts in and out of the window: the import dialog (with its worker thread), export, and dropped files.

Import runs `contacts_io.import_file` in an `ImportWorker` on its own QThread with its OWN `Store` on the same
database file (the window's Store is GUI-thread-only). Each file is one transaction: Cancel (or closing the dialog)
makes the worker's progress callback raise, so the file being imported is rolled back and nothing of it changes.
Apart from `ImportWorker.run`, `ImportWorker.cancel` and the reports it records, everything here runs on the GUI thread.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, QSize, QStandardPaths, Qt, QThread, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core import contacts_io, importers
from c2c_desktop.core.contacts_io import DuplicatePolicy, ImportSummary
from c2c_desktop.core.importers import ContactFileError
from c2c_desktop.core.phone import DEFAULT_REGION, PhoneError, digits_of, parse_number
from c2c_desktop.core.store import NothingToUndoError, Store, StoreError, UndoneImport
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.messages import sentence
from c2c_desktop.gui.plain_text import inform, plain_label, plain_tooltip, warn

log = logging.getLogger(__name__)

#: Extensions accepted when files are dropped on the contact list.
CONTACT_FILE_SUFFIXES = frozenset({".csv", ".vcf", ".vcard", ".txt"})
#: Save-dialog filter -> the extension added when the typed name has none of .csv/.vcf/.vcard.
EXPORT_FILTERS = {"CSV (Google) (*.csv)": ".csv", "vCard 3.0 (*.vcf)": ".vcf"}
SHUTDOWN_BOUND_MS = 5000
PROGRESS_INTERVAL_S = 0.05  # at most ~20 progress signals a second reach the GUI
HEAD_BYTES = 64 * 1024  # enough for the header row and a first value per column
MAX_PROBLEMS_SHOWN = 1000  # per file; a hopeless file can have 100k problems
UNDO_BUSY_TIMEOUT_MS = 250

POLICY_TEXTS: dict[DuplicatePolicy, str] = {
    DuplicatePolicy.MERGE: "Merge into the same person (same name); keep anyone else beside them (recommended)",
    DuplicatePolicy.SKIP: "Skip rows whose number already exists",
    DuplicatePolicy.ADD: "Add as separate contacts",
}
#: Column mapping choices: (field given to the importer, words shown). "ignore" leaves the column out.
MAPPING_CHOICES: tuple[tuple[str, str], ...] = (
    ("ignore", "Ignore"),
    ("name", "Full name"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("company", "Company"),
    ("title", "Job title"),
    ("phone", "Phone number"),
    ("notes", "Notes"),
)

# Parked threads that did not stop within the bound: destroying a running QThread aborts the process.
_parked: list[tuple[QThread, QObject]] = []


# --------------------------------------------------------------------------------------------------------------------
# Plain data (crosses threads)


@dataclass(frozen=True)
class ImportJob:
    """One file to import; `mapping` (header -> field) when its columns were chosen by hand."""

    path: Path
    mapping: dict[str, str] | None = None


@dataclass(frozen=True)
class FileReport:
    """What happened to one file: a summary, or why nothing of it was imported (error / cancelled)."""

    path: Path
    summary: ImportSummary | None = None
    error: str | None = None
    cancelled: bool = False

    @property
    def changed(self) -> int:
        """Contacts added or merged into."""
        return self.summary.imported + self.summary.merged if self.summary is not None else 0

    def headline(self) -> str:
        name = self.path.name
        if self.summary is not None:
            s = self.summary
            return f"{name}: imported {s.imported:,}, merged {s.merged:,}, skipped {s.skipped:,}"
        if self.cancelled:
            return f"{name}: cancelled — nothing from this file was imported"
        return f"{name}: not imported — nothing was changed"


@dataclass(frozen=True)
class FileCheck:
    """A quick look at a file before importing: its CSV headers (if any) and whether they need a mapping step."""

    path: Path
    headers: tuple[str, ...] = ()
    samples: tuple[str, ...] = ()  # the first data row's value per header ('' if none)
    needs_mapping: bool = False
    error: str | None = None  # unreadable: shown now, and the import reports it again


class ImportCancelled(Exception):
    """Raised inside the importer's progress callback to roll the current file back."""


# --------------------------------------------------------------------------------------------------------------------
# The worker (lives in its own thread)


class ImportWorker(QObject):
    """Imports files with its own Store on `db_path`. Create without a parent; move into a QThread; start with a
    queued signal to `run`. Signals are emitted on the worker thread (connect them to GUI-thread slots)."""

    progress = Signal(int, int, int)  # file index, done, total (throttled)
    file_done = Signal(int, object)  # file index, FileReport
    done = Signal(bool)  # True when cancelled

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self._db_path = Path(db_path)
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._reports: list[FileReport] = []
        self._last_emit = 0.0

    def cancel(self) -> None:
        """Any thread: stop at the next progress report; the file being imported is rolled back."""
        self._cancel.set()

    def reports(self) -> list[FileReport]:
        """Any thread: the reports so far (read after the thread stopped to count what a closed dialog missed)."""
        with self._lock:
            return list(self._reports)

    @Slot(object, str, str, str)
    def run(self, jobs: list[ImportJob], region: str, policy: str, dial_region: str = "") -> None:
        """Worker thread: import each file in its own transaction, report each, then emit `done`.

        `region`: the country of the files' numbers written without a country code; `dial_region`: the region calls
        are made from (the settings'; "" for `region`), as `contacts import --region` does."""
        try:
            store = Store(self._db_path)
        except StoreError as exc:
            for index, job in enumerate(jobs):
                self._report(index, FileReport(job.path, error=str(exc)))
            self.done.emit(False)
            return
        try:
            for index, job in enumerate(jobs):
                if self._cancel.is_set():
                    break
                report = self._import_one(store, index, job, region, DuplicatePolicy(policy), dial_region or region)
                self._report(index, report)
        finally:
            store.close()
        self.done.emit(self._cancel.is_set())

    def _import_one(
        self, store: Store, index: int, job: ImportJob, region: str, policy: DuplicatePolicy, dial_region: str
    ) -> FileReport:
        self._last_emit = 0.0
        try:
            summary = contacts_io.import_file(
                store,
                job.path,
                region=region,
                dial_region=dial_region,  # a file's numbers from elsewhere are still dialled from here
                policy=policy,
                mapping=job.mapping,
                progress=partial(self._on_progress, store, index),
            )
        except ImportCancelled:
            return FileReport(job.path, cancelled=True)
        except ContactFileError as exc:
            return FileReport(job.path, error=sentence(str(exc)))
        except (StoreError, sqlite3.Error) as exc:
            return FileReport(job.path, error=sentence(f"The database refused the import ({exc})"))
        except Exception as exc:  # a bug must not kill the thread; the text of an unknown error could hold anything
            log.exception("import of a contacts file failed")
            return FileReport(job.path, error=f"Unexpected error ({type(exc).__name__}).")
        return FileReport(job.path, summary=summary)  # a Cancel that came after the commit: reported as imported

    def _on_progress(self, store: Store, index: int, done: int, total: int) -> None:
        # Runs inside import_file: while reading (nothing written yet) or inside its transaction, raising here
        # leaves the database as it was. Its last report comes after the commit: too late to cancel, so not raised.
        if self._cancel.is_set() and (store.in_transaction or done < total):
            raise ImportCancelled
        now = time.monotonic()
        if done >= total or now - self._last_emit >= PROGRESS_INTERVAL_S:
            self._last_emit = now
            self.progress.emit(index, done, total)

    def _report(self, index: int, report: FileReport) -> None:
        with self._lock:
            self._reports.append(report)
        self.file_done.emit(index, report)


# --------------------------------------------------------------------------------------------------------------------
# Looking at a file before importing (small: the first 64 KiB)


def inspect_contact_file(path: Path, region: str = "US") -> FileCheck:
    """Look at the start of `path`: CSV headers the importer cannot place need a mapping step. Never raises."""
    try:
        if path.exists() and not path.is_file():  # a FIFO or device would block this quick look (GUI thread)
            return FileCheck(path, error=f"Cannot read {path.name}: not a regular file.")
        with open(path, "rb") as stream:
            head = stream.read(HEAD_BYTES + 1)
    except OSError as exc:
        return FileCheck(path, error=f"Cannot read {path.name}: {exc.strerror or 'unreadable'}.")
    if len(head) > HEAD_BYTES:
        head = _whole_lines(head[:HEAD_BYTES])
    try:
        headers = importers.detect_csv_headers(head)
    except ContactFileError:
        return FileCheck(path)  # a vCard, or not a contacts file: the import itself says which
    except Exception:  # a quick look must never stop the dialog
        log.exception("looking at the headers of a contacts file failed")
        return FileCheck(path)
    if not headers:
        return FileCheck(path)
    # The importer decides from the header row alone whether it knows the columns.
    header_row = io.StringIO()
    csv.writer(header_row).writerow(headers)
    try:
        importers.read_contacts_bytes(header_row.getvalue().encode("utf-8"), region=region)
        needs_mapping = False
    except ContactFileError:
        needs_mapping = True
    except Exception:
        log.exception("checking the headers of a contacts file failed")
        needs_mapping = False
    samples = _first_values(head, headers) if needs_mapping else ()
    return FileCheck(path, tuple(headers), samples, needs_mapping)


def _whole_lines(head: bytes) -> bytes:
    # Cut at the last line end so the last character is not cut in half (UTF-16 keeps its NUL after the newline).
    cut = head.rfind(b"\n")
    if cut <= 0:
        return head
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[: cut + 2] if (cut + 1) % 2 else head[: cut + 1]
    return head[: cut + 1]


def _first_values(head: bytes, headers: list[str]) -> tuple[str, ...]:
    """The first data row's values, matched to `headers` (best effort: '' where unknown)."""
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return ("",) * len(headers)
    wanted = [header.strip() for header in headers]
    for delimiter in (",", ";", "\t", "|"):
        try:
            rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in row)]
        except csv.Error:
            continue
        if rows and [cell.strip() for cell in rows[0] if cell.strip()] == wanted:
            if len(rows) < 2:
                break
            values = {cell.strip(): value.strip() for cell, value in zip(rows[0], rows[1], strict=False)}
            return tuple(values.get(header, "") for header in wanted)
    return ("",) * len(headers)


def guess_field(header: str, sample: str, region: str = "US") -> str:
    """A first guess for an unknown column (the agent checks it): by its header words, else a phone-like value."""
    key = " ".join(header.casefold().replace("_", " ").replace("-", " ").split())
    words = set(key.split())
    if words & {"first", "given", "forename", "vorname", "prénom", "prenom", "nombre"}:
        return "first_name"
    if words & {"last", "surname", "family", "nachname", "apellido"}:
        return "last_name"
    if words & {"company", "organisation", "organization", "org", "firma", "business", "account", "empresa"}:
        return "company"
    if words & {"title", "position", "role"}:
        return "title"
    if words & {"note", "notes", "comment", "comments", "remarks"}:
        return "notes"
    if words & {"name", "who", "contact", "person"}:
        return "name"
    if sample and len(digits_of(sample)) >= 7:
        try:
            parse_number(sample, region)
            return "phone"
        except PhoneError:
            pass
    return "ignore"


# --------------------------------------------------------------------------------------------------------------------
# The dialog


class ColumnMapping(QTableWidget):
    """Column | first value | import as: one row per header of a CSV whose headers the importer does not know."""

    changed = Signal()

    def __init__(self, check: FileCheck, region: str, parent: QWidget | None = None) -> None:
        super().__init__(len(check.headers), 3, parent)
        self.check = check
        self.setHorizontalHeaderLabels(["Column", "First value", "Import as"])
        self.setAccessibleName(f"Columns of {check.path.name}")
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(False)
        self.boxes: list[QComboBox] = []
        samples = check.samples or ("",) * len(check.headers)
        for row, (header, sample) in enumerate(zip(check.headers, samples, strict=False)):
            self.setItem(row, 0, QTableWidgetItem(header))
            sample_item = QTableWidgetItem(sample)
            sample_item.setForeground(self.palette().placeholderText())
            self.setItem(row, 1, sample_item)
            box = QComboBox()
            box.setAccessibleName(f"Import column {header} as")
            for field, words in MAPPING_CHOICES:
                box.addItem(words, field)
            box.setCurrentIndex(box.findData(guess_field(header, sample, region)))
            box.currentIndexChanged.connect(self.changed)
            self.setCellWidget(row, 2, box)
            self.boxes.append(box)
        header_view = self.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header_view.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.resizeRowsToContents()
        shown_rows = min(len(check.headers), 8)
        height = self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
        height += sum(self.rowHeight(row) for row in range(shown_rows))
        self._fitting_height = height
        self.setMinimumHeight(height)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override): tall enough for up to 8 columns, no empty band below
        return QSize(super().sizeHint().width(), self._fitting_height)

    def mapping(self) -> dict[str, str]:
        """header -> field for every column not ignored."""
        return {
            header: box.currentData()
            for header, box in zip(self.check.headers, self.boxes, strict=True)
            if box.currentData() != "ignore"
        }

    def set_field(self, header: str, field: str) -> None:
        """Choose `field` for the column `header` (as the agent would in its box)."""
        box = self.boxes[self.check.headers.index(header)]
        box.setCurrentIndex(box.findData(field))

    def has_phone(self) -> bool:
        return "phone" in self.mapping().values()


class ImportDialog(QDialog):
    """Import contact files into the database at `db_path`: check columns, choose what to do with duplicates, import
    with a progress bar (Cancel rolls the current file back), then a summary per file with its problems."""

    #: GUI thread, after an import in which anything changed: how many contacts were added or merged into.
    imported = Signal(int)
    #: GUI thread, when the import ends (finished, cancelled or failed): list[FileReport].
    import_finished = Signal(object)
    #: GUI thread: (file index, done, total) as the current file goes.
    progress_changed = Signal(int, int, int)
    #: GUI thread, after "Undo this import" undid it: the contacts are as before it.
    undone = Signal()
    _start_requested = Signal(object, str, str, str)  # to the worker's run (queued: it lives on its own thread)

    def __init__(self, db_path: Path, paths: list[Path], region: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import contacts")
        self.setWindowIcon(icon("c2c-desktop"))
        self._db_path = Path(db_path)
        self._region = region
        self.checks = [inspect_contact_file(Path(path), region) for path in paths]
        self._thread: QThread | None = None
        self._worker: ImportWorker | None = None
        self._jobs: list[ImportJob] = []
        self._reports: dict[int, FileReport] = {}
        self._not_started: list[FileReport] = []
        self._announced = False
        self._running = False
        self._cancelling = False
        self._shutdown_result: bool | None = None
        self.mappings: dict[Path, ColumnMapping] = {}
        self._build_ui()
        self._update_import_button()

    # -- construction -----------------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_setup_page())
        self.pages.addWidget(self._build_progress_page())
        self.pages.addWidget(self._build_summary_page())

        self.import_button = QPushButton("&Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        self.close_button.hide()
        self.undo_button = QPushButton("&Undo this import")
        self.undo_button.setToolTip("Remove the contacts this import added and restore those it merged into")
        self.undo_button.clicked.connect(self.undo_import)
        self.undo_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.resize(660, self.sizeHint().height())

    def _build_setup_page(self) -> QWidget:
        self.files_tree = QTreeWidget()
        self.files_tree.setAccessibleName("Files to import")
        self.files_tree.setHeaderLabels(["File", "Status"])
        self.files_tree.setRootIsDecorated(False)
        self.files_tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.files_tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for check in self.checks:
            if check.error:
                status = check.error
            elif check.needs_mapping:
                status = "Choose the columns to import below"
            else:
                status = "Ready"
            item = QTreeWidgetItem([check.path.name, status])
            item.setToolTip(0, plain_tooltip(str(check.path)))
            item.setToolTip(1, plain_tooltip(status))
            self.files_tree.addTopLevelItem(item)
        self.files_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.files_tree.header().setStretchLastSection(True)
        rows = max(1, min(len(self.checks), 4))
        self.files_tree.setFixedHeight(self.files_tree.header().sizeHint().height() + rows * 24 + 6)

        self.mapping_box = QGroupBox("Which column holds what?")
        mapping_layout = QVBoxLayout(self.mapping_box)
        self.mapping_hint = plain_label(wrap=True)
        self.mapping_tabs = QTabWidget()
        self.mapping_tabs.setTabBarAutoHide(True)
        mapping_layout.addWidget(self.mapping_hint)
        mapping_layout.addWidget(self.mapping_tabs)
        for check in self.checks:
            if check.needs_mapping:
                table = ColumnMapping(check, self._region)
                table.changed.connect(self._update_import_button)
                self.mappings[check.path] = table
                self.mapping_tabs.addTab(table, check.path.name)
        self.mapping_box.setVisible(bool(self.mappings))

        self.policy_box = QGroupBox("When a number is already in your contacts")
        policy_layout = QVBoxLayout(self.policy_box)
        self.policy_group = QButtonGroup(self)
        self.policy_radios: dict[DuplicatePolicy, QRadioButton] = {}
        for policy, text in POLICY_TEXTS.items():
            radio = QRadioButton(text)
            self.policy_group.addButton(radio)
            policy_layout.addWidget(radio)
            self.policy_radios[policy] = radio
        self.policy_radios[DuplicatePolicy.MERGE].setChecked(True)

        from c2c_desktop.gui.settings_dialog import region_choices

        self.region_combo = QComboBox()
        self.region_combo.setAccessibleName("Country of numbers without a country code")
        self.region_combo.setToolTip(
            "The country the file's numbers are from when they are written without a country code "
            "(contacts import --region). Calls are still made from the region in Settings."
        )
        for code, text in region_choices():
            self.region_combo.addItem(text, code)
        self.set_file_region(self._region)
        region_label = plain_label("Numbers without a country code are &from:")
        region_label.setBuddy(self.region_combo)
        region_row = QHBoxLayout()
        region_row.addWidget(region_label)
        region_row.addWidget(self.region_combo, 1)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        files_label = plain_label("&Files:")
        files_label.setBuddy(self.files_tree)
        layout.addWidget(files_label)
        layout.addWidget(self.files_tree)
        layout.addWidget(self.mapping_box)
        layout.addLayout(region_row)
        layout.addWidget(self.policy_box)
        layout.addStretch(1)
        return page

    def _build_progress_page(self) -> QWidget:
        self.progress_title = plain_label()
        font = QFont(self.progress_title.font())
        font.setBold(True)
        self.progress_title.setFont(font)
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Import progress")
        self.progress_bar.setRange(0, 0)  # busy until the first report
        self.progress_detail = plain_label("Reading the file…")
        progress_note = plain_label("Cancel leaves your contacts exactly as they were before this file.", wrap=True)
        progress_note.setEnabled(False)  # secondary text
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.progress_title)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_detail)
        layout.addSpacing(12)
        layout.addWidget(progress_note)
        layout.addStretch(2)
        return page

    def _build_summary_page(self) -> QWidget:
        self.summary_title = plain_label(wrap=True)
        font = QFont(self.summary_title.font())
        font.setBold(True)
        self.summary_title.setFont(font)
        self.summary_tree = QTreeWidget()
        self.summary_tree.setAccessibleName("Import results and problems")
        self.summary_tree.setHeaderHidden(True)
        self.summary_tree.setWordWrap(True)
        self.summary_tree.setUniformRowHeights(False)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary_title)
        layout.addWidget(self.summary_tree, 1)
        return page

    # -- setup -------------------------------------------------------------------------------------------------------

    def file_region(self) -> str:
        """The country chosen for the files' numbers without a country code (the configured region by default)."""
        return str(self.region_combo.currentData() or self._region)

    def set_file_region(self, region: str) -> None:
        """Choose the country of the files' numbers (as the agent would in its box)."""
        index = self.region_combo.findData(region.strip().upper())
        if index >= 0:
            self.region_combo.setCurrentIndex(index)

    def selected_policy(self) -> DuplicatePolicy:
        return next(policy for policy, radio in self.policy_radios.items() if radio.isChecked())

    def set_policy(self, policy: DuplicatePolicy) -> None:
        self.policy_radios[policy].setChecked(True)

    def _importable(self) -> list[ImportJob]:
        jobs = []
        for check in self.checks:
            table = self.mappings.get(check.path)
            if table is None:
                jobs.append(ImportJob(check.path))
            elif table.has_phone():
                jobs.append(ImportJob(check.path, table.mapping()))
        return jobs

    @Slot()
    def _update_import_button(self) -> None:
        missing = [table.check.path.name for table in self.mappings.values() if not table.has_phone()]
        if missing:
            self.mapping_hint.setText(
                f"The columns of {', '.join(missing)} were not recognised. Choose the column that holds phone "
                "numbers (and the name, company…); a file without a phone column is not imported."
            )
        else:
            self.mapping_hint.setText("Check what each column holds; ignored columns are not imported.")
        self.import_button.setEnabled(bool(self._importable()))

    # -- importing ---------------------------------------------------------------------------------------------------

    @property
    def is_importing(self) -> bool:
        return self._running

    @Slot()
    def start_import(self) -> None:
        """Import button: run the import on the worker thread; the window stays responsive."""
        if self._worker is not None:
            return
        self._jobs = self._importable()
        if not self._jobs:
            return
        chosen = {job.path for job in self._jobs}
        self._not_started = [
            FileReport(check.path, error="No column was chosen for phone numbers.")
            for check in self.checks
            if check.path not in chosen
        ]
        self._thread = QThread()  # no parent: shutdown() decides when it ends, never a parent's deletion
        self._thread.setObjectName("c2c-import")
        self._worker = ImportWorker(self._db_path)
        self._worker.moveToThread(self._thread)
        self._start_requested.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.file_done.connect(self._on_file_done)
        self._worker.done.connect(self._on_done)
        self._thread.start()
        self._running = True

        self.pages.setCurrentIndex(1)
        self.import_button.hide()
        self.cancel_button.setText("Cancel import")
        self.cancel_button.setToolTip("Stop now; the file being imported is left out completely")
        self._show_file(0)
        self._start_requested.emit(self._jobs, self.file_region(), str(self.selected_policy()), self._region)

    def _show_file(self, index: int) -> None:
        count = len(self._jobs)
        name = self._jobs[index].path.name if index < count else ""
        self.progress_title.setText(f"Importing {name}" + (f" (file {index + 1} of {count})…" if count > 1 else "…"))
        self.progress_bar.setRange(0, 0)
        self.progress_detail.setText("Reading the file…")

    @Slot(int, int, int)
    def _on_progress(self, index: int, done: int, total: int) -> None:
        """GUI thread: the worker's throttled progress."""
        if not self._running or self._cancelling:
            return
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(min(done, total))
        # import_file's scale: reading the file is the first half, storing the contacts the second.
        self.progress_detail.setText("Reading the file…" if 2 * done < total else "Saving the contacts…")
        self.progress_changed.emit(index, done, total)

    @Slot(int, object)
    def _on_file_done(self, index: int, report: FileReport) -> None:
        """GUI thread: one file finished (or failed, or was cancelled)."""
        self._reports[index] = report
        if index + 1 < len(self._jobs) and not report.cancelled:
            self._show_file(index + 1)

    @Slot(bool)
    def _on_done(self, cancelled: bool) -> None:
        """GUI thread: the worker finished all files (or stopped on Cancel)."""
        self._running = False
        self._finish_thread(SHUTDOWN_BOUND_MS)
        self._show_summary(cancelled)

    @Slot()
    def cancel_import(self) -> None:
        """Cancel import: the worker stops at its next progress report and the current file is rolled back."""
        if self._worker is None or not self.is_importing:
            return
        self._worker.cancel()
        self._cancelling = True
        self.cancel_button.setText("Cancelling…")
        self.cancel_button.setEnabled(False)
        self.progress_detail.setText("Cancelling: leaving the database as it was…")

    @Slot()
    def _on_cancel_clicked(self) -> None:
        if self.is_importing:
            self.cancel_import()
        else:
            self.reject()

    def reports(self) -> list[FileReport]:
        """Every file's report, in the order given (files not imported for want of a phone column included)."""
        done = [self._reports[index] for index in sorted(self._reports)]
        return done + self._not_started

    def _show_summary(self, cancelled: bool) -> None:
        reports = self.reports()
        reported = {report.path for report in reports}
        for job in self._jobs:  # files never reached because of Cancel
            if job.path not in reported:
                reports.append(FileReport(job.path, cancelled=True))
        self._reports = dict(enumerate(reports))
        self._not_started = []
        imported = sum(r.summary.imported for r in reports if r.summary is not None)
        merged = sum(r.summary.merged for r in reports if r.summary is not None)
        skipped = sum(r.summary.skipped for r in reports if r.summary is not None)
        if cancelled and not imported and not merged:
            title = "Import cancelled. Nothing was changed."
        elif any(r.summary is not None for r in reports):
            title = f"Imported {imported:,} contacts, merged {merged:,}, skipped {skipped:,}."
            if cancelled:
                title = "Import cancelled. " + title
        else:
            title = "Nothing was imported."
        self.summary_title.setText(title)
        self.summary_tree.clear()
        for report in reports:
            item = QTreeWidgetItem([report.headline()])
            item.setToolTip(0, plain_tooltip(str(report.path)))
            item.setIcon(0, icon("connected" if report.summary else "not_sent" if report.cancelled else "rejected"))
            if report.error:
                reason = QTreeWidgetItem([report.error])
                reason.setToolTip(0, plain_tooltip(report.error))
                item.addChild(reason)
            notes = report.summary.notes if report.summary is not None else ()
            for note in notes[:MAX_PROBLEMS_SHOWN]:  # every merge, and every number kept on two people
                child = QTreeWidgetItem([str(note)])
                child.setToolTip(0, "Merged: the same number and the same name" if note.outcome == "merged" else "")
                item.addChild(child)
            if len(notes) > MAX_PROBLEMS_SHOWN:
                item.addChild(QTreeWidgetItem([f"…and {len(notes) - MAX_PROBLEMS_SHOWN:,} more shared numbers"]))
            problems = report.summary.problems if report.summary is not None else ()
            for problem in problems[:MAX_PROBLEMS_SHOWN]:
                child = QTreeWidgetItem([f"{problem.location}: {problem.reason}"])
                child.setToolTip(0, "Row left out" if problem.skipped else "Row imported; this part was left out")
                item.addChild(child)
            if len(problems) > MAX_PROBLEMS_SHOWN:
                item.addChild(QTreeWidgetItem([f"…and {len(problems) - MAX_PROBLEMS_SHOWN:,} more problems"]))
            self.summary_tree.addTopLevelItem(item)
            item.setExpanded(len(reports) == 1 or len(problems) + len(notes) <= 20)
            item.setFirstColumnSpanned(True)
        self.pages.setCurrentIndex(2)
        self.cancel_button.hide()
        self._offer_undo(reports)
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()
        self._announce(reports)
        self.import_finished.emit(reports)

    def _offer_undo(self, reports: list[FileReport]) -> None:
        # The last file that changed something is the last import recorded: that is the one an undo takes back.
        changed = [report for report in reports if report.changed]
        if not changed:
            return
        name = changed[-1].path.name
        if len(changed) > 1:
            self.undo_button.setText(f"&Undo the import of {name}")
        self.undo_button.show()

    @Slot()
    def undo_import(self) -> None:
        """GUI thread: Undo this import: the last import is undone as a whole, or the reason it cannot be is shown."""
        message = undo_last_import(self, self._db_path)
        if message is None:
            return
        self.undo_button.hide()
        self.summary_title.setText(message)
        self.undone.emit()

    def _announce(self, reports: Iterable[FileReport]) -> None:
        if self._announced:
            return
        self._announced = True
        changed = sum(report.changed for report in reports)
        if changed:
            self.imported.emit(changed)

    # -- shutdown ----------------------------------------------------------------------------------------------------

    def _finish_thread(self, timeout_ms: int) -> bool:
        thread, worker = self._thread, self._worker
        if thread is None or worker is None:
            return True
        worker.cancel()  # a no-op once run() returned; otherwise the current file is rolled back
        thread.quit()
        stopped = bool(thread.wait(max(0, int(timeout_ms))))
        if not stopped:
            log.warning("import thread did not stop within %d ms; left to finish on its own", timeout_ms)
            _parked.append((thread, worker))
        self._thread = None
        return stopped

    def shutdown(self, timeout_ms: int = SHUTDOWN_BOUND_MS) -> bool:
        """GUI thread; idempotent: cancel an import in progress (rolled back) and stop the thread within the bound.

        Files the worker finished before that still count: `imported` is emitted for them. Never terminate()s.
        """
        if self._shutdown_result is not None:
            return self._shutdown_result
        importing = self.is_importing
        worker = self._worker
        stopped = self._finish_thread(timeout_ms)
        self._running = False
        self._shutdown_result = stopped
        if importing and worker is not None and stopped:
            self._announce(worker.reports())
        return stopped

    def done(self, result: int) -> None:  # Close, Escape, the title bar's close: all end here
        """Closing mid-import cancels it (the current file is rolled back) and stops the thread cleanly."""
        self.shutdown()
        super().done(result)


# --------------------------------------------------------------------------------------------------------------------
# Export and drag-and-drop


def export_contacts_interactive(parent: QWidget | None, store: Store, region: str = DEFAULT_REGION) -> str | None:
    """GUI thread: ask where to save, export every contact; the status message, or None if the agent cancelled.

    Errors are shown in a message box (a plain sentence, never a traceback) and return None.
    """
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    path_text, chosen_filter = QFileDialog.getSaveFileName(
        parent, "Export contacts", str(Path(folder) / "contacts.csv"), ";;".join(EXPORT_FILTERS)
    )
    if not path_text:
        return None
    path = Path(path_text)
    if path.suffix.lower() not in (".csv", ".vcf", ".vcard"):  # the typed name decides; else the chosen filter
        path = path.with_name(path.name + EXPORT_FILTERS.get(chosen_filter, ".csv"))
    try:
        count = contacts_io.export_contacts(store, path, contacts_io.export_format_for(path), region=region)
    except OSError as exc:
        warn(parent, "Export contacts", f"The contacts could not be saved to {path}: {exc.strerror}.")
        return None
    except Exception as exc:  # whatever it is, the agent gets a sentence, the log gets the details
        log.exception("exporting contacts failed")
        warn(parent, "Export contacts", f"The contacts could not be exported ({type(exc).__name__}).")
        return None
    return f"Exported {count:,} contact{'s' if count != 1 else ''} to {path}"


def undo_message(undone: UndoneImport) -> str:
    """What an undone import did: one sentence, and one more when call lists kept its contacts' items as numbers."""
    record = undone.record
    removed = f"{record.imported:,} contact{'s' if record.imported != 1 else ''} removed"
    message = f"Undid the import of {record.file_name}: {removed}, {undone.merges_text}."
    return f"{message} {undone.lists_text}" if undone.lists_text else message


def undo_last_import(parent: QWidget | None, db_path: Path) -> str | None:
    """GUI thread: undo the last import in the database at `db_path` (one short transaction); the message saying
    what was undone, or None after showing why nothing was (no import left, or a contact edited since)."""
    try:
        # The GUI thread waits no longer for another writer than the window's own Store does (app.GUI_BUSY_TIMEOUT_MS).
        with Store(db_path, busy_timeout_ms=UNDO_BUSY_TIMEOUT_MS) as store:
            undone = store.undo_last_import()
    except NothingToUndoError as exc:
        inform(parent, "Undo last import", sentence(str(exc)))
        return None
    except StoreError as exc:  # UndoRefusedError says which contact was edited since
        warn(parent, "Undo last import", sentence(str(exc)))
        return None
    message = undo_message(undone)
    if undone.kept_as_numbers:  # the lists changed too: worth more than a passing status line
        inform(parent, "Undo last import", message)
    return message


def dropped_contact_files(mime: QMimeData) -> list[Path]:
    """The local contact files (.csv .vcf .vcard .txt) in dragged data; [] when there are none (refuse the drop)."""
    if not mime.hasUrls():
        return []
    paths = []
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in CONTACT_FILE_SUFFIXES:
                paths.append(path)
    return paths
