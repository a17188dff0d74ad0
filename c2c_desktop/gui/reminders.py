"""Callback reminders in the window: a banner (always) and a desktop notification (with the `notifications` setting)
`callback_reminder_minutes` before each callback; at start, the callbacks that came due while the app was closed
("3 callbacks overdue"); and the Callbacks window (Call → Callbacks…, Ctrl+Shift+K), pending ones soonest first.

A GUI-thread timer polls the store every POLL_MS: `list_work.reminders()` and `due_callbacks()` read the pending
callbacks only (one indexed query; ~0.3 ms for 500 pending, see the README's Performance), so polling costs nothing
the agent could notice. Each callback is reminded once per run. Nothing here dials: Call fills the dial pad.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.calllists import Callback, StoreCallLists
from c2c_desktop.core.list_work import (
    DueCallback,
    agent_zone,
    due_callbacks,
    due_words,
    late_text,
    reminders,
    settle_callbacks,
)
from c2c_desktop.core.phone import DEFAULT_REGION, display_number
from c2c_desktop.core.store import Store, StoreError
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

if TYPE_CHECKING:
    from c2c_desktop.core.config import Settings

#: How often the pending callbacks are looked at: a reminder shows within this of its time.
POLL_MS = 10_000
BANNER_STYLE = "#{name} {{ background: {background}; border-radius: 4px; }} #{name} QLabel {{ color: {text}; }}"


def clock_words(callback: Callback) -> str:
    """ "10:00 (16:00 their time)": the agent's clock, then the callee's when their zone is known and differs."""
    from zoneinfo import ZoneInfo

    mine = callback.due_at.astimezone(agent_zone())
    if not callback.zone:
        return f"{mine:%H:%M}"
    theirs = callback.due_at.astimezone(ZoneInfo(callback.zone))
    if theirs.utcoffset() == mine.utcoffset():
        return f"{mine:%H:%M} (their time too)"
    return f"{mine:%H:%M} ({theirs:%H:%M} their time)"


def when_words(due_at: datetime, now: datetime) -> str:
    """ "in 2 min", "in less than a minute", "now", or "overdue by 5 min": list_work.due_words, the one rounding of
    the banner, the notification, the Callbacks window and `callbacks list`."""
    return due_words(due_at, now)


def who_words(callback: Callback, region: str) -> str:
    """The callee's name, or their number formatted for `region` (as everywhere in the window) when nameless."""
    return callback.name or display_number(callback.e164, region)


def reminder_text(callback: Callback, now: datetime) -> str:
    """ "Callback with Ada Lovelace at 10:00 (16:00 their time) — in 2 min"."""
    return f"Callback with {callback.label} at {clock_words(callback)} — {when_words(callback.due_at, now)}"


def overdue_text(count: int) -> str:
    return f"{count} callback{'s' if count != 1 else ''} overdue"


class CallbackReminders(QObject):
    """Polls the pending callbacks (GUI thread, timer). `reminder_due` once per callback per run, N minutes before
    its time (or when it comes due, if it was scheduled later than that); `overdue_at_start` once, at `start`, with
    those already due (also the ones that came due while the app was closed)."""

    reminder_due = Signal(object)  # DueCallback
    overdue_at_start = Signal(object)  # [DueCallback], soonest first
    polled = Signal(object)  # frozenset of the pending callbacks' ids: a banner of any other one goes

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime],
        parent: QObject | None = None,
        *,
        interval_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self._lists = StoreCallLists(store)
        self._settings = settings
        self._clock = clock
        self.reminded: set[int] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        """GUI thread: say what is overdue already, then poll."""
        try:
            late = due_callbacks(self._lists, self._clock())
        except StoreError:
            late = []
        self.reminded.update(due.callback.id for due in late)
        if late:
            self.overdue_at_start.emit(late)
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()

    @Slot()
    def poll(self) -> None:
        """GUI thread (timer): remind of each callback coming up (or come due) that was not reminded yet."""
        now = self._clock()
        try:
            settle_callbacks(self._lists)  # dialled since (the session, the dial pad, the command line): kept
            minutes = self._settings().callback_reminder_minutes
            coming = reminders(self._lists, now, minutes) + due_callbacks(self._lists, now)
            pending = frozenset(callback.id for callback in self._lists.callbacks())
        except StoreError:  # busy (another program writing): the next poll sees them
            return
        for due in coming:
            if due.callback.id not in self.reminded:
                self.reminded.add(due.callback.id)
                self.reminder_due.emit(due)
        self.polled.emit(pending)


class Banner(QFrame):
    """A coloured line across the window: a text, an action button and Dismiss. GUI thread only."""

    def __init__(self, name: str, action_text: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(BANNER_STYLE.format(name=name, background="#dcecfc", text="#0b3b66"))
        self.setAccessibleName(accessible_name)
        self.label = plain_label()
        self.label.setAccessibleName(accessible_name)
        self.label.setWordWrap(True)  # a long name wraps: the banner never widens its column
        self.action_button = QPushButton(action_text)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Hide this banner (the callback stays scheduled)")
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 3, 3)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    def text(self) -> str:
        return self.label.text()

    @Slot()
    def dismiss(self) -> None:
        self.hide()


class ReminderBanners(QWidget):
    """The banners over the main window's contacts: the next callback (one at a time: Dismiss shows the next one
    waiting), and the overdue ones found at start. `call_number` fills the dial pad; `show_callbacks` opens the
    Callbacks window. GUI thread only."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        call_number: Callable[[str], None],
        show_callbacks: Callable[[], None],
        parent: QWidget | None = None,
        *,
        region: Callable[[], str] = lambda: DEFAULT_REGION,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._call_number = call_number
        self._region = region
        self.waiting: list[DueCallback] = []
        self.overdue_list: list[DueCallback] = []
        self.current: DueCallback | None = None
        self.reminder = Banner("callback_banner", "Call", "Callback reminder")
        self.reminder.action_button.setToolTip("Put the number in the dial pad (press Enter there to call)")
        self.reminder.action_button.clicked.connect(self.call_current)
        self.reminder.dismiss_button.clicked.connect(self._show_next)
        self.overdue = Banner("overdue_banner", "Show", "Overdue callbacks")
        self.overdue.setStyleSheet(BANNER_STYLE.format(name="overdue_banner", background="#fde7e9", text="#6e0b12"))
        self.overdue.action_button.setToolTip("Open the Callbacks window (Ctrl+Shift+K)")
        self.overdue.action_button.clicked.connect(show_callbacks)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.overdue)
        layout.addWidget(self.reminder)
        self.overdue.dismiss_button.clicked.connect(self._hide_when_empty)
        # As wide as the column it sits in, never wider: showing a banner leaves the splitter's columns as they are.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hide()  # takes no room (nor the layout's spacing) until a banner shows

    def _hide_when_empty(self) -> None:
        if self.reminder.isHidden() and self.overdue.isHidden():
            self.hide()

    def remind(self, due: DueCallback) -> None:
        """GUI thread: a callback is coming up: shown now, or after the one shown is dismissed."""
        if self.current is None or self.reminder.isHidden():
            self._show(due)
        else:
            self.waiting.append(due)

    def _show(self, due: DueCallback) -> None:
        self.current = due
        self.refresh_text()
        number = display_number(due.callback.e164, self._region())
        self.reminder.setToolTip(
            plain_tooltip(f"{who_words(due.callback, self._region())} · {number}\n{due.callback.note}")
        )
        self.reminder.show()
        self.show()

    @Slot()
    def _show_next(self) -> None:
        """GUI thread: the banner was dismissed (or its callback called): the next one waiting, if any."""
        self.current = None
        if self.waiting:
            self._show(self.waiting.pop(0))
        else:
            self._hide_when_empty()

    def refresh_text(self, pending: frozenset[int] | None = None) -> None:
        """GUI thread (the reminders' poll): "in 2 min" moves on with the clock; with `pending` (the ids of the
        callbacks still pending), a banner of a callback dealt with (dialled, disposed, cancelled) goes at once."""
        if pending is not None:
            self.waiting = [due for due in self.waiting if due.callback.id in pending]
            if self.overdue_list:
                self._show_overdue_count([due for due in self.overdue_list if due.callback.id in pending])
            if self.current is not None and self.current.callback.id not in pending:
                self.reminder.hide()
                self._show_next()
        if self.current is not None:
            self.reminder.label.setText(reminder_text(self.current.callback, self._clock()))

    @Slot()
    def call_current(self) -> None:
        """GUI thread: Call on the banner: the number goes into the dial pad; nothing is dialled."""
        if self.current is None:
            return
        self._call_number(self.current.callback.e164)
        self.reminder.hide()
        self._show_next()

    def show_overdue(self, late: list[DueCallback]) -> None:
        """GUI thread: the callbacks found overdue at start (the banner counts down as they are dealt with)."""
        self._show_overdue_count(late)
        if late:
            self.overdue.show()
            self.show()

    def _show_overdue_count(self, late: list[DueCallback]) -> None:
        self.overdue_list = late
        if not late:
            self.overdue.hide()
            self._hide_when_empty()
            return
        self.overdue.label.setText(overdue_text(len(late)))
        self.overdue.setToolTip(
            plain_tooltip("\n".join(f"{due.callback.label}: overdue by {late_text(due.late)}" for due in late[:10]))
        )


def notification_of(due: DueCallback, now: datetime, region: str = DEFAULT_REGION) -> tuple[str, str]:
    """(summary, body) of a reminder's desktop notification; the number formatted for `region`."""
    callback = due.callback
    summary = f"Callback with {who_words(callback, region)} — {when_words(callback.due_at, now)}"
    body = f"At {clock_words(callback)} · {display_number(callback.e164, region)}"
    return summary, body + (f"\n{callback.note}" if callback.note else "")


class CallbacksDialog(QDialog):
    """The pending callbacks, soonest first, with how late the overdue ones are. Call fills the dial pad; Cancel
    cancels the chosen callback (`changed` then: the banners update at once). GUI thread only."""

    changed = Signal()

    HEADERS = ("Your time", "Their time", "Who", "Number", "When", "Note")

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        call_number: Callable[[str], None],
        parent: QWidget | None = None,
        *,
        region: Callable[[], str] = lambda: DEFAULT_REGION,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Callbacks")
        self._lists = StoreCallLists(store)
        self._clock = clock
        self._call_number = call_number
        self._region = region
        self.pending: list[DueCallback] = []
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.setAccessibleName("Pending callbacks")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.call_selected())
        self.summary_label = plain_label()
        self.summary_label.setAccessibleName("How many callbacks")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.call_button = buttons.addButton("&Call", QDialogButtonBox.ButtonRole.ActionRole)
        self.call_button.setToolTip("Put the number in the dial pad (press Enter there to call)")
        self.call_button.clicked.connect(self.call_selected)
        self.cancel_button = buttons.addButton("Ca&ncel callback", QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.setToolTip("Cancel the chosen callback: no reminder; its list item is skipped")
        self.cancel_button.clicked.connect(self.cancel_selected)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(860, 380)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """GUI thread: the pending callbacks again (one small query)."""
        from zoneinfo import ZoneInfo

        now = self._clock()
        try:
            settle_callbacks(self._lists)
            self.pending = [DueCallback(cb, now - cb.due_at) for cb in self._lists.callbacks()]
        except StoreError as exc:
            self.summary_label.setText(f"The callbacks cannot be read: {exc}")
            return
        zone = agent_zone()
        region = self._region()
        self.table.setRowCount(len(self.pending))
        for row, due in enumerate(self.pending):
            callback = due.callback
            theirs = f"{callback.due_at.astimezone(ZoneInfo(callback.zone)):%a %d %b %H:%M}" if callback.zone else "?"
            when = due_words(callback.due_at, now)
            cells = (
                f"{callback.due_at.astimezone(zone):%a %d %b %H:%M}",
                theirs + (f" ({callback.zone})" if callback.zone else ""),
                who_words(callback, region),
                display_number(callback.e164, region),
                when,
                callback.note,
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 4 and due.overdue:
                    cell.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, cell)
        late = sum(due.overdue for due in self.pending)
        total = len(self.pending)
        if not total:
            self.summary_label.setText("No callbacks scheduled.")
        else:
            self.summary_label.setText(
                f"{total} callback{'s' if total != 1 else ''} pending" + (f", {overdue_text(late)}" if late else "")
            )
        if total and self.table.currentRow() < 0:
            self.table.setCurrentCell(0, 0)

    def row_texts(self) -> list[tuple[str, ...]]:
        return [
            tuple(
                (cell.text() if (cell := self.table.item(row, column)) else "")
                for column in range(self.table.columnCount())
            )
            for row in range(self.table.rowCount())
        ]

    @Slot()
    def call_selected(self) -> None:
        """GUI thread: the chosen callback's number into the dial pad; nothing is dialled."""
        row = self.table.currentRow()
        if 0 <= row < len(self.pending):
            self._call_number(self.pending[row].callback.e164)

    @Slot()
    def cancel_selected(self) -> None:
        """GUI thread: cancel the chosen callback (one small write), then the list again and `changed`."""
        row = self.table.currentRow()
        if not 0 <= row < len(self.pending):
            return
        try:
            self._lists.cancel_callback(self.pending[row].callback.id)
        except StoreError as exc:
            self.summary_label.setText(f"The callback cannot be cancelled now: {exc}")
            return
        self.refresh()
        self.changed.emit()
