"""The contact list's view: a one-column table that looks like a list, and the height of its two-line rows.

Its own module, apart from the model (gui/contacts_model.py), because the window's first paint shows the list area
before the core (search, store, phone) is loaded: this module needs only Qt (gui/app.py).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

#: Pixels above and below a row's two lines (the delegate paints within them).
ROW_MARGIN = 4


def contact_row_height(font: QFont) -> int:
    """The height of one contact row in `font`: two text lines (the first bold) plus margins."""
    bold = QFont(font)
    bold.setBold(True)
    line_height = max(QFontMetrics(bold).height(), QFontMetrics(font).height())
    return 2 * line_height + 2 * ROW_MARGIN


class ContactListView(QTableView):
    """A one-column table that looks and behaves like a list: fixed row height, no grid, no headers.

    Chosen over QListView for speed (see the module doc). Home/End go to the first/last contact; Tab leaves the view.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty view; give it a model with `ContactListModel.attach_to_view`."""
        super().__init__(parent)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.setCornerButtonEnabled(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        columns = self.horizontalHeader()
        columns.hide()
        columns.setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setMinimumSectionSize(1)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row size hints, ever
        self._update_row_height()
        self._empty_text = ""
        self._viewport: QWidget | None = None

    def viewport(self) -> QWidget:
        """The widget the rows are painted on. Qt's own viewport() makes PySide6 try every QWidget class for the type
        of what it returns, the first time (~10 ms, before the window could show); looked up by the name and class
        QAbstractScrollArea gives it, it is the same widget at no cost."""
        if self._viewport is None:
            found = self.findChild(QWidget, "qt_scrollarea_viewport", Qt.FindChildOption.FindDirectChildrenOnly)
            self._viewport = found if found is not None else super().viewport()
        return self._viewport

    def set_empty_text(self, text: str) -> None:
        """GUI thread: what the view says in its middle while it shows no contacts ("": nothing)."""
        if text != self._empty_text:
            self._empty_text = text
            self.setAccessibleDescription(text)
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        """GUI thread: the rows; when there are none, the empty text (how to get contacts, or that none matches)."""
        super().paintEvent(event)
        model = self.model()
        if self._empty_text and model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(16, 16, -16, -16)
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap), self._empty_text)
            painter.end()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """Rows follow the font (and so the scaling)."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._update_row_height()

    def moveCursor(  # noqa: N802 (Qt override)
        self, cursor_action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """As a list: Home/End go to the first/last row (a table would go to the first/last cell of the row)."""
        if cursor_action in (QAbstractItemView.CursorAction.MoveHome, QAbstractItemView.CursorAction.MoveEnd):
            modifiers = modifiers | Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(cursor_action, modifiers)

    def _update_row_height(self) -> None:
        self.verticalHeader().setDefaultSectionSize(contact_row_height(self.font()))
