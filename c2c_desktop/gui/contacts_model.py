"""The contact list: a flat list model over the rows matching the search, and a two-line item delegate.

Filtering is done in Python by `core.search.ContactIndex` (never QSortFilterProxyModel's string filter, which calls
`data()` for every one of 100,000 rows per keystroke). The model only holds the matching positions, so a keystroke
costs one search plus a cheap model reset; the view asks `data()` for the visible rows only.

Use it with a QListView that has ``setUniformItemSizes(True)``: the view then asks the delegate for one size hint
instead of one per row. Give the view `model.view_model` (or call `attach_to_view`), not the model itself: after a
reset QListView calls ``model.index(row)`` for every row while laying out, and on a Python model each call crosses into
Python (~5 µs: 0.5 s for 100,000 rows). `view_model` is a pass-through QSortFilterProxyModel with no filter and no
sorting (same rows, same order, so view rows are model rows) that answers those calls in C++. Its string filter is
never used: that would call `data()` for every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from c2c_desktop.core.models import Contact
from c2c_desktop.core.phone import display_number
from c2c_desktop.core.search import ContactIndex

#: The primary number of the contact, formatted for reading ("" if none).
NumberRole = Qt.ItemDataRole.UserRole + 1
#: The `Contact` itself.
ContactRole = Qt.ItemDataRole.UserRole + 2

_DISPLAY_CACHE_LIMIT = 4096  # formatted numbers kept (only visible rows are ever asked for)
_ModelIndex = QModelIndex | QPersistentModelIndex


class ContactListModel(QAbstractListModel):
    """The contacts matching the current query, in name order. GUI thread only.

    Designed for a QListView with ``setUniformItemSizes(True)`` and a `ContactItemDelegate`.
    """

    def __init__(self, contacts: Iterable[Contact] = (), parent: QWidget | None = None, *, region: str = "US") -> None:
        """Show `contacts` (already in display order, e.g. `Store.list_contacts()`); `region` formats numbers."""
        super().__init__(parent)
        self._index = ContactIndex(contacts)
        self._query = ""
        self._positions: list[int] = self._index.search("")
        self._region = region
        self._number_text: dict[int, str] = {}
        # No Qt parent: a child that also has its parent as source model crashes at garbage collection.
        self._view_model = QSortFilterProxyModel()
        self._view_model.setDynamicSortFilter(False)
        self._view_model.setSourceModel(self)

    # --- what the window calls -----------------------------------------------------------------------------------

    @property
    def query(self) -> str:
        """The query currently applied."""
        return self._query

    @property
    def view_model(self) -> QSortFilterProxyModel:
        """What to give the QListView: the same rows in the same order, with C++ index lookups (see module doc)."""
        return self._view_model

    def attach_to_view(self, view: QListView) -> ContactItemDelegate:
        """Set up `view` for this model: uniform item sizes, `view_model`, a ContactItemDelegate (returned)."""
        view.setUniformItemSizes(True)
        view.setModel(self._view_model)
        delegate = ContactItemDelegate(view)
        view.setItemDelegate(delegate)
        return delegate

    @property
    def total_count(self) -> int:
        """How many contacts there are, matching or not."""
        return len(self._index)

    def set_contacts(self, contacts: Iterable[Contact]) -> None:
        """Replace every contact (after an import or edit) and apply the current query to the new list."""
        self.beginResetModel()
        self._index.replace(contacts)
        self._number_text.clear()
        self._positions = self._index.search(self._query)
        self.endResetModel()

    def set_region(self, region: str) -> None:
        """Format numbers for another default region (a settings change)."""
        if region != self._region:
            self._region = region
            self._number_text.clear()
            if self._positions:
                self.dataChanged.emit(self.index(0), self.index(len(self._positions) - 1), [NumberRole])

    def set_query(self, text: str) -> int:
        """Show the contacts matching `text` (see core.search for the rule); return how many match.

        Connect QLineEdit.textChanged here. Resets the model (cheap: only a list of positions changes).
        """
        self._query = text
        positions = self._index.search(text)
        if positions is not self._positions:
            self.beginResetModel()
            self._positions = positions
            self.endResetModel()
        return len(positions)

    def contact_at(self, row: int) -> Contact | None:
        """The contact shown at `row`, or None when the row does not exist."""
        if 0 <= row < len(self._positions):
            return self._index.contacts[self._positions[row]]
        return None

    def row_of_contact(self, contact_id: int) -> int | None:
        """The row showing the contact with id `contact_id`, or None if it is filtered out or unknown."""
        contacts = self._index.contacts
        for row, position in enumerate(self._positions):
            if contacts[position].id == contact_id:
                return row
        return None

    # --- QAbstractListModel --------------------------------------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        """Rows shown (0 under any valid parent: this is a flat list)."""
        return 0 if parent.isValid() else len(self._positions)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Display text, tooltip, accessible text, the primary number (NumberRole) or the Contact (ContactRole)."""
        if not index.isValid() or index.parent().isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._positions):
            return None
        position = self._positions[row]
        contact = self._index.contacts[position]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{contact.name} — {contact.company}" if contact.company else contact.name
        if role == NumberRole:
            return self._number_of(position, contact)
        if role == ContactRole:
            return contact
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(contact)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            parts = [contact.name, contact.company, contact.title, self._number_of(position, contact)]
            return ", ".join(part for part in parts if part)
        return None

    def roleNames(self) -> dict[int, Any]:
        """Role names, including the custom ones (for QML and debugging)."""
        names = dict(super().roleNames())
        names[NumberRole] = QByteArray(b"number")
        names[ContactRole] = QByteArray(b"contact")
        return names

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        """Rows are selectable and enabled, and never have children."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    # --- helpers -------------------------------------------------------------------------------------------------

    def _number_of(self, position: int, contact: Contact) -> str:
        text = self._number_text.get(position)
        if text is None:
            phone = contact.primary_phone
            # Parsing costs ~50 µs, so only rows actually shown are formatted, once.
            text = display_number(phone.number or phone.dial, self._region) if phone else ""
            if len(self._number_text) >= _DISPLAY_CACHE_LIMIT:
                self._number_text.clear()
            self._number_text[position] = text
        return text

    def _tooltip(self, contact: Contact) -> str:
        lines = [contact.name]
        lines.extend(part for part in (contact.title, contact.company) if part)
        for phone in contact.phones:
            label = f"{phone.label}: " if phone.label else ""
            primary = " (primary)" if phone.primary and len(contact.phones) > 1 else ""
            lines.append(f"{label}{display_number(phone.number or phone.dial, self._region)}{primary}")
        return "\n".join(lines)


class ContactItemDelegate(QStyledItemDelegate):
    """Paints a contact on two lines: name (bold) and company, then the primary number. Follows the palette."""

    MARGIN = 4  # logical pixels: Qt scales them with the device pixel ratio

    def __init__(self, parent: QWidget | None = None) -> None:
        """A delegate for `parent` (normally the QListView)."""
        super().__init__(parent)
        self._fonts: dict[str, tuple[QFont, QFont, QFontMetrics, QFontMetrics]] = {}

    def _fonts_for(self, font: QFont) -> tuple[QFont, QFont, QFontMetrics, QFontMetrics]:
        """Regular and bold fonts with their metrics, built once per view font (painting runs per visible row)."""
        key = font.key()
        fonts = self._fonts.get(key)
        if fonts is None:
            bold = QFont(font)
            bold.setBold(True)
            fonts = (QFont(font), bold, QFontMetrics(font), QFontMetrics(bold))
            self._fonts[key] = fonts
        return fonts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _ModelIndex) -> None:
        """Draw the item background (selection, hover, focus) with the style, then the two text lines."""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # No initStyleOption: it would ask the model for eight roles this delegate does not use.
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        contact = index.data(ContactRole)
        if not isinstance(contact, Contact):
            return
        number = index.data(NumberRole) or ""

        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal if state & QStyle.StateFlag.State_Enabled else QPalette.ColorGroup.Disabled
        main_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        main_color = option.palette.color(group, main_role)
        secondary_color = main_color if selected else option.palette.color(group, QPalette.ColorRole.PlaceholderText)

        regular, bold, regular_metrics, bold_metrics = self._fonts_for(option.font)
        rect = option.rect.adjusted(self.MARGIN * 2, self.MARGIN, -self.MARGIN * 2, -self.MARGIN)
        line_height = max(bold_metrics.height(), regular_metrics.height())
        first_line = QRect(rect.left(), rect.top(), rect.width(), line_height)
        second_line = QRect(rect.left(), rect.top() + line_height, rect.width(), line_height)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

        painter.save()
        try:
            painter.setClipRect(rect)
            painter.setPen(main_color)
            painter.setFont(bold)
            name = bold_metrics.elidedText(contact.name, Qt.TextElideMode.ElideRight, first_line.width())
            painter.drawText(first_line, align, name)
            if contact.company:
                rest = first_line.adjusted(bold_metrics.horizontalAdvance(name), 0, 0, 0)
                if rest.width() > 0:
                    painter.setFont(regular)
                    company = f" — {contact.company}"
                    painter.drawText(
                        rest, align, regular_metrics.elidedText(company, Qt.TextElideMode.ElideRight, rest.width())
                    )
            painter.setPen(secondary_color)
            painter.setFont(regular)
            painter.drawText(second_line, align, number)  # short: clipped rather than elided
        finally:
            painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _ModelIndex) -> QSize:
        """Two text lines of the view's font plus margins; grows with the font (and so with the scaling)."""
        bold = QFont(option.font)
        bold.setBold(True)
        line_height = max(QFontMetrics(bold).height(), option.fontMetrics.height())
        # A narrow minimum: QListView stretches rows to the viewport, and a wide hint would add a horizontal scrollbar.
        width = option.fontMetrics.averageCharWidth() * 16
        return QSize(width, 2 * line_height + 2 * self.MARGIN)
