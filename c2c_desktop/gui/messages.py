"""Inline messages under an input (the settings and contact dialogs): colours that read on light and dark palettes,
and one kind of label for them. GUI thread only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QWidget

from c2c_desktop import APP_NAME
from c2c_desktop.gui.plain_text import plain_label

if TYPE_CHECKING:
    from c2c_desktop.core.store import CallOwner

#: The button under an hours refusal that places the call with a typed reason (gui/refusal.py asks for it).
OVERRIDE_BUTTON_TEXT = "Call &anyway…"  # Alt+A


def message_colours(widget: QWidget) -> dict[str, str]:
    """Text colours by message kind ("error", "warning", "ok") for `widget`'s palette."""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightness() < 128
    return {
        "error": "#f28b82" if dark else "#c5221f",
        "warning": "#fdd663" if dark else "#a35200",
        "ok": "#81c995" if dark else "#137333",
    }


def message_label(parent: QWidget | None = None) -> QLabel:
    """A wrapped plain-text label, hidden until `show_message` gives it text."""
    label = plain_label("", parent, wrap=True)
    label.hide()
    return label


def show_message(label: QLabel, text: str, colour: str) -> None:
    """Show `text` in `colour` (hide the label when `text` is empty)."""
    label.setText(text)
    label.setStyleSheet(f"color: {colour};")
    label.setVisible(bool(text))


def sentence(text: str, *, full_stop: bool = True) -> str:
    """`text` capitalised (messages from the core are lower-case phrases), ending with a full stop if `full_stop`."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if not full_stop or text.endswith((".", "!", "?", "…")) else text + "."


def service_said(excerpt: str | None) -> str:
    """The line that quotes what the service answered ("" when it said nothing)."""
    return f"The service said: “{excerpt}”" if excerpt else ""


def placing_words(owner: CallOwner | None) -> tuple[str, str]:
    """The words and the icon name for a journal row still `placing`, by who is placing it (`Store.call_owner`).

    Only this window's own call is "Calling…" with the ringing icon: another process's call is named as such, and
    one whose process has ended (killed, crashed) will never finish. `owner` None (finished meanwhile) is taken as
    this window's: the next refresh shows its outcome.
    """
    from c2c_desktop.core.store import OwnerState  # loaded with the store by now; kept off the first paint

    if owner is None or owner.state is OwnerState.THIS_PROCESS:
        return "Calling…", "ringing"
    if owner.state is OwnerState.OTHER_PROCESS:
        return f"Being placed by another {APP_NAME} (pid {owner.pid})", "unknown"
    if owner.state is OwnerState.OTHER_MACHINE:
        return f"Being placed by {APP_NAME} on {owner.host}", "unknown"
    return "Unknown — the app placing it stopped; the call may have been placed", "unknown"
