"""The contact list: a flat list model over the rows matching the search, a view made for 100,000 rows, and a
two-line item delegate.

Why it is built this way (measured with benchmarks/bench_search.py and bench_memory.py over 100,000 contacts):

* Filtering is done in Python by `core.search.ContactIndex` (never QSortFilterProxyModel's string filter, which calls
  `data()` for every row per keystroke). A keystroke costs one search plus a cheap model reset.
* The model holds compact columns (`core.store.ContactRows`), not `Contact` objects (100,000 of those with their
  PhoneEntry objects take ~118 MiB). The full Contact is fetched by id through `contact_loader` (normally
  `Store.get_contact`) only when the window needs one: to call it, or to show its other numbers.
* The view is `ContactListView`, a one-column QTableView dressed as a list. After every model reset QListView lays
  out every row, calling `model.index()` per row (12 ms per keystroke for 100,000 rows even through a C++ proxy); a
  table with fixed row heights does no per-row work at all, and only the visible rows are ever asked for.
* `ContactItemDelegate` reads the model's columns directly (no QVariant round trip per role) and keeps Qt enum
  arithmetic out of its per-row path (each Python enum operation costs about a microsecond).
* A big list loads in pages from the event loop (`load`), so the window shows at once and never freezes; a list
  changed by another program is read again the same way beside the shown one and swapped in at once (`refresh`).
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QWidget,
)

from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import display_number
from c2c_desktop.core.search import ContactIndex, query_words
from c2c_desktop.core.store import ContactRows, StoreError
from c2c_desktop.gui.contact_list_view import ROW_MARGIN, ContactListView, contact_row_height
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.plain_text import plain_tooltip

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyleOptionViewItem  # made by Qt when a row is painted: ~2 ms before the window

    from c2c_desktop.core.rules.glance import Glance

log = logging.getLogger(__name__)

#: The primary number of the contact, formatted for reading ("" if none).
NumberRole = Qt.ItemDataRole.UserRole + 1
#: The full `Contact` (fetched through the model's contact_loader when the model holds rows).
ContactRole = Qt.ItemDataRole.UserRole + 2

#: Contacts fetched before the window first shows, then per event-loop turn while a list loads in pages.
FIRST_PAGE = 2_000
PAGE = 5_000

_DISPLAY_CACHE_LIMIT = 4096  # formatted numbers kept (only visible rows are ever asked for)
_ModelIndex = QModelIndex | QPersistentModelIndex
_DISPLAY_ROLE = Qt.ItemDataRole.DisplayRole
_TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
_ACCESSIBLE_ROLE = Qt.ItemDataRole.AccessibleTextRole
ContactLoader = Callable[[int], Contact | None]
PageFetcher = Callable[[int, int], ContactRows]
#: A row's "callable now" verdict by contact id, if known (gui/callable_now.py: `CallableNow.mark` for painting,
#: `CallableNow.cached` for tooltips); None when not known (yet).
MarkLookup = Callable[[int], "Glance | None"]


def company_shown(name: str, company: str) -> str:
    """The company as shown beside `name`: "" when it is the name (a company-only contact is named after it)."""
    return "" if company == name else company


class ContactListModel(QAbstractListModel):
    """The contacts matching the current query, in name order. GUI thread only.

    Show it in a `ContactListView` through `attach_to_view`.
    """

    #: GUI thread: the contacts changed (a page arrived, a reload, set_contacts) and the query was applied again.
    contents_changed = Signal()
    #: GUI thread: a `load` has fetched its last page; every contact is searchable.
    loading_finished = Signal()
    #: GUI thread: a `refresh` is about to swap in the contacts it read (the view's current index is still valid).
    about_to_refresh = Signal()
    #: GUI thread: a `refresh` swapped in contacts that differ from those shown; the query is applied to them.
    refreshed = Signal()

    def __init__(
        self,
        contacts: ContactRows | Iterable[Contact] = (),
        parent: QWidget | None = None,
        *,
        region: str = "US",
        contact_loader: ContactLoader | None = None,
    ) -> None:
        """Show `contacts` (in display order, e.g. `Store.contact_rows()`); `region` formats numbers.

        `contact_loader(id)` fetches a full Contact (`Store.get_contact`) for `contact_at` when the model holds rows;
        without it a Contact with only the primary number is made from the row. Contact objects given here are kept
        and returned as they are.
        """
        super().__init__(parent)
        self._index = ContactIndex()
        self._given: list[Contact] | None = None
        self._loader = contact_loader
        self._last_contact: Contact | None = None
        self._query = ""
        self._query_words: tuple[str, ...] = ()
        self._positions: Sequence[int] = self._index.search("")
        self.best_row = 0  # the row to highlight for the current query (set_query)
        self._region = region
        self._number_text: dict[int, str] = {}
        self._fetch: PageFetcher | None = None
        self._mark: MarkLookup | None = None
        self._cached_mark: MarkLookup | None = None
        self._staging: ContactIndex | None = None  # what a `refresh` has read so far, beside the shown index
        self._partial = False  # the shown index still waits for pages of a `load`
        self._page_size = PAGE
        self._load_timer = QTimer(self)
        self._load_timer.setSingleShot(True)
        self._load_timer.setInterval(0)
        self._load_timer.timeout.connect(self._load_next_page)
        self._replace(contacts)

    # --- what the window calls -----------------------------------------------------------------------------------

    @property
    def query(self) -> str:
        """The query currently applied."""
        return self._query

    @property
    def total_count(self) -> int:
        """How many contacts are loaded, matching or not."""
        return len(self._index)

    @property
    def is_loading(self) -> bool:
        """True while the shown list waits for pages of a `load` (a `refresh` of a whole list does not count)."""
        return self._partial

    def attach_to_view(self, view: ContactListView) -> ContactItemDelegate:
        """Show this model in `view` with a ContactItemDelegate (returned)."""
        view.setModel(self)
        delegate = ContactItemDelegate(self, view)
        view.setItemDelegate(delegate)
        return delegate

    def set_contacts(self, contacts: ContactRows | Iterable[Contact]) -> None:
        """Replace every contact (stopping any `load` or `refresh`) and apply the current query to the new list."""
        self._fetch = None
        self._staging = None
        self._partial = False
        self._load_timer.stop()
        self._replace(contacts)
        self.contents_changed.emit()

    def load(self, fetch: PageFetcher, *, first_page: int = FIRST_PAGE, page: int = PAGE) -> None:
        """Replace every contact with those `fetch(offset, limit)` returns (`Store.contact_rows`), page by page.

        The first page (`first_page` contacts; 0: none) is fetched now; each further page on a later turn of the event
        loop, so that the window paints and takes input while 100,000 contacts load. Searches apply to what is loaded
        and are applied again as pages arrive (`contents_changed`); `loading_finished` follows the last page. A new
        load, refresh or set_contacts cancels it.
        """
        self._load_timer.stop()
        self._fetch = fetch
        self._staging = None
        self._partial = True
        self._page_size = page
        rows = ContactRows()
        if first_page > 0:
            try:
                rows = fetch(0, first_page)
            except StoreError:
                self._fail_loading()
                return
        self._replace(rows)
        self._after_page(0 < first_page and len(rows) < first_page)

    def refresh(self, fetch: PageFetcher, *, page: int = PAGE) -> None:
        """Read every contact again through `fetch(offset, limit)` (another program changed the store), without
        disturbing what is shown: the pages are read on later turns of the event loop into an index beside the shown
        one, which stays shown and searchable meanwhile; then it is swapped in at once and the current query applied
        to it (`about_to_refresh`, then `refreshed`; neither when nothing differs). A load, refresh or set_contacts
        started meanwhile replaces it; one still loading goes on as this refresh (`loading_finished` at its end).
        """
        self._load_timer.stop()
        self._fetch = fetch
        self._page_size = page
        self._staging = ContactIndex()
        self._load_timer.start()

    def set_marks(self, mark: MarkLookup, cached: MarkLookup) -> None:
        """Mark rows that cannot be called now: `mark(contact_id)` is asked for each painted row (it may judge it
        later), `cached(contact_id)` for a row's tooltip (never judges)."""
        self._mark = mark
        self._cached_mark = cached

    def row_mark(self, row: int) -> Glance | None:
        """The verdict to paint at `row`, if known (see `set_marks`)."""
        mark = self._mark
        if mark is None or not 0 <= row < len(self._positions):
            return None
        return mark(self._index.ids[self._positions[row]])

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
        self._query_words = query_words(text)
        positions = self._index.search(text)
        if positions is not self._positions:
            self.beginResetModel()
            self._positions = positions
            self.endResetModel()
        self.best_row = self._index.best_match(text, positions)
        return len(positions)

    def shown_contact_ids(self) -> tuple[int, ...]:
        """The ids of the contacts shown, in the list's order (a list made of the search: ~5 ms for 100,000)."""
        ids = self._index.ids
        return tuple(ids[position] for position in self._positions)

    def contact_id_at(self, row: int) -> int | None:
        """The id of the contact shown at `row`, or None when the row does not exist."""
        if 0 <= row < len(self._positions):
            return self._index.ids[self._positions[row]]
        return None

    def contact_at(self, row: int) -> Contact | None:
        """The full contact shown at `row` (fetched through contact_loader), or None when there is none."""
        if not 0 <= row < len(self._positions):
            return None
        position = self._positions[row]
        if self._given is not None:
            return self._given[position]
        contact_id = self._index.ids[position]
        last = self._last_contact
        if last is not None and last.id == contact_id:
            return last
        if self._loader is not None:
            contact = self._loader(contact_id)
        else:
            primary = self._index.primary_numbers[position]
            phones = (PhoneEntry(primary, primary=True),) if primary else ()
            columns = self._index
            name, company, title = columns.names[position], columns.companies[position], columns.titles[position]
            contact = Contact(contact_id, name, company, title, phones)
        self._last_contact = contact
        return contact

    def row_of_contact(self, contact_id: int) -> int | None:
        """The row showing the contact with id `contact_id`, or None if it is filtered out or unknown."""
        position = self._index.position_of(contact_id)
        if position is None:
            return None
        row = bisect_left(self._positions, position)  # positions ascend
        return row if row < len(self._positions) and self._positions[row] == position else None

    def row_texts(self, row: int) -> tuple[str, str, str]:
        """Name, company and formatted primary number at `row` (what the delegate paints); blanks if no such row."""
        if not 0 <= row < len(self._positions):
            return "", "", ""
        position = self._positions[row]
        index = self._index
        name = index.names[position]
        return name, company_shown(name, index.companies[position]), self._number_of(position)

    def matched_title(self, row: int) -> str:
        """The title at `row` when the query matched it but not the name or company (the row shows it then, or the
        match would look wrong); else ""."""
        if not self._query_words or not 0 <= row < len(self._positions):
            return ""
        position = self._positions[row]
        if not self._index.matches_only_in_title(position, self._query_words):
            return ""
        return self._index.titles[position]

    # --- QAbstractListModel --------------------------------------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        """Rows shown (0 under any valid parent: this is a flat list)."""
        return 0 if parent.isValid() else len(self._positions)

    def data(self, index: _ModelIndex, role: int = _DISPLAY_ROLE) -> Any:
        """Display text, tooltip, accessible text, the primary number (NumberRole) or the Contact (ContactRole)."""
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._positions):
            return None
        position = self._positions[row]
        contacts = self._index
        if role == _DISPLAY_ROLE:
            name = contacts.names[position]
            company = company_shown(name, contacts.companies[position])
            return f"{name} — {company}" if company else name
        if role == NumberRole:
            return self._number_of(position)
        if role == ContactRole:
            return self.contact_at(row)
        if role == _TOOLTIP_ROLE:
            contact = self.contact_at(row)
            if contact is None:
                return None
            glance = self._cached_mark(contacts.ids[position]) if self._cached_mark is not None else None
            return self._tooltip(contact, glance)
        if role == _ACCESSIBLE_ROLE:
            parts = [
                contacts.names[position],
                company_shown(contacts.names[position], contacts.companies[position]),
                contacts.titles[position],
                self._number_of(position),
            ]
            return ", ".join(part for part in parts if part)
        return None

    def roleNames(self) -> dict[int, Any]:
        """Role names, including the custom ones (for QML and debugging)."""
        names = dict(super().roleNames())
        names[NumberRole] = QByteArray(b"number")
        names[ContactRole] = QByteArray(b"contact")
        return names

    # flags() is QAbstractListModel's own (selectable, enabled, never has children): a Python override would be
    # called for every painted row.

    # --- helpers -------------------------------------------------------------------------------------------------

    def _replace(self, contacts: ContactRows | Iterable[Contact]) -> None:
        given = None if isinstance(contacts, ContactRows) else list(contacts)
        self.beginResetModel()
        self._given = given
        self._index.replace(contacts if given is None else given)
        self._number_text.clear()
        self._last_contact = None
        self._positions = self._index.search(self._query)
        self.endResetModel()

    @Slot()
    def _load_next_page(self) -> None:
        """GUI thread, from the event loop: fetch and index the next page of a `load`."""
        fetch = self._fetch
        if fetch is None:
            return
        staging = self._staging
        try:
            rows = fetch(len(self._index if staging is None else staging), self._page_size)
        except StoreError:
            self._fail_loading()
            return
        if staging is not None:
            staging.extend(rows)
            if len(rows) < self._page_size:
                self._finish_refresh(staging)
            else:
                self._load_timer.start()
            return
        self.beginResetModel()
        self._index.extend(rows)
        self._positions = self._index.search(self._query)
        self.endResetModel()
        self._after_page(len(rows) < self._page_size)

    def _finish_refresh(self, staging: ContactIndex) -> None:
        self._fetch = None
        self._staging = None
        was_partial, self._partial = self._partial, False
        self._last_contact = None  # fetched again: another number or a label may have changed
        if was_partial or self._given is not None or not staging.same_contacts(self._index):
            self.about_to_refresh.emit()
            self.beginResetModel()
            self._given = None
            self._index = staging
            self._number_text.clear()
            self._positions = staging.search(self._query)
            self.endResetModel()
            self.best_row = staging.best_match(self._query, self._positions)
            self.refreshed.emit()
        if was_partial:
            self.loading_finished.emit()

    def _after_page(self, last: bool) -> None:
        if last:
            self._fetch = None
            self._partial = False
        else:
            self._load_timer.start()
        self.contents_changed.emit()
        if last:
            self.loading_finished.emit()

    def _fail_loading(self) -> None:
        log.exception("loading the contact list failed")
        self._fetch = None
        self._staging = None  # a failed refresh leaves the shown list as it was
        was_partial, self._partial = self._partial, False
        if was_partial:
            self.contents_changed.emit()
            self.loading_finished.emit()

    def _number_of(self, position: int) -> str:
        text = self._number_text.get(position)
        if text is None:
            number = self._index.primary_numbers[position]
            # Parsing costs ~50 µs, so only rows actually shown are formatted, once.
            text = display_number(number, self._region) if number else ""
            if len(self._number_text) >= _DISPLAY_CACHE_LIMIT:
                self._number_text.clear()
            self._number_text[position] = text
        return text

    def _tooltip(self, contact: Contact, glance: Glance | None = None) -> str:
        lines = [contact.name]
        lines.extend(part for part in (contact.title, company_shown(contact.name, contact.company)) if part)
        for phone in contact.phones:
            label = f"{phone.label}: " if phone.label else ""
            primary = " (primary)" if phone.primary and len(contact.phones) > 1 else ""
            lines.append(f"{label}{display_number(phone.pinned, self._region)}{primary}")
        if glance is not None:
            lines.append(glance.text if glance.callable_now else f"Not callable now: {glance.reason or glance.text}")
        return plain_tooltip("\n".join(lines))


# Plain ints, computed once: Qt enum arithmetic in Python costs about a microsecond per operation.
_SELECTED = QStyle.StateFlag.State_Selected.value
_DECORATED = _SELECTED | QStyle.StateFlag.State_MouseOver.value | QStyle.StateFlag.State_HasFocus.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ELIDE_RIGHT = Qt.TextElideMode.ElideRight
_ITEM_VIEW_ITEM = QStyle.ControlElement.CE_ItemViewItem
_NORMAL = QPalette.ColorGroup.Normal
_DISABLED = QPalette.ColorGroup.Disabled
_TEXT = QPalette.ColorRole.Text
_HIGHLIGHTED_TEXT = QPalette.ColorRole.HighlightedText
_PLACEHOLDER_TEXT = QPalette.ColorRole.PlaceholderText


class _Fonts:
    """The regular and bold fonts of a view font with the metrics painting needs, computed once per font."""

    def __init__(self, font: QFont) -> None:
        self.font = QFont(font)
        self.regular = QFont(font)
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.regular_metrics = QFontMetrics(self.regular)
        self.bold_metrics = QFontMetrics(self.bold)
        self.line_height = max(self.regular_metrics.height(), self.bold_metrics.height())
        # Baseline offset within a line, the taller font's ascent centred like AlignVCenter would.
        ascent = max(self.regular_metrics.ascent(), self.bold_metrics.ascent())
        descent = max(self.regular_metrics.descent(), self.bold_metrics.descent())
        self.baseline = (self.line_height - ascent - descent) // 2 + ascent
        # Text of n characters is at most n * widest wide: shorter text needs no (costly) eliding.
        self.widest = max(self.regular_metrics.maxWidth(), self.bold_metrics.maxWidth(), 1)


class ContactItemDelegate(QStyledItemDelegate):
    """Paints a contact on two lines: name (bold) and company, then the primary number (and the title when the search
    matched it, see `ContactListModel.matched_title`). Follows the palette.

    Per visible row it makes three drawText calls at a baseline point (cheaper than the rectangle form, which lays
    the text out for alignment) and elides only text that might not fit.
    """

    MARGIN = ROW_MARGIN  # logical pixels: Qt scales them with the device pixel ratio

    def __init__(self, model: ContactListModel, parent: QWidget | None = None) -> None:
        """A delegate painting rows of `model` in `parent` (normally the ContactListView)."""
        super().__init__(parent)
        self._model = model
        self._fonts: _Fonts | None = None

    def _fonts_for(self, font: QFont) -> _Fonts:
        fonts = self._fonts
        if fonts is None or fonts.font != font:
            fonts = self._fonts = _Fonts(font)
        return fonts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _ModelIndex) -> None:
        """Draw the item background (selection, hover, focus) with the style, then the two text lines."""
        state = option.state.value
        if state & _DECORATED:
            # Selection, hover or focus: the style draws it. (A plain row has nothing to draw: the view's base shows.)
            # No initStyleOption: it would ask the model for eight roles this delegate does not use.
            widget = option.widget
            style = widget.style() if widget is not None else QApplication.style()
            style.drawControl(_ITEM_VIEW_ITEM, option, painter, widget)
        row = index.row()
        name, company, number = self._model.row_texts(row)
        if not name and not company and not number:
            return
        title = self._model.matched_title(row)
        mark = self._model.row_mark(row)
        not_now = mark is not None and not mark.callable_now

        selected = state & _SELECTED
        group = _NORMAL if state & _ENABLED else _DISABLED
        palette = option.palette
        main_color = palette.color(group, _HIGHLIGHTED_TEXT if selected else _TEXT)
        fonts = self._fonts_for(option.font)
        rect = option.rect
        margin = self.MARGIN
        left = rect.x() + 2 * margin
        width = rect.width() - 4 * margin
        baseline = rect.y() + margin + fonts.baseline
        widest = fonts.widest

        painter.save()
        try:
            painter.setClipRect(rect)
            painter.setPen(main_color)
            painter.setFont(fonts.bold)
            if len(name) * widest > width:
                name = fonts.bold_metrics.elidedText(name, _ELIDE_RIGHT, width)
            painter.drawText(left, baseline, name)
            if company:
                name_width = fonts.bold_metrics.horizontalAdvance(name)
                rest = width - name_width
                if rest > 0:
                    company = f" — {company}"
                    if len(company) * widest > rest:
                        company = fonts.regular_metrics.elidedText(company, _ELIDE_RIGHT, rest)
                    painter.setFont(fonts.regular)
                    painter.drawText(left + name_width, baseline, company)
            second = f"{number}  ·  {title}" if number and title else number or title
            if not_now and mark is not None:
                # A small clock (or a do-not-call sign) at the end of the second line, the number dimmed.
                side = fonts.line_height - 2
                name_of_icon = "do_not_call" if mark.rule == "dnc" else "not_now"
                top = rect.y() + margin + fonts.line_height + 1
                icon(name_of_icon).paint(painter, left + width - side, top, side, side)
                width -= side + margin
            if second:
                painter.setPen(main_color if selected else palette.color(group, _PLACEHOLDER_TEXT))
                if not_now and not selected:
                    painter.setOpacity(0.55)
                painter.setFont(fonts.regular)
                if len(second) * widest > width:
                    second = fonts.regular_metrics.elidedText(second, _ELIDE_RIGHT, width)
                painter.drawText(left, baseline + fonts.line_height, second)
        finally:
            painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _ModelIndex) -> QSize:
        """Two text lines of the view's font plus margins; grows with the font (and so with the scaling)."""
        # A narrow minimum: the row is stretched to the viewport, and a wide hint would add a horizontal scrollbar.
        return QSize(option.fontMetrics.averageCharWidth() * 16, contact_row_height(option.font))
