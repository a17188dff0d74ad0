"""ContactListModel under pytest-qt's model tester, and the delegate painting a real (offscreen) list view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPalette
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.store import ContactRows, Store, StoreError
from c2c_desktop.gui.contacts_model import (
    ContactItemDelegate,
    ContactListModel,
    ContactListView,
    ContactRole,
    NumberRole,
)


def _contact(contact_id: int, name: str, company: str = "", *numbers: str) -> Contact:
    phones = tuple(
        PhoneEntry(number=number, label="work" if index == 0 else "mobile", primary=index == 0)
        for index, number in enumerate(numbers)
    )
    return Contact(id=contact_id, name=name, company=company, title="Buyer", phones=phones)


CONTACTS = [
    _contact(1, "Ada Lovelace", "Analytical Engines", "(555) 201-0001", "555.201.0101"),
    _contact(2, "Alan Turing", "", "+1 555 201 0002"),
    _contact(3, "Chloé Dupont", "Crème SARL", "5552010003"),
    _contact(4, "Grace Hopper", "US Navy"),
]


@pytest.fixture()
def model() -> ContactListModel:
    return ContactListModel(CONTACTS)


@pytest.fixture()
def view(qtbot, model: ContactListModel) -> Iterator[ContactListView]:
    view = ContactListView()
    assert isinstance(model.attach_to_view(view), ContactItemDelegate)
    view.resize(360, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    yield view


def test_model_tester_passes_with_data_and_after_queries(qtmodeltester, model: ContactListModel) -> None:
    qtmodeltester.check(model)
    assert model.set_query("al") == 2  # Ada (Analytical) and Alan
    qtmodeltester.check(model)
    assert model.set_query("zzz") == 0
    qtmodeltester.check(model)
    model.set_contacts([])
    qtmodeltester.check(model)


def test_row_texts_are_what_the_delegate_paints(model: ContactListModel) -> None:
    assert model.row_texts(0) == ("Ada Lovelace", "Analytical Engines", "(555) 201-0001")
    assert model.row_texts(3) == ("Grace Hopper", "US Navy", "")
    assert model.row_texts(4) == model.row_texts(-1) == ("", "", "")
    assert model.set_query("turing") == 1
    assert model.row_texts(0) == ("Alan Turing", "", "(555) 201-0002")
    assert model.contact_id_at(0) == 2 and model.contact_id_at(1) is None


def test_roles(model: ContactListModel) -> None:
    first = model.index(0)
    assert first.data(Qt.ItemDataRole.DisplayRole) == "Ada Lovelace — Analytical Engines"
    assert model.index(1).data(Qt.ItemDataRole.DisplayRole) == "Alan Turing"
    assert first.data(ContactRole) is CONTACTS[0]
    assert first.data(NumberRole) == "(555) 201-0001"
    assert model.index(3).data(NumberRole) == ""  # no number at all
    tooltip = first.data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip.splitlines() == ["Ada Lovelace", "Buyer", "Analytical Engines", "work: (555) 201-0001 (primary)",
                                    "mobile: (555) 201-0101"]  # fmt: skip
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "Ada Lovelace, Analytical Engines, Buyer, (555) 201-0001"
    assert first.data(Qt.ItemDataRole.DecorationRole) is None
    assert model.data(QModelIndex(), Qt.ItemDataRole.DisplayRole) is None
    assert model.roleNames()[NumberRole] == b"number"


def test_set_query_filters_and_contact_at_follows(model: ContactListModel) -> None:
    assert model.set_query("201-0003") == 1
    assert model.rowCount() == 1
    assert model.contact_at(0) is CONTACTS[2]
    assert model.contact_at(1) is None
    assert model.contact_at(-1) is None
    assert model.query == "201-0003"
    assert model.set_query("") == 4
    assert [model.contact_at(row).name for row in range(4)] == [c.name for c in CONTACTS]  # type: ignore[union-attr]
    assert model.set_query("chloe") == 1
    assert model.row_of_contact(3) == 0
    assert model.row_of_contact(1) is None


def test_set_query_resets_once_and_not_when_nothing_changes(qtbot, model: ContactListModel) -> None:
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset], order="strict", timeout=1000):
        model.set_query("ada")
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_query("ADA ")  # same words: same result, no reset


def test_set_contacts_keeps_the_query(model: ContactListModel) -> None:
    model.set_query("ada")
    model.set_contacts([*CONTACTS, _contact(5, "Ada Byron", "", "555 201 0005")])
    assert [model.contact_at(row).name for row in range(model.rowCount())] == ["Ada Lovelace", "Ada Byron"]  # type: ignore[union-attr]
    assert model.total_count == 5


def test_line_edit_drives_the_model(qtbot, model: ContactListModel) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    field.textChanged.connect(model.set_query)
    qtbot.keyClicks(field, "tur")
    assert model.rowCount() == 1
    assert model.contact_at(0) is CONTACTS[1]
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    assert model.query == "t"
    assert [model.contact_at(row).name for row in range(model.rowCount())] == [  # type: ignore[union-attr]
        "Ada Lovelace",  # "analytical"
        "Alan Turing",
        "Chloé Dupont",
    ]  # not Grace Hopper, US Navy, Buyer


def _dark_palette() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Window, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#a0a0a0"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2a6fd6"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    return palette


def _distinct_colors(image: QImage, row_rect_height: int) -> set[int]:
    colors = set()
    for y in range(0, min(image.height(), row_rect_height), 2):
        for x in range(0, image.width(), 3):
            colors.add(image.pixel(x, y))
    return colors


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_delegate_paints_two_lines_in_the_palette(qtbot, view: ContactListView, dark: bool) -> None:
    if dark:
        view.setPalette(_dark_palette())
    view.setCurrentIndex(view.model().index(1, 0))
    assert view.currentIndex().data(ContactRole) is CONTACTS[1]
    image = view.viewport().grab().toImage()
    row_height = view.sizeHintForRow(0)
    assert row_height >= 2 * view.fontMetrics().height()
    # Text was drawn in the first row: more than the background (and selection) colours.
    assert len(_distinct_colors(image, row_height)) > 3
    background = QColor(image.pixel(view.viewport().width() - 2, image.height() - 2))
    text_color = view.palette().color(QPalette.ColorRole.Text)
    # The empty area keeps the palette's base colour: dark stays dark, light stays light.
    assert (background.lightness() < 128) == dark
    assert (text_color.lightness() < 128) != dark


def test_size_hint_grows_with_the_font(qtbot, view: ContactListView) -> None:
    normal = view.sizeHintForRow(0)
    big_font = QFont(view.font())
    big_font.setPointSizeF(big_font.pointSizeF() * 2)  # what 200 % scaling does to logical font sizes
    view.setFont(big_font)
    view.doItemsLayout()
    assert view.sizeHintForRow(0) >= normal * 1.6  # two lines of text grow, the fixed margins do not


def test_view_scrolls_and_repaints_after_queries(qtbot, view: ContactListView, model: ContactListModel) -> None:
    model.set_query("grace")
    view.viewport().grab()
    assert view.indexAt(QPoint(10, 5)).data(ContactRole) is CONTACTS[3]
    model.set_query("")
    view.scrollToBottom()
    view.viewport().grab()
    assert view.indexAt(QPoint(10, 5)).isValid()


# The offscreen platform plugin says this for any top-level widget with a layout; it is not about this code.
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_a_window_with_the_list_and_search_renders(qtbot, model: ContactListModel) -> None:
    window = QWidget()
    layout = QVBoxLayout(window)
    field = QLineEdit()
    listing = ContactListView()
    model.attach_to_view(listing)
    layout.addWidget(field)
    layout.addWidget(listing)
    field.textChanged.connect(model.set_query)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.keyClicks(field, "555 201 0002")
    assert model.rowCount() == 1
    assert not window.grab().isNull()


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "contacts.sqlite3") as opened:
        firms = "ABCDEFG"
        people = (_contact(0, f"Person {n:03d}", f"Firm {firms[n % 7]}", f"555 201 {n:04d}") for n in range(23))
        opened.add_contacts(people)
        yield opened


def test_load_fetches_the_first_page_now_and_the_rest_from_the_event_loop(qtbot, store: Store) -> None:
    fetched: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> ContactRows:
        fetched.append((offset, limit))
        return store.contact_rows(offset, limit)

    model = ContactListModel(contact_loader=store.get_contact)
    model.set_query("firm d")
    with qtbot.waitSignal(model.loading_finished, timeout=5000):
        model.load(fetch, first_page=4, page=5)
        assert model.is_loading and fetched == [(0, 4)] and model.total_count == 4
        assert model.rowCount() == 1  # Firm D is n = 3, 10, 17: only Person 003 is loaded yet
    assert not model.is_loading
    assert fetched == [(0, 4), (4, 5), (9, 5), (14, 5), (19, 5)]
    assert model.total_count == 23
    assert [model.row_texts(row)[0] for row in range(model.rowCount())] == ["Person 003", "Person 010", "Person 017"]
    contact = model.contact_at(1)
    assert contact is not None and contact == store.get_contact(contact.id or 0) and contact.name == "Person 010"
    assert model.contact_at(1) is contact  # the last one fetched is kept
    assert model.row_of_contact(contact.id or 0) == 1
    assert model.index(1).data(ContactRole) is contact
    assert "Person 010" in model.index(1).data(Qt.ItemDataRole.ToolTipRole)


def test_load_without_a_first_page_and_contents_changed_per_page(qtbot, store: Store) -> None:
    model = ContactListModel()
    pages: list[int] = []
    model.contents_changed.connect(lambda: pages.append(model.total_count))
    with qtbot.waitSignal(model.loading_finished, timeout=5000):
        model.load(store.contact_rows, first_page=0, page=10)
        assert model.total_count == 0 and model.is_loading
    assert pages == [0, 10, 20, 23]
    contact = model.contact_at(0)  # no loader: made from the row, with the primary number only
    assert (
        contact is not None and contact.name == "Person 000" and [p.number for p in contact.phones] == ["555 201 0000"]
    )


def test_set_contacts_cancels_a_load(qtbot, store: Store) -> None:
    model = ContactListModel()
    model.load(store.contact_rows, first_page=5, page=5)
    model.set_contacts(CONTACTS)
    with qtbot.assertNotEmitted(model.contents_changed, wait=50):
        pass
    assert not model.is_loading and model.total_count == len(CONTACTS)


def test_a_failing_fetch_ends_the_load(qtbot, store: Store) -> None:
    calls: list[int] = []

    def fetch(offset: int, limit: int) -> ContactRows:
        calls.append(offset)
        if offset:
            raise StoreError("The database is closed.")
        return store.contact_rows(offset, limit)

    model = ContactListModel()
    with qtbot.waitSignal(model.loading_finished, timeout=5000):
        model.load(fetch, first_page=5)
    assert calls == [0, 5] and model.total_count == 5 and not model.is_loading


def test_qtmodeltester_on_rows_from_the_store(qtmodeltester, store: Store) -> None:
    model = ContactListModel(store.contact_rows(), contact_loader=store.get_contact)
    qtmodeltester.check(model)
    model.set_query("firm d")
    assert model.rowCount() == 3
    qtmodeltester.check(model)


def test_the_list_view_moves_like_a_list(qtbot, view: ContactListView, model: ContactListModel) -> None:
    view.setCurrentIndex(model.index(1))
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == 3
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Right)  # one column: nothing to the right
    assert view.currentIndex().row() == 1
    assert view.selectionModel().isRowSelected(1)
    assert not view.horizontalScrollBar().isVisible()
    height = view.rowHeight(0)
    big_font = QFont(view.font())
    big_font.setPointSizeF(big_font.pointSizeF() * 2)
    view.setFont(big_font)
    assert view.rowHeight(0) >= height * 1.6  # rows follow the font (and so the scaling)


def test_refresh_keeps_the_shown_list_until_every_page_is_read_then_swaps_it_in(qtbot, store: Store) -> None:
    model = ContactListModel(store.contact_rows(), contact_loader=store.get_contact)
    model.set_query("firm d")
    assert model.rowCount() == 3
    with Store(store.path) as other:  # another program adds one more Firm D, first in name order
        other.add_contact(_contact(0, "Aaron Early", "Firm D", "555 201 9999"))
    swaps: list[str] = []
    model.about_to_refresh.connect(lambda: swaps.append(f"before {model.rowCount()}"))
    model.refreshed.connect(lambda: swaps.append(f"after {model.rowCount()}"))
    model.contents_changed.connect(lambda: swaps.append("contents_changed"))  # the window re-highlights on it
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(model.rowCount()))
    with qtbot.waitSignal(model.refreshed, timeout=5000):
        model.refresh(store.contact_rows, page=5)
        assert not model.is_loading and model.rowCount() == 3  # the pages are read on later event-loop turns
    assert swaps == ["before 3", "after 4"]
    assert resets == [4]  # one swap, no page shown half-read
    assert model.query == "firm d"
    assert [model.row_texts(row)[0] for row in range(4)] == ["Aaron Early", "Person 003", "Person 010", "Person 017"]
    assert model.total_count == 24


def test_a_refresh_that_finds_the_same_contacts_changes_nothing_shown(qtbot, store: Store) -> None:
    model = ContactListModel(store.contact_rows(), contact_loader=store.get_contact)
    model.set_query("person")
    fetched: list[int] = []

    def fetch(offset: int, limit: int) -> ContactRows:
        fetched.append(offset)
        return store.contact_rows(offset, limit)

    with qtbot.assertNotEmitted(model.modelReset), qtbot.assertNotEmitted(model.refreshed):
        model.refresh(fetch, page=10)
        qtbot.waitUntil(lambda: fetched == [0, 10, 20] and not model._load_timer.isActive(), timeout=5000)
    assert model.rowCount() == 23


def test_a_refresh_during_a_load_finishes_it(qtbot, store: Store) -> None:
    model = ContactListModel()
    model.load(store.contact_rows, first_page=5, page=5)
    with Store(store.path) as other:
        other.add_contact(_contact(0, "Zed Last", "", "555 201 8888"))
    with qtbot.waitSignal(model.loading_finished, timeout=5000):
        model.refresh(store.contact_rows, page=5)
        assert model.is_loading and model.total_count == 5  # the first page stays shown meanwhile
    assert not model.is_loading and model.total_count == 24


def test_a_company_only_contact_shows_its_company_once() -> None:
    # The importers name a contact without a name after its company: "Nameless Co — Nameless Co" said it twice.
    company_only = Contact(id=9, name="Nameless Co", company="Nameless Co", phones=(PhoneEntry("5552010009"),))
    model = ContactListModel([company_only])
    assert model.row_texts(0) == ("Nameless Co", "", "(555) 201-0009")
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == "Nameless Co"
    assert model.index(0).data(Qt.ItemDataRole.ToolTipRole).count("Nameless Co") == 1
    assert model.index(0).data(Qt.ItemDataRole.AccessibleTextRole).count("Nameless Co") == 1


def test_a_match_found_only_in_the_title_is_shown_in_the_row(view: ContactListView, model: ContactListModel) -> None:
    admin = Contact(id=7, name="Bea Jones", company="Acme", title="Sales Admin", phones=(PhoneEntry("5552010007"),))
    adam = Contact(id=8, name="Adam Smith", company="Acme", title="Head of Admin", phones=())
    model.set_contacts([*CONTACTS, admin, adam])
    assert model.set_query("ad") == 3  # Ada, Adam by name; Bea by her title only
    titles = {model.row_texts(row)[0]: model.matched_title(row) for row in range(model.rowCount())}
    assert titles == {"Ada Lovelace": "", "Adam Smith": "", "Bea Jones": "Sales Admin"}
    model.set_query("acme admin")
    assert {model.row_texts(row)[0]: model.matched_title(row) for row in range(model.rowCount())} == {
        "Adam Smith": "Head of Admin",
        "Bea Jones": "Sales Admin",
    }
    model.set_query("")
    assert all(model.matched_title(row) == "" for row in range(model.rowCount()))
    # The delegate paints it: Bea's row differs once her title is what matched.
    model.set_query("bea")
    before = view.grab().toImage()
    model.set_query("sales")
    assert model.rowCount() == 1 and view.grab().toImage() != before


def test_the_views_viewport_is_qts_and_costs_no_type_search() -> None:
    """QAbstractScrollArea.viewport() makes PySide6 build the enums of every QWidget class the first time it answers
    (~10 ms before the window shows); the view finds the same widget without that. In a fresh interpreter, since this
    one has built them long ago."""
    import os
    import subprocess
    import sys

    code = (
        "import enum, gc\n"
        "from PySide6.QtWidgets import QAbstractScrollArea, QApplication\n"
        "from c2c_desktop.gui.contacts_model import ContactListView\n"
        "app = QApplication([])\n"
        "view = ContactListView()\n"
        "def enums(): return sum(isinstance(o, type) and issubclass(o, enum.Enum) for o in gc.get_objects())\n"
        "before = enums()\n"
        "viewport = view.viewport()\n"
        "made = enums() - before\n"
        "print(made, viewport is QAbstractScrollArea.viewport(view), view.viewport() is viewport)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    made, same, kept = result.stdout.split()
    assert (same, kept) == ("True", "True")
    assert int(made) <= 2, made
