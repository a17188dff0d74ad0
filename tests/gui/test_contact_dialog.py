"""The contact dialog: add/edit round trips through a real Store file, inline number checks, the duplicate question."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton

from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.store import Store
from c2c_desktop.gui.contact_dialog import NOTHING_ENTERED_TEXT, ContactDialog

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

ADA = Contact(
    None,
    "Ada Okafor",
    company="Okafor Logistics",
    title="Buyer",
    phones=(
        PhoneEntry("(555) 201-0003", "Work", "+15552010003", True),
        PhoneEntry("(212) 555-0142", "Mobile", "+12125550142", False),
    ),
    notes="Prefers mornings",
)


@pytest.fixture
def open_dialog(qtbot: QtBot, store: Store) -> Callable[[Contact | None], ContactDialog]:
    def make(contact: Contact | None) -> ContactDialog:
        dialog = ContactDialog(contact, "US", store)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def _type(qtbot: QtBot, dialog: ContactDialog, row: int, number: str, label: str | None = None) -> None:
    while len(dialog.rows) <= row:
        qtbot.mouseClick(dialog.add_number_button, Qt.MouseButton.LeftButton)
    edit = dialog.rows[row].number_edit
    edit.clear()
    qtbot.keyClicks(edit, number)
    edit.editingFinished.emit()
    if label is not None:
        dialog.rows[row].label_box.setCurrentText(label)


def _save(qtbot: QtBot, dialog: ContactDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def _answer_next_question(button_text: str, seen: list[str]) -> None:
    """Click `button_text` in the next modal message box (opened by the click that follows this call)."""

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, poll)
            return
        seen.append(box.text())
        for button in box.findChildren(QPushButton):
            if button.text() == button_text:
                button.click()
                return
        seen.append(f"no button {button_text!r} among {[b.text() for b in box.findChildren(QPushButton)]}")
        box.reject()

    QTimer.singleShot(0, poll)


def test_add_round_trip(qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog]) -> None:
    dialog = open_dialog(None)
    assert dialog.windowTitle() == "New contact"
    assert len(dialog.rows) == 1 and dialog.rows[0].primary_radio.isChecked()
    qtbot.keyClicks(dialog.name_edit, "  Grace   Hopper ")
    qtbot.keyClicks(dialog.company_edit, "Navy, Inc.")
    qtbot.keyClicks(dialog.title_edit, "Rear Admiral")
    _type(qtbot, dialog, 0, "(212) 555-0142", "Work")
    _type(qtbot, dialog, 1, "+44 20 7946 0958", "Mobile")
    dialog.rows[1].primary_radio.click()
    dialog.notes_edit.setPlainText("Line one, with a comma\nLine two")

    _save(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.merge_target() is None
    saved = dialog.save()
    assert saved.id is not None
    assert store.get_contact(saved.id) == Contact(
        saved.id,
        "Grace Hopper",
        "Navy, Inc.",
        "Rear Admiral",
        (
            PhoneEntry("(212) 555-0142", "Work", "+12125550142", False),
            PhoneEntry("+44 20 7946 0958", "Mobile", "+442079460958", True),
        ),
        "Line one, with a comma\nLine two",
    )


def test_edit_round_trip_does_not_call_its_own_numbers_duplicates(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog], monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = store.add_contact(ADA)
    dialog = open_dialog(ada)
    monkeypatch.setattr(dialog, "duplicate_question", lambda *_: pytest.fail("asked about the contact's own numbers"))
    assert dialog.windowTitle() == "Edit contact — Ada Okafor"
    assert [row.number_text for row in dialog.rows] == ["(555) 201-0003", "(212) 555-0142"]
    assert [row.label for row in dialog.rows] == ["Work", "Mobile"]
    assert dialog.rows[0].primary_radio.isChecked()
    assert dialog.notes_edit.toPlainText() == "Prefers mornings"

    dialog.name_edit.setText("Ada N. Okafor")
    qtbot.mouseClick(dialog.rows[0].remove_button, Qt.MouseButton.LeftButton)  # the primary one goes
    _save(qtbot, dialog)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_contact().id == ada.id
    dialog.save()
    assert store.contact_count() == 1
    assert store.get_contact(ada.id or 0) == Contact(
        ada.id,
        "Ada N. Okafor",
        "Okafor Logistics",
        "Buyer",
        (PhoneEntry("(212) 555-0142", "Mobile", "+12125550142", True),),  # the remaining number became primary
        "Prefers mornings",
    )


def test_invalid_number_blocks_ok_until_corrected(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    dialog = open_dialog(None)
    dialog.name_edit.setText("Short Number")
    _type(qtbot, dialog, 0, "12")
    row = dialog.rows[0]
    assert row.has_error() and "too short" in row.message.text()

    _save(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.message_label.isVisible()

    qtbot.keyClicks(row.number_edit, "3")  # "123": still too short, and the message follows the typing
    assert row.has_error() and "123" in row.message.text()
    row.number_edit.setText("(212) 555-0142")  # re-checked while typing once a message is up
    assert not row.has_error() and row.message.isHidden()
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert store.contact_count() == 0  # the dialog itself never writes


def test_warning_is_shown_but_allows_saving(
    qtbot: QtBot, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    dialog = open_dialog(None)
    _type(qtbot, dialog, 0, "(200) 555-0100")
    row = dialog.rows[0]
    assert row.message.isVisible() and not row.has_error()
    assert "possible only" in row.message.text()
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_contact().phones == (PhoneEntry("(200) 555-0100", "Mobile", "+12005550100", True),)


def test_nothing_entered_or_same_number_twice_blocks_ok(
    qtbot: QtBot, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    dialog = open_dialog(None)
    _save(qtbot, dialog)
    assert dialog.message_label.text() == NOTHING_ENTERED_TEXT and dialog.isVisible()

    _type(qtbot, dialog, 0, "(212) 555-0142")
    _type(qtbot, dialog, 1, "212.555.0142")
    _save(qtbot, dialog)
    assert dialog.isVisible() and dialog.rows[1].has_error()
    assert "same number" in dialog.rows[1].message.text()

    qtbot.mouseClick(dialog.rows[1].remove_button, Qt.MouseButton.LeftButton)
    assert len(dialog.rows) == 1 and not dialog.rows[0].remove_button.isEnabled()
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_existing_number_offers_merge(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    ada = store.add_contact(ADA)
    dialog = open_dialog(None)
    dialog.title_edit.setText("Head of Purchasing")
    _type(qtbot, dialog, 0, "555-201-0003")  # Ada's work number, written differently
    _type(qtbot, dialog, 1, "(646) 555-0134", "Home")
    seen: list[str] = []
    _answer_next_question("Merge into Ada Okafor", seen)

    _save(qtbot, dialog)

    assert seen == ["(555) 201-0003 already belongs to Ada Okafor."]
    assert dialog.result() == QDialog.DialogCode.Accepted
    target = dialog.merge_target()
    assert target is not None and target.id == ada.id
    merged = dialog.save()
    assert store.contact_count() == 1
    stored = store.get_contact(ada.id or 0)
    assert stored == merged
    assert stored is not None and stored.name == "Ada Okafor"
    assert {phone.e164 for phone in stored.phones} == {"+15552010003", "+12125550142", "+16465550134"}


def test_existing_number_separate_or_cancel(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    store.add_contact(ADA)
    dialog = open_dialog(None)
    dialog.name_edit.setText("Front desk")
    _type(qtbot, dialog, 0, "212 555 0142")
    seen: list[str] = []

    _answer_next_question("Cancel", seen)
    _save(qtbot, dialog)
    assert seen == ["(212) 555-0142 already belongs to Ada Okafor."]
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted  # back to editing

    _answer_next_question("Save as a separate contact", seen)
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.merge_target() is None
    dialog.save()
    assert sorted(contact.name for contact in store.list_contacts()) == ["Ada Okafor", "Front desk"]


def test_editing_into_another_contacts_number_merges_and_removes_the_edited_one(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    ada = store.add_contact(ADA)
    other = store.add_contact(Contact(None, "A. Okafor", phones=(PhoneEntry("(646) 555-0134", "", "+16465550134"),)))
    dialog = open_dialog(other)
    _type(qtbot, dialog, 1, "(212) 555-0142")
    seen: list[str] = []
    _answer_next_question("Merge into Ada Okafor", seen)
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted, seen
    dialog.save()
    assert [contact.id for contact in store.list_contacts()] == [ada.id]
    stored = store.get_contact(ada.id or 0)
    assert stored is not None and {phone.e164 for phone in stored.phones} == {
        "+15552010003",
        "+12125550142",
        "+16465550134",
    }


def test_control_and_bidi_characters_are_removed_on_save(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    # Issue 9, finding 5: pasted text can carry them as a file can; the same core function removes them.
    dialog = open_dialog(None)
    dialog.name_edit.setText("Ad\u202ea\u2066 \u05e9\u05dc\u05d5\u05dd\x1b")
    dialog.company_edit.setText("Evil\x1b[2J Corp\x9b")
    dialog.title_edit.setText("C\u200fTO")
    _type(qtbot, dialog, 0, "(212) 555-0142", "Wo\u202erk")
    dialog.notes_edit.setPlainText("line\x07 one\nline two")
    _save(qtbot, dialog)
    saved = dialog.save()
    stored = store.get_contact(saved.id or 0)
    assert stored is not None
    assert (stored.name, stored.company, stored.title, stored.notes) == (
        "Ada \u05e9\u05dc\u05d5\u05dd",
        "Evil[2J Corp",
        "CTO",
        "line one\nline two",
    )
    assert [(phone.number, phone.label) for phone in stored.phones] == [("(212) 555-0142", "Work")]


# --- the address's state, province or country (issue 10: the calling rules read it) ----------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("FL", "US-FL"),
        ("Florida", "US-FL"),
        (" on ", "CA-ON"),
        ("Ontario", "CA-ON"),
        ("DE", "US-DE"),  # a state first, as the importers read a state cell
        (", DE", "DE"),
        ("Bavaria, DE", "DE"),
        ("FR", "FR"),
        ("", ""),
    ],
)
def test_the_region_field_is_saved_as_the_contacts_region_code(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog], typed: str, code: str
) -> None:
    dialog = open_dialog(None)
    qtbot.keyClicks(dialog.name_edit, "Zelda Marsh")
    qtbot.keyClicks(dialog.region_edit, typed)
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = dialog.save()
    assert store.get_contact(saved.id).region_code == code


def test_an_unknown_region_is_shown_inline_and_blocks_save(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog]
) -> None:
    dialog = open_dialog(None)
    qtbot.keyClicks(dialog.name_edit, "Zelda Marsh")
    qtbot.keyClicks(dialog.region_edit, "Narnia")
    assert dialog.region_message.isVisible() and "Narnia" in dialog.region_message.text()
    _save(qtbot, dialog)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.message_label.isVisible()
    assert store.list_contacts() == []
    dialog.region_edit.setText("Texas")
    assert dialog.region_message.text() == "Texas (US-TX)"
    _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted


@pytest.mark.parametrize(("code", "shown"), [("US-FL", "Florida"), ("CA-QC", "Quebec"), ("DE", ", DE"), ("FR", "FR")])
def test_the_region_is_shown_on_edit_and_kept_by_a_save(
    qtbot: QtBot, store: Store, open_dialog: Callable[[Contact | None], ContactDialog], code: str, shown: str
) -> None:
    stored = store.add_contact(Contact(None, "Zelda Marsh", region_code=code))
    dialog = open_dialog(stored)
    assert dialog.region_edit.text() == shown
    _save(qtbot, dialog)
    dialog.save()
    assert store.get_contact(stored.id).region_code == code
