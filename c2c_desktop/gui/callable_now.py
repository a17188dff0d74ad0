"""Seeing it before calling: the callee's local time and whether they can be called now, for the highlighted contact,
the number typed in the dial pad, and a mark on the contact rows that cannot be called now.

Every verdict is the calling-rules guard's own (core.rules.glance over `CallGuard.report(record=False)`): the window
shows what a dial would decide, and writes nothing to the audit log.

Cost (the search must stay as fast as before): nothing is computed per keystroke over the contacts. The highlighted
contact is judged when the highlight changes (one report, ~0.2 ms, cached); rows are judged only once painted, after
the list has been still for `ROWS_DELAY_MS` (a typed search repaints the rows on every keystroke: those paints only
note which contacts are shown). Verdicts are cached per contact for the current minute of the guard's clock and
dropped when the minute, the settings or the store change (this window's own writes, seen through the connection's
change count, and other programs', through gui/store_watcher.py). The first verdict needs libphonenumber's
time-zone data and the rules' modules (the area codes' states come from core/rules/areas.py's table, not the
geocoder, which the bundle leaves out): they are imported on a background thread first, and nothing is shown until
then. GUI thread only, except that import.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from c2c_desktop.core.region import DEFAULT_REGION
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

if TYPE_CHECKING:
    from datetime import datetime

    from PySide6.QtGui import QResizeEvent
    from PySide6.QtWidgets import QAbstractItemView

    from c2c_desktop.core.config import Settings
    from c2c_desktop.core.models import Contact
    from c2c_desktop.core.rules.glance import Glance
    from c2c_desktop.core.rules.guard import CallGuard
    from c2c_desktop.core.store import Store
    from c2c_desktop.gui.contacts_model import ContactListModel
    from c2c_desktop.gui.dialpad import DialPad

log = logging.getLogger(__name__)

#: The rows painted are judged once the list has been still this long (no cost while a search is typed).
ROWS_DELAY_MS = 150
#: The dial pad's line follows the typed number this long after the last keystroke.
TYPED_DELAY_MS = 150
#: Rows judged per turn of the event loop (a tall window shows ~40).
ROWS_PER_TURN = 60
#: Imported on a background thread before the first verdict (the geocoder's data alone takes ~0.25 s).
WARM_MODULES = (
    "phonenumbers",
    "phonenumbers.timezone",
    "c2c_desktop.core.phone",
    "c2c_desktop.core.rules.guard",
    "c2c_desktop.core.rules.glance",
    "c2c_desktop.core.rules.dnc",
    "c2c_desktop.core.rules.attempts",
    "c2c_desktop.core.rules.audit",
)

Clock = Callable[[], "datetime"]
GuardFactory = Callable[["Settings"], "CallGuard"]

NOT_NOW_COLOUR = "#9a5b00"  # amber-brown: reads on light and dark palettes


def _warm(region: str = DEFAULT_REGION) -> None:
    """Background thread: import the rules' modules and data, the phone numbers' data of `region` (the first dial's
    parse imported it on the GUI thread: 50–75 ms), and read the rules file once."""
    for name in WARM_MODULES:
        importlib.import_module(name)
    from c2c_desktop.core import phone
    from c2c_desktop.core.rules import hours

    phone.warm_up(region)
    hours.rules_or_error()


class CallableNow(QObject):
    """The verdicts the window shows, cached per contact for the current minute. GUI thread only."""

    #: Verdicts of painted rows were computed: repaint the list.
    marks_changed = Signal()
    #: The cached verdicts were dropped (a new minute, settings or store changed) or first became available: show
    #: the highlighted contact's and the typed number's lines again.
    refreshed = Signal()
    _warmed = Signal(bool)  # from the warm-up thread (queued)

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Settings],
        guard_factory: GuardFactory,
        clock: Clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._settings = settings
        self._guard_factory = guard_factory
        self._clock = clock
        self._ready = False
        self._warming = False
        self._cache: dict[int, Glance] = {}
        self._stamp: tuple[datetime, int] | None = None  # (minute, the store connection's change count) cached for
        self._pending: dict[int, None] = {}  # contacts of painted rows not judged yet, in paint order
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(ROWS_DELAY_MS)
        self._rows_timer.timeout.connect(self._judge_pending)
        self._minute_timer = QTimer(self)
        self._minute_timer.setSingleShot(True)
        self._minute_timer.timeout.connect(self._on_minute)
        self._warmed.connect(self._on_warmed)
        #: How many contacts and typed numbers were judged (tests, benchmarks: nothing is judged per keystroke).
        self.contacts_judged = 0
        self.numbers_judged = 0

    @property
    def ready(self) -> bool:
        """True once the rules' modules are loaded and verdicts are shown."""
        return self._ready

    def warm_up(self) -> None:
        """Start loading the rules' modules on a background thread (once); `refreshed` follows when done."""
        if self._ready or self._warming:
            return
        self._warming = True
        region = self._settings().region
        threading.Thread(target=self._warm_thread, args=(region,), name="c2c-rules-warm-up", daemon=True).start()

    def _warm_thread(self, region: str) -> None:
        """Warm-up thread."""
        try:
            _warm(region)
            done = True
        except Exception as exc:  # the verdicts then load on the GUI thread, where the real error shows
            log.warning("loading the calling rules in the background failed: %s", type(exc).__name__)
            done = False
        try:
            self._warmed.emit(done)
        except RuntimeError:  # the window is already gone
            pass

    @Slot(bool)
    def _on_warmed(self, _done: bool) -> None:
        """GUI thread: the rules' modules are loaded (or failed to: a verdict then says why)."""
        self._ready = True
        self._warming = False
        self._schedule_minute()
        self.refreshed.emit()

    # --- verdicts ---------------------------------------------------------------------------------------------

    def for_contact(self, contact: Contact | None) -> Glance | None:
        """The highlighted contact's verdict (cached for the minute, else judged now); None before the warm-up is
        done or for no contact. Starts the warm-up."""
        if contact is None or contact.id is None:
            return None
        if not self._ready:
            self.warm_up()
            return None
        self._check_stamp()
        found = self._cache.get(contact.id)
        if found is None:
            found = self._cache[contact.id] = self._judge(self._guard(), contact)
        return found

    def mark(self, contact_id: int) -> Glance | None:
        """A painted row's verdict if it is known for this minute; otherwise None, and it is judged once the list is
        still (`marks_changed` then). Called for every painted row: it only looks up and notes."""
        if not self._ready:
            self.warm_up()
            return None
        self._check_stamp()
        found = self._cache.get(contact_id)
        if found is None:
            self._pending[contact_id] = None
            self._rows_timer.start()  # (re)started: typing keeps it waiting
        return found

    def cached(self, contact_id: int) -> Glance | None:
        """The verdict known for this minute, if any (never judges: tooltips)."""
        return self._cache.get(contact_id) if self._ready else None

    def for_number(self, text: str, region: str) -> Glance | None:
        """The verdict for a number typed in `region`; None for text that is not a callable number (yet) or before
        the warm-up is done."""
        if not self._ready:
            self.warm_up()
            return None
        if not text.strip():
            return None
        from c2c_desktop.core.phone import PhoneError, parse_number
        from c2c_desktop.core.rules.glance import glance

        try:
            number = parse_number(text, region)
        except PhoneError:
            return None  # still being typed, or not a number: the dial says why when it is tried
        self.numbers_judged += 1
        return glance(self._guard(), number)

    def forget_pending(self) -> None:
        """The rows shown changed (a search was typed): rows noted before are no longer shown."""
        self._pending.clear()

    def invalidate(self) -> None:
        """Drop every verdict (settings changed, or another program changed the store) and show them again."""
        self._cache.clear()
        self._stamp = None
        if self._ready:
            self.refreshed.emit()

    # --- internals ----------------------------------------------------------------------------------------------

    def _guard(self) -> CallGuard:
        return self._guard_factory(self._settings())

    def _minute(self) -> datetime:
        now = self._clock()
        from datetime import UTC

        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        return now.replace(second=0, microsecond=0)

    def _check_stamp(self) -> None:
        """Drop the verdicts when the minute or the store (this window's own writes: a call, a DNC entry) changed."""
        from c2c_desktop.core.store import StoreError  # the core comes after the first paint (gui/app.py)

        try:
            changes = self._store.connection.total_changes
        except (StoreError, AttributeError):  # closed: nothing to keep
            changes = -1
        stamp = (self._minute(), changes)
        if stamp != self._stamp:
            self._cache.clear()
            self._stamp = stamp

    def _judge(self, guard: CallGuard, contact: Contact) -> Glance:
        from c2c_desktop.core.phone import PhoneError, number_to_call
        from c2c_desktop.core.rules.glance import Glance, glance

        self.contacts_judged += 1
        phone = contact.primary_phone
        if phone is None:
            return Glance(False, "no phone number", "the contact has no phone number")
        try:
            number = number_to_call(phone, self._settings().region)
        except PhoneError as exc:
            return Glance(False, "this number cannot be called", str(exc))
        return glance(guard, number, contact)

    @Slot()
    def _judge_pending(self) -> None:
        """GUI thread (timer): judge the painted rows not judged yet, a screenful per turn of the event loop."""
        from c2c_desktop.core.store import StoreError

        if not self._pending:
            return
        self._check_stamp()
        ids = list(self._pending)[:ROWS_PER_TURN]
        for contact_id in ids:
            del self._pending[contact_id]
        guard = self._guard()
        judged = False
        for contact_id in ids:
            if contact_id in self._cache:
                continue
            try:
                contact = self._store.get_contact(contact_id)
            except StoreError as exc:  # busy or closed: tried again when painted again
                log.debug("callable now: %s", exc)
                continue
            if contact is not None:
                self._cache[contact_id] = self._judge(guard, contact)
                judged = True
        if self._pending:
            QTimer.singleShot(0, self, self._judge_pending)
        if judged:
            self.marks_changed.emit()

    def _schedule_minute(self) -> None:
        """The next refresh: just after the wall clock's next minute (the guard's clock is the system's in the app)."""
        now = time.time()
        self._minute_timer.start(int((60 - now % 60) * 1000) + 50)

    @Slot()
    def _on_minute(self) -> None:
        """GUI thread (timer): a new minute: the local times and verdicts move on."""
        self._schedule_minute()
        if self._stamp is not None and self._stamp[0] != self._minute():
            self.invalidate()


class GlanceLine(QWidget):
    """One line: a small clock icon when the number cannot be called now, then the verdict's text (its reason in the
    tooltip). Its height is fixed and its width the column's, so a new text never moves anything."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.icon_label = plain_label()
        side = self.fontMetrics().height()
        self.icon_label.setFixedSize(side, side)
        self.text_label = plain_label()
        self.text_label.setAccessibleName(accessible_name)
        width_of_column = self.text_label.sizePolicy()
        width_of_column.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.text_label.setSizePolicy(width_of_column)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.setSpacing(4)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.text_label, 1)
        self.setFixedHeight(side + 4)
        self.glance: Glance | None = None
        self._tip = ""
        self.set_glance(None)

    def text(self) -> str:
        return self.text_label.text()

    def set_glance(self, glance: Glance | None) -> None:
        """Show `glance` (None: an empty line)."""
        self.glance = glance
        if glance is None:
            self.icon_label.clear()
            self.text_label.setText("")
            self.setToolTip("")
            return
        if glance.callable_now:
            self.icon_label.clear()
            self.text_label.setStyleSheet("")
            tip = "\n".join(("Callable now", *glance.notes))
        else:
            name = "do_not_call" if glance.rule == "dnc" else "not_now"
            self.icon_label.setPixmap(icon(name).pixmap(self.icon_label.size()))
            self.text_label.setStyleSheet(f"color: {NOT_NOW_COLOUR};")
            tip = f"Not callable now: {glance.reason}" if glance.reason else "Not callable now"
        self._tip = tip
        self._show_text()

    def _show_text(self) -> None:
        """The text shortened to the line's width (its whole text then leads the tooltip)."""
        glance = self.glance
        if glance is None:
            return
        width = self.text_label.width()
        shown = self.text_label.fontMetrics().elidedText(glance.text, Qt.TextElideMode.ElideRight, max(width, 40))
        self.text_label.setText(shown)
        self.setToolTip(plain_tooltip(self._tip if shown == glance.text else f"{glance.text}\n{self._tip}"))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._show_text()


class BeforeCalling(QObject):
    """Wires the verdicts into the window: the highlighted contact's line under the list, the marks on its rows, and
    the typed number's line under the dial pad's field. GUI thread only."""

    def __init__(
        self,
        callable_now: CallableNow,
        contacts_model: ContactListModel,
        contact_list: QAbstractItemView,
        contact_line: GlanceLine,
        dialpad: DialPad,
        region: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.callable_now = callable_now
        self._list = contact_list
        self._contact_line = contact_line
        self._dialpad = dialpad
        self._region = region
        self._contact: Contact | None = None
        contacts_model.set_marks(callable_now.mark, callable_now.cached)
        contacts_model.modelReset.connect(callable_now.forget_pending)
        callable_now.marks_changed.connect(self._repaint_rows)
        callable_now.refreshed.connect(self.refresh)
        self._typed_timer = QTimer(self)
        self._typed_timer.setSingleShot(True)
        self._typed_timer.setInterval(TYPED_DELAY_MS)
        self._typed_timer.timeout.connect(self.show_typed_number)
        dialpad.number_edit.textChanged.connect(self._on_typed)

    def show_contact(self, contact: Contact | None) -> None:
        """The highlight moved to `contact` (None: no contact): its line, judged now unless known for the minute."""
        self._contact = contact
        self._contact_line.set_glance(self.callable_now.for_contact(contact))

    @Slot()
    def show_typed_number(self) -> None:
        """GUI thread: the dial pad's line for the number in its field."""
        self._dialpad.verdict_line.set_glance(self.callable_now.for_number(self._dialpad.number_text(), self._region()))

    @Slot()
    def refresh(self) -> None:
        """GUI thread: a new minute, or what the verdicts depend on changed: every line and mark again."""
        self.show_contact(self._contact)
        self.show_typed_number()
        self._repaint_rows()

    @Slot(str)
    def _on_typed(self, text: str) -> None:
        """GUI thread: the field changed; its line follows once typing pauses (at once when the field is emptied)."""
        if not text.strip():
            self._typed_timer.stop()
            self._dialpad.verdict_line.set_glance(None)
            return
        self._typed_timer.start()

    @Slot()
    def _repaint_rows(self) -> None:
        self._list.viewport().update()
