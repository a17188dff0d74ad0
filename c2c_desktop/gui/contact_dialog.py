"""Add or edit one contact: name, company, title, several labelled numbers (one primary) and notes.

The dialog checks every number with `phone.parse_number` as the agent types (warnings are shown and allowed, errors
block OK) and, before accepting, looks for stored contacts that already have one of the numbers: the agent chooses to
merge into that contact, save a separate contact, or go back. It never writes by itself: the caller stores
`result_contact()` (or merges it into `merge_target()`), or calls `save()` which does exactly that.
Every method here runs on the GUI thread.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSize, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core import contacts_io
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import DialNumber, PhoneError, display_number, number_to_call, parse_number, written_for
from c2c_desktop.core.rules.regions import CA_PROVINCES, US_STATES, RegionError, normalise_region, subdivision_name
from c2c_desktop.core.store import Store
from c2c_desktop.core.text import clean_text
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.messages import message_colours, message_label, show_message
from c2c_desktop.gui.plain_text import button_text, message_box, plain_label, window_title

#: Offered in each number's label box; any other text may be typed (imports bring their own labels).
PHONE_LABELS: tuple[str, ...] = ("Mobile", "Work", "Home", "Main", "Other")
NOTHING_ENTERED_TEXT = "Enter a name, a company or a phone number."
MERGE = "merge"
SEPARATE = "separate"
CANCEL = "cancel"


def _ambiguous(text: str) -> bool:
    """A two-letter code that is both a US state or Canadian province and a country ("DE": Delaware or Germany)."""
    from c2c_desktop.core.phone import is_valid_region

    code = text.strip().upper()
    return len(code) == 2 and (code in US_STATES or code in CA_PROVINCES) and is_valid_region(code)


def read_address_region(text: str) -> str:
    """The address field "State / province / country" as `Contact.region_code` ("US-FL", "CA-ON", "DE", "").

    "FL", "Florida", "ON", "Ontario": a US state or Canadian province (a two-letter code is read as one first, as
    the importers read a state cell); "FR", "MX": a country; "Bavaria, DE" or ", DE": the country after a comma.
    Raises RegionError (its text says why) for anything else.
    """
    text = " ".join(text.split())
    if not text:
        return ""
    if "," in text:
        state, _, country = text.rpartition(",")
        return normalise_region(state.strip(), country.strip())
    try:
        return normalise_region(text)
    except RegionError as as_state:
        try:
            return normalise_region("", text)
        except RegionError:
            raise RegionError(f"unknown state, province or country '{text[:40]}' (e.g. FL, Florida, ON, FR)") from (
                as_state
            )


def address_region_text(code: str) -> str:
    """`Contact.region_code` as the field shows it: "US-FL" -> "Florida"; a country code as typed ("FR"), after a
    comma when it would read as a state (", DE" is Germany; "DE" alone is Delaware)."""
    if "-" in code:
        return subdivision_name(code)
    return f", {code}" if _ambiguous(code) else code


def address_region_meaning(code: str) -> str:
    """What the field was read as, shown under it: "Florida (US-FL)", "country DE"."""
    if not code:
        return ""
    if "-" in code:
        return f"{subdivision_name(code)} ({code})"
    return f"Country {code}"


class PhoneRow(QWidget):
    """One labelled number: label box, number field, primary choice, remove button and the number's message."""

    remove_requested = Signal(QWidget)

    def __init__(self, phone: PhoneEntry | None, region: str, colours: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self._region = region
        self._colours = colours
        self.label_box = QComboBox()
        self.label_box.setEditable(True)
        self.label_box.addItems(PHONE_LABELS)
        self.label_box.setAccessibleName("Number label")
        self.label_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.label_box.setMinimumContentsLength(8)
        self.number_edit = QLineEdit()
        self.number_edit.setAccessibleName("Phone number")
        self.number_edit.setPlaceholderText("e.g. (212) 555-0142")
        self.number_edit.setMinimumWidth(220)
        self.primary_radio = QRadioButton("Primary")
        self.primary_radio.setToolTip("The number called when you press Enter on this contact")
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip("Remove this number")
        self.remove_button.setAccessibleName("Remove this number")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self.message = message_label()

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.label_box, 0, 0)
        layout.addWidget(self.number_edit, 0, 1)
        layout.addWidget(self.primary_radio, 0, 2)
        layout.addWidget(self.remove_button, 0, 3)
        layout.addWidget(self.message, 1, 1, 1, 3)
        layout.setColumnStretch(1, 1)

        # A stored number and the text it is shown as: left as shown, it stays that number whatever the region.
        self._stored: tuple[str, PhoneEntry] | None = None
        if phone is not None:
            self.label_box.setCurrentText(phone.label)
            shown = written_for(phone, region)
            self._stored = (shown, phone)
            self.number_edit.setText(shown)
            self.primary_radio.setChecked(phone.primary)
        else:
            self.label_box.setCurrentText(PHONE_LABELS[0])
        self.number_edit.editingFinished.connect(self.check)
        self.number_edit.textChanged.connect(self._on_text_changed)

    @property
    def number_text(self) -> str:
        return self.number_edit.text().strip()

    @property
    def label(self) -> str:
        return self.label_box.currentText().strip()

    def parsed(self) -> DialNumber | None:
        """The checked number, or None when the field is empty; raises PhoneError when it cannot be called."""
        text = self.number_text
        if self._stored is not None and self._stored[0].strip() == text:
            return number_to_call(self._stored[1], self._region)
        return parse_number(text, self._region) if text else None

    @Slot()
    def check(self) -> bool:
        """Show the number's error or warning under it; False when it blocks saving."""
        try:
            parsed = self.parsed()
        except PhoneError as exc:
            self.show_message(_capitalised(str(exc)), "error")
            return False
        self.show_message(_capitalised(parsed.warning) if parsed is not None and parsed.warning else "", "warning")
        return True

    def show_message(self, text: str, kind: str) -> None:
        show_message(self.message, text, self._colours[kind])
        self.message.setProperty("kind", kind if text else "")
        self.number_edit.setAccessibleDescription(text)

    def has_error(self) -> bool:
        return not self.message.isHidden() and self.message.property("kind") == "error"

    @Slot(str)
    def _on_text_changed(self, _text: str) -> None:
        # Re-check while typing only once a message is up, so a half-typed number is not called wrong.
        if not self.message.isHidden():
            self.check()


class ContactDialog(QDialog):
    """Add (contact=None) or edit a contact. After Accepted: `result_contact()`, `merge_target()`, or `save()`."""

    def __init__(self, contact: Contact | None, region: str, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original = contact
        self._region = region
        self._store = store
        self._result: Contact | None = None
        self._merge_target: Contact | None = None
        self.setWindowTitle(
            window_title(f"Edit contact — {contact.name or contact.company}") if contact else "New contact"
        )
        self.setWindowIcon(icon("c2c-desktop"))
        self._colours = message_colours(self)
        self._build_ui()
        self._load(contact)

    # -- construction -----------------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Name")
        self.company_edit = QLineEdit()
        self.company_edit.setAccessibleName("Company")
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Job title")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Company:", self.company_edit)
        form.addRow("&Title:", self.title_edit)
        # The address's state, province or country: the calling rules read it (the callee's zones and state rules).
        self.region_edit = QLineEdit()
        self.region_edit.setAccessibleName("State, province or country")
        self.region_edit.setPlaceholderText("e.g. FL, Florida, ON, FR, or Bavaria, DE")
        self.region_edit.setToolTip(
            "Where the contact is: a US state or Canadian province (code or name), or a country code.\n"
            "The calling rules use it for the callee's local time and the state's rules.\n"
            "A two-letter code is read as a state first: DE is Delaware; write “, DE” for Germany."
        )
        self.region_edit.textChanged.connect(self._on_region_changed)
        self.region_message = message_label()
        self.region_message.setAccessibleName("State, province or country read as")
        region_box = QVBoxLayout()
        region_box.setContentsMargins(0, 0, 0, 0)
        region_box.setSpacing(2)
        region_box.addWidget(self.region_edit)
        region_box.addWidget(self.region_message)
        form.addRow("State / pro&vince / country:", region_box)

        self.phones_box = QGroupBox("Phone numbers")
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(6)
        self.primary_group = QButtonGroup(self)
        self.primary_group.setExclusive(True)
        self.add_number_button = QPushButton("&Add number")
        self.add_number_button.setAccessibleName("Add a phone number")
        self.add_number_button.clicked.connect(self._on_add_number)
        self.add_number_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        phones_layout = QVBoxLayout(self.phones_box)
        phones_layout.addLayout(self.rows_layout)
        phones_layout.addWidget(self.add_number_button)
        self.rows: list[PhoneRow] = []

        self.notes_edit = _NotesEdit()
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setPlaceholderText("Anything worth remembering before the next call")
        self.notes_edit.setMinimumHeight(70)
        notes_label = plain_label("N&otes:")
        notes_label.setBuddy(self.notes_edit)

        self.message_label = plain_label(wrap=True)
        self.message_label.setAccessibleName("Problem with this contact")
        self.message_label.setStyleSheet(f"color: {self._colours['error']};")
        self.message_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.phones_box)
        layout.addWidget(notes_label)
        layout.addWidget(self.notes_edit, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(580)

    def _load(self, contact: Contact | None) -> None:
        if contact is not None:
            self.name_edit.setText(contact.name)
            self.company_edit.setText(contact.company)
            self.title_edit.setText(contact.title)
            self.notes_edit.setPlainText(contact.notes)
            self.region_edit.setText(address_region_text(contact.region_code))
            primary = contact.primary_phone
            for phone in contact.phones:
                self.add_row(dataclasses.replace(phone, primary=phone is primary))
        if not self.rows:
            self.add_row(None)
        self.name_edit.setFocus()

    # -- address region ---------------------------------------------------------------------------------------------

    def region_code(self) -> str:
        """The field read as a region code; raises RegionError when it cannot be read."""
        return read_address_region(self.region_edit.text())

    @Slot(str)
    def _on_region_changed(self, _text: str = "") -> bool:
        """GUI thread: say under the field what it reads as, or why it cannot be read (which blocks Save)."""
        try:
            code = self.region_code()
        except RegionError as exc:
            show_message(self.region_message, _capitalised(str(exc)) + ".", self._colours["error"])
            self.region_message.setProperty("kind", "error")
            return False
        meaning = address_region_meaning(code)
        if code and "-" in code and _ambiguous(self.region_edit.text()):
            meaning += f"; for the country write “, {self.region_edit.text().strip().upper()}”"
        show_message(self.region_message, meaning, self._colours["ok"])
        self.region_message.setProperty("kind", "ok")
        return True

    # -- number rows -------------------------------------------------------------------------------------------------

    def add_row(self, phone: PhoneEntry | None) -> PhoneRow:
        """Append a number row (an empty one for None); the first row is primary unless another already is."""
        row = PhoneRow(phone, self._region, self._colours, self.phones_box)
        row.remove_requested.connect(self._on_remove_row)
        self.primary_group.addButton(row.primary_radio)
        self.rows_layout.addWidget(row)
        self.rows.append(row)
        if self.primary_group.checkedButton() is None:
            self.rows[0].primary_radio.setChecked(True)
        self._update_remove_buttons()
        return row

    @Slot()
    def _on_add_number(self) -> None:
        row = self.add_row(None)
        row.label_box.setCurrentText(self._next_label())
        row.number_edit.setFocus()

    def _next_label(self) -> str:
        used = {row.label for row in self.rows}
        return next((label for label in PHONE_LABELS if label not in used), PHONE_LABELS[-1])

    @Slot(QWidget)
    def _on_remove_row(self, widget: QWidget) -> None:
        row = next((row for row in self.rows if row is widget), None)
        if row is None or len(self.rows) == 1:
            return
        was_primary = row.primary_radio.isChecked()
        self.primary_group.removeButton(row.primary_radio)
        self.rows.remove(row)
        self.rows_layout.removeWidget(row)
        row.hide()
        row.deleteLater()
        if was_primary or self.primary_group.checkedButton() is None:
            self.rows[0].primary_radio.setChecked(True)
        self._update_remove_buttons()
        self.adjustSize()

    def _update_remove_buttons(self) -> None:
        # The last row stays (emptied, it simply means "no number").
        for row in self.rows:
            row.remove_button.setEnabled(len(self.rows) > 1)

    # -- result --------------------------------------------------------------------------------------------------------

    def _collect(self) -> Contact | None:
        """The contact as entered, or None after showing what blocks it."""
        phones: list[PhoneEntry] = []
        seen: dict[str, int] = {}
        first_bad: PhoneRow | None = None
        primary_index = 0
        for row in self.rows:
            if not row.check():
                first_bad = first_bad or row
                continue
            parsed = row.parsed()
            if parsed is None:
                continue
            if parsed.e164 in seen:
                row.show_message(f"The same number as number {seen[parsed.e164] + 1} above.", "error")
                first_bad = first_bad or row
                continue
            seen[parsed.e164] = len(phones)
            if row.primary_radio.isChecked():
                primary_index = len(phones)
            phones.append(PhoneEntry(clean_text(row.number_text), clean_text(row.label), parsed.e164, False))
        if first_bad is not None:
            self._show_message("Correct the numbers marked in red, or remove them.")
            first_bad.number_edit.setFocus()
            return None
        if not self._on_region_changed():
            self._show_message("Correct the state, province or country, or leave it empty.")
            self.region_edit.setFocus()
            return None
        # Controls and bidi formatting characters go, as on import (pasted text can carry them).
        name = " ".join(clean_text(self.name_edit.text()).split())
        company = clean_text(self.company_edit.text()).strip()
        if not (name or company or phones):
            self._show_message(NOTHING_ENTERED_TEXT)
            self.name_edit.setFocus()
            return None
        phones = [
            PhoneEntry(phone.number, phone.label, phone.e164, index == primary_index)
            for index, phone in enumerate(phones)
        ]
        self._show_message("")
        return Contact(
            id=self._original.id if self._original is not None else None,
            name=name,
            company=company,
            title=clean_text(self.title_edit.text()).strip(),
            phones=tuple(phones),
            notes=clean_text(self.notes_edit.toPlainText()).strip(),
            region_code=self.region_code(),
        )

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def _duplicates(self, contact: Contact) -> list[Contact]:
        return [other for other in contacts_io.duplicates_of(self._store, contact) if other.id != contact.id]

    def duplicate_question(self, contact: Contact, existing: list[Contact]) -> str:
        """Ask what to do about numbers that other contacts already have: MERGE, SEPARATE or CANCEL."""
        target = existing[0]
        target_name = _who(target)
        lines = []
        for phone in contact.phones:
            owner = next((other for other in existing if any(p.e164 == phone.e164 for p in other.phones)), None)
            if owner is not None:
                lines.append(f"{display_number(phone.pinned, self._region)} already belongs to {_who(owner)}.")
        box = message_box(
            self,
            QMessageBox.Icon.Question,
            "Number already in your contacts",
            "\n".join(lines[:3] + ([f"…and {len(lines) - 3} more."] if len(lines) > 3 else [])),
            f"Merging adds what you entered to {target_name} (numbers, empty fields and notes); nothing is lost.",
        )
        merge_button = box.addButton(button_text(f"Merge into {target_name}"), QMessageBox.ButtonRole.AcceptRole)
        separate_button = box.addButton("Save as a separate contact", QMessageBox.ButtonRole.ActionRole)
        cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(merge_button)
        box.setEscapeButton(cancel_button)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        if clicked is merge_button:
            return MERGE
        if clicked is separate_button:
            return SEPARATE
        return CANCEL

    def accept(self) -> None:
        """OK: check everything, ask about numbers other contacts already have, then close."""
        contact = self._collect()
        if contact is None:
            return
        merge_target: Contact | None = None
        existing = self._duplicates(contact) if contact.phones else []
        if existing:
            choice = self.duplicate_question(contact, existing)
            if choice == CANCEL:
                return
            if choice == MERGE:
                merge_target = existing[0]
        self._result = contact
        self._merge_target = merge_target
        super().accept()

    def result_contact(self) -> Contact:
        """The contact as entered (its id is the edited contact's, None for a new one). Valid after Accepted."""
        if self._result is None:
            raise RuntimeError("result_contact() is only available after the dialog was accepted")
        return self._result

    def merge_target(self) -> Contact | None:
        """The stored contact to merge `result_contact()` into, when the agent chose to merge; else None."""
        return self._merge_target

    def save(self) -> Contact:
        """Store the accepted result with the dialog's Store and return the stored contact.

        Merge: the existing contact gets the union (`contacts_io.merge_contacts`) and, when an edited contact was merged
        into another one, the edited one is deleted (its numbers now live in the other). Otherwise add or update.
        """
        contact = self.result_contact()
        target = self._merge_target
        if target is not None:
            merged = contacts_io.merge_contacts(target, contact)
            with self._store.transaction():
                self._store.update_contact(merged)
                if contact.id is not None and contact.id != target.id:
                    self._store.delete_contact(contact.id)
            return merged
        if contact.id is None:
            return self._store.add_contact(contact)
        self._store.update_contact(contact)
        return contact


class _NotesEdit(QPlainTextEdit):
    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override); a few lines to start with, it grows with the dialog
        return QSize(super().sizeHint().width(), 90)


def _capitalised(text: str) -> str:
    # str.capitalize() would lower-case the rest ("US" -> "us").
    return text[:1].upper() + text[1:]


def _who(contact: Contact) -> str:
    return contact.name or contact.company or (contact.phones[0].number if contact.phones else "another contact")
