"""After a call: the disposition strip (how did it go? + a one-line note), and the dialogs that edit them.

The strip never blocks anything: the agent may ignore it and place the next call. When that call finishes the window
calls `set_call()` again and the strip moves on to it; a choice made but not saved for the previous call is saved to
that call first, so nothing typed is lost. A call nobody gave a disposition keeps NULL in the journal.

The editable disposition list lives in a plain text file (one per line) read and written by
`core.journal_export.load_dispositions` / `save_dispositions`; `core.config.dispositions_path_for()` says where.
GUI thread only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.journal_export import DEFAULT_DISPOSITIONS, load_dispositions, save_dispositions
from c2c_desktop.core.models import JournalEntry, Outcome
from c2c_desktop.core.store import Store, StoreError
from c2c_desktop.gui.do_not_call import DO_NOT_CALL, is_do_not_call, save_disposition
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

SHORTCUT_COUNT = 5  # Alt+1 … Alt+5
NOTE_SHORTCUT = "Alt+N"  # the note label's mnemonic ("&Note:"): no menu or button of the window uses N
MAX_NOTE_LENGTH = 500

_OUTCOME_WORDS = {
    Outcome.CONNECTED: "connected",
    Outcome.NO_ANSWER: "no answer",
    Outcome.NOT_SENT: "not sent",
    Outcome.REJECTED: "rejected",
    Outcome.UNKNOWN: "unknown",
}


def read_dispositions(path: str | os.PathLike[str] | None) -> list[str]:
    """The disposition list from `path` (None, missing or unreadable: the defaults)."""
    return list(DEFAULT_DISPOSITIONS) if path is None else list(load_dispositions(path))


def clean_dispositions(items: list[str]) -> list[str]:
    """Trimmed, non-empty, each once (first spelling wins, case-insensitively), order kept."""
    seen: set[str] = set()
    cleaned: list[str] = []
    for item in items:
        text = " ".join(item.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            cleaned.append(text)
    return cleaned


def call_label(entry: JournalEntry) -> str:
    """Who was called, the outcome and the local time, e.g. "Ann Lee (connected, 10:42)"."""
    who = entry.contact_name or entry.display_number or entry.number
    outcome = entry.reconciled_outcome or entry.outcome
    try:
        when = datetime.fromisoformat(entry.started_at).astimezone().strftime("%H:%M")
    except ValueError:
        when = ""
    details = ", ".join(part for part in (_OUTCOME_WORDS.get(outcome, "") if outcome else "", when) if part)
    return f"{who} ({details})" if details else who


def _disposition_combo(items: list[str], accessible_name: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # a typed one-off stays off the shared list
    combo.addItems(items)
    combo.setCurrentIndex(-1)
    combo.setAccessibleName(accessible_name)
    line_edit = combo.lineEdit()
    assert line_edit is not None  # editable combos always have one
    line_edit.setPlaceholderText("Pick or type a disposition")
    line_edit.setMaxLength(MAX_NOTE_LENGTH)
    combo.setMinimumContentsLength(16)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    return combo


def _set_combo_text(combo: QComboBox, text: str | None) -> None:
    index = combo.findText(text) if text else -1
    combo.setCurrentIndex(index)
    combo.setEditText(text or "")


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" to fit (full text in the tooltip) instead of widening."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full_text = ""
        self.setTextFormat(Qt.TextFormat.PlainText)  # a contact's name is data: never HTML (see gui.plain_text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        self._full_text = text
        self.setToolTip(plain_tooltip(text))
        self.setAccessibleName(text)  # screen readers get the whole text, not the shortened one
        self._elide()

    def full_text(self) -> str:
        return self._full_text

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full_text, Qt.TextElideMode.ElideRight, max(self.width(), 1))
        super().setText(shown if self.width() > 1 else self._full_text)


class DispositionListDialog(QDialog):
    """Edit the disposition list: add, rename (double-click or F2), remove, reorder, reset to the defaults."""

    def __init__(self, items: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dispositions")
        hint = plain_label("The first five can be picked with Alt+1 … Alt+5 after a call.", wrap=True)
        self.list = QListWidget()
        self.list.setAccessibleName("Dispositions")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        for text in items:
            self._append(text)
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.reset_button = QPushButton("Defaults")
        self.reset_button.setToolTip("Replace the list with the built-in dispositions")
        self.add_button.clicked.connect(self.add_item)
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.reset_button.clicked.connect(self.reset_to_defaults)
        side = QVBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button, self.reset_button):
            button.setAutoDefault(False)
            side.addWidget(button)
        side.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.list, 1)
        middle.addLayout(side)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(middle, 1)
        layout.addWidget(self.buttons)
        self.resize(440, 320)

    def _append(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)
        return item

    def items(self) -> list[str]:
        """The list as edited, cleaned (see `clean_dispositions`)."""
        return clean_dispositions([self.list.item(row).text() for row in range(self.list.count())])

    @Slot()
    def add_item(self) -> None:
        item = self._append("New disposition")
        self.list.setCurrentItem(item)
        self.list.editItem(item)

    @Slot()
    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    @Slot()
    def reset_to_defaults(self) -> None:
        self.list.clear()
        for text in DEFAULT_DISPOSITIONS:
            self._append(text)


class DispositionDialog(QDialog):
    """Set one call's disposition and note (used by the History view)."""

    def __init__(
        self, entry: JournalEntry, dispositions_path: str | os.PathLike[str] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setWindowTitle("Set disposition")
        self.combo = _disposition_combo(read_dispositions(dispositions_path), "Disposition")
        if self.combo.findText(DO_NOT_CALL, Qt.MatchFlag.MatchFixedString) < 0:
            self.combo.insertSeparator(self.combo.count())
            self.combo.addItem(DO_NOT_CALL)  # also puts the number on the internal do-not-call list
        _set_combo_text(self.combo, entry.disposition)
        self.note_edit = QLineEdit(entry.note)
        self.note_edit.setAccessibleName("Note")
        self.note_edit.setMaxLength(MAX_NOTE_LENGTH)
        self.note_edit.setPlaceholderText("One line, e.g. call back Tuesday after 3")
        form = QFormLayout()
        form.addRow("Call:", plain_label(call_label(entry), wrap=True))
        form.addRow("&Disposition:", self.combo)
        form.addRow("&Note:", self.note_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def set_values(self, disposition: str | None, note: str) -> None:
        """Fill in the fields (as the agent would)."""
        _set_combo_text(self.combo, disposition)
        self.note_edit.setText(note)

    def disposition(self) -> str | None:
        """The disposition entered; None when left empty."""
        return self.combo.currentText().strip() or None

    def note(self) -> str:
        return self.note_edit.text().strip()


class DispositionStrip(QWidget):
    """How did the call go? Shown under the call status: a disposition, a one-line note, Save. GUI thread only.

    `set_call(entry)` attaches it to a finished call; `saved(call_id)` is emitted after each write. "Do not call" is
    always offered (after the editable list): saving it also puts the call's number on the internal do-not-call
    list, in the same transaction, and emits `do_not_call(e164)`.
    """

    saved = Signal(int)
    do_not_call = Signal(str)  # the number (international form) just put on the internal do-not-call list
    #: The disposition list was edited and saved to its file.
    dispositions_changed = Signal()

    def __init__(
        self,
        store: Store,
        dispositions_path: str | os.PathLike[str] | None = None,
        parent: QWidget | None = None,
        *,
        agent_number: Callable[[], str] = lambda: "",
    ) -> None:
        """`dispositions_path`: the list file (see `config.dispositions_path_for`); None: the defaults, not editable.
        `agent_number`: the agent's number now, for the audit log of a "Do not call"."""
        super().__init__(parent)
        self.store = store
        self._agent_number = agent_number
        self.dispositions_path = None if dispositions_path is None else Path(dispositions_path)
        self._entry: JournalEntry | None = None
        self._loaded: tuple[str | None, str] = (None, "")  # the values stored for the call, to tell unsaved edits
        self._list_items: list[str] = []  # the editable list as read from its file
        self.setAccessibleName("Disposition of the last call")

        self.title_label = ElidedLabel()
        self.status_label = plain_label()
        self.status_label.setAccessibleName("Disposition save status")
        self.edit_list_button = QToolButton()
        self.edit_list_button.setText("Edit list…")
        self.edit_list_button.setAutoRaise(True)
        self.edit_list_button.setAccessibleName("Edit the disposition list")
        self.edit_list_button.setToolTip("Add, rename, remove or reorder the dispositions")
        self.edit_list_button.clicked.connect(self.edit_list)
        self.edit_list_button.setVisible(self.dispositions_path is not None)

        self.combo = _disposition_combo([], "Disposition")
        self.note_edit = QLineEdit()
        self.note_edit.setAccessibleName("Note about the call")
        self.note_edit.setPlaceholderText("One line; Enter saves")
        self.note_edit.setToolTip(plain_tooltip(f"A note about the call ({NOTE_SHORTCUT}); Enter saves it"))
        self.note_edit.setMaxLength(MAX_NOTE_LENGTH)
        self.note_edit.setClearButtonEnabled(True)
        self.note_label = plain_label("&Note:")  # Alt+N, from anywhere in the window, while the strip is shown
        self.note_label.setBuddy(self.note_edit)
        self.save_button = QPushButton("Save")
        self.save_button.setAccessibleName("Save the disposition")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.note_edit.returnPressed.connect(self.save)
        combo_edit = self.combo.lineEdit()
        assert combo_edit is not None  # editable
        combo_edit.returnPressed.connect(self.save)
        self.combo.currentTextChanged.connect(self._on_edited)
        self.note_edit.textChanged.connect(self._on_edited)

        # Three short rows rather than one long one: the strip lives in the window's narrow right-hand column.
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title_label, 1)
        top.addWidget(self.status_label)
        choice = QHBoxLayout()
        choice.setContentsMargins(0, 0, 0, 0)
        choice.addWidget(self.combo, 1)
        choice.addWidget(self.edit_list_button)
        note = QHBoxLayout()
        note.setContentsMargins(0, 0, 0, 0)
        note.addWidget(self.note_label)
        note.addWidget(self.note_edit, 1)
        note.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(choice)
        layout.addLayout(note)

        self.shortcuts: list[QShortcut] = []
        for number in range(1, SHORTCUT_COUNT + 1):
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda n=number: self.pick(n - 1))
            self.shortcuts.append(shortcut)
        self.reload_list()
        self.set_call(None)

    # -- the list ---------------------------------------------------------------------------------------------------

    def dispositions(self) -> list[str]:
        """The editable disposition list, in order (the strip also offers "Do not call" after it)."""
        return list(self._list_items)

    def offered(self) -> list[str]:
        """Every disposition the strip offers, in order."""
        return [text for row in range(self.combo.count()) if (text := self.combo.itemText(row))]  # no separator

    def reload_list(self) -> None:
        """Re-read the disposition list file, keeping what is typed."""
        text = self.combo.currentText()
        items = read_dispositions(self.dispositions_path)
        self._list_items = items
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems(items)
        if not any(is_do_not_call(item) for item in items):
            # Always offered (editing the list cannot take it away), set apart: it also changes the do-not-call list.
            self.combo.insertSeparator(self.combo.count())
            self.combo.addItem(DO_NOT_CALL)
        _set_combo_text(self.combo, text)
        self.combo.blockSignals(False)
        keys = [f"Alt+{n}: {text}" for n, text in enumerate(items[:SHORTCUT_COUNT], start=1)]
        tip = "How did the call go? Pick or type one; Enter or Save records it.\n" + "\n".join(keys)
        tip += f"\n“{DO_NOT_CALL}” also puts the number on the internal do-not-call list."
        self.combo.setToolTip(plain_tooltip(tip + "\n(Alt+number records it at once)"))

    @Slot()
    def edit_list(self) -> DispositionListDialog | None:
        """GUI thread: open the list editor (window-modal, not blocking); Save writes the list file."""
        if self.dispositions_path is None:
            return None
        dialog = DispositionListDialog(self.dispositions(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.save_list(dialog.items()))
        dialog.open()
        return dialog

    def save_list(self, items: list[str]) -> bool:
        """Write the disposition list (an empty list means the defaults). True if written."""
        if self.dispositions_path is None:
            return False
        try:
            self.dispositions_path.parent.mkdir(parents=True, exist_ok=True)
            save_dispositions(self.dispositions_path, clean_dispositions(items) or list(DEFAULT_DISPOSITIONS))
        except OSError as exc:
            self._set_status(f"List not saved: {exc.strerror or exc}", quiet=False)
            return False
        self.reload_list()
        self.dispositions_changed.emit()
        return True

    # -- the call ---------------------------------------------------------------------------------------------------

    @property
    def call_id(self) -> int | None:
        """The call the strip is attached to, or None."""
        return None if self._entry is None else self._entry.id

    def current_values(self) -> tuple[str | None, str]:
        """(disposition or None, note) as shown now."""
        return self.combo.currentText().strip() or None, self.note_edit.text().strip()

    def has_unsaved_changes(self) -> bool:
        return self._entry is not None and self.current_values() != self._loaded

    @Slot(object)
    def set_call(self, entry: JournalEntry | None) -> None:
        """GUI thread: attach to a finished call (None: no call). Unsaved input for the previous call is saved first."""
        if entry is not None and self._entry is not None and entry.id == self._entry.id:
            typing = self.has_unsaved_changes()
            self._entry = entry  # the same call again (e.g. reconciled): keep what is being typed
            self.title_label.setText(f"Disposition for {call_label(entry)}")
            if not typing:
                self._show(entry.disposition, entry.note)
            return
        if self.has_unsaved_changes():
            self.save()
        self._entry = entry
        enabled = entry is not None
        for widget in (self.combo, self.note_edit, self.save_button):
            widget.setEnabled(enabled)
        if entry is None:
            self.title_label.setText("Disposition: after a call, record how it went here")
            self._show(None, "")
            self._set_status("")
            return
        self.title_label.setText(f"Disposition for {call_label(entry)}")
        self._show(entry.disposition, entry.note)
        self._set_status("Saved" if entry.disposition or entry.note else "")

    def _set_status(self, text: str, *, quiet: bool = True) -> None:
        # Disabled draws in the palette's quiet text colour; a failure must stand out, so it stays enabled.
        self.status_label.setEnabled(not quiet)
        self.status_label.setText(text)

    def _show(self, disposition: str | None, note: str) -> None:
        self._loaded = (disposition or None, note.strip())
        self.combo.blockSignals(True)
        _set_combo_text(self.combo, disposition)
        self.combo.blockSignals(False)
        self.note_edit.blockSignals(True)
        self.note_edit.setText(note)
        self.note_edit.setCursorPosition(0)  # show the start of a long note
        self.note_edit.blockSignals(False)

    @Slot()
    def reload(self) -> None:
        """GUI thread: re-read the attached call (e.g. edited in the History), unless the agent is typing here."""
        if self._entry is None or self.has_unsaved_changes():
            return
        fresh = self.store.get_call(self._entry.id)
        if fresh is not None:
            self._entry = fresh
            self.title_label.setText(f"Disposition for {call_label(fresh)}")
            self._show(fresh.disposition, fresh.note)

    @Slot()
    def _on_edited(self, *_args: object) -> None:
        """GUI thread: the quiet "Saved" goes away as soon as the fields differ from what is stored."""
        if self.has_unsaved_changes():
            self._set_status("")

    def pick(self, position: int) -> bool:
        """Choose the disposition at `position` (0-based) and save at once (Alt+1 … Alt+5). True if saved."""
        if self._entry is None or not 0 <= position < self.combo.count():
            return False
        self.combo.setCurrentIndex(position)
        return self.save()

    @Slot()
    def save(self) -> bool:
        """GUI thread: write the disposition (None if empty) and note to the attached call. True if written."""
        if self._entry is None:
            return False
        from c2c_desktop.core.rules.dnc import DncError  # loaded with the disposition module's first save

        disposition, note = self.current_values()
        entry = self._entry
        try:
            added = save_disposition(self.store, entry, disposition, note, self._agent_number())
        except (StoreError, DncError) as exc:
            self._set_status(f"Not saved: {exc}", quiet=False)
            return False
        self._loaded = (disposition, note)
        self._set_status("Saved; on the do-not-call list" if is_do_not_call(disposition) else "Saved")
        self.saved.emit(entry.id)
        if added:
            self.do_not_call.emit(entry.e164)
        return True
