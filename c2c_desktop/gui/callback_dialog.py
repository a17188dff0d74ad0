"""Schedule a callback: a date and time typed on the agent's clock or the callee's, both shown live, checked as it is
typed (in the past, a time the clocks skip, outside the callee's calling hours at that moment: OK is disabled and
says why). The caller stores the chosen moment (UTC, with the callee's IANA zone) through core/list_work.py.

Opened by C in a calling session (and by its "Call back later" disposition), by Contacts → Schedule a callback…
(Ctrl+Shift+B) and the contact list's and History's context menus. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.list_work import CallbackRefused, agent_zone, both_clocks, callee_zone, check_callback
from c2c_desktop.core.models import Contact
from c2c_desktop.core.phone import DialNumber
from c2c_desktop.core.rules.guard import CallGuard
from c2c_desktop.gui.plain_text import button_text, plain_label, plain_tooltip, window_title

FORMAT = "yyyy-MM-dd HH:mm"
YOURS, THEIRS = 0, 1
#: A slot typed a while ago may be in the past by now: judged again this often while the dialog is open.
RECHECK_MS = 15_000


class WhenEdit(QDateTimeEdit):
    """The date and time field: Tab leaves it for the next field (the note), as in every other field; a
    QDateTimeEdit's own Tab walks its sections (year, month, day, hour, minute), which traps the keyboard there. The
    sections are reached with the mouse, or by typing: a full section moves on by itself."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 (Qt override and its name)
        return QWidget.focusNextPrevChild(self, next)


class CallbackDialog(QDialog):
    """Choose a callback time for `number`; `moment()` is the chosen instant (UTC) once accepted."""

    def __init__(
        self,
        who: str,
        number: DialNumber,
        guard: CallGuard,
        clock: Callable[[], datetime],
        *,
        contact: Contact | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("callback_dialog")
        self.setWindowTitle(window_title(f"Schedule a callback — {who}"))
        self._number = number
        self._guard = guard
        self._clock = clock
        self._contact = contact
        self._zone = callee_zone(number, contact)
        self._mine = agent_zone()
        self._moment: datetime | None = None
        self._refusal = ""
        self._clock_index = YOURS

        heading = plain_label(f"Call back {who} on {number.display}", wrap=True)
        heading.setObjectName("callback_heading")
        self.clock_choice = QComboBox()
        self.clock_choice.setObjectName("callback_clock")
        self.clock_choice.setAccessibleName("The clock the time is typed on")
        self.clock_choice.addItem(f"your clock ({_zone_name(self._mine)})")
        if self._zone:
            self.clock_choice.addItem(f"their clock ({self._zone})")
        else:
            self.clock_choice.setToolTip("The callee's time zone is unknown: type the time on your clock")
        self.when = WhenEdit()
        self.when.setObjectName("callback_when")
        self.when.setAccessibleName("Callback date and time")
        self.when.setDisplayFormat(FORMAT)
        self.when.setCalendarPopup(True)
        self.both_clocks = plain_label(wrap=True)
        self.both_clocks.setObjectName("callback_both_clocks")
        self.both_clocks.setAccessibleName("The callback time on both clocks")
        self.reason = plain_label(wrap=True)
        self.reason.setObjectName("callback_reason")
        self.reason.setAccessibleName("Why the callback cannot be scheduled")
        self.reason.setStyleSheet("color: #d13438;")
        self.note = QLineEdit()
        self.note.setObjectName("callback_note")
        self.note.setAccessibleName("Note for the callback")
        self.note.setPlaceholderText("Optional: what to talk about")
        self.note.setMaxLength(500)

        form = QFormLayout()
        for text, field in (
            ("Type it on", self.clock_choice),
            ("Date and time", self.when),
            ("That is", self.both_clocks),
            ("Note", self.note),
        ):
            label = plain_label(text)
            label.setBuddy(field)
            form.addRow(label, field)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button: QPushButton = ok
        self.ok_button.setObjectName("callback_ok")
        self.ok_button.setText("Schedule")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # Never smaller than its rows: a refusal of several lines grows the dialog instead of squashing the rows.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)

        if self._zone:
            self.clock_choice.setCurrentIndex(THEIRS)  # the callee's "Tuesday at 10" is what the agent was told
            self._clock_index = THEIRS
        self._set_wall_time(self._suggested())
        self.clock_choice.currentIndexChanged.connect(self._on_clock_changed)
        self.when.dateTimeChanged.connect(self._check)
        self._recheck = QTimer(self)
        self._recheck.setInterval(RECHECK_MS)
        self._recheck.timeout.connect(self._check)
        self._recheck.start()
        self._check()
        self.when.setFocus()
        self.resize(max(self.sizeHint().width(), 480), self.sizeHint().height())

    # -- reading the fields --------------------------------------------------------------------------------------

    def typed_zone(self) -> tzinfo:
        """The zone of the clock the time is typed on."""
        return ZoneInfo(self._zone) if self._clock_index == THEIRS and self._zone else self._mine

    def moment(self) -> datetime | None:
        """The chosen instant in UTC, or None while what is typed cannot be scheduled."""
        return self._moment

    def refusal(self) -> str:
        """Why OK is disabled ("" when it is not)."""
        return self._refusal

    def set_typed(self, text: str, *, theirs: bool) -> None:
        """Type "2026-12-08 10:00" on one clock (tests and callers that suggest a time)."""
        self.clock_choice.setCurrentIndex(THEIRS if theirs and self._zone else YOURS)
        self.when.setDateTime(QDateTime.fromString(text, FORMAT))

    # -- slots ---------------------------------------------------------------------------------------------------

    @Slot(int)
    def _on_clock_changed(self, index: int) -> None:
        """GUI thread: the same moment shown on the other clock (the instant typed does not move)."""
        moment = self._moment or self._typed_moment()
        self._clock_index = index
        if moment is not None:
            self._set_wall_time(moment)
        self._check()

    @Slot()
    def _check(self, *_args: object) -> None:
        """GUI thread: judge what is typed now; OK is enabled only for a slot that may be scheduled."""
        from c2c_desktop.core.list_work import parse_local_time

        text = self.when.dateTime().toString(FORMAT)
        try:
            moment = parse_local_time(text, self.typed_zone())
            self.both_clocks.setText(both_clocks(moment, self._zone, self._mine))
            check_callback(self._guard, self._number, moment, self._clock(), contact=self._contact)
        except CallbackRefused as exc:
            self._moment = None
            self._refusal = str(exc)
        else:
            self._moment = moment
            self._refusal = ""
        self.reason.setText(self._refusal and f"Cannot be scheduled: {self._refusal}")
        self.reason.setVisible(bool(self._refusal))
        self.ok_button.setEnabled(not self._refusal)
        self.ok_button.setText(button_text("Schedule" if not self._refusal else "Schedule (not possible: see why)"))
        self.ok_button.setToolTip(plain_tooltip(self._refusal and f"Disabled: {self._refusal}"))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to the height the rows need at this width (a reason shown, a line that wraps); never shrink below."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = self.heightForWidth(self.width()) if self.hasHeightForWidth() else self.sizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    def accept(self) -> None:
        self._check()  # the time may have passed since it was typed
        if self._moment is not None:
            self._recheck.stop()
            super().accept()

    def reject(self) -> None:
        self._recheck.stop()
        super().reject()

    # -- helpers -------------------------------------------------------------------------------------------------

    def _typed_moment(self) -> datetime | None:
        from c2c_desktop.core.list_work import parse_local_time

        try:
            return parse_local_time(self.when.dateTime().toString(FORMAT), self.typed_zone())
        except CallbackRefused:
            return None

    def _set_wall_time(self, moment: datetime) -> None:
        local = moment.astimezone(self.typed_zone())
        self.when.blockSignals(True)
        self.when.setDateTime(QDateTime.fromString(local.strftime("%Y-%m-%d %H:%M"), FORMAT))
        self.when.blockSignals(False)

    def _suggested(self) -> datetime:
        """An hour from now on the quarter hour: a slot that is usually open when the agent is calling anyway."""
        soon = self._clock().astimezone(UTC) + timedelta(hours=1)
        return soon.replace(minute=soon.minute - soon.minute % 15, second=0, microsecond=0) + timedelta(minutes=15)


@dataclass(frozen=True)
class CallbackChoice:
    """What the agent chose in the callback dialog: the number, the moment (UTC) and the note."""

    number: DialNumber
    at: datetime
    note: str


def ask_callback(
    parent: QWidget,
    number_text: str,
    contact: Contact | None,
    *,
    who: str = "",
    guard: CallGuard,
    clock: Callable[[], datetime],
    region: str,
) -> CallbackChoice | None:
    """GUI thread: the callback dialog for `number_text` (read in `region`) and `contact`, modal over `parent`: the
    one way every entry point (a session's C, Contacts → Schedule a callback…, History) asks. None when cancelled, or
    when the number cannot be called back (said in a message box)."""
    from c2c_desktop.core.phone import PhoneError, number_to_call
    from c2c_desktop.gui.plain_text import warn

    try:
        number = number_to_call(number_text, region)
    except PhoneError as exc:
        warn(parent, "No callback", f"{who or number_text} cannot be called back: {exc}")
        return None
    name = who or ((contact.name or contact.company) if contact is not None else "") or number.display
    dialog = CallbackDialog(name, number, guard, clock, contact=contact, parent=parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    at, note = dialog.moment(), dialog.note.text().strip()
    dialog.deleteLater()
    return CallbackChoice(number, at, note) if accepted and at is not None else None


def _zone_name(zone: object) -> str:
    return getattr(zone, "key", None) or str(zone)
