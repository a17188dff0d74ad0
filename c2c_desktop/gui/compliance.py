"""The Compliance view: the audit log of the calling rules (refusals, overrides, do-not-call changes and list imports),
newest first, with filters and the same CSV export as `c2c-desktop audit export`.

Read-only: the log is append-only (the store's triggers refuse changes). Reading it runs the local SQLite query on the
GUI thread, as the call history does: the Store's connection belongs to that thread. Every cell is data and is shown
as plain text (table items are never rendered as HTML; tooltips go through `plain_tooltip`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.phone import digits_of, display_number
from c2c_desktop.core.rules.audit import StoreAuditLog, write_audit_csv
from c2c_desktop.core.rules.model import AuditAction, AuditEvent
from c2c_desktop.core.store import Store, StoreError
from c2c_desktop.gui.date_filter import DateFilter
from c2c_desktop.gui.history import SEARCH_DEBOUNCE_MS
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

NO_VALUE = "—"

#: Plain words per action, as the agent reads them.
ACTION_WORDS: dict[AuditAction, str] = {
    AuditAction.REFUSED: "Refused",
    AuditAction.OVERRIDDEN: "Called anyway (override)",
    AuditAction.DNC_ADDED: "Added to do-not-call",
    AuditAction.DNC_REMOVED: "Removed from do-not-call",
    AuditAction.DNC_IMPORTED: "Do-not-call list imported",
}


def _local_midnight(day: date) -> datetime:
    """The instant local midnight starts `day` (DST-aware), as an aware datetime."""
    return datetime(day.year, day.month, day.day).astimezone()


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def event_matches(event: AuditEvent, text: str) -> bool:
    """True when `text` is part of the callee's or the agent's number (compared by digits, however written) or of
    the reason, the list's name or the rule (ignoring case)."""
    wanted = text.strip()
    if not wanted:
        return True
    digits = digits_of(wanted)
    if digits and (digits in digits_of(event.callee_number) or digits in digits_of(event.agent_number)):
        return True
    folded = wanted.casefold()
    return any(folded in field.casefold() for field in (event.reason, event.dnc_list, event.rule))


class AuditTableModel(QAbstractTableModel):
    """Audit events for a QTableView, in the order given (newest first). GUI thread only. Read-only."""

    TIME, ACTION, CALLEE, AGENT, RULE, VERSION, DNC_LIST, REASON = range(8)
    HEADERS = ("Time", "Action", "Number called", "Agent", "Rule", "Data version", "Do-not-call list", "Reason")
    EventRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, region: str = "US", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._region = region
        self._events: list[AuditEvent] = []

    def set_events(self, events: Sequence[AuditEvent]) -> None:
        self.beginResetModel()
        self._events = list(events)
        self.endResetModel()

    def events(self) -> list[AuditEvent]:
        """The rows in display order (newest first)."""
        return list(self._events)

    def set_region(self, region: str) -> None:
        self._region = region
        if self._events:
            self.dataChanged.emit(self.index(0, self.CALLEE), self.index(len(self._events) - 1, self.AGENT))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == self.VERSION:
            return "The rules file's version, or the do-not-call list's name and data date"
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._events) or not 0 <= column < len(self.HEADERS):
            return None
        event = self._events[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(event, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._tooltip(event, column)
            return plain_tooltip(tip) if tip else None
        if role == self.EventRole:
            return event
        return None

    def _number(self, number: str) -> str:
        return display_number(number, self._region) if number else NO_VALUE

    def text(self, event: AuditEvent, column: int) -> str:
        """The cell's plain text."""
        if column == self.TIME:
            return event.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if column == self.ACTION:
            return ACTION_WORDS.get(event.action, str(event.action))
        if column == self.CALLEE:
            return self._number(event.callee_number)
        if column == self.AGENT:
            return self._number(event.agent_number)
        value = {
            self.RULE: event.rule,
            self.VERSION: event.data_version,
            self.DNC_LIST: event.dnc_list,
            self.REASON: event.reason,
        }[column]
        return value or NO_VALUE

    def _tooltip(self, event: AuditEvent, column: int) -> str | None:
        if column == self.TIME:
            return f"{_utc_text(event.at)} (as recorded)"
        if column == self.CALLEE and event.callee_number:
            return event.callee_number
        if column == self.AGENT and event.agent_number:
            return event.agent_number
        if column in (self.REASON, self.DNC_LIST, self.VERSION):
            return self.text(event, column) if self.text(event, column) != NO_VALUE else None
        return None


class ComplianceView(QWidget):
    """The audit log: filters, the table and "Export CSV…". GUI thread only. Call `refresh()` when the log may have
    grown (a refusal in this window, another program's commit)."""

    def __init__(self, store: Store, region: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setAccessibleName("Compliance log")
        self.model = AuditTableModel(region, self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._build_filters()
        self._build_table()
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setAccessibleName("Export CSV")
        self.export_button.setToolTip("Save the events shown as a CSV file (as `c2c-desktop audit export`)")
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(self.export_csv_dialog)
        self.status_label = plain_label()
        self.status_label.setAccessibleName("Compliance log status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = plain_label("", wrap=True)
        self.details.setAccessibleName("Selected event")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        hint = plain_label("Read-only: the log is append-only. Times are local; hover a time for UTC.")
        hint.setEnabled(False)  # a quieter colour
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.status_label, 1)
        buttons_row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._filters_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(hint)
        layout.addLayout(buttons_row)
        self.refresh()

    def _build_filters(self) -> None:
        self.action_filter = QComboBox()
        self.action_filter.setAccessibleName("Filter by action")
        self.action_filter.addItem("All actions", None)
        for action, words in ACTION_WORDS.items():
            self.action_filter.addItem(words, action.value)
        self.action_filter.currentIndexChanged.connect(self.refresh)

        self.dates = DateFilter(self)
        self.dates.changed.connect(self.refresh)
        self.date_filter, self.date_from, self.date_to, self.date_and = (
            self.dates.combo,
            self.dates.date_from,
            self.dates.date_to,
            self.dates.date_and,
        )

        self.search = QLineEdit()
        self.search.setAccessibleName("Search the compliance log")
        self.search.setPlaceholderText("Search number, reason or list")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.refresh)

        row = QHBoxLayout()
        action_label = plain_label("&Action:")
        action_label.setBuddy(self.action_filter)
        date_label = plain_label("&Date:")
        date_label.setBuddy(self.date_filter)
        search_label = plain_label("&Search:")
        search_label.setBuddy(self.search)
        widgets: list[QWidget] = [action_label, self.action_filter]
        for widget in widgets:
            row.addWidget(widget)
        row.addSpacing(8)
        widgets = [date_label, *self.dates.widgets()]
        for widget in widgets:
            row.addWidget(widget)
        row.addSpacing(8)
        row.addWidget(search_label)
        row.addWidget(self.search, 1)
        self._filters_row = row

    def _build_table(self) -> None:
        self.table = QTableView()
        self.table.setAccessibleName("Audit events")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        metrics = self.fontMetrics()
        samples = {
            AuditTableModel.TIME: "2026-11-30 10:11:12",
            AuditTableModel.ACTION: ACTION_WORDS[AuditAction.DNC_REMOVED],
            AuditTableModel.CALLEE: "+44 20 7946 0958",
            AuditTableModel.AGENT: "(212) 555-0100",
            AuditTableModel.RULE: "attempts",
            AuditTableModel.VERSION: "National DNC 2026-11",
            AuditTableModel.DNC_LIST: "National DNC 2026-11",
        }
        for column, sample in samples.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 20)

    # -- filters and refresh --------------------------------------------------------------------------------------

    def date_bounds(self) -> tuple[datetime | None, datetime | None]:
        """(since, until) for `StoreAuditLog.events`, from the date filter (local days); None means open."""
        first, end = self.dates.day_range()
        return (
            _local_midnight(first) if first is not None else None,
            _local_midnight(end) if end is not None else None,
        )

    def query(self) -> list[AuditEvent]:
        """The events matching the filters, newest first."""
        choice = self.action_filter.currentData()
        since, until = self.date_bounds()
        events = StoreAuditLog(self.store).events(
            action=None if choice is None else AuditAction(choice), since=since, until=until
        )
        text = self.search.text()
        return [event for event in events if event_matches(event, text)]

    @Slot()
    def refresh(self) -> None:
        """GUI thread: read the log again with the current filters."""
        self._search_timer.stop()
        try:
            events = self.query()
        except StoreError as exc:
            self.status_label.setText(f"The compliance log could not be read: {exc}")
            return
        if events != self.model.events():  # unchanged: the selection and the scroll position stay
            self.model.set_events(events)
            self._show_details()
        count = len(events)
        self.status_label.setText(f"{count:,} event{'' if count == 1 else 's'} shown")
        self.export_button.setEnabled(count > 0)

    @Slot()
    def _show_details(self, *_args: object) -> None:
        """GUI thread: the selected event in full under the table (its reason is often longer than its cell)."""
        row = self.table.currentIndex().row()
        event = self.model.events()[row] if 0 <= row < self.model.rowCount() else None
        if event is None:
            self.details.setText("")
            return
        model = self.model
        parts = [
            model.text(event, model.TIME),
            model.text(event, model.ACTION),
            model.text(event, model.CALLEE),
            event.reason,
        ]
        self.details.setText(" · ".join(part for part in parts if part and part != NO_VALUE))

    def set_region(self, region: str) -> None:
        """Numbers are formatted for the settings' region."""
        self.model.set_region(region)

    # -- export ---------------------------------------------------------------------------------------------------

    @Slot()
    def export_csv_dialog(self) -> None:
        """GUI thread: ask where to save, then export the events shown."""
        if self.model.rowCount() == 0:
            return
        suggested = str(Path.home() / f"compliance-log-{date.today():%Y-%m-%d}.csv")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export compliance log", suggested, "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | os.PathLike[str]) -> int | None:
        """Write the events shown to `path`, oldest first, as `c2c-desktop audit export` does (formula cells
        defused); the count, or None when the file could not be written."""
        events = self.model.events()
        events.reverse()
        try:
            count = write_audit_csv(events, path)
        except OSError as exc:
            self.status_label.setText(f"Not exported: {exc.strerror or exc} ({path})")
            return None
        self.status_label.setText(f"Exported {count:,} event{'' if count == 1 else 's'} to {path}")
        return count


class ComplianceDialog(QDialog):
    """`ComplianceView` in its own window with a Close button (Esc closes). Not modal: calls go on while it is open."""

    def __init__(self, store: Store, region: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compliance log — c2c-desktop")
        self.view = ComplianceView(store, region, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)  # Enter in the search field only searches
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        # A QDateEdit's calendar or a combo's list takes Esc first; anywhere else Esc closes (QDialog's own).
        self._find = QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 8)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(1240, 600)

    @Slot()
    def refresh(self) -> None:
        """GUI thread: read the log again."""
        self.view.refresh()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """GUI thread: coming back to the window reads the log again, so nothing recorded meanwhile is missed."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.view.refresh()

    @Slot()
    def focus_search(self) -> None:
        """GUI thread: Ctrl+F puts the keyboard in the search box."""
        self.view.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.view.search.selectAll()
