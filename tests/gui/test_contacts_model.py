"""ContactListModel under pytest-qt's model tester, and the delegate painting a real (offscreen) list view."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPalette
from PySide6.QtWidgets import QLineEdit, QListView, QVBoxLayout, QWidget

from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.gui.contacts_model import ContactItemDelegate, ContactListModel, ContactRole, NumberRole


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
def view(qtbot, model: ContactListModel) -> Iterator[QListView]:
    view = QListView()
    assert isinstance(model.attach_to_view(view), ContactItemDelegate)
    assert view.uniformItemSizes()
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


def test_view_model_passes_rows_through_unchanged(qtmodeltester, model: ContactListModel) -> None:
    proxy = model.view_model
    qtmodeltester.check(proxy)
    model.set_query("a")
    assert proxy.rowCount() == model.rowCount() == 4
    for row in range(proxy.rowCount()):
        assert proxy.index(row, 0).data(ContactRole) is model.contact_at(row)
        assert proxy.index(row, 0).data(NumberRole) == model.index(row).data(NumberRole)
    model.set_query("turing")
    assert proxy.rowCount() == 1
    assert proxy.index(0, 0).data(ContactRole) is CONTACTS[1]
    qtmodeltester.check(proxy)


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
def test_delegate_paints_two_lines_in_the_palette(qtbot, view: QListView, dark: bool) -> None:
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


def test_size_hint_grows_with_the_font(qtbot, view: QListView) -> None:
    normal = view.sizeHintForRow(0)
    big_font = QFont(view.font())
    big_font.setPointSizeF(big_font.pointSizeF() * 2)  # what 200 % scaling does to logical font sizes
    view.setFont(big_font)
    view.doItemsLayout()
    assert view.sizeHintForRow(0) >= normal * 1.6  # two lines of text grow, the fixed margins do not


def test_view_scrolls_and_repaints_after_queries(qtbot, view: QListView, model: ContactListModel) -> None:
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
    listing = QListView()
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
