"""Settings → Dispositions: the disposition list (dispositions.txt) and each disposition's rule
(disposition_rules.json), edited together in a table without touching JSON.

The table's order is the order of the keys 1–9 in a calling session. The row under the table edits the selected
disposition: its name, what it does (done, retry after a delay with at most N attempts, a callback, do not call,
wrong number, skip, or the same as another), the delay and the attempts. Every change is checked at once by the
core's own `parse_rules` (the same refusals, in the same words, as a file edited by hand); a refusal is shown in one
line naming the row, and the settings dialog's OK stays disabled. Nothing is written until the dialog's OK
(`save()`, through `core.disposition_rules.save_dispositions_and_rules`); Cancel writes nothing.

GUI thread only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.disposition_rules import (
    NO_ANSWER,
    Action,
    DispositionRule,
    DispositionRules,
    DispositionRulesError,
    default_rules,
    delay_text,
    load_rules,
    parse_rules,
    save_dispositions_and_rules,
)
from c2c_desktop.core.journal_export import DEFAULT_DISPOSITIONS, load_dispositions
from c2c_desktop.core.list_session import session_dispositions
from c2c_desktop.gui.messages import message_label, sentence, show_message
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

WRONG_NUMBER = "wrong-number"  # the table's own choice: the rules file says "done" with "flag_number": true
#: What a disposition can do: (choice, text in the table, text in the chooser).
ACTION_CHOICES: tuple[tuple[str, str, str], ...] = (
    (Action.DONE.value, "done", "Done"),
    (Action.RETRY.value, "retry", "Retry after a delay (at most N attempts, then done)"),
    (Action.CALLBACK.value, "callback", "Call back at a time (asked for at once)"),
    (Action.DO_NOT_CALL.value, "do not call", "Do not call (the internal list, at once)"),
    (WRONG_NUMBER, "wrong number", "Wrong number: done, and the number flagged"),
    (Action.SKIP.value, "skip", "Skip: out of the list, kept as skipped"),
    (Action.SAME_AS.value, "same as", "The same as another disposition"),
)
#: "No answer" is the rule of a call nobody answered: only these make sense for it.
NO_ANSWER_ACTIONS = (Action.RETRY.value, Action.DONE.value, Action.SKIP.value)
KEY_COUNT = 9
PAGE_HINT = (
    "The order is the order of the keys 1–9 in a calling session (Alt+Up / Alt+Down move the selected one). "
    "Each disposition's rule says what happens to the list item next."
)
NO_FILES_TEXT = "The dispositions are edited with the app's own data (not in the demo): the built-in ones are shown."
NO_ANSWER_TIP = "A call nobody answered moves on by this rule at once; the name cannot change."
COLUMNS = ("Disposition", "What happens next", "Delay", "At most")


@dataclass(frozen=True)
class RuleRow:
    """One row of the table: a disposition and its rule as the agent edits it."""

    name: str
    action: str = Action.DONE.value  # a value of ACTION_CHOICES
    delay: str = ""  # retry only: "2h", "1d"
    max_attempts: int = 0  # retry only; 0: no limit
    same_as: str = ""  # same-as only

    @property
    def is_no_answer(self) -> bool:
        return self.name.casefold() == NO_ANSWER.casefold()

    def as_json(self) -> dict[str, object]:
        """The rules file's row for this disposition (only the fields its action uses)."""
        row: dict[str, object] = {"outcome": "no answer"} if self.is_no_answer else {"disposition": self.name}
        if self.action == WRONG_NUMBER:
            row.update(action=Action.DONE.value, flag_number=True)
            return row
        row["action"] = self.action
        if self.action == Action.RETRY.value:
            row["delay"] = self.delay.strip()
            if self.max_attempts:
                row["max_attempts"] = self.max_attempts
        elif self.action == Action.SAME_AS.value:
            row["as"] = self.same_as.strip()
        return row

    def words(self) -> tuple[str, str, str]:
        """What the table shows in its last three columns."""
        text = next((shown for value, shown, _long in ACTION_CHOICES if value == self.action), self.action)
        if self.action == Action.SAME_AS.value:
            text = f"same as “{self.same_as}”"
        if self.action != Action.RETRY.value:
            return text, "", ""
        return text, self.delay, f"{self.max_attempts} attempts" if self.max_attempts else "no limit"


def row_for(name: str, rule: DispositionRule | None) -> RuleRow:
    """The row of a disposition with its rule (None: no rule, which means done)."""
    if rule is None:
        return RuleRow(name)
    if rule.action is Action.DONE and rule.flag_number:
        return RuleRow(name, WRONG_NUMBER)
    return RuleRow(
        name,
        rule.action.value,
        delay_text(rule.delay) if rule.delay is not None else "",
        rule.max_attempts or 0,
        rule.same_as,
    )


def rows_for(names: list[str], rules: DispositionRules) -> list[RuleRow]:
    """The rows in the keys' order: the list's names, then the rules' names that are not in it (as a session does)."""
    return [row_for(name, _rule_named(rules, name)) for name in session_dispositions(names, rules)]


def _same_name(first: str, second: str) -> bool:
    # As a session matches a name to its rule: case, spacing and the kind of dash do not matter.
    def loose(name: str) -> str:
        return " ".join(name.replace("–", "-").replace("—", "-").split()).casefold()

    return loose(first) == loose(second)


def _rule_named(rules: DispositionRules, name: str) -> DispositionRule | None:
    """The rule written for `name` itself (a same-as rule is not followed: the row shows it as written)."""
    return next((rule for rule in rules.rules.values() if _same_name(rule.name, name)), None)


def default_rows() -> list[RuleRow]:
    return rows_for(list(DEFAULT_DISPOSITIONS), default_rules())


def rules_text(rows: list[RuleRow]) -> str:
    """The rules file for `rows`: one rule each, in the table's order (so that "rule N" in a refusal is row N)."""
    return json.dumps({"rules": [row.as_json() for row in rows]}, ensure_ascii=False, indent=2) + "\n"


def row_words(refusal: str) -> str:
    """The core's refusal as the table says it: its "rule N" is row N (one rule a row, in order)."""
    return sentence(re.sub(r"^rule (\d+)", r"row \1", refusal))


class DispositionsPage(QWidget):
    """The dispositions and their rules. `problem()` says what stops them being saved ("" when nothing does)."""

    #: The table became valid or not (the dialog enables OK by it).
    validity_changed = Signal()

    def __init__(
        self,
        dispositions_path: str | Path | None,
        rules_path: str | Path | None,
        error_colour: str,
        parent: QWidget | None = None,
    ) -> None:
        """`dispositions_path`, `rules_path`: the two files (None: the demo; the built-in ones are shown, read-only)."""
        super().__init__(parent)
        self.dispositions_path = None if dispositions_path is None else Path(dispositions_path)
        self.rules_path = None if rules_path is None else Path(rules_path)
        self._error_colour = error_colour
        self._rows: list[RuleRow] = []
        self._problem = ""
        self._file_problem = ""
        self._filling = False

        hint = plain_label(PAGE_HINT, self, wrap=True)
        hint.setAccessibleName("About the dispositions")
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setAccessibleName("Dispositions and their rules")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # edited in the row below
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)  # "select all" means nothing here
        corner = self.table.findChild(QAbstractButton, "qt_tableview_cornerbutton")
        if corner is not None:
            corner.setAccessibleName("Keys")
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column in (2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setToolTip("The key of the disposition in a calling session (1–9)")
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 8 + 30)
        self.table.currentCellChanged.connect(lambda row, *_cells: self._on_current_changed(row))

        self.add_button = QPushButton("&New disposition", self)
        self.add_button.setAccessibleName("New disposition")
        self.remove_button = QPushButton("Remo&ve", self)
        self.remove_button.setAccessibleName("Remove the selected disposition")
        self.up_button = QPushButton("Move up", self)
        self.up_button.setAccessibleName("Move the selected disposition up")
        self.up_button.setToolTip("Alt+Up: one key earlier in a calling session")
        self.down_button = QPushButton("Move down", self)
        self.down_button.setAccessibleName("Move the selected disposition down")
        self.down_button.setToolTip("Alt+Down: one key later in a calling session")
        self.defaults_button = QPushButton("Restore d&efaults", self)
        self.defaults_button.setAccessibleName("Restore the default dispositions and rules")
        self.defaults_button.setToolTip("The built-in dispositions and rules (written only when you press OK)")
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button, self.defaults_button):
            button.setAutoDefault(False)
            side.addWidget(button)
        side.addStretch(1)
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_row)
        self.up_button.clicked.connect(lambda: self.move_row(-1))
        self.down_button.clicked.connect(lambda: self.move_row(1))
        self.defaults_button.clicked.connect(self.restore_defaults)
        # Alt+Up / Alt+Down on the table (not a window shortcut: in the chooser below, Alt+Down opens it).
        self.table.installEventFilter(self)

        # The selected row's editor.
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Disposition name")
        self.name_edit.setMaxLength(80)
        self.action_combo = QComboBox(self)
        self.action_combo.setAccessibleName("What happens next")
        self.delay_edit = QLineEdit(self)
        self.delay_edit.setAccessibleName("Retry after")
        self.delay_edit.setPlaceholderText("e.g. 30m, 2h, 1d")
        self.delay_edit.setToolTip("How long before the prospect is offered again: 1 minute to 365 days")
        self.attempts_spin = QSpinBox(self)
        self.attempts_spin.setAccessibleName("At most this many attempts, then done")
        self.attempts_spin.setRange(0, 100)
        self.attempts_spin.setSpecialValueText("no limit")
        self.attempts_spin.setSuffix(" attempts")
        self.attempts_spin.setToolTip("Once the prospect was called this many times, the item is done")
        self.same_as_combo = QComboBox(self)
        self.same_as_combo.setEditable(True)
        self.same_as_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.same_as_combo.setAccessibleName("The same as this disposition")
        self.delay_edit.setMaximumWidth(self.fontMetrics().horizontalAdvance("e.g. 30m, 2h, 1d") + 24)
        self.attempts_label = plain_label("at most", self)
        retry = QHBoxLayout()
        retry.setContentsMargins(0, 0, 0, 0)
        retry.addWidget(self.delay_edit)
        retry.addWidget(self.attempts_label)
        retry.addWidget(self.attempts_spin)
        retry.addStretch(1)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_label = plain_label("Na&me:", self)
        self.name_label.setBuddy(self.name_edit)
        action_label = plain_label("&What happens:", self)
        action_label.setBuddy(self.action_combo)
        self.delay_label = plain_label("Re&try after:", self)
        self.delay_label.setBuddy(self.delay_edit)
        self.same_as_label = plain_label("Same &as:", self)
        self.same_as_label.setBuddy(self.same_as_combo)
        self.form.addRow(self.name_label, self.name_edit)
        self.form.addRow(action_label, self.action_combo)
        self.form.addRow(self.delay_label, retry)
        self.form.addRow(self.same_as_label, self.same_as_combo)
        self.name_edit.textEdited.connect(self._on_edited)
        self.action_combo.currentIndexChanged.connect(self._on_edited)
        self.delay_edit.textEdited.connect(self._on_edited)
        self.attempts_spin.valueChanged.connect(self._on_edited)
        self.same_as_combo.currentTextChanged.connect(self._on_edited)

        self.message = message_label(self)
        self.message.setAccessibleName("Dispositions: problem")
        self.note = plain_label("", self, wrap=True)
        self.note.setAccessibleName("Dispositions: note")
        self.note.setEnabled(False)  # a quieter colour: it explains

        middle = QHBoxLayout()
        middle.addWidget(self.table, 1)
        middle.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(middle, 1)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.note)

        self._loaded = self._load()
        self._fill(select=0)
        if self.dispositions_path is None or self.rules_path is None:
            for widget in (self.table, self.name_edit, self.action_combo, self.delay_edit, self.attempts_spin):
                widget.setEnabled(False)
            for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
                button.setEnabled(False)
            self.same_as_combo.setEnabled(False)
            self.defaults_button.setEnabled(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """GUI thread: Alt+Up / Alt+Down on the table move the selected row (the table would move the selection)."""
        if (
            watched is self.table
            and isinstance(event, QKeyEvent)
            and event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
            and event.modifiers() == Qt.KeyboardModifier.AltModifier
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            event.accept()
            if event.type() == QEvent.Type.KeyPress:
                self.move_row(-1 if event.key() == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(watched, event)

    # -- reading -------------------------------------------------------------------------------------------------

    def _load(self) -> list[RuleRow]:
        if self.dispositions_path is None or self.rules_path is None:
            self._rows = default_rows()
            return list(self._rows)
        names = load_dispositions(self.dispositions_path)
        try:
            rules = load_rules(self.rules_path)
        except DispositionRulesError as exc:
            # Shown with the defaults; the file is replaced only if the table is changed and saved.
            self._file_problem = f"Not used: {exc}. The defaults are shown; saving a change replaces the file."
            rules = default_rules()
        self._rows = rows_for(names, rules)
        return list(self._rows)

    # -- what the dialog asks --------------------------------------------------------------------------------------

    def rows(self) -> list[RuleRow]:
        return list(self._rows)

    def names(self) -> list[str]:
        """The dispositions in the keys' order."""
        return [row.name for row in self._rows]

    def rules_text(self) -> str:
        return rules_text(self._rows)

    def problem(self) -> str:
        """Why the table cannot be saved, in one line ("" when it can)."""
        return self._problem

    def is_changed(self) -> bool:
        return self._rows != self._loaded

    def save(self) -> DispositionRules | None:
        """Write both files if the table was changed (None when it was not). Raises DispositionRulesError (nothing
        written) or OSError."""
        if not self.is_changed() or self.dispositions_path is None or self.rules_path is None:
            return None
        rules = save_dispositions_and_rules(self.dispositions_path, self.rules_path, self.names(), self.rules_text())
        self._loaded = list(self._rows)
        return rules

    # -- editing -------------------------------------------------------------------------------------------------

    def current_row(self) -> int:
        return self.table.currentRow()

    def select_row(self, row: int) -> None:
        self.table.setCurrentCell(row, 0)

    @Slot()
    def add_row(self) -> None:
        taken = {row.name.casefold() for row in self._rows}
        candidates = ("New disposition" + (f" {n}" if n > 1 else "") for n in range(1, 1000))
        name = next(text for text in candidates if text.casefold() not in taken)
        at = self.current_row() + 1 if self.current_row() >= 0 else len(self._rows)
        self._rows.insert(at, RuleRow(name))
        self._fill(select=at)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.name_edit.selectAll()

    @Slot()
    def remove_row(self) -> None:
        row = self.current_row()
        if not 0 <= row < len(self._rows) or self._rows[row].is_no_answer:
            return
        del self._rows[row]
        self._fill(select=min(row, len(self._rows) - 1))

    def move_row(self, step: int) -> None:
        row = self.current_row()
        target = row + step
        if not (0 <= row < len(self._rows) and 0 <= target < len(self._rows)):
            return
        self._rows[row], self._rows[target] = self._rows[target], self._rows[row]
        self._fill(select=target)

    @Slot()
    def restore_defaults(self) -> None:
        self._rows = default_rows()
        self._fill(select=0)

    def set_row(self, row: int, changed: RuleRow) -> None:
        """Replace one row (what the editor below the table does as the agent types)."""
        self._rows[row] = changed
        self._show_row(row)
        self._check()

    # -- showing -------------------------------------------------------------------------------------------------

    def _fill(self, *, select: int) -> None:
        self._filling = True
        self.table.setRowCount(len(self._rows))
        for row in range(len(self._rows)):
            self._show_row(row)
        self._filling = False
        if self._rows:
            select = max(0, min(select, len(self._rows) - 1))
            self.table.setCurrentCell(select, 0)
            self.table.scrollTo(self.table.model().index(select, 0))
        self._on_current_changed(self.current_row())
        self._check()

    def _show_row(self, row: int) -> None:
        rule = self._rows[row]
        texts = (rule.name, *rule.words())
        for column, text in enumerate(texts):
            item = self.table.item(row, column)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(row, column, item)
            item.setText(text)
            item.setToolTip(plain_tooltip(text) if column < 2 else "")
        key = QTableWidgetItem(str(row + 1) if row < KEY_COUNT else "–")
        key.setToolTip(f"Key {row + 1} in a calling session" if row < KEY_COUNT else "No key: only nine have one")
        self.table.setVerticalHeaderItem(row, key)

    def _on_current_changed(self, row: int) -> None:
        """GUI thread: show the selected row in the editor below the table."""
        if self._filling:
            return
        self._filling = True
        valid = 0 <= row < len(self._rows)
        rule = self._rows[row] if valid else RuleRow("")
        self.name_edit.setText(rule.name)
        self.name_edit.setReadOnly(rule.is_no_answer)
        self.name_edit.setToolTip(NO_ANSWER_TIP if rule.is_no_answer else "The name on the card and in the History")
        self.action_combo.clear()
        for value, _short, text in ACTION_CHOICES:
            if not rule.is_no_answer or value in NO_ANSWER_ACTIONS or value == rule.action:
                self.action_combo.addItem(text, value)
        self.action_combo.setCurrentIndex(max(0, self.action_combo.findData(rule.action)))
        self.delay_edit.setText(rule.delay)
        self.attempts_spin.setValue(rule.max_attempts)
        self.same_as_combo.clear()
        self.same_as_combo.addItems([other.name for other in self._rows if other is not rule])
        self.same_as_combo.setEditText(rule.same_as)
        self._filling = False
        self._enable_editor(valid)
        self.remove_button.setEnabled(valid and not rule.is_no_answer)
        self.remove_button.setToolTip("The “No answer” rule cannot be removed" if rule.is_no_answer else "")
        self.up_button.setEnabled(valid and row > 0)
        self.down_button.setEnabled(valid and row < len(self._rows) - 1)

    def _enable_editor(self, valid: bool) -> None:
        action = self.action_combo.currentData()
        retry = valid and action == Action.RETRY.value
        same_as = valid and action == Action.SAME_AS.value
        for widget in (self.name_edit, self.action_combo):
            widget.setEnabled(valid)
        self.delay_edit.setEnabled(retry)
        self.attempts_spin.setEnabled(retry)
        self.delay_label.setEnabled(retry)
        self.attempts_label.setEnabled(retry)
        self.same_as_combo.setEnabled(same_as)
        self.same_as_label.setEnabled(same_as)

    @Slot()
    def _on_edited(self, *_args: object) -> None:
        """GUI thread: a field of the editor changed: the selected row follows it."""
        if self._filling:
            return
        row = self.current_row()
        if not 0 <= row < len(self._rows):
            return
        old = self._rows[row]
        action = str(self.action_combo.currentData() or Action.DONE.value)
        changed = replace(
            old,
            name=old.name if old.is_no_answer else " ".join(self.name_edit.text().split()),
            action=action,
            delay=self.delay_edit.text().strip(),
            max_attempts=self.attempts_spin.value(),
            same_as=" ".join(self.same_as_combo.currentText().split()),
        )
        if action == Action.RETRY.value and not old.delay and not changed.delay:
            changed = replace(changed, delay="1d")  # a retry needs one: start from a sensible one
            self._filling = True
            self.delay_edit.setText(changed.delay)
            self._filling = False
        self._enable_editor(True)
        self.set_row(row, changed)

    def _check(self) -> None:
        """Check the table as the core checks the files; show the first problem, or what is worth knowing."""
        problem = ""
        try:
            parse_rules(self.rules_text())
            names = [row.name.casefold() for row in self._rows]
            if not names:
                problem = "Keep at least one disposition."
            elif len(set(names)) != len(names):
                problem = "A disposition is in the table twice."  # parse_rules says which first: not reached
        except DispositionRulesError as exc:
            problem = row_words(str(exc))
        before = self._problem
        self._problem = problem
        show_message(self.message, problem or self._file_problem, self._error_colour)
        notes = []
        if len(self._rows) > KEY_COUNT:
            notes.append(f"Only the first {KEY_COUNT} have a key in a calling session.")
        if self.dispositions_path is None or self.rules_path is None:
            notes.append(NO_FILES_TEXT)
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))
        if problem != before:
            self.validity_changed.emit()
