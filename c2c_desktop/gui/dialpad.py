"""The dial pad: a number field that takes anything typed or pasted, a phone keypad, backspace and a Call button.

The field shows the number formatted for reading; `DialPad.number_text()` gives what is passed to prepare_call
(digits, +, * and # only when the field holds a plain number; the text as it is otherwise, so the core can read an
extension or explain what is wrong). Everything here runs on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.region import DEFAULT_REGION

if TYPE_CHECKING:  # the event classes are made by Qt when the events come: not before the first paint
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QContextMenuEvent, QDropEvent, QKeyEvent, QMouseEvent
    from PySide6.QtWidgets import QMenu
from c2c_desktop.gui.callable_now import GlanceLine
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.plain_text import plain_label

#: Characters that are dialed; everything in SEPARATORS is only formatting.
DIAL_CHARS = frozenset("0123456789+*#")
SEPARATORS = frozenset(" -().\u00a0/\u2010\u2011\u2012\u2013\u2014")

#: The keypad: key, letters shown under it, accessible name.
KEYS: tuple[tuple[str, str, str], ...] = (
    ("1", "", "1"),
    ("2", "ABC", "2"),
    ("3", "DEF", "3"),
    ("4", "GHI", "4"),
    ("5", "JKL", "5"),
    ("6", "MNO", "6"),
    ("7", "PQRS", "7"),
    ("8", "TUV", "8"),
    ("9", "WXYZ", "9"),
    ("*", "", "star"),
    ("0", "+", "0 (hold for plus)"),
    ("#", "", "hash"),
)

#: Holding the 0 key this long types "+" instead, as on a phone.
PLUS_HOLD_MS = 600
NUMBER_PLACEHOLDER = "Type or paste a number"
#: Said (in the empty field and the window's status bar) when Enter or Call finds no number.
EMPTY_NUMBER_TEXT = "Type a number first"


def _dialed(text: str) -> str:
    """The dialed characters of text (digits, +, *, #)."""
    return "".join(char for char in text if char in DIAL_CHARS)


def _is_plain_number(text: str) -> bool:
    """True when text is only dial characters and separators, with at least one digit."""
    return any(char.isdigit() for char in text) and all(char in DIAL_CHARS or char in SEPARATORS for char in text)


def _without_partial_formatting(text: str) -> str:
    """A number being typed with letters (1-800-FLOWERS): a half-written formatting of the part before the first
    letter ("1 (800") taken out, so that it reads "1800F", not as a broken bracket. Enter formats the whole number
    (the letters as their keypad digits)."""
    first_letter = next((index for index, char in enumerate(text) if char.isalpha()), len(text))
    prefix = text[:first_letter]
    if prefix.count("(") == prefix.count(")"):
        return text  # a whole number formatted ("(212) 555-0142"), e.g. before "ext": it reads well as it is
    return _dialed(prefix) + text[first_letter:]


def _format_as_you_type(dialed: str, region: str) -> str:
    """Partial-number formatting as a phone shows it while typing ('212-555', '(212) 555-01')."""
    if not dialed:
        return ""
    import phonenumbers  # loaded on the first keystroke at the latest (the app warms it once the window shows)

    try:
        formatter = phonenumbers.AsYouTypeFormatter(region)
        shown = dialed
        for char in dialed:
            shown = formatter.input_digit(char)
    except Exception:  # an unknown region or odd input: show the characters as typed
        return dialed
    shown = shown.strip()
    return shown if _dialed(shown) == dialed else dialed


def _position_after(text: str, dialed_count: int) -> int:
    """Cursor position just after the dialed_count-th dialed character of text (0 before the first)."""
    if dialed_count <= 0:
        return 0
    seen = 0
    for index, char in enumerate(text):
        if char in DIAL_CHARS:
            seen += 1
            if seen == dialed_count:
                return index + 1
    return len(text)


class NumberField(QLineEdit):
    """A QLineEdit for one phone number: formats as you type, extracts the number from pasted text.

    `submitted` is emitted for Enter/Return pressed (never for auto-repeat); the line edit's own returnPressed and
    editingFinished are not emitted for Enter, so no other path can start a call.
    """

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None, region: str = DEFAULT_REGION) -> None:
        super().__init__(parent)
        self.region = region
        self._last_text = ""
        self._last_delete_key: int | None = None
        self._reformatting = False
        self.textEdited.connect(self._on_text_edited)
        self.editingFinished.connect(self.format_final)

    # --- public -------------------------------------------------------------------------------------------------

    def paste_text(self, raw: str) -> None:
        """Insert pasted text at the cursor (replacing a selection): the number found in it, else the text itself."""
        flat = " ".join(raw.split())
        if not flat:
            return
        from c2c_desktop.core.phone import find_number_text  # not before the first paint (gui/app.py)

        found = find_number_text(flat, self.region)
        self._reformatting = True
        try:
            self.insert(found if found else flat)
        finally:
            self._reformatting = False
        self.format_final()

    def replace_number(self, text: str) -> None:
        """Put text in the field as if pasted into an empty field (tel: links, redial)."""
        self._reformatting = True
        try:
            self.clear()
        finally:
            self._reformatting = False
        self.paste_text(text)
        self._last_text = self.text()

    def insert_dial_char(self, char: str) -> None:
        """Insert one keypad character at the cursor, replacing a selection."""
        self.insert(char)  # emits textEdited, which formats

    def delete_back(self) -> None:
        """Delete the selection, or the dialed character before the cursor (skipping formatting)."""
        if self.hasSelectedText():
            self.del_()
            return
        text, cursor = self.text(), self.cursorPosition()
        if not _is_plain_number(text):
            self.backspace()
            return
        before = len(_dialed(text[:cursor]))
        if before == 0:
            return
        dialed = _dialed(text)
        self._show(dialed[: before - 1] + dialed[before:], before - 1)

    def clear_number(self) -> None:
        """Empty the field."""
        self.clear()
        self._last_text = ""

    @Slot()
    def format_final(self) -> None:
        """Format the whole field for reading (the number parsed), keeping the cursor by its dialed position."""
        text = self.text()
        if not text.strip():
            return
        from c2c_desktop.core.phone import display_number  # not before the first paint (gui/app.py)

        formatted = display_number(text, self.region)
        if formatted == text.strip() and _is_plain_number(text):
            formatted = _format_as_you_type(_dialed(text), self.region)  # incomplete: partial formatting
        if formatted == text:
            return
        cursor = self.cursorPosition()
        if cursor >= len(text) or _dialed(formatted) != _dialed(text):
            self._set_text(formatted, len(formatted))
        else:
            self._set_text(formatted, _position_after(formatted, len(_dialed(text[:cursor]))))

    # --- events -------------------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # swallowed: a held Enter must not reach returnPressed or a default button
            if not event.isAutoRepeat():
                self.format_final()
                self.submitted.emit()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            event.accept()
            if not self.isReadOnly():
                self.paste_text(QGuiApplication.clipboard().text())
            return
        if key == Qt.Key.Key_Backspace and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            self.clear_number()
            return
        self._last_delete_key = key if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) else None
        try:
            super().keyPressEvent(event)
        finally:
            self._last_delete_key = None

    def number_context_menu(self) -> QMenu:
        """The standard edit menu, with Paste going through the number extraction."""
        menu = self.createStandardContextMenu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        standard_paste = menu.findChild(QAction, "edit-paste")
        if standard_paste is not None:
            # The standard action calls QLineEdit::paste() in C++, which would bypass the number extraction.
            paste = QAction(standard_paste.text(), menu)
            paste.setObjectName("edit-paste")
            paste.setEnabled(standard_paste.isEnabled())
            paste.triggered.connect(self._paste_clipboard)
            menu.insertAction(standard_paste, paste)
            menu.removeAction(standard_paste)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        self.number_context_menu().popup(event.globalPos())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        clipboard = QGuiApplication.clipboard()
        if event.button() == Qt.MouseButton.MiddleButton and clipboard.supportsSelection() and not self.isReadOnly():
            self.deselect()
            self.setCursorPosition(self.cursorPositionAt(event.position().toPoint()))
            from PySide6.QtGui import QClipboard

            self.paste_text(clipboard.text(QClipboard.Mode.Selection))
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        mime: QMimeData = event.mimeData()
        if event.source() is self or not mime.hasText() or self.isReadOnly():
            super().dropEvent(event)
            return
        self.deselect()
        self.setCursorPosition(self.cursorPositionAt(event.position().toPoint()))
        self.paste_text(mime.text())
        event.acceptProposedAction()

    # --- internals ----------------------------------------------------------------------------------------------

    @Slot()
    def _paste_clipboard(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    @Slot(str)
    def _on_text_edited(self, text: str) -> None:
        if self._reformatting:
            return
        previous, self._last_text = self._last_text, text
        if not _is_plain_number(text):
            if _is_plain_number(previous) and any(char.isalpha() for char in text):
                # A letter typed into a formatted number: a vanity number, or an "ext" being typed.
                unformatted = _without_partial_formatting(text)
                cursor = self.cursorPosition() - (len(text) - len(unformatted))
                self._set_text(unformatted, max(cursor, 0))
            return
        dialed = _dialed(text)
        before = len(_dialed(text[: self.cursorPosition()]))
        if self._last_delete_key is not None and dialed == _dialed(previous) and len(text) < len(previous):
            # Only a separator was deleted: delete the digit next to it, or the formatting would put it back.
            if self._last_delete_key == Qt.Key.Key_Backspace and before > 0:
                dialed, before = dialed[: before - 1] + dialed[before:], before - 1
            elif self._last_delete_key == Qt.Key.Key_Delete:
                dialed = dialed[:before] + dialed[before + 1 :]
        self._show(dialed, before)

    def _show(self, dialed: str, cursor_after: int) -> None:
        formatted = _format_as_you_type(dialed, self.region)
        self._set_text(formatted, _position_after(formatted, cursor_after))

    def _set_text(self, text: str, cursor: int) -> None:
        self._reformatting = True
        try:
            if text != self.text():
                self.setText(text)
            self.setCursorPosition(cursor)
        finally:
            self._reformatting = False
        self._last_text = text


class KeypadButton(QToolButton):
    """One phone key: the digit large, its letters small underneath ("2" over "ABC")."""

    def __init__(self, key: str, letters: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setAccessibleName(accessible_name)
        self.setAccessibleDescription(f"letters {letters}" if letters.isalpha() else "")
        self.setToolTip(f"{key}  {letters}".strip())
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # clicking keeps the focus where it is
        self.setMinimumSize(64, 48)
        # Fixed height: the keys and the Call button under them never move when the status or the window changes.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        digit = plain_label(key, self)
        digit_font = digit.font()
        digit_font.setPointSizeF(digit_font.pointSizeF() * 1.6)
        digit.setFont(digit_font)
        caption = plain_label(letters or " ", self)
        caption_font = caption.font()
        caption_font.setPointSizeF(max(caption_font.pointSizeF() * 0.72, 6.0))
        caption_font.setLetterSpacing(caption_font.SpacingType.PercentageSpacing, 115)
        caption.setFont(caption_font)
        caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._labels = QVBoxLayout(self)
        self._labels.setContentsMargins(4, 4, 4, 5)
        self._labels.setSpacing(0)
        for label in (digit, caption):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self._labels.addWidget(label)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._labels.sizeHint().expandedTo(self.minimumSize())


class DialPad(QWidget):
    """Number field, keypad, backspace and Call. Emits call_requested(number_text) for Enter or the Call button."""

    call_requested = Signal(str)
    #: Enter or Call with nothing in the field (the field says "Type a number first").
    number_missing = Signal()

    def __init__(self, parent: QWidget | None = None, *, region: str = DEFAULT_REGION) -> None:
        super().__init__(parent)
        self._call_enabled = True
        # Its own height, never more or less: the keys and the Call button stay put whatever the status below says.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.number_edit = NumberField(self, region=region)
        self.number_edit.setAccessibleName("Number to call")
        self.number_edit.setPlaceholderText(NUMBER_PLACEHOLDER)
        self.number_edit.textChanged.connect(lambda: self.number_edit.setPlaceholderText(NUMBER_PLACEHOLDER))
        self.number_edit.setToolTip("Type or paste a number (any format, a tel: link or text around it); Enter calls")
        self.number_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        number_font = self.number_edit.font()
        number_font.setPointSizeF(number_font.pointSizeF() * 1.5)
        self.number_edit.setFont(number_font)
        self.number_edit.setMinimumHeight(self.number_edit.sizeHint().height() + 8)

        self.backspace_button = QToolButton(self)
        self.backspace_button.setIcon(icon("backspace"))
        self.backspace_button.setAccessibleName("Delete last digit")
        self.backspace_button.setToolTip("Delete the last digit (Ctrl+Backspace in the number field clears it)")
        self.backspace_button.setAutoRepeat(True)
        self.backspace_button.setAutoRaise(True)
        self.backspace_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.backspace_button.setIconSize(self.backspace_button.iconSize() * 1.5)
        self.backspace_button.setMinimumSize(44, 44)
        self.backspace_button.clicked.connect(self._on_backspace)

        self.key_buttons: dict[str, KeypadButton] = {}
        keypad = QGridLayout()
        keypad.setSpacing(6)
        for index, (key, letters, name) in enumerate(KEYS):
            button = KeypadButton(key, letters, name, self)
            self.key_buttons[key] = button
            keypad.addWidget(button, index // 3, index % 3)
        zero = self.key_buttons["0"]
        zero.pressed.connect(self._on_zero_pressed)
        zero.released.connect(self._on_zero_released)
        zero.clicked.connect(self._on_zero_clicked)
        self._plus_timer = QTimer(self)
        self._plus_timer.setSingleShot(True)
        self._plus_timer.setInterval(PLUS_HOLD_MS)
        self._plus_timer.timeout.connect(self._on_zero_held)
        self._zero_held = False
        for key, button in self.key_buttons.items():
            if key != "0":
                button.clicked.connect(lambda _checked=False, k=key: self._on_key(k))

        self.call_button = QPushButton(icon("call_white"), "Call", self)
        self.call_button.setAccessibleName("Call number")
        self.call_button.setToolTip("Call the number in the field (Enter)")
        self.call_button.setObjectName("dialPadCallButton")
        self.call_button.setIconSize(self.call_button.iconSize() * 1.4)
        self.call_button.setMinimumHeight(46)
        call_font = self.call_button.font()
        call_font.setPointSizeF(call_font.pointSizeF() * 1.2)
        call_font.setBold(True)
        self.call_button.setFont(call_font)
        self.call_button.setStyleSheet(
            "QPushButton#dialPadCallButton { background-color: #1e8e3e; color: white; border: none;"
            " border-radius: 8px; padding: 8px 18px; }"
            "QPushButton#dialPadCallButton:hover { background-color: #188038; }"
            "QPushButton#dialPadCallButton:pressed { background-color: #137333; }"
            "QPushButton#dialPadCallButton:focus { border: 2px solid palette(highlight); }"
            "QPushButton#dialPadCallButton:disabled { background-color: #9aa0a6; color: #f1f3f4; }"
        )
        self.call_button.clicked.connect(self._request_call)
        self.number_edit.submitted.connect(self._request_call)

        number_row = QHBoxLayout()
        number_row.setSpacing(4)
        number_row.addWidget(self.number_edit, 1)
        number_row.addWidget(self.backspace_button)
        #: The typed number's local time and whether it can be called now (filled by gui/callable_now.py).
        self.verdict_line = GlanceLine("Can the typed number be called now", self)
        number_and_verdict = QVBoxLayout()
        number_and_verdict.setSpacing(2)
        number_and_verdict.addLayout(number_row)
        number_and_verdict.addWidget(self.verdict_line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(number_and_verdict)
        layout.addLayout(keypad)
        layout.addWidget(self.call_button)

        # Number, Call, then the keypad: the keyboard path to calling is two stops long.
        QWidget.setTabOrder(self.number_edit, self.call_button)
        previous: QWidget = self.call_button
        for key, _letters, _name in KEYS:
            QWidget.setTabOrder(previous, self.key_buttons[key])
            previous = self.key_buttons[key]
        QWidget.setTabOrder(previous, self.backspace_button)
        self.setFocusProxy(self.number_edit)

    # --- public -------------------------------------------------------------------------------------------------

    def number_text(self) -> str:
        """What to pass to prepare_call: the dialed characters of a plain number, else the field's text stripped."""
        text = self.number_edit.text().strip()
        return _dialed(text) if _is_plain_number(text) else text

    def display_text(self) -> str:
        """The field as shown (formatted for reading)."""
        return self.number_edit.text()

    def set_number(self, text: str) -> None:
        """Replace the field with text (a tel: link, a redial number, pasted text): the number in it, formatted."""
        self.number_edit.replace_number(text)

    def clear_number(self) -> None:
        """Empty the number field."""
        self.number_edit.clear_number()

    def focus_number(self) -> None:
        """Focus the number field with its text selected, so typing or pasting replaces it (Ctrl+L)."""
        self.number_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.number_edit.selectAll()

    def set_call_enabled(self, enabled: bool) -> None:
        """Allow or block calling (Call button, Enter). The controller blocks it while a call is placing."""
        self._call_enabled = bool(enabled)
        self.call_button.setEnabled(self._call_enabled)

    def is_call_enabled(self) -> bool:
        return self._call_enabled

    def set_region(self, region: str) -> None:
        """The default region for formatting. The field is not reformatted (its digits were read in the old one)."""
        self.number_edit.region = region.strip().upper() or DEFAULT_REGION

    def region(self) -> str:
        return self.number_edit.region

    # --- internals ----------------------------------------------------------------------------------------------

    @Slot()
    def _request_call(self) -> None:
        # Checked here too, not only by the button's enabled state: Enter in the field bypasses the button.
        if not self._call_enabled:
            return
        text = self.number_text()
        if text:
            self.call_requested.emit(text)
            return
        self.number_edit.setPlaceholderText(EMPTY_NUMBER_TEXT)
        self.number_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.number_missing.emit()

    def _on_key(self, key: str) -> None:
        self.number_edit.insert_dial_char(key)
        if not self.number_edit.hasFocus():
            self.number_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_backspace(self) -> None:
        self.number_edit.delete_back()

    @Slot()
    def _on_zero_pressed(self) -> None:
        self._zero_held = False
        self._plus_timer.start()

    @Slot()
    def _on_zero_held(self) -> None:
        self._zero_held = True
        self._on_key("+")

    @Slot()
    def _on_zero_released(self) -> None:
        self._plus_timer.stop()

    @Slot()
    def _on_zero_clicked(self) -> None:
        if self._zero_held:  # the hold already typed "+"
            self._zero_held = False
            return
        self._on_key("0")
