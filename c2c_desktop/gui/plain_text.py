"""Data is shown as plain text: the one way to put a text on screen that may hold data (names, companies, numbers,
notes, dispositions, file paths, the service's answer, error texts).

Qt renders text as HTML wherever it guesses that it is HTML (a QLabel or QMessageBox left at AutoText, a tooltip),
takes a "&" in a button's text for a keyboard shortcut and a "[*]" in a window title for a placeholder. A contact named
``<font size=7>BIG</font> <img src=/some/file.png>`` from a lead list would otherwise be drawn huge, load a local
image, and push the window off the screen. So:

* every label is made by `plain_label` (never `QLabel(...)` directly; tests/gui/test_plain_text.py checks),
* every tooltip, message box, button text and window title that holds data goes through the function here for it,
* HTML the app writes itself is made by `app_html`, which escapes every data argument.

GUI thread only (they make or touch widgets), except the pure string functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from c2c_desktop.core.text import clean_text

if TYPE_CHECKING:  # made when the first message box opens, not before the window's first paint (gui/app.py)
    from PySide6.QtWidgets import QMessageBox

_PLAIN = Qt.TextFormat.PlainText


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = False) -> QLabel:
    """A label that always shows its text as it is (never as HTML); `wrap` wraps long text at word boundaries."""
    label = QLabel(parent)
    label.setTextFormat(_PLAIN)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


def app_html(template: str, *data: object) -> str:
    """HTML written by the app: `template` (the app's own markup, with `{}` fields) filled with `data`, each escaped.

    The only place the app makes HTML; a data value can never become markup.
    """
    import html  # not before the first paint

    return template.format(*(html.escape(str(value), quote=True) for value in data))


def one_line(text: str, limit: int = 80) -> str:
    """`text` (a link, pasted text: anything) for one line of a status message: whitespace runs made one space,
    controls and bidi formatting characters removed, cut to `limit` characters with "…"."""
    flat = " ".join(clean_text(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plain_tooltip(text: str) -> str:
    """`text` as a tooltip that Qt shows exactly as written, line breaks kept.

    Qt shows a tooltip as HTML when it guesses it is; text holding "<" or "&" is therefore escaped and wrapped in a
    paragraph that keeps its line breaks and spaces (and still wraps a long line). Other text is returned as it is.
    """
    if "<" not in text and "&" not in text:
        return text
    return app_html("<p style='white-space:pre-wrap'>{}</p>", text)


def button_text(text: str) -> str:
    """`text` for a button or menu entry: a "&" in it is shown, not taken as a keyboard shortcut."""
    return text.replace("&", "&&")


def window_title(text: str) -> str:
    """`text` for a window title: a "[*]" in it is shown, not taken as the modified-document placeholder."""
    return text.replace("[*]", "[*][*]")


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    informative: str = "",
) -> QMessageBox:
    """A message box whose text and informative text are plain; add buttons (with `button_text`) and exec() it."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(window_title(title))
    box.setTextFormat(_PLAIN)
    box.setText(text)
    if informative:
        box.setInformativeText(informative)
        # Qt makes the informative label with its default AutoText; make it plain too.
        for label in box.findChildren(QLabel, "qt_msgbox_informativelabel"):
            label.setTextFormat(_PLAIN)
    return box


def warn(parent: QWidget | None, title: str, text: str) -> None:
    """A warning with an OK button, shown modally; `text` is plain (it may quote a file name or an error)."""
    from PySide6.QtWidgets import QMessageBox

    box = message_box(parent, QMessageBox.Icon.Warning, title, text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()
    box.deleteLater()


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """A notice with an OK button, shown modally; `text` is plain."""
    from PySide6.QtWidgets import QMessageBox

    box = message_box(parent, QMessageBox.Icon.Information, title, text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()
    box.deleteLater()


def critical(parent: QWidget | None, title: str, text: str) -> None:
    """An error with an OK button, shown modally; `text` is plain."""
    from PySide6.QtWidgets import QMessageBox

    box = message_box(parent, QMessageBox.Icon.Critical, title, text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()
    box.deleteLater()


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A Yes/Cancel question (Cancel the default), shown modally; True for Yes. `text` is plain."""
    from PySide6.QtWidgets import QMessageBox

    box = message_box(parent, QMessageBox.Icon.Question, title, text)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    box.deleteLater()
    return answer == QMessageBox.StandardButton.Yes
