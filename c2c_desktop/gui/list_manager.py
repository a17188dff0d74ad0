"""The list manager (Call → Call lists…, Ctrl+Shift+M): the call lists on the left (size, done/left, callbacks due),
the chosen list's items on the right with where each stands now ("callable now", or why not and when it opens).

Create a list from the main window's search results or highlighted contact, a contact file (imported as `contacts
import` does, with its report), a History filter, or by hand; add to it, reorder (Alt+Up/Alt+Down, drag), remove,
rename, delete (with Undo: the bar, or Ctrl+Z), export CSV (the format of `lists export`), and start calling it.

Cost: nothing that grows with a list runs on the GUI thread. Reading a list's items, judging where each stands (the
calling rules' verdict, ~0.2 ms an item: 2 s for 10,000), the lists' figures, and making a list (a file import, 10,000
contacts looked up) run on a plain Python thread with its own `Store` on the same file (a Store belongs to the thread
that opened it); results come back to the GUI thread by queued signals, the standings in chunks, list order first, so
the rows on screen fill in first. A result of an older request is dropped (each has a number). Small writes (a move,
a removal, a rename) are made on the GUI thread through `CallListStore`, as the window's other edits are.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QDate,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.calllists import CallList, CallListStore, ItemState, ListError, ListItem, NewItem, StoreCallLists
from c2c_desktop.core.store import Store, StoreError
from c2c_desktop.gui.plain_text import button_text, plain_label, plain_tooltip, window_title

if TYPE_CHECKING:
    from c2c_desktop.core.config import Settings
    from c2c_desktop.core.contacts_io import ImportSummary
    from c2c_desktop.core.list_work import Standing

_ModelIndex = QModelIndex | QPersistentModelIndex

#: Standings are handed to the GUI thread this many at a time (the first chunk covers a tall window's rows).
STANDINGS_CHUNK = 200
#: The window's size where the screen has room (see ListManager._default_size).
DEFAULT_SIZE = (1100, 620)
#: What the window's contact list offers as a source (see ContactPick).
MIME_TYPE = "application/x-c2c-list-item-ids"
FINISHED_STATES = (ItemState.DONE, ItemState.SKIPPED, ItemState.DO_NOT_CALL)
HISTORY_OUTCOMES = (
    ("No answer", "no_answer"),
    ("Unknown", "unknown"),
    ("Connected", "connected"),
    ("Rejected", "rejected"),
    ("Not sent", "not_sent"),
    ("Any outcome", "any"),
)


@dataclass(frozen=True)
class ContactPick:
    """What the main window offers as a list's contacts: its search and the contacts it shows, and the highlighted
    contact (the window's contact list selects one)."""

    search: str = ""
    shown_ids: tuple[int, ...] = ()
    selected_ids: tuple[int, ...] = ()
    selected_name: str = ""


@dataclass(frozen=True)
class ListSummary:
    size: int
    done: int
    callbacks_due: int

    @property
    def left(self) -> int:
        return self.size - self.done


def summary_of(items: Sequence[ListItem], now: datetime) -> ListSummary:
    """The list's row in the manager: `list_work.list_progress`, the one definition the session's card shows too."""
    from c2c_desktop.core.list_work import list_progress

    progress = list_progress(items, now)
    return ListSummary(progress.total, progress.done, progress.callbacks_due)


@dataclass(frozen=True)
class Source:
    """Where a new list's (or an addition's) items come from; the worker turns it into NewItems."""

    kind: str  # "contacts", "file", "history", "numbers", "search", "empty"
    contact_ids: tuple[int, ...] = ()
    path: str = ""
    outcome: str = "no_answer"
    since: date | None = None
    until: date | None = None  # exclusive
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class MadeReport:
    """What making a list (or adding to one) did, for the window's report line."""

    list_id: int
    name: str
    added: int
    duplicates: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    import_lines: tuple[str, ...] = field(default=())

    def text(self) -> str:
        line = f'"{self.name}": {self.added} item{"s" if self.added != 1 else ""} added'
        if self.duplicates:
            shown = ", ".join(self.duplicates[:5])
            more = f" and {len(self.duplicates) - 5} more" if len(self.duplicates) > 5 else ""
            line += f"; {len(self.duplicates)} already in the list, kept once ({shown}{more})"
        lines = [*self.import_lines, line]
        lines += [f"Skipped: {problem}" for problem in self.problems[:5]]
        if len(self.problems) > 5:
            lines.append(f"…and {len(self.problems) - 5} more skipped")
        return "\n".join(lines)


def import_lines(file_name: str, summary: ImportSummary) -> list[str]:
    """The import's report, as `contacts import` prints it (shorter: the first few problems)."""
    lines = [f"{file_name}: {summary.imported} imported, {summary.merged} merged, {summary.skipped} skipped"]
    lines += [f"{file_name}: {problem.location}: {problem.reason}" for problem in summary.problems[:3]]
    if len(summary.problems) > 3:
        lines.append(f"{file_name}: …and {len(summary.problems) - 3} more problems")
    return lines


def items_of(store: Store, source: Source, settings: Settings) -> tuple[list[NewItem], list[str], list[str]]:
    """Worker thread: the items of `source` (in order), the problems, and an import's report lines."""
    from c2c_desktop.core import list_sources

    if source.kind == "contacts":
        items, problems = list_sources.from_contact_ids(store, source.contact_ids)
        return items, problems, []
    if source.kind == "search":
        items, problems = list_sources.from_search(store, source.texts[0] if source.texts else "")
        return items, problems, []
    if source.kind == "numbers":
        items, problems = list_sources.from_numbers(store, source.texts, settings.region)
        return items, problems, []
    if source.kind == "file":
        found, summary = list_sources.from_file(store, source.path, region=settings.region, dial_region=settings.region)
        return found, [], import_lines(Path(source.path).name, summary)
    if source.kind == "history":
        from c2c_desktop.core.models import Outcome

        outcome = None if source.outcome == "any" else Outcome(source.outcome)
        calls = store.list_calls(
            outcome=outcome,
            since=source.since.isoformat() if source.since else None,
            until=source.until.isoformat() if source.until else None,
        )
        return list_sources.from_calls(calls), [], []
    return [], [], []


# --- the worker -----------------------------------------------------------------------------------------------------


class _Results(QObject):
    """Lives on the GUI thread; the worker threads emit on it (queued)."""

    lists_done = Signal(int, object)  # request, {list_id: ListSummary}
    items_done = Signal(int, int, object)  # request, list id, [ListItem]
    standings_done = Signal(int, int, object)  # request, list id, [Standing] (a chunk)
    made = Signal(int, object)  # request, MadeReport
    exported = Signal(int, int, str)  # request, items written, the file
    failed = Signal(int, str)  # request, one plain line


def _report(signal: SignalInstance, *args: object) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:  # the window was closed and deleted meanwhile
        pass


class ListWork:
    """Starts the worker threads and numbers their requests; a newer request of a kind makes older ones stale (an
    old standings computation stops at its next chunk). GUI thread, except the `_run_*` methods."""

    def __init__(
        self, path: Path, settings: Callable[[], Settings], clock: Callable[[], datetime], results: _Results
    ) -> None:
        self.path = path
        self._settings = settings
        self._clock = clock
        self.results = results
        self._counter = 0
        self.latest: dict[str, int] = {}

    def _next(self, kind: str) -> int:
        self._counter += 1
        self.latest[kind] = self._counter
        return self._counter

    def is_latest(self, kind: str, request: int) -> bool:
        return self.latest.get(kind) == request

    def _start(self, name: str, target: Callable[..., None], *args: object) -> None:
        # Daemon threads: reading stops with the app; a list being made is one transaction (all or nothing).
        threading.Thread(target=target, args=args, name=f"c2c-lists-{name}", daemon=True).start()

    def summaries(self) -> int:
        request = self._next("lists")
        self._start("summaries", self._run_summaries, request, self._clock())
        return request

    def items(self, list_id: int) -> int:
        request = self._next("items")
        self._start("items", self._run_items, request, list_id, self._settings(), self._clock())
        return request

    def make(self, name: str, source: Source, list_id: int | None = None) -> int:
        """Make a list `name` from `source` (or add to list `list_id`)."""
        request = self._next("make")
        self._start("make", self._run_make, request, name, source, list_id, self._settings())
        return request

    def export(self, list_id: int, path: str) -> int:
        """Write list `list_id` to `path` as `lists export` does."""
        request = self._next("export")
        self._start("export", self._run_export, request, list_id, path)
        return request

    # worker threads ---------------------------------------------------------------------------------------------

    def _run_export(self, request: int, list_id: int, path: str) -> None:
        """Worker thread: read the items and write the file (whole or not at all)."""
        from c2c_desktop.core.list_export import write_list_csv

        try:
            with Store(self.path) as store:
                count = write_list_csv(StoreCallLists(store).items(list_id), path)
        except OSError as exc:
            _report(self.results.failed, request, f"Not exported: {exc.strerror or exc} ({path})")
            return
        except Exception as exc:
            _report(self.results.failed, request, f"Not exported: {exc} ({path})")
            return
        _report(self.results.exported, request, count, path)

    def _run_summaries(self, request: int, now: datetime) -> None:
        """Worker thread."""
        try:
            with Store(self.path) as store:
                lists = StoreCallLists(store)
                found = {each.id: summary_of(lists.items(each.id), now) for each in lists.all_lists()}
        except Exception as exc:
            _report(self.results.failed, request, str(exc) or type(exc).__name__)
            return
        _report(self.results.lists_done, request, found)

    def _run_items(self, request: int, list_id: int, settings: Settings, now: datetime) -> None:
        """Worker thread: the items at once, then where each stands, a chunk at a time, until a newer request."""
        from c2c_desktop.core.list_work import CallableNow
        from c2c_desktop.core.rules.guard import build_guard

        try:
            with Store(self.path) as store:
                items = StoreCallLists(store).items(list_id)
                _report(self.results.items_done, request, list_id, items)
                judge = CallableNow(store, build_guard(settings, store, lambda: now), now, region=settings.region)
                ranks = {item.id: n for n, item in enumerate(judge.candidates(items))}
                for start in range(0, len(items), STANDINGS_CHUNK):
                    if not self.is_latest("items", request):
                        return
                    chunk = [
                        judge.standing(item, kind_rank=ranks.get(item.id))
                        for item in items[start : start + STANDINGS_CHUNK]
                    ]
                    _report(self.results.standings_done, request, list_id, chunk)
        except Exception as exc:
            _report(self.results.failed, request, str(exc) or type(exc).__name__)

    def _run_make(self, request: int, name: str, source: Source, list_id: int | None, settings: Settings) -> None:
        """Worker thread: the items, then the list made and filled in one transaction (nothing made on a failure)."""
        from c2c_desktop.core.list_sources import into_list

        try:
            with Store(self.path) as store:
                items, problems, lines = items_of(store, source, settings)
                lists = StoreCallLists(store)
                made, added = into_list(store, lists, name, items, list_id=list_id)
        except Exception as exc:
            _report(self.results.failed, request, str(exc) or type(exc).__name__)
            return
        report = MadeReport(made.id, made.name, added.added, added.duplicates, tuple(problems), tuple(lines))
        _report(self.results.made, request, report)


# --- the items model ------------------------------------------------------------------------------------------------


def local_time_text(moment: datetime | None, now: datetime) -> str:
    """A time on the agent's clock: "14:30" today, "Tue 08 14:30" otherwise."""
    if moment is None:
        return ""
    from c2c_desktop.core.list_work import agent_zone

    zone = agent_zone()
    mine = moment.astimezone(zone)
    return f"{mine:%H:%M}" if mine.date() == now.astimezone(zone).date() else f"{mine:%a %d %b %H:%M}"


class ListItemsModel(QAbstractTableModel):
    """The chosen list's items; where each stands arrives later (`set_standings`). Rows can be dragged to reorder:
    a drop asks `move_requested(item_id, row)` and the window moves it in the store. GUI thread only."""

    HEADERS = ("#", "Name", "Number", "State", "Attempts", "Last outcome", "Next time", "Callable now?")
    WHY_COLUMN = 7
    PENDING = "…"

    move_requested = Signal(int, int)  # item id, the row it is dropped before

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[ListItem] = []
        self.standings: dict[int, Standing] = {}
        self.now = datetime.now(UTC)
        self.region = "US"  # numbers are shown formatted for it, as in the contact list

    def set_items(self, items: Sequence[ListItem], now: datetime, *, keep_standings: bool = False) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.now = now
        if not keep_standings:
            self.standings = {}
        self.endResetModel()

    def set_standings(self, standings: Sequence[Standing]) -> None:
        rows = {item.id: row for row, item in enumerate(self.items)}
        touched = [rows[s.item.id] for s in standings if s.item.id in rows]
        for standing in standings:
            self.standings[standing.item.id] = standing
        if touched:
            self.dataChanged.emit(self.index(min(touched), self.WHY_COLUMN), self.index(max(touched), self.WHY_COLUMN))

    def judged(self) -> int:
        return sum(item.id in self.standings for item in self.items)

    def item_at(self, row: int) -> ListItem | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def move_row(self, source: int, target: int) -> None:
        """Show the item at `source` at index `target` (0-based, of the list without it), as the store did."""
        if source == target or not (0 <= source < len(self.items)):
            return
        item = self.items.pop(source)
        target = max(0, min(target, len(self.items)))
        self.items.insert(target, item)
        self.items = [self._renumbered(each, n) for n, each in enumerate(self.items)]
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, len(self.HEADERS) - 1))

    def remove_ids(self, ids: set[int]) -> None:
        self.beginResetModel()
        kept = [item for item in self.items if item.id not in ids]
        self.items = [self._renumbered(each, n) for n, each in enumerate(kept)]
        self.standings = {item_id: standing for item_id, standing in self.standings.items() if item_id not in ids}
        self.endResetModel()

    @staticmethod
    def _renumbered(item: ListItem, position: int) -> ListItem:
        if item.position == position:
            return item
        from dataclasses import replace

        return replace(item, position=position)

    def why_text(self, item: ListItem) -> str:
        standing = self.standings.get(item.id)
        if standing is None:
            return self.PENDING
        if standing.callable:
            text = f"Yes ({standing.kind})"
            return text + " — confirm: its last call may still ring" if standing.needs_confirmation else text
        if item.state in (ItemState.CALLBACK, ItemState.DUE_LATER) and standing.opens_at == item.due_at:
            what = "callback" if item.state is ItemState.CALLBACK else "retry"  # both clocks: in the tooltip
            return f"No: {what} at {local_time_text(item.due_at, self.now)}"
        why = standing.why
        if standing.opens_at is not None and "opens" not in why:
            why += f" — opens {local_time_text(standing.opens_at, self.now)}"
        return f"No: {why}"

    # Qt ------------------------------------------------------------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's own default
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's own default
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.items):
            return None
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column:  # every column elides: the whole text is here
            standing = self.standings.get(item.id)
            if column == self.WHY_COLUMN and standing is not None:
                return plain_tooltip(self.text(item, column) + (f"\n{standing.why}" if standing.why else ""))
            text = self.text(item, column)
            return plain_tooltip(text) if text and text != self.PENDING else None
        if role == Qt.ItemDataRole.ForegroundRole and item.contact_missing:
            from PySide6.QtGui import QColor

            return QColor("#9a5b00")
        return None

    def text(self, item: ListItem, column: int) -> str:
        if column == 0:
            return str(item.position + 1)
        if column == 1:
            return (item.name or "—") + (" (contact deleted)" if item.contact_missing else "")
        if column == 2:
            from c2c_desktop.core.phone import display_number

            return display_number(item.e164, self.region)
        if column == 3:
            return str(item.state)
        if column == 4:
            return str(item.attempts)
        if column == 5:
            from c2c_desktop.core.list_work import outcome_words

            last = outcome_words(item.last_outcome) if item.last_outcome else ""
            return f"{last} / {item.last_disposition}" if item.last_disposition else last
        if column == 6:
            return local_time_text(item.due_at, self.now)
        return self.why_text(item)

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        rows = sorted({index.row() for index in indexes if index.isValid()})
        data = QMimeData()
        data.setData(MIME_TYPE, QByteArray(",".join(str(self.items[row].id) for row in rows).encode()))
        return data

    def dropMimeData(  # noqa: N802
        self, data: QMimeData, action: Qt.DropAction, row: int, _column: int, parent: _ModelIndex
    ) -> bool:
        """A row dropped: asks the window to move it (the store first); returns False so that the view does not
        remove the dragged row itself."""
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME_TYPE):
            return False
        ids = [int(part) for part in bytes(data.data(MIME_TYPE).data()).decode().split(",") if part]
        if len(ids) != 1:
            return False
        target = row if row >= 0 else (parent.row() if parent.isValid() else len(self.items))
        self.move_requested.emit(ids[0], target)
        return False


# --- small dialogs --------------------------------------------------------------------------------------------------


class TextDialog(QDialog):
    """One line of text asked for (a list's name, a number or a contact)."""

    def __init__(self, parent: QWidget | None, title: str, prompt: str, text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(window_title(title))
        self.edit = QLineEdit(text)
        self.edit.selectAll()
        self.edit.setAccessibleName(prompt)
        self.edit.setMinimumWidth(320)
        label = plain_label(prompt, wrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.edit.text()


class HistoryFilterDialog(QDialog):
    """A list from History: the calls of one outcome between two days (as `lists create --from-history`)."""

    def __init__(self, parent: QWidget | None, today: date) -> None:
        super().__init__(parent)
        self.setWindowTitle("New list from History")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("The new list's name")
        self.outcome_combo = QComboBox()
        self.outcome_combo.setAccessibleName("Outcome of the calls")
        for words, value in HISTORY_OUTCOMES:
            self.outcome_combo.addItem(words, value)
        yesterday = today - timedelta(days=1)
        self.from_edit = QDateEdit(QDate(yesterday.year, yesterday.month, yesterday.day))
        self.to_edit = QDateEdit(QDate(yesterday.year, yesterday.month, yesterday.day))
        for edit, name in ((self.from_edit, "From"), (self.to_edit, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(f"{name} day (included)")
        self.outcome_combo.currentIndexChanged.connect(self._suggest_name)
        self.from_edit.dateChanged.connect(self._suggest_name)
        self._suggested = ""
        self._suggest_name()
        form = QFormLayout()
        form.addRow(plain_label("Outcome:"), self.outcome_combo)
        form.addRow(plain_label("From (day):"), self.from_edit)
        form.addRow(plain_label("To (day, included):"), self.to_edit)
        form.addRow(plain_label("List name:"), self.name_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    @Slot()
    def _suggest_name(self) -> None:
        """GUI thread: a name from the filter, unless one was typed."""
        if self.name_edit.text() in ("", self._suggested):
            self._suggested = f"{self.outcome_combo.currentText()} {self.from_edit.date().toString('yyyy-MM-dd')}"
            self.name_edit.setText(self._suggested)

    def source(self) -> Source:
        first = self.from_edit.date().toPython()
        last = self.to_edit.date().toPython()
        assert isinstance(first, date) and isinstance(last, date)
        return Source(
            "history", outcome=str(self.outcome_combo.currentData()), since=first, until=last + timedelta(days=1)
        )


# --- the window -----------------------------------------------------------------------------------------------------


class ListManager(QDialog):
    """The list manager. Not modal. GUI thread only."""

    #: Start calling this list (the Start calling button, or Enter on a list).
    start_session_requested = Signal(int)
    #: The lists on the left were shown again (tests wait on it).
    lists_shown = Signal()
    #: A list was made (or added to) by the worker: its report.
    made = Signal(object)
    #: The chosen list was written to a file (items, path).
    exported = Signal(int, str)
    #: Every item of the chosen list has its standing (the list's id).
    items_judged = Signal(int)

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
        *,
        contact_pick: Callable[[], ContactPick] = ContactPick,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Call lists")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.store = store
        self.lists: CallListStore = StoreCallLists(store)
        self._settings = settings
        self._clock = clock
        self._contact_pick = contact_pick
        self._results = _Results(self)
        self.work = ListWork(store.path, settings, clock, self._results)
        self._results.lists_done.connect(self._on_summaries)
        self._results.items_done.connect(self._on_items)
        self._results.standings_done.connect(self._on_standings)
        self._results.made.connect(self._on_made)
        self._results.failed.connect(self._on_failed)
        self._results.exported.connect(self._on_exported)
        self.summaries: dict[int, ListSummary] = {}
        self.shown_lists: list[CallList] = []
        self.current_list_id: int | None = None
        self.deleted_name: str | None = None  # the last deleted list, which Undo brings back
        self._select_after_refresh: int | None = None
        self._build()
        self.refresh()

    # -- construction -----------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.lists_table = QTableWidget(0, 4)
        self.lists_table.setHorizontalHeaderLabels(["List", "Size", "Done / left", "Callbacks due"])
        self.lists_table.setAccessibleName("Call lists")
        self.lists_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lists_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lists_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lists_table.verticalHeader().hide()
        header = self.lists_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.lists_table.currentCellChanged.connect(self._on_list_changed)
        self.lists_table.installEventFilter(self)
        self.lists_table.doubleClicked.connect(lambda _index: self.start_calling())

        self.new_button = QPushButton("&New list")
        self.new_menu = QMenu(self.new_button)
        self.new_button.setMenu(self.new_menu)
        self.new_menu.aboutToShow.connect(self._fill_new_menu)
        self.rename_button = QPushButton("Rena&me…")
        self.rename_button.clicked.connect(self.rename_current)
        self.delete_button = QPushButton("&Delete")
        self.delete_button.clicked.connect(self.delete_current)
        list_buttons = QHBoxLayout()
        for button in (self.new_button, self.rename_button, self.delete_button):
            list_buttons.addWidget(button)
        list_buttons.addStretch(1)

        self.undo_bar = QFrame()
        self.undo_bar.setObjectName("undo_bar")
        self.undo_bar.setStyleSheet("#undo_bar { background: #fff4ce; border-radius: 4px; } QLabel { color: #3b2f00; }")
        self.undo_label = plain_label()
        self.undo_label.setAccessibleName("Deleted list")
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setToolTip("Bring the list back with its items and their states (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_delete)
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.setContentsMargins(8, 4, 4, 4)
        undo_layout.addWidget(self.undo_label, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.hide()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.lists_table, 1)
        left_layout.addLayout(list_buttons)
        left_layout.addWidget(self.undo_bar)

        self.title_label = plain_label(wrap=True)  # a long list name wraps rather than pushing Start calling out
        self.title_label.setAccessibleName("The chosen list")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.start_button = QPushButton("&Start calling")
        self.start_button.setToolTip("Work this list one call at a time (Enter on a list)")
        self.start_button.clicked.connect(self.start_calling)
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.start_button)

        self.model = ListItemsModel(self)
        self.model.move_requested.connect(self.move_item_to)
        self.items_view = QTableView()
        self.items_view.setModel(self.model)
        self.items_view.setAccessibleName("Items of the chosen list")
        self.items_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.items_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.items_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items_view.setDragEnabled(True)
        self.items_view.setAcceptDrops(True)
        self.items_view.setDropIndicatorShown(True)
        self.items_view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.items_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.items_view.setWordWrap(False)
        self.items_view.verticalHeader().hide()
        self.items_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        items_header = self.items_view.horizontalHeader()
        # Fixed widths from the font (no per-row measuring on 10,000 rows); "Callable now?" takes the rest: its
        # reason is what the agent reads, and the whole text is in its tooltip.
        char = self.fontMetrics().horizontalAdvance("0")
        for column, chars in enumerate((4, 16, 14, 9, 8, 12, 11)):
            self.items_view.setColumnWidth(column, chars * char)
        items_header.setSectionResizeMode(ListItemsModel.WHY_COLUMN, QHeaderView.ResizeMode.Stretch)
        items_header.setMinimumSectionSize(4 * char)
        self.items_view.installEventFilter(self)

        self.add_button = QPushButton("&Add")
        self.add_menu = QMenu(self.add_button)
        self.add_button.setMenu(self.add_menu)
        self.add_menu.aboutToShow.connect(self._fill_add_menu)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setToolTip("Remove the selected items from the list (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button = QPushButton("Move u&p")
        self.up_button.setToolTip("Alt+Up; or drag the row")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton("Move do&wn")
        self.down_button.setToolTip("Alt+Down; or drag the row")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.clicked.connect(self.choose_export_file)
        item_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            item_buttons.addWidget(button)
        item_buttons.addStretch(1)
        item_buttons.addWidget(self.export_button)

        self.report_label = plain_label(wrap=True)
        self.report_label.setAccessibleName("What the last change did")
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = plain_label()
        self.status_label.setAccessibleName("Loading")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(top)
        right_layout.addWidget(self.items_view, 1)
        right_layout.addLayout(item_buttons)
        right_layout.addWidget(self.status_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.report_label)
        layout.addWidget(close)

        undo_key = QKeySequence.StandardKey.Undo
        self.undo_action = self._action("Undo delete", undo_key, self.undo_delete, "undo_list_delete")
        self.move_up_action = self._action("Move up", "Alt+Up", lambda: self.move_current(-1), "move_item_up")
        self.move_down_action = self._action("Move down", "Alt+Down", lambda: self.move_current(1), "move_item_down")
        self.rename_action = self._action("Rename", "F2", self.rename_current, "rename_list")
        self._default_size()
        self._update_buttons()

    def _default_size(self) -> None:
        """1100×620 where the screen has room; on a smaller screen (1024×768, a laptop's 1280×720) what it has
        left, never less than the window's minimum (which fits 1024×768)."""
        parent = self.parentWidget()
        screen = (parent or self).screen()
        width, height = DEFAULT_SIZE
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 60)
        minimum = self.minimumSizeHint()
        width, height = max(width, minimum.width()), max(height, minimum.height())
        self.resize(width, height)
        self.splitter.setSizes([width // 4, width - width // 4])  # the items, and why each waits, need the room

    def _action(self, text: str, key: object, slot: Callable[[], object], name: str) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(key))  # type: ignore[call-overload]
        act.setObjectName(name)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _update_buttons(self) -> None:
        chosen = self.current_list_id is not None
        for button in (
            self.rename_button,
            self.delete_button,
            self.start_button,
            self.add_button,
            self.remove_button,
            self.up_button,
            self.down_button,
            self.export_button,
        ):
            button.setEnabled(chosen)

    def eventFilter(self, watched: QObject, event: Any) -> bool:  # noqa: N802 (Qt override)
        """GUI thread: Enter on a list starts calling it; Delete on items removes them."""
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.KeyPress and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            key = event.key()
            if watched is self.lists_table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.start_calling()
                return True
            if watched is self.items_view and key == Qt.Key.Key_Delete:
                self.remove_selected()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        # Enter must not close the dialog (QDialog's default button behaviour): it starts calling, on a list.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return
        super().keyPressEvent(event)

    # -- the lists ------------------------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """GUI thread: the lists again (names and sizes now, their figures from the worker), and the chosen list's
        items."""
        self.model.region = self._settings().region
        try:
            self.shown_lists = self.lists.all_lists()
        except StoreError as exc:
            self.say(f"The lists cannot be read: {exc}")
            return
        wanted = self._select_after_refresh if self._select_after_refresh is not None else self.current_list_id
        self._select_after_refresh = None
        self.lists_table.blockSignals(True)
        self.lists_table.setRowCount(len(self.shown_lists))
        row_to_select = 0 if self.shown_lists else -1
        for row, each in enumerate(self.shown_lists):
            self._set_list_row(row, each)
            if each.id == wanted:
                row_to_select = row
        self.lists_table.blockSignals(False)
        self.work.summaries()
        if row_to_select >= 0:
            self.lists_table.setCurrentCell(row_to_select, 0)
            chosen = self.shown_lists[row_to_select].id
            if chosen != self.current_list_id or self.model.rowCount() == 0 or wanted is not None:
                self.choose_list(chosen)
        else:
            self.choose_list(None)
        self.lists_shown.emit()

    def _set_list_row(self, row: int, each: CallList) -> None:
        summary = self.summaries.get(each.id)
        cells = (
            each.name,
            str(each.items),
            f"{summary.done} / {summary.left}" if summary else "…",
            str(summary.callbacks_due) if summary else "…",
        )
        for column, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            if column:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                cell.setToolTip(plain_tooltip(text))
            self.lists_table.setItem(row, column, cell)

    def list_row_texts(self) -> list[tuple[str, ...]]:
        """The lists pane as shown (tests, screenshots)."""
        table = self.lists_table
        return [
            tuple((cell.text() if (cell := table.item(row, column)) else "") for column in range(table.columnCount()))
            for row in range(table.rowCount())
        ]

    @Slot(int, object)
    def _on_summaries(self, request: int, found: dict[int, ListSummary]) -> None:
        """GUI thread: the worker's figures of every list."""
        if not self.work.is_latest("lists", request):
            return
        self.summaries = found
        self.lists_table.blockSignals(True)
        for row, each in enumerate(self.shown_lists):
            self._set_list_row(row, each)
        self.lists_table.blockSignals(False)

    @Slot(int, int, int, int)
    def _on_list_changed(self, row: int, _column: int, _previous_row: int, _previous_column: int) -> None:
        """GUI thread: another list was chosen."""
        if 0 <= row < len(self.shown_lists):
            self.choose_list(self.shown_lists[row].id)

    def current_list(self) -> CallList | None:
        return next((each for each in self.shown_lists if each.id == self.current_list_id), None)

    def choose_list(self, list_id: int | None) -> None:
        """GUI thread: show list `list_id`'s items: read (and judged) by the worker; the rows fill in later."""
        self.current_list_id = list_id
        chosen = self.current_list()
        self._update_buttons()
        if chosen is None:
            self.title_label.setText("No list yet: make one with New list.")
            self.model.set_items([], self._clock())
            self.status_label.setText("")
            return
        self.title_label.setText(f"{chosen.name} — {chosen.items} item{'s' if chosen.items != 1 else ''}")
        self.status_label.setText("Loading the items…")
        if self.model.items and self.model.items[0].list_id != list_id:
            self.model.set_items([], self._clock())
        self.work.items(chosen.id)

    def select_list_named(self, name: str) -> bool:
        for row, each in enumerate(self.shown_lists):
            if each.name == name:
                self.lists_table.setCurrentCell(row, 0)
                return True
        return False

    @Slot(int, int, object)
    def _on_items(self, request: int, list_id: int, items: list[ListItem]) -> None:
        """GUI thread: the chosen list's items (where each stands follows)."""
        if not self.work.is_latest("items", request) or list_id != self.current_list_id:
            return
        self.model.set_items(items, self._clock())
        if not items:
            self.status_label.setText("")
            self.items_judged.emit(list_id)
            return
        self.status_label.setText(f"Judging which items can be called now… (0 of {len(items)})")

    @Slot(int, int, object)
    def _on_standings(self, request: int, list_id: int, chunk: list[Standing]) -> None:
        """GUI thread: where a chunk of the chosen list's items stands now."""
        if not self.work.is_latest("items", request) or list_id != self.current_list_id:
            return
        self.model.set_standings(chunk)
        judged, total = self.model.judged(), len(self.model.items)
        if judged < total:
            self.status_label.setText(f"Judging which items can be called now… ({judged} of {total})")
            return
        self._say_callable_count()
        self.items_judged.emit(list_id)

    def _say_callable_count(self) -> None:
        """ "17 of 17 callable now", from the items shown (after a removal too: never a stale count)."""
        callable_now = sum(standing.callable for standing in self.model.standings.values())
        self.status_label.setText(f"{callable_now} of {len(self.model.items)} callable now")

    @Slot(int, str)
    def _on_failed(self, _request: int, message: str) -> None:
        """GUI thread: a worker could not do its part."""
        self.say(message)

    def say(self, text: str) -> None:
        """GUI thread: one line (or a report) under the lists."""
        self.report_label.setText(text)

    # -- making lists ---------------------------------------------------------------------------------------------

    def _fill_new_menu(self) -> None:
        """GUI thread: the New list menu, with what the main window offers now."""
        self.new_menu.clear()
        pick = self._contact_pick()
        self._source_actions(self.new_menu, pick, lambda source, name: self._ask_and_create(name, source))
        self.new_menu.addSeparator()
        self.new_menu.addAction("From a contact &file…", self.create_from_file)
        self.new_menu.addAction("From &History…", self.create_from_history)
        self.new_menu.addAction("&Empty, to fill by hand…", lambda: self._ask_and_create("", Source("empty")))

    def _source_actions(self, menu: QMenu, pick: ContactPick, run: Callable[[Source, str], None]) -> None:
        shown = len(pick.shown_ids)
        words = f"“{pick.search}”" if pick.search.strip() else "all contacts"
        search = menu.addAction(
            f"From the &search results ({button_text(words)}: {shown} contact{'s' if shown != 1 else ''})"
        )
        search.setEnabled(shown > 0)
        search.triggered.connect(lambda: run(Source("contacts", contact_ids=pick.shown_ids), pick.search.strip()))
        who = button_text(pick.selected_name) if pick.selected_ids else "none"
        selected = menu.addAction(f"From the &highlighted contact ({who})")
        selected.setEnabled(bool(pick.selected_ids))
        selected.triggered.connect(lambda: run(Source("contacts", contact_ids=pick.selected_ids), pick.selected_name))

    def _ask_and_create(self, suggested: str, source: Source) -> None:
        name = self.ask_text("New list", "The new list's name:", suggested)
        if name is not None:
            self.create_list(name, source)

    def ask_text(self, title: str, prompt: str, text: str = "") -> str | None:
        """GUI thread: one line asked for (None: cancelled). Tests replace it."""
        dialog = TextDialog(self, title, prompt, text)
        try:
            return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    def create_list(self, name: str, source: Source) -> None:
        """GUI thread: make list `name` from `source` on the worker (the report follows, and the list is chosen).
        A name already taken is refused at once."""
        if not name.strip():
            name = self.ask_text("New list", "The new list's name:", "") or ""
            if not name.strip():
                return
        try:
            if self.lists.find_list(name) is not None:
                self.say(f'There is already a list named "{" ".join(name.split())}": choose another name.')
                return
        except StoreError as exc:
            self.say(str(exc))
            return
        self.say(f'Making "{" ".join(name.split())}"…')
        self.work.make(name, source)

    def create_from_file(self) -> None:
        """GUI thread: a contact file, imported straight into a new list."""
        path, _filter = QFileDialog.getOpenFileName(
            self, "New list from a contact file", "", "Contact files (*.csv *.vcf *.vcard *.txt);;All files (*)"
        )
        if path:
            self._ask_and_create(Path(path).stem, Source("file", path=path))

    def create_from_history(self) -> None:
        """GUI thread: a list of the calls of one outcome between two days."""
        dialog = HistoryFilterDialog(self, self._clock().astimezone().date())
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.create_list(dialog.name_edit.text(), dialog.source())
        finally:
            dialog.deleteLater()

    def _fill_add_menu(self) -> None:
        """GUI thread: the Add menu, with what the main window offers now."""
        self.add_menu.clear()
        self.add_menu.addAction("A &number or contact…", self.add_by_hand)
        pick = self._contact_pick()
        self._source_actions(self.add_menu, pick, lambda source, _name: self.add_to_current(source))

    def add_by_hand(self) -> None:
        text = self.ask_text(
            "Add to the list",
            "A phone number, or a name or company (the contacts the search finds for it):",
        )
        if text and text.strip():
            self.add_text(text)

    def add_text(self, text: str) -> None:
        """GUI thread: add a number typed by hand (the contact who has it, if any), or else the contacts the search
        finds for the text."""
        from c2c_desktop.core.phone import PhoneError, parse_number

        try:
            parse_number(text, self._settings().region)
            source = Source("numbers", texts=(text,))
        except PhoneError:
            source = Source("search", texts=(text,))
        self.add_to_current(source)

    def add_to_current(self, source: Source) -> None:
        chosen = self.current_list()
        if chosen is None:
            return
        self.say(f'Adding to "{chosen.name}"…')
        self.work.make(chosen.name, source, chosen.id)

    @Slot(int, object)
    def _on_made(self, _request: int, report: MadeReport) -> None:
        """GUI thread: the worker made (or added to) a list: say what it did and show it."""
        self.say(report.text())
        self._select_after_refresh = report.list_id
        self.refresh()
        self.made.emit(report)

    # -- changing lists -------------------------------------------------------------------------------------------

    def rename_current(self) -> None:
        chosen = self.current_list()
        if chosen is None:
            return
        name = self.ask_text("Rename the list", f'A new name for "{chosen.name}":', chosen.name)
        if name is None:
            return
        try:
            self.lists.rename_list(chosen.id, name)
        except (ListError, StoreError) as exc:
            self.say(f"Not renamed: {exc}")
            return
        self.say(f'"{chosen.name}" renamed "{" ".join(name.split())}"')
        self.refresh()

    def delete_current(self) -> None:
        """GUI thread: delete the chosen list at once; the bar (and Ctrl+Z) brings it back."""
        chosen = self.current_list()
        if chosen is None:
            return
        try:
            self.lists.delete_list(chosen.id)
        except StoreError as exc:
            self.say(f"Not deleted: {exc}")
            return
        self.deleted_name = chosen.name
        self.undo_label.setText(f"List “{chosen.name}” deleted ({chosen.items} items)")
        self.undo_bar.show()
        self.current_list_id = None
        self.refresh()

    @Slot()
    def undo_delete(self) -> None:
        """GUI thread: bring back the list deleted last, with its items and their states."""
        if self.deleted_name is None:
            return
        try:
            restored = self.lists.undo_delete(self.deleted_name)
        except (ListError, StoreError) as exc:
            self.say(f"Not brought back: {exc}")
            return
        self.deleted_name = None
        self.undo_bar.hide()
        self.say(f'"{restored.name}" is back ({restored.items} items)')
        self._select_after_refresh = restored.id
        self.refresh()

    # -- changing items -------------------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.items_view.selectionModel().selectedRows()})

    def move_current(self, step: int) -> None:
        """GUI thread: move the current item one row up (-1) or down (1)."""
        row = self.items_view.currentIndex().row()
        item = self.model.item_at(row)
        if item is None:
            return
        self.move_item_to(item.id, row + step, from_row=row)

    @Slot(int, int)
    def move_item_to(self, item_id: int, target: int, *, from_row: int | None = None) -> None:
        """GUI thread: put item `item_id` at row `target` (a drop: the row it is dropped before)."""
        source = (
            from_row
            if from_row is not None
            else next((row for row, item in enumerate(self.model.items) if item.id == item_id), None)
        )
        if source is None:
            return
        if from_row is None and target > source:
            target -= 1  # dropped before row `target`: once taken out, that row is one up
        target = max(0, min(target, len(self.model.items) - 1))
        if target == source:
            return
        try:
            self.lists.move_item(item_id, target)
        except StoreError as exc:
            self.say(f"Not moved: {exc}")
            return
        self.model.move_row(source, target)
        index = self.model.index(target, 1)
        self.items_view.setCurrentIndex(index)
        self.items_view.scrollTo(index)

    def remove_selected(self) -> None:
        """GUI thread: remove the selected items from the list (their calls stay in the journal)."""
        rows = self.selected_rows()
        ids = [self.model.items[row].id for row in rows if row < len(self.model.items)]
        if not ids:
            return
        try:
            with self.lists.transaction():
                for item_id in ids:
                    self.lists.remove_item(item_id)
        except StoreError as exc:
            self.say(f"Not removed: {exc}")
            return
        self.model.remove_ids(set(ids))
        if self.model.items and self.model.judged() >= len(self.model.items):
            self._say_callable_count()
        self.say(f"{len(ids)} item{'s' if len(ids) != 1 else ''} removed")
        self._update_list_row_size()

    def _update_list_row_size(self) -> None:
        try:
            self.shown_lists = self.lists.all_lists()
        except StoreError:
            return
        self.lists_table.blockSignals(True)
        for row, each in enumerate(self.shown_lists):
            self._set_list_row(row, each)
        self.lists_table.blockSignals(False)
        chosen = self.current_list()
        if chosen is not None:
            self.title_label.setText(f"{chosen.name} — {chosen.items} item{'s' if chosen.items != 1 else ''}")
        self.work.summaries()

    # -- export and calling ---------------------------------------------------------------------------------------

    def choose_export_file(self) -> None:
        chosen = self.current_list()
        if chosen is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export the list", f"{chosen.name}.csv", "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | os.PathLike[str]) -> None:
        """GUI thread: write the chosen list as `lists export` does, on the worker (10,000 items take ~80 ms);
        `exported` (or the report line) follows."""
        chosen = self.current_list()
        if chosen is None:
            return
        self.say(f'Exporting "{chosen.name}"…')
        self.work.export(chosen.id, os.fspath(path))

    @Slot(int, int, str)
    def _on_exported(self, _request: int, count: int, path: str) -> None:
        """GUI thread: the worker wrote the file."""
        self.say(f"{count} item{'s' if count != 1 else ''} written to {path}")
        self.exported.emit(count, path)

    @Slot()
    def start_calling(self) -> None:
        """GUI thread: Start calling (or Enter on a list): ask the window for a calling session on the list."""
        if self.current_list_id is not None:
            self.start_session_requested.emit(self.current_list_id)


def contact_pick_of(search: str, shown_ids: Sequence[int], selected: tuple[int, str] | None) -> ContactPick:
    return ContactPick(
        search,
        tuple(shown_ids),
        (selected[0],) if selected else (),
        selected[1] if selected else "",
    )
