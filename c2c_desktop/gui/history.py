"""The call journal in the window: a filterable table of every call, newest first, with the row actions.

The table is a plain QAbstractTableModel over `Store.list_calls(...)`. Filtering runs the (local SQLite) query on the
GUI thread: the Store's connection belongs to that thread. Dialogs are opened with `open()`, not `exec()`, so no
nested event loop runs while a call finishes in the background.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QProxyStyle,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOption,
    QStyleOptionHeader,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.journal_export import export_journal_csv
from c2c_desktop.core.models import CallState, JournalEntry, Outcome
from c2c_desktop.core.phone import display_number
from c2c_desktop.core.store import CallOwner, Store, StoreError
from c2c_desktop.gui.date_filter import DateFilter
from c2c_desktop.gui.disposition import DispositionDialog
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.messages import placing_words, service_said
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

SEARCH_DEBOUNCE_MS = 150
NO_VALUE = "—"  # shown for an empty disposition, an unknown duration, …

#: Plain words per outcome, as the agent reads them.
OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.CONNECTED: "Connected",
    Outcome.NO_ANSWER: "No answer",
    Outcome.NOT_SENT: "Not sent",
    Outcome.REJECTED: "Rejected",
    Outcome.UNKNOWN: "Unknown",
}

#: What the agent can record for an UNKNOWN call, with the words of the reconciliation dialog.
RECONCILE_CHOICES: tuple[tuple[Outcome, str], ...] = (
    (Outcome.CONNECTED, "It connected: we spoke"),
    (Outcome.NO_ANSWER, "It rang, but nobody answered"),
    (Outcome.NOT_SENT, "It was not placed: no phone rang"),
)

#: The outcome filter's special choice: UNKNOWN calls nobody has reconciled yet.
UNRESOLVED_UNKNOWN = "unresolved"

#: Date presets of the date filter.


def outcome_text(entry: JournalEntry, owner: CallOwner | None = None) -> str:
    """The Outcome column's words, e.g. "No answer" or "Unknown → Connected (recorded by you)"; for a call still
    placing, by who places it (`owner`, see `placing_words`)."""
    if entry.outcome is None:
        return placing_words(owner)[0] if entry.state == CallState.PLACING else NO_VALUE
    words = OUTCOME_WORDS[entry.outcome]
    if entry.reconciled_outcome is not None:
        return f"{words} → {OUTCOME_WORDS[entry.reconciled_outcome]} (recorded by you)"
    return words


def outcome_icon_name(entry: JournalEntry, owner: CallOwner | None = None) -> str:
    """The icon of the row: what is known now (the reconciled outcome if recorded), or while placing, 'ringing' for
    this window's own call (see `placing_words`)."""
    effective = entry.reconciled_outcome or entry.outcome
    return str(effective) if effective is not None else placing_words(owner)[1]


def local_time_text(started_at: str) -> str:
    """ISO 8601 UTC text → local "YYYY-MM-DD HH:MM"; the text itself if it cannot be read."""
    try:
        return datetime.fromisoformat(started_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return started_at


def local_day_start_utc(day: date) -> str:
    """The instant local midnight starts `day`, as ISO 8601 UTC text comparable with the journal's timestamps."""
    midnight = datetime(day.year, day.month, day.day).astimezone()  # naive → the local zone (DST-aware)
    return midnight.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def who_of(entry: JournalEntry) -> str:
    """The contact's name, else the number as shown."""
    return entry.contact_name or entry.display_number or entry.number


class JournalTableModel(QAbstractTableModel):
    """Journal rows for a QTableView. GUI thread only. Rows are kept in the order given (newest first by default)."""

    TIME, CONTACT, NUMBER, OUTCOME, FIRST_LEG, REF, DISPOSITION, NOTE = range(8)
    HEADERS = ("Time", "Contact", "Number", "Outcome", "First leg", "Ref", "Disposition", "Note")
    #: The whole JournalEntry of a row.
    EntryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, region: str = "US", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._region = region
        self._entries: list[JournalEntry] = []
        self._owners: dict[int, CallOwner] = {}  # of the rows still placing, by call id
        self._newest_first = True

    # -- contents -------------------------------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[JournalEntry], owners: Mapping[int, CallOwner] | None = None) -> None:
        """Show `entries` (newest first, as `Store.list_calls` returns them), in the current time order; `owners`:
        who places the rows still placing, by call id (`Store.call_owner`; a row without one reads "Calling…")."""
        self.beginResetModel()
        self._owners = dict(owners or {})
        self._entries = list(entries) if self._newest_first else list(reversed(entries))
        self.endResetModel()

    def entries(self) -> list[JournalEntry]:
        """The rows in display order."""
        return list(self._entries)

    def entry_at(self, row: int) -> JournalEntry | None:
        """The entry of `row`, or None outside the table."""
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def row_of(self, call_id: int) -> int:
        """The row showing call `call_id`, or -1."""
        for row, entry in enumerate(self._entries):
            if entry.id == call_id:
                return row
        return -1

    @property
    def newest_first(self) -> bool:
        return self._newest_first

    def set_region(self, region: str) -> None:
        """Numbers without a stored display form are formatted for `region`."""
        self._region = region
        if self._entries:
            self.dataChanged.emit(self.index(0, self.NUMBER), self.index(len(self._entries) - 1, self.NUMBER))

    # -- QAbstractTableModel ----------------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == self.FIRST_LEG:
            return "Seconds from sending the call to the first phone answering, not answering or failing"
        if role == Qt.ItemDataRole.ToolTipRole and section == self.TIME:
            return "Click to reverse the order"
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        entry = self.entry_at(index.row())
        column = index.column()
        if entry is None or not 0 <= column < len(self.HEADERS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(entry, column)
        if role == Qt.ItemDataRole.DecorationRole and column == self.OUTCOME:
            return icon(outcome_icon_name(entry, self._owners.get(entry.id)))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.FIRST_LEG:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == self.EntryRole:
            return entry
        return None

    def _text(self, entry: JournalEntry, column: int) -> str:
        if column == self.TIME:
            return local_time_text(entry.started_at)
        if column == self.CONTACT:
            return entry.contact_name
        if column == self.NUMBER:
            return entry.display_number or display_number(entry.number, self._region)
        if column == self.OUTCOME:
            return outcome_text(entry, self._owners.get(entry.id))
        if column == self.FIRST_LEG:
            return NO_VALUE if entry.resolution_s is None else f"{entry.resolution_s:.1f} s"
        if column == self.REF:
            return entry.ref
        if column == self.DISPOSITION:
            return entry.disposition or NO_VALUE
        return entry.note

    def _tooltip(self, entry: JournalEntry, column: int) -> str | None:
        text = self._tooltip_text(entry, column)
        return plain_tooltip(text) if text else None

    def _tooltip_text(self, entry: JournalEntry, column: int) -> str | None:
        if column == self.TIME:
            return f"Started {entry.started_at} (UTC)"
        if column == self.OUTCOME:
            return "\n".join(part for part in (entry.message, service_said(entry.excerpt)) if part) or None
        if column == self.NOTE and entry.note:
            return entry.note
        if column == self.DISPOSITION and not entry.disposition:
            return "No disposition recorded"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Only the Time column sorts: newest first (descending) or oldest first."""
        if column != self.TIME:
            return
        newest_first = order == Qt.SortOrder.DescendingOrder
        if newest_first == self._newest_first:
            return
        self.layoutAboutToBeChanged.emit()
        # No persistent indexes to move: the view's selection is restored by call id after a layout change.
        self._entries.reverse()
        self._newest_first = newest_first
        self.layoutChanged.emit()


class SortArrowStyle(QProxyStyle):
    """The application's style, except that a header's sort arrow points down for a descending order (newest first)
    and up for an ascending one, as the agent reads an arrow.

    Qt hands the style `SortUp` for a descending order; Fusion (the style on Linux without a desktop theme) draws
    `SortUp` as an up arrow, other styles (Windows) as a down arrow. Which way the underlying style points is seen
    once, by drawing its arrow, and the indicator is swapped only where it points the wrong way.
    """

    def __init__(self) -> None:
        # Built from the application's current style by name: with no base, QProxyStyle takes the desktop's default
        # style instead (Fusion here), whatever the application set (app.setStyle("Windows")).
        app_style = QApplication.style()
        super().__init__(app_style.name() if app_style is not None else "")
        self._swap: bool | None = None

    def drawPrimitive(  # noqa: N802 (Qt override)
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """GUI thread (painting)."""
        if (
            element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow
            and isinstance(option, QStyleOptionHeader)
            and self._base_points_sort_up_upwards()
        ):
            swapped = QStyleOptionHeader(option)
            up, down = QStyleOptionHeader.SortIndicator.SortUp, QStyleOptionHeader.SortIndicator.SortDown
            swapped.sortIndicator = {up: down, down: up}.get(option.sortIndicator, option.sortIndicator)
            option = swapped
        super().drawPrimitive(element, option, painter, widget)

    def _base_points_sort_up_upwards(self) -> bool:
        if self._swap is None:
            image = QImage(24, 24, QImage.Format.Format_ARGB32)
            image.fill(QColor(0, 0, 0, 0))
            probe = QStyleOptionHeader()
            probe.rect = image.rect()
            probe.sortIndicator = QStyleOptionHeader.SortIndicator.SortUp
            painter = QPainter(image)
            self.baseStyle().drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorHeaderArrow, probe, painter, None)
            painter.end()
            ink = [sum(image.pixelColor(x, y).alpha() > 0 for x in range(24)) for y in range(24)]
            rows = [y for y, count in enumerate(ink) if count]
            # An up arrow is widest at its bottom row.
            self._swap = bool(rows) and ink[rows[-1]] > ink[rows[0]]
        return self._swap


class ReconcileDialog(QDialog):
    """Asks what really happened on an UNKNOWN call: connected, no answer or not placed."""

    def __init__(self, entry: JournalEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setWindowTitle("Record what happened")
        explanation = plain_label(
            f"The app could not tell how the call to {who_of(entry)} at "
            f"{local_time_text(entry.started_at).replace(' ', chr(0xA0))} ended. "  # keep date and time on one line
            "What really happened? The original outcome stays in the journal next to your answer.",
            wrap=True,
        )
        self.choices = QButtonGroup(self)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        for outcome, words in RECONCILE_CHOICES:
            radio = QRadioButton(words)
            radio.setAccessibleName(words)
            radio.setChecked(outcome == entry.reconciled_outcome)
            self.choices.addButton(radio)
            radio.setProperty("outcome", outcome.value)
            layout.addWidget(radio)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.choices.buttonToggled.connect(self._update_ok)
        self._update_ok()
        self.setMinimumWidth(420)

    def choose(self, outcome: Outcome) -> None:
        """Select the choice for `outcome` (as the agent would by clicking it)."""
        for button in self.choices.buttons():
            if button.property("outcome") == outcome.value:
                button.setChecked(True)

    def chosen_outcome(self) -> Outcome | None:
        """The outcome picked, or None if none yet."""
        button = self.choices.checkedButton()
        return None if button is None else Outcome(str(button.property("outcome")))

    @Slot()
    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen_outcome() is not None)


class HistoryView(QWidget):
    """The call journal: filters, the table, the row actions and a status line. GUI thread only.

    Works inside a tab or inside `HistoryDialog`. Call `refresh()` after each call.
    """

    #: "Call again" on a row: the window decides (and asks first for an UNKNOWN one). Carries the JournalEntry.
    redial_requested = Signal(object)
    #: "Add contact…" on a row whose number belongs to no contact. Carries the number as shown.
    add_contact_requested = Signal(str)
    #: A row's disposition, note or reconciled outcome was changed here (carries the call id).
    call_updated = Signal(int)
    #: "Schedule a callback…" on a row (its context menu): the window opens the callback dialog. Carries the entry.
    callback_requested = Signal(object)

    def __init__(
        self,
        store: Store,
        region: str,
        parent: QWidget | None = None,
        *,
        dispositions_path: str | os.PathLike[str] | None = None,
    ) -> None:
        """`dispositions_path`: the editable disposition list (see `gui.disposition`); None: the defaults."""
        super().__init__(parent)
        self.store = store
        self.region = region
        self.dispositions_path = None if dispositions_path is None else Path(dispositions_path)
        #: The agent's number now, for the audit log of a "Do not call" disposition (the window sets it).
        self.agent_number: Callable[[], str] = lambda: ""
        self._call_enabled = True
        self.setAccessibleName("Call history")
        self.model = JournalTableModel(region, parent=self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._build_filters()
        self._build_table()
        self._build_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._filters_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._buttons_row)
        self.refresh()

    # -- construction ---------------------------------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.outcome_filter = QComboBox()
        self.outcome_filter.setAccessibleName("Filter by outcome")
        self.outcome_filter.setToolTip(
            "Connected, No answer, …: what is known now (your recorded answer for an unknown call).\n"
            "Unknown: every call whose outcome was unknown. Unresolved unknown: those you have not recorded yet."
        )
        self.outcome_filter.addItem("All outcomes", None)
        for outcome, words in OUTCOME_WORDS.items():
            self.outcome_filter.addItem(icon(str(outcome)), words, outcome.value)
        self.outcome_filter.addItem(icon("unknown"), "Unresolved unknown", UNRESOLVED_UNKNOWN)
        self.outcome_filter.currentIndexChanged.connect(self.refresh)

        self.dates = DateFilter(self)
        self.dates.changed.connect(self.refresh)
        self.date_filter, self.date_from, self.date_to, self.date_and = (
            self.dates.combo,
            self.dates.date_from,
            self.dates.date_to,
            self.dates.date_and,
        )

        self.search = QLineEdit()
        self.search.setAccessibleName("Search the call history")
        self.search.setPlaceholderText("Search name, number, ref, disposition or note")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.refresh)

        row = QHBoxLayout()
        outcome_label = plain_label("&Outcome:")
        outcome_label.setBuddy(self.outcome_filter)
        date_label = plain_label("&Date:")
        date_label.setBuddy(self.date_filter)
        row.addWidget(outcome_label)
        row.addWidget(self.outcome_filter)
        row.addSpacing(8)
        row.addWidget(date_label)
        for widget in self.dates.widgets():
            row.addWidget(widget)
        row.addSpacing(8)
        row.addWidget(self.search, 1)
        self._filters_row = row

    def _build_table(self) -> None:
        self.table = QTableView()
        self.table.setAccessibleName("Calls")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._show_context_menu)
        # doubleClicked, not activated: some styles activate on a single click, which must never place a call.
        self.table.doubleClicked.connect(lambda _index: self.call_again())
        self.table.installEventFilter(self)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        self._sort_arrow_style = SortArrowStyle()  # the header does not own its style
        self._sort_arrow_style.setParent(header)
        header.setStyle(self._sort_arrow_style)
        header.setSortIndicator(JournalTableModel.TIME, Qt.SortOrder.DescendingOrder)
        header.sectionClicked.connect(self._on_header_clicked)
        metrics = self.fontMetrics()
        samples = {
            JournalTableModel.TIME: "2026-11-30 10:11",
            JournalTableModel.CONTACT: "Alexandra Jones",
            JournalTableModel.NUMBER: "(555) 444-5555",
            JournalTableModel.OUTCOME: "Unknown → No answer (recorded by you)",
            JournalTableModel.FIRST_LEG: "First leg",
            JournalTableModel.REF: "c2c-20261130-101112-0123456789ab",
            JournalTableModel.DISPOSITION: "Connected – interested",
        }
        for column, sample in samples.items():
            extra = 40 if column == JournalTableModel.OUTCOME else 20  # room for the icon
            header.resizeSection(column, metrics.horizontalAdvance(sample) + extra)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.table.selectionModel().currentRowChanged.connect(self._update_actions)

    def _build_actions(self) -> None:
        def action(text: str, tip: str, slot: Any, icon_name: str | None = None) -> QAction:
            act = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            return act

        self.call_again_action = action(
            "Call again", "Call this number again (Enter or double-click)", self.call_again, "call"
        )
        self.add_contact_action = action("Add contact…", "Add this number to your contacts", self.add_contact)
        self.reconcile_action = action(
            "Record what happened…",
            "For a call with an unknown outcome: record whether it connected, went unanswered or was not placed",
            self.record_what_happened,
            "unknown",
        )
        self.disposition_action = action(
            "Set disposition…", "Record how the call went, with a note", self.edit_disposition
        )
        self.export_action = action(
            "Export CSV…", "Save the calls shown as a CSV file (with each call's ref)", self.export_csv_dialog
        )
        self.callback_action = action(
            "Schedule a callback…", "Schedule a callback to this number, on your clock or theirs", self.callback
        )
        self.row_actions = (self.call_again_action, self.add_contact_action, self.reconcile_action,
                            self.disposition_action)  # fmt: skip
        self.status_label = plain_label()
        self.status_label.setAccessibleName("Call history status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        self.buttons: dict[QAction, QPushButton] = {}
        for act in (*self.row_actions, self.export_action):
            button = QPushButton(act.icon(), act.text())
            button.setToolTip(act.toolTip())
            button.setAccessibleName(act.text().removesuffix("…"))
            button.setAutoDefault(False)  # in a dialog, Enter in the search field must not press a row action
            button.clicked.connect(act.trigger)
            self.buttons[act] = button
            if act is self.export_action:
                row.addWidget(self.status_label, 1)
            row.addWidget(button)
        self._buttons_row = row
        self._update_actions()

    # -- filters and refresh --------------------------------------------------------------------------------------

    def date_bounds(self) -> tuple[str | None, str | None]:
        """(since, until) for `Store.list_calls`, from the date filter, as UTC text; None means open."""
        first, end = self.dates.day_range()
        return (
            local_day_start_utc(first) if first is not None else None,
            local_day_start_utc(end) if end is not None else None,
        )

    def query(self) -> list[JournalEntry]:
        """The journal rows matching the filters, newest first."""
        choice = self.outcome_filter.currentData()
        text = self.search.text().strip() or None
        since, until = self.date_bounds()
        if choice == UNRESOLVED_UNKNOWN:
            # The store filters on the outcome known now, so "unknown" there is exactly "not reconciled yet".
            return self.store.list_calls(outcome=Outcome.UNKNOWN, text=text, since=since, until=until)
        if choice == Outcome.UNKNOWN.value:
            entries = self.store.list_calls(text=text, since=since, until=until)
            return [entry for entry in entries if entry.outcome == Outcome.UNKNOWN]
        outcome = None if choice is None else Outcome(choice)
        return self.store.list_calls(outcome=outcome, text=text, since=since, until=until)

    @Slot()
    def refresh(self) -> None:
        """GUI thread: re-read the journal with the current filters, keeping the selected call selected."""
        self._search_timer.stop()
        selected = self.current_entry()
        try:
            entries = self.query()
            owners = {
                entry.id: self.store.call_owner(entry.id) for entry in entries if entry.state is CallState.PLACING
            }
        except StoreError as exc:
            self.status_label.setText(f"The journal could not be read: {exc}")
            return
        self.model.set_entries(entries, {call_id: owner for call_id, owner in owners.items() if owner is not None})
        row = self.model.row_of(selected.id) if selected is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        self._show_count()
        self._update_actions()

    def _show_count(self) -> None:
        count = self.model.rowCount()
        self.status_label.setText(f"{count:,} call{'' if count == 1 else 's'} shown")

    @Slot(int)
    def _on_header_clicked(self, section: int) -> None:
        """GUI thread: the Time header reverses the order; other headers do nothing."""
        header = self.table.horizontalHeader()
        order = Qt.SortOrder.AscendingOrder if self.model.newest_first else Qt.SortOrder.DescendingOrder
        if section == JournalTableModel.TIME:
            selected = self.current_entry()
            self.model.sort(JournalTableModel.TIME, order)
            if selected is not None:
                self.table.selectRow(self.model.row_of(selected.id))
        else:
            order = Qt.SortOrder.DescendingOrder if self.model.newest_first else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(JournalTableModel.TIME, order)

    def set_region(self, region: str) -> None:
        """The settings' region changed: numbers are formatted for it."""
        self.region = region
        self.model.set_region(region)

    def set_call_enabled(self, enabled: bool) -> None:
        """The window disables "Call again" while a call is out (one call at a time)."""
        self._call_enabled = enabled
        self._update_actions()

    # -- rows and actions ---------------------------------------------------------------------------------------------

    def current_entry(self) -> JournalEntry | None:
        """The selected call, or None."""
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.entry_at(index.row())

    def select_call(self, call_id: int) -> bool:
        """Select the row of call `call_id` if it is shown."""
        row = self.model.row_of(call_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def number_has_contact(self, entry: JournalEntry) -> bool:
        """True if some contact has the number this call went to."""
        return bool(self.store.find_contacts_by_e164(entry.e164))

    @Slot()
    def _update_actions(self, *_args: object) -> None:
        """GUI thread: enable the row actions that apply to the selected row."""
        entry = self.current_entry()
        self.call_again_action.setEnabled(entry is not None and self._call_enabled)
        self.add_contact_action.setEnabled(entry is not None and not self.number_has_contact(entry))
        self.reconcile_action.setEnabled(entry is not None and entry.outcome == Outcome.UNKNOWN)
        self.disposition_action.setEnabled(entry is not None)
        self.callback_action.setEnabled(entry is not None)
        self.export_action.setEnabled(self.model.rowCount() > 0)
        for act, button in self.buttons.items():
            button.setEnabled(act.isEnabled())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                if not event.isAutoRepeat():
                    self.call_again()
                return True
        return super().eventFilter(watched, event)

    @Slot(QPoint)
    def _show_context_menu(self, position: QPoint) -> None:
        """GUI thread: right-click selects the row under the pointer and offers the row actions."""
        index = self.table.indexAt(position)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for act in self.row_actions:
            menu.addAction(act)
        menu.addAction(self.callback_action)
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.popup(self.table.viewport().mapToGlobal(position))

    @Slot()
    def call_again(self) -> None:
        """GUI thread: ask the window to call the selected row's number again."""
        entry = self.current_entry()
        if entry is not None and self.call_again_action.isEnabled():
            self.redial_requested.emit(entry)

    @Slot()
    def callback(self) -> None:
        """GUI thread: ask the window to schedule a callback to the selected row's number."""
        entry = self.current_entry()
        if entry is not None:
            self.callback_requested.emit(entry)

    @Slot()
    def add_contact(self) -> None:
        """GUI thread: ask the window to add the selected row's number as a contact (only if nobody has it)."""
        entry = self.current_entry()
        if entry is not None and not self.number_has_contact(entry):
            self.add_contact_requested.emit(entry.display_number or entry.number)

    @Slot()
    def record_what_happened(self) -> ReconcileDialog | None:
        """GUI thread: open the reconciliation dialog for the selected UNKNOWN call (window-modal, not blocking)."""
        entry = self.current_entry()
        if entry is None or entry.outcome != Outcome.UNKNOWN:
            return None
        dialog = ReconcileDialog(entry, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._on_reconciled(dialog.entry.id, dialog.chosen_outcome()))
        dialog.open()
        return dialog

    def _on_reconciled(self, call_id: int, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.reconcile_call(call_id, outcome)

    def reconcile_call(self, call_id: int, outcome: Outcome) -> bool:
        """Record what really happened on call `call_id`; the original outcome is kept. True if written."""
        try:
            self.store.reconcile(call_id, outcome)
        except StoreError as exc:
            self.status_label.setText(f"Not recorded: {exc}")
            return False
        self.refresh()
        self.status_label.setText(f"Recorded: {OUTCOME_WORDS[outcome].lower()}. The original outcome is kept.")
        self.call_updated.emit(call_id)
        return True

    @Slot()
    def edit_disposition(self) -> DispositionDialog | None:
        """GUI thread: open the disposition + note dialog for the selected call (window-modal, not blocking)."""
        entry = self.current_entry()
        if entry is None:
            return None
        dialog = DispositionDialog(entry, self.dispositions_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_disposition(dialog.entry.id, dialog.disposition(), dialog.note()))
        dialog.open()
        return dialog

    def set_disposition(self, call_id: int, disposition: str | None, note: str) -> bool:
        """Write a call's disposition (None: none) and note; "Do not call" also puts the call's number on the internal
        do-not-call list, in the same transaction. True if written."""
        from c2c_desktop.core.rules.dnc import DncError
        from c2c_desktop.gui.do_not_call import is_do_not_call, save_disposition

        entry = self.store.get_call(call_id)
        if entry is None:
            self.status_label.setText("Not saved: the call is no longer in the journal")
            return False
        try:
            save_disposition(self.store, entry, disposition, note, self.agent_number())
        except (StoreError, DncError) as exc:
            self.status_label.setText(f"Not saved: {exc}")
            return False
        self.refresh()
        listed = "; the number is on the do-not-call list" if is_do_not_call(disposition) else ""
        self.status_label.setText(f"Disposition saved{listed}")
        self.call_updated.emit(call_id)
        return True

    @Slot()
    def export_csv_dialog(self) -> None:
        """GUI thread: ask where to save, then export the calls shown."""
        if self.model.rowCount() == 0:
            return
        suggested = str(Path.home() / f"call-history-{date.today():%Y-%m-%d}.csv")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export call history", suggested, "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | os.PathLike[str]) -> int | None:
        """Write the calls shown to `path` as CSV, oldest first (as `history export`); the count, or None on failure."""
        try:
            count = export_journal_csv(self.model.entries(), path)
        except OSError as exc:
            self.status_label.setText(f"Not exported: {exc.strerror or exc} ({path})")
            return None
        self.status_label.setText(f"Exported {count:,} call{'' if count == 1 else 's'} to {path}")
        return count


class HistoryDialog(QDialog):
    """`HistoryView` in its own window with a Close button. Not modal: calls can go on while it is open."""

    def __init__(
        self,
        store: Store,
        region: str,
        parent: QWidget | None = None,
        *,
        dispositions_path: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Call history")
        self.view = HistoryView(store, region, self, dispositions_path=dispositions_path)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)  # Enter belongs to the table
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 8)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(1280, 600)

    @Slot()
    def refresh(self) -> None:
        """GUI thread: re-read the journal."""
        self.view.refresh()

    def focus_calls(self) -> None:
        """GUI thread: the keyboard in the table, on the selected call (the newest one if none), so that Up/Down move
        through calls and Enter calls again, rather than changing the filter."""
        table = self.view.table
        if not table.selectionModel().hasSelection() and self.view.model.rowCount():
            table.selectRow(0 if self.view.model.newest_first else self.view.model.rowCount() - 1)
        table.setFocus(Qt.FocusReason.OtherFocusReason)
