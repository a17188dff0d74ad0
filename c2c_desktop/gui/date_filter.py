"""The date filter the History and the Compliance views share: all dates, today, the last 7 days, or between two
local days (the "Between…" choice shows two date fields)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QObject, Signal, Slot
from PySide6.QtWidgets import QComboBox, QDateEdit, QWidget

from c2c_desktop.gui.plain_text import plain_label

ALL_DATES, TODAY, LAST_7_DAYS, DATE_RANGE = "all", "today", "7days", "range"


def _to_date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class DateFilter(QObject):
    """The preset combo box and the two date fields; `changed` (GUI thread) whenever what they select changes.

    Put `widgets()` in the view's filter row, in that order. GUI thread only.
    """

    changed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.combo = QComboBox(parent)
        self.combo.setAccessibleName("Filter by date")
        for words, key in (("All dates", ALL_DATES), ("Today", TODAY), ("Last 7 days", LAST_7_DAYS)):
            self.combo.addItem(words, key)
        self.combo.addItem("Between…", DATE_RANGE)
        self.combo.currentIndexChanged.connect(self._on_preset_changed)
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7), parent)
        self.date_to = QDateEdit(today, parent)
        for edit, name in ((self.date_from, "From date"), (self.date_to, "To date (included)")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.setToolTip(name)
            edit.dateChanged.connect(self.changed)
        self.date_and = plain_label("and", parent)
        self._show_range(False)

    def widgets(self) -> list[QWidget]:
        return [self.combo, self.date_from, self.date_and, self.date_to]

    def day_range(self) -> tuple[date | None, date | None]:
        """(the first local day, the local day after the last) that the filter selects; None where it is open."""
        preset = self.combo.currentData()
        today = date.today()
        if preset == TODAY:
            return today, None
        if preset == LAST_7_DAYS:
            return today - timedelta(days=6), None
        if preset == DATE_RANGE:
            first, last = _to_date(self.date_from.date()), _to_date(self.date_to.date())
            if last < first:
                first, last = last, first
            return first, last + timedelta(days=1)
        return None, None

    def _show_range(self, visible: bool) -> None:
        for widget in (self.date_from, self.date_and, self.date_to):
            widget.setVisible(visible)

    @Slot(int)
    def _on_preset_changed(self, _index: int) -> None:
        """GUI thread."""
        self._show_range(self.combo.currentData() == DATE_RANGE)
        self.changed.emit()
