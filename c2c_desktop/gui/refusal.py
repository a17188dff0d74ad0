"""The calling rules in the window: a refusal's explanation, the reason asked for an override or a do-not-call change,
and the mode shown in the status bar. GUI thread only.

Imported when the window is built (the mode indicator) but it imports nothing from the rules beyond their plain data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QPushButton, QVBoxLayout, QWidget

from c2c_desktop.gui.plain_text import plain_label, plain_tooltip, window_title

if TYPE_CHECKING:
    from c2c_desktop.core.rules.model import Refusal

# The rules' model is imported where it is used: the window's first paint comes before the core (gui/app.py).

#: The internal do-not-call list's name as the guard reports it (core.rules.dnc.INTERNAL_LIST_NAME; that module pulls
#: in the importers, so it is not imported with the window).
INTERNAL_LIST_NAME = "Internal"
MAX_REASON_LENGTH = 300

#: Keyed by core.rules.model.Mode's values.
MODE_TEXT = {
    "consumer": (
        "Consumer rules",
        "Consumer rules: the callee's legal calling hours (US federal and state, Canada), the company window, "
        "attempt caps and the do-not-call lists apply to every call.\nChange it in Settings (Ctrl+,).",
    ),
    "business": (
        "Business (B2B) rules",
        "Business (B2B) rules: only the company calling window and the do-not-call lists apply; the consumer "
        "calling hours and attempt caps do not.\nChange it in Settings (Ctrl+,).",
    ),
}


def refusal_hint(refusal: Refusal) -> str:
    """What the agent can do about a refusal, in one line ("" when there is nothing to add)."""
    from c2c_desktop.core.rules.model import Rule

    if refusal.rule is Rule.HOURS and refusal.overridable:
        return "Call anyway… (Alt+A) places it now with a reason, which is recorded."
    if refusal.rule is Rule.DNC:
        if refusal.data_version == INTERNAL_LIST_NAME:
            return "No override: Contacts → Remove from do-not-call list… takes it off (with a recorded reason)."
        if "stale" in refusal.reason:
            return "No override: import a fresh copy of the list (c2c-desktop dnc import)."
        return "No override: an imported list changes only by importing a newer one."
    return ""


def mode_texts(mode: str) -> tuple[str, str]:
    """(status bar text, tooltip) for a `mode` setting value; an unreadable one is named as such."""
    from c2c_desktop.core.rules.model import Mode

    try:
        return MODE_TEXT[str(Mode(mode or Mode.CONSUMER))]
    except ValueError:
        return f"Rules mode “{mode[:20]}”?", "The mode setting cannot be read: every call is refused until it is fixed."


class ReasonDialog(QDialog):
    """Asks for a required one-line reason: OK stays disabled while the field is empty; Esc cancels."""

    def __init__(self, title: str, question: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(window_title(title))
        self.question_label = plain_label(question, wrap=True)
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setMaxLength(MAX_REASON_LENGTH)
        self.reason_edit.setPlaceholderText("Required, e.g. the customer asked to be called now")
        self.question_label.setBuddy(self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok_button is not None  # added just above
        self.ok_button: QPushButton = ok_button
        self.ok_button.setText(ok_text)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._on_text_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question_label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.reason_edit.setFocus()

    @Slot(str)
    def _on_text_changed(self, _text: str) -> None:
        """GUI thread: OK only with a reason (spaces alone are none)."""
        self.ok_button.setEnabled(bool(self.reason()))

    def reason(self) -> str:
        """The reason typed, on one line with single spaces."""
        return " ".join(self.reason_edit.text().split())

    def accept(self) -> None:
        if self.reason():  # Enter in an empty field does nothing (OK is disabled)
            super().accept()


def ask_reason(parent: QWidget, title: str, question: str, ok_text: str) -> str | None:
    """The reason typed, or None when cancelled (modal)."""
    dialog = ReasonDialog(title, question, ok_text, parent)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.reason() if accepted else None
    finally:
        dialog.deleteLater()


def tooltip_of_mode(mode: str) -> str:
    return plain_tooltip(mode_texts(mode)[1])
