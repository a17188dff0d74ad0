"""What Qt shows for a text it may take as HTML (tooltips): for the tests that read tooltips back."""

from __future__ import annotations

from PySide6.QtGui import Qt, QTextDocument  # Qt.mightBeRichText lives in QtGui


def shown_tooltip(tooltip: str) -> str:
    """The text a tooltip shows: as written when Qt takes it as plain text, else its HTML rendered to text."""
    if not Qt.mightBeRichText(tooltip):
        return tooltip
    document = QTextDocument()
    document.setHtml(tooltip)
    return document.toPlainText().replace("\u2029", "\n")
