"""The Figures view: the day's figures (core/figures.py) for today, this week or a range of days, of all calls or of
one call list, a chart of the connect rate by the callee's local hour, and CSV export.

The figures are computed off the GUI thread: a 100,000-call journal takes longer than the 50 ms the window may stall.
A plain Python thread opens its own `Store` on the same file (a Store belongs to the thread that opened it), computes,
closes it, and hands the result to the GUI thread by a queued signal. A result that comes back after the period
changed again is dropped (each request has a number). Only the GUI thread touches widgets. The names of the lists
for the list selector are read on the GUI thread from the window's store (one small query, when the view refreshes).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal, SignalInstance, Slot
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core import figures as core
from c2c_desktop.core.calllists import CallList, StoreCallLists
from c2c_desktop.core.figures import Figures, HourBar, Period
from c2c_desktop.core.store import Store
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

ALL_CALLS = "All calls"
LIST_TIP = "The figures of all calls, or only of the calls placed from one call list"

#: What each figure means, as the name's tooltip (the README's definitions, short).
DEFINITIONS: dict[str, str] = {
    "Dials": "Calls whose request was sent or may have been: Connected, No answer, Unknown or still ringing.\n"
    "Not sent and Rejected calls rang no phone and are not dials.",
    "First-leg answers": "Dials that ended Connected: the first phone answered (yours with call type 2).",
    "Prospect connects": "Dials whose disposition says the prospect was reached: "
    + ", ".join(core.PROSPECT_CONNECT_DISPOSITIONS)
    + ".",
    "Connect rate": "Prospect connects / dials.",
    "Calling hours": "Hours of your clock (09:00–09:59, …) in which at least one dial started.",
    "Dials per hour": "Dials / calling hours: breaks do not lower it.",
    "Callbacks kept": "Callbacks due in the period with a dial to their number from 5 min before to 30 min after.\n"
    "Of one list: the callbacks of its items (a dial from anywhere keeps them).",
    "Callbacks missed": "Callbacks due in the period with no dial in that window, which is over.\n"
    "Cancelled callbacks (moved to another time) are neither kept nor missed.",
    "Callbacks pending": "Callbacks whose window is still open.",
}


# --- the chart ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSlot:
    """One place on the chart's hour axis: its label and its bar (an hour without dials has 0 dials)."""

    label: str
    bar: HourBar


def chart_slots(bars: Sequence[HourBar]) -> list[ChartSlot]:
    """The hours from the first to the last with dials (the hours between included, empty), then "?" for the callees
    whose zone is unknown, if any."""
    by_hour = {bar.hour: bar for bar in bars}
    known = [bar.hour for bar in bars if bar.hour is not None]
    slots = [
        ChartSlot(str(hour), by_hour.get(hour, HourBar(hour, 0, 0)))
        for hour in (range(min(known), max(known) + 1) if known else ())
    ]
    if None in by_hour:
        slots.append(ChartSlot("?", by_hour[None]))
    return slots


class HourChart(QWidget):
    """Bars of the connect rate per hour of the callee's clock, each with its number of dials above it, on a 0-100 %
    axis. Drawn with QPainter; the layout comes from the font, so it reads the same at any scale. GUI thread only."""

    TITLE = "Connect rate by the callee's local hour"
    X_TITLE = "Callee's local hour"
    UNKNOWN_NOTE = "  (? = zone not known)"
    NOTE = "Above each bar: dials in that hour"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slots: list[ChartSlot] = []
        self._overall: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.TITLE)
        self.setMouseTracking(True)

    def set_bars(self, bars: Sequence[HourBar], overall: float | None = None) -> None:
        """Show `bars`; `overall` (the period's connect rate) is drawn as a dashed line across them."""
        self._slots = chart_slots(bars)
        self._overall = overall if bars else None
        self.setAccessibleDescription(
            "; ".join(
                f"{core.hour_words(slot.bar.hour)}: {core.percent_text(slot.bar.rate)} of {slot.bar.dials} dials"
                for slot in self._slots
                if slot.bar.dials
            )
            or "No dials"
        )
        self.update()

    def slots(self) -> list[ChartSlot]:
        return list(self._slots)

    def note(self) -> str:
        """The line under the title: what the numbers and the dashed line are."""
        if self._overall is None:
            return self.NOTE
        return f"{self.NOTE}; dashed line: all hours ({core.percent_text(self._overall)})"

    def x_title(self) -> str:
        """The hour axis's title; it explains "?" when there is such a bar."""
        unknown = any(slot.bar.hour is None for slot in self._slots)
        return self.X_TITLE + (self.UNKNOWN_NOTE if unknown else "")

    def overall_y(self) -> float | None:
        """The height of the dashed line of the period's connect rate, or None when there is none."""
        if self._overall is None:
            return None
        plot = self.plot_rect()
        return plot.bottom() - plot.height() * self._overall

    # -- geometry (tested; the painting only follows it) -----------------------------------------------------------

    def _line(self) -> int:
        return self.fontMetrics().height()

    def plot_rect(self) -> QRectF:
        """The area of the bars: 0 % at its bottom, 100 % at its top."""
        metrics, line = self.fontMetrics(), self._line()
        left = metrics.horizontalAdvance("100%") + line * 2  # the tick labels and the rotated axis title
        top = line * 3  # the title, the note, the counts above a 100 % bar
        bottom = line * 2 + line // 2  # the hour labels and the axis title
        right = line
        return QRectF(left, top, max(1, self.width() - left - right), max(1, self.height() - top - bottom))

    def slot_rect(self, index: int) -> QRectF:
        """The column of slot `index` (its bar is drawn inside it)."""
        plot = self.plot_rect()
        width = plot.width() / max(1, len(self._slots))
        return QRectF(plot.left() + index * width, plot.top(), width, plot.height())

    def bar_rect(self, index: int) -> QRectF:
        """The bar of slot `index`: its height is the slot's connect rate of the plot's height (empty without dials)."""
        column, bar = self.slot_rect(index), self._slots[index].bar
        gap = min(column.width() * 0.2, self._line() / 2)
        height = column.height() * bar.rate if bar.dials else 0.0
        return QRectF(column.left() + gap / 2, column.bottom() - height, column.width() - gap, height)

    def count_rect(self, index: int) -> QRectF:
        """Where the number of dials of slot `index` is written: just above its bar."""
        bar = self.bar_rect(index)
        return QRectF(
            self.slot_rect(index).left(), bar.top() - self._line(), self.slot_rect(index).width(), self._line()
        )

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        line = self._line()
        return QSize(line * 40, line * 16)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        line = self._line()
        return QSize(line * 24, line * 11)

    # -- painting ---------------------------------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        faint = QColor(text)
        faint.setAlpha(60)
        line = self._line()
        plot = self.plot_rect()
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self.width(), line), Qt.AlignmentFlag.AlignCenter, self.TITLE)
        painter.setFont(self.font())
        painter.drawText(QRectF(0, line, self.width(), line), Qt.AlignmentFlag.AlignCenter, self.note())
        # The rate axis: grid lines every 25 %, labelled.
        for percent in (0, 25, 50, 75, 100):
            y = plot.bottom() - plot.height() * percent / 100
            painter.setPen(QPen(text if percent == 0 else faint, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            label = QRectF(line * 1.5, y - line / 2, plot.left() - line * 1.5 - 4, line)
            painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{percent}%")
        painter.save()
        painter.translate(line * 0.2, plot.center().y())
        painter.rotate(-90)
        painter.drawText(
            QRectF(-plot.height() / 2, 0, plot.height(), line), Qt.AlignmentFlag.AlignCenter, "Connect rate"
        )
        painter.restore()
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + line * 1.25, plot.width(), line),
            Qt.AlignmentFlag.AlignCenter,
            self.x_title(),
        )
        if not self._slots:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No dials in this period")
            return
        overall = self.overall_y()
        if overall is not None:  # under the bars and the counts, which stay readable
            painter.setPen(QPen(text, 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(plot.left(), overall), QPointF(plot.right(), overall))
        fill = palette.color(QPalette.ColorRole.Highlight)
        unknown_fill = QColor(fill)
        unknown_fill.setAlpha(110)
        for index, slot in enumerate(self._slots):
            column = self.slot_rect(index)
            painter.setPen(text)
            painter.drawText(
                QRectF(column.left(), plot.bottom() + 2, column.width(), line), Qt.AlignmentFlag.AlignCenter, slot.label
            )
            if not slot.bar.dials:
                continue
            bar = self.bar_rect(index)
            painter.fillRect(bar, unknown_fill if slot.bar.hour is None else fill)
            count = f"{slot.bar.dials:,}"
            where = self.count_rect(index)
            backdrop = QRectF(0, 0, self.fontMetrics().horizontalAdvance(count) + 4, where.height())
            backdrop.moveCenter(where.center())
            painter.fillRect(backdrop, palette.color(QPalette.ColorRole.Window))
            painter.drawText(where, Qt.AlignmentFlag.AlignCenter, count)

    def slot_at(self, x: float) -> int:
        """The slot under x, or -1."""
        for index in range(len(self._slots)):
            column = self.slot_rect(index)
            if column.left() <= x < column.right():
                return index
        return -1

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.slot_at(event.pos().x())
            if index >= 0:
                QToolTip.showText(event.globalPos(), plain_tooltip(self.slot_words(index)), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def slot_words(self, index: int) -> str:
        """The tooltip of slot `index`, e.g. "09:00–09:59 at the callee: 2 of 3 dials reached the prospect (67%)"."""
        bar = self._slots[index].bar
        when = "Callee's zone not known" if bar.hour is None else f"{bar.hour:02d}:00–{bar.hour:02d}:59 at the callee"
        if not bar.dials:
            return f"{when}: no dials"
        return f"{when}: {bar.connects} of {bar.dials} dials reached the prospect ({core.percent_text(bar.rate)})"


# --- computing off the GUI thread -----------------------------------------------------------------------------------


class _Results(QObject):
    """Lives in the GUI thread; the worker thread emits, the slots run queued on the GUI thread."""

    done = Signal(int, object, float)  # request number, Figures, seconds
    failed = Signal(int, str)


def compute_in_thread(request: int, path: Path, period: Period, call_list: CallList | None, results: _Results) -> None:
    """Worker thread: open the store, compute (overall, or of `call_list`), close, report. Never touches a widget."""
    started = time.perf_counter()
    try:
        with Store(path) as store:
            figures = core.day_figures(store, period, call_list=call_list)
    except Exception as exc:  # a StoreError or anything else: one plain line in the view, never a traceback
        _report(results.failed, request, str(exc) or type(exc).__name__)
        return
    _report(results.done, request, figures, time.perf_counter() - started)


def _report(signal: SignalInstance, *args: object) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:  # the view was closed and deleted meanwhile: nobody is waiting for these figures
        pass


# --- the view -------------------------------------------------------------------------------------------------------


class FiguresView(QWidget):
    """The list and period rows, the figures, the chart, and the Export/Refresh buttons. GUI thread only."""

    #: The figures on screen were replaced (GUI thread), with them.
    shown = Signal(object)

    PERIODS = (("Today", core.TODAY), ("This week", core.THIS_WEEK), ("Chosen days", core.DATE_RANGE))

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path = store.path
        self._lists = StoreCallLists(store)  # the GUI thread's store: the list names only
        self.figures: Figures | None = None
        self._request = 0
        self._results = _Results(self)
        self._results.done.connect(self._on_done)
        self._results.failed.connect(self._on_failed)
        self.setAccessibleName("The day's figures")

        self.period_combo = QComboBox(self)
        self.period_combo.setAccessibleName("Period")
        for words, key in self.PERIODS:
            self.period_combo.addItem(words, key)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-6), self)
        self.date_to = QDateEdit(today, self)
        for edit, name in ((self.date_from, "From date"), (self.date_to, "To date (included)")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.setToolTip(name)
            edit.dateChanged.connect(self.refresh)
        self.date_since = plain_label("from", self)
        self.date_and = plain_label("to", self)
        self.period_combo.currentIndexChanged.connect(self._on_period_changed)
        self.period_label = plain_label("", self)
        self.list_combo = QComboBox(self)
        self.list_combo.setAccessibleName("Call list")
        self.list_combo.setToolTip(plain_tooltip(LIST_TIP))
        self.list_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.list_combo.addItem(ALL_CALLS, None)
        self.list_combo.currentIndexChanged.connect(self._on_list_changed)
        list_title, period_title = plain_label("&List:", self), plain_label("&Period:", self)
        list_title.setBuddy(self.list_combo)
        period_title.setBuddy(self.period_combo)
        chosen_list = QHBoxLayout()
        chosen_list.addWidget(self.list_combo)
        chosen_list.addStretch(1)
        dates = QHBoxLayout()
        for widget in (self.period_combo, self.date_since, self.date_from, self.date_and, self.date_to):
            dates.addWidget(widget)
        dates.addSpacing(12)
        dates.addWidget(self.period_label, 1)
        row = QFormLayout()
        row.addRow(list_title, chosen_list)
        row.addRow(period_title, dates)
        self._show_range(False)

        self.value_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        big.setBold(True)
        for index, (name, _value) in enumerate(core.figure_lines(Figures(core.today_period(date.today()), ""))):
            column, line = divmod(index, 5)
            name_label = plain_label(name, self)
            name_label.setToolTip(plain_tooltip(DEFINITIONS[name]))
            value_label = plain_label(core.NO_VALUE, self)
            value_label.setFont(big)
            value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value_label.setAccessibleName(name)
            value_label.setToolTip(plain_tooltip(DEFINITIONS[name]))
            grid.addWidget(name_label, line, column * 3)
            grid.addWidget(value_label, line, column * 3 + 1)
            self.value_labels[name] = value_label
        grid.setColumnMinimumWidth(2, 24)
        grid.setColumnStretch(6, 1)
        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setLayout(grid)

        self.chart = HourChart(self)
        self.status_label = plain_label("", self, wrap=True)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setToolTip("Save these figures as a CSV file (rates as fractions: 0.25 = 25%)")
        self.export_button.clicked.connect(self.export_csv_dialog)
        self.export_button.setEnabled(False)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Compute the figures again from the journal")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(row)
        layout.addWidget(frame)
        layout.addWidget(self.chart, 1)
        layout.addLayout(buttons)

    # -- the period -------------------------------------------------------------------------------------------------

    def period(self, today: date | None = None) -> Period:
        """The period chosen (today's local date by default)."""
        today = today or date.today()
        key = self.period_combo.currentData()
        if key == core.THIS_WEEK:
            return core.week_period(today)
        if key == core.DATE_RANGE:
            first, last = (_to_date(edit.date()) for edit in (self.date_from, self.date_to))
            return Period(min(first, last), max(first, last))
        return core.today_period(today)

    def choose(self, key: str) -> None:
        """GUI thread: choose the period `key` (core.TODAY, core.THIS_WEEK or core.DATE_RANGE)."""
        self.period_combo.setCurrentIndex(self.period_combo.findData(key))

    def call_list(self) -> CallList | None:
        """The list chosen, or None for all calls."""
        chosen = self.list_combo.currentData()
        return chosen if isinstance(chosen, CallList) else None

    def choose_list(self, name: str | None) -> None:
        """GUI thread: choose the list named `name` (None: all calls); its figures are computed."""
        self.fill_lists()
        wanted = None if name is None else " ".join(name.split()).casefold()
        names = [getattr(self.list_combo.itemData(n), "name", "").casefold() for n in range(self.list_combo.count())]
        index = 0 if wanted is None else names.index(wanted) if wanted in names else -1
        if index < 0:
            raise ValueError(f"no list named {name!r}")
        self.list_combo.setCurrentIndex(index)

    def fill_lists(self) -> None:
        """GUI thread: the lists as they are now in the selector (the one chosen stays chosen while it exists)."""
        chosen = self.call_list()
        try:
            lists = self._lists.all_lists()
        except Exception as exc:  # a StoreError: the figures of all calls can still be shown
            self.status_label.setText(f"The call lists could not be read: {exc}")
            lists = []
        self.list_combo.blockSignals(True)
        try:
            self.list_combo.clear()
            self.list_combo.addItem(ALL_CALLS, None)
            longest = self.fontMetrics().averageCharWidth() * 40
            for index, each in enumerate(lists, start=1):
                # A long name is cut short in the middle; its tooltip says it whole.
                words = self.fontMetrics().elidedText(each.name, Qt.TextElideMode.ElideMiddle, longest)
                self.list_combo.addItem(words, each)
                self.list_combo.setItemData(index, plain_tooltip(each.name), Qt.ItemDataRole.ToolTipRole)
            again = next((n + 1 for n, each in enumerate(lists) if chosen and each.id == chosen.id), 0)
            self.list_combo.setCurrentIndex(again)
        finally:
            self.list_combo.blockSignals(False)
        self._say_list()

    @Slot(int)
    def _on_list_changed(self, _index: int) -> None:
        """GUI thread."""
        self._say_list()
        self.refresh(read_lists=False)

    def _say_list(self) -> None:
        chosen = self.call_list()
        self.list_combo.setToolTip(plain_tooltip(f"{LIST_TIP}.\nShown: {ALL_CALLS if chosen is None else chosen.name}"))

    def _show_range(self, visible: bool) -> None:
        for widget in (self.date_since, self.date_from, self.date_and, self.date_to):
            widget.setVisible(visible)

    @Slot(int)
    def _on_period_changed(self, _index: int) -> None:
        """GUI thread."""
        self._show_range(self.period_combo.currentData() == core.DATE_RANGE)
        self.refresh()

    # -- computing --------------------------------------------------------------------------------------------------

    @Slot()
    def refresh(self, *, read_lists: bool = True) -> None:
        """GUI thread: compute the figures of the chosen period and list in a worker thread; they are shown when
        ready. `read_lists`: read the names of the lists again first (a list may have been made or renamed)."""
        if read_lists:
            self.fill_lists()
        self._request += 1
        period = self.period()
        self.period_label.setText(period.words)
        self.status_label.setText("Computing…")
        worker = threading.Thread(
            target=compute_in_thread,
            args=(self._request, self.db_path, period, self.call_list(), self._results),
            name="c2c-figures",
            daemon=True,  # it only reads: nothing is lost if the app quits meanwhile
        )
        worker.start()

    @Slot(int, object, float)
    def _on_done(self, request: int, figures: Figures, seconds: float) -> None:
        """GUI thread: the worker's figures; dropped when a newer request was made meanwhile."""
        if request != self._request:
            return
        self.show_figures(figures)
        self.status_label.setText(f"Computed from the journal in {seconds * 1000:,.0f} ms")

    @Slot(int, str)
    def _on_failed(self, request: int, message: str) -> None:
        """GUI thread."""
        if request == self._request:
            self.status_label.setText(f"The figures could not be computed: {message}")

    def show_figures(self, figures: Figures) -> None:
        """GUI thread: put `figures` on screen."""
        self.figures = figures
        for name, value in core.figure_lines(figures):
            self.value_labels[name].setText(value)
        self.period_label.setText(figures.period.words)
        self.chart.set_bars(figures.by_callee_hour, figures.connect_rate)
        self.export_button.setEnabled(True)
        self.shown.emit(figures)

    def shown_values(self) -> dict[str, str]:
        """Each figure's name and the text shown for it."""
        return {name: label.text() for name, label in self.value_labels.items()}

    # -- export -----------------------------------------------------------------------------------------------------

    @Slot()
    def export_csv_dialog(self) -> None:
        """GUI thread: ask where to save, then export the figures shown."""
        if self.figures is None:
            return
        period = self.figures.period
        named = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.figures.list_name)
        suggested = str(
            Path.home() / f"figures-{named + '-' if named else ''}{period.first:%Y-%m-%d}-to-{period.last:%Y-%m-%d}.csv"
        )
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export figures", suggested, "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | os.PathLike[str]) -> int | None:
        """Write the figures shown to `path` as CSV; the number of rows, or None on failure (said in the view)."""
        if self.figures is None:
            return None
        try:
            count = core.write_figures_csv([self.figures], path)
        except OSError as exc:
            self.status_label.setText(f"Not exported: {exc.strerror or exc} ({path})")
            return None
        self.status_label.setText(f"Figures exported to {path}")
        return count


def _to_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class FiguresDialog(QDialog):
    """`FiguresView` in its own window with a Close button. Not modal: calls go on while it is open."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The day's figures — c2c-desktop")
        self.view = FiguresView(store, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 8)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        line = self.fontMetrics().height()
        self.resize(line * 54, line * 36)

    @Slot()
    def refresh(self) -> None:
        """GUI thread: compute the figures again."""
        self.view.refresh()
