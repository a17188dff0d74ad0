"""The calling session: work a call list from the keyboard, one prospect's card at a time.

Call → Work a list… (Ctrl+Shift+L) picks a list (`ListPicker`); the card (`SessionPanel`) then shows in a tab beside
the contacts, so the dial pad, the call status, the recent calls and every menu keep working. `CallingSession` holds
the state (core/list_session.py decides what each key may do) and the Qt timers of power mode's countdown.

Every dial goes through the window's CallController.call(): the same busy state, calling rules and journal as any
call. The item is linked to its journal row (list_work.call_started) from the controller's call_started signal,
which is emitted after the row is written and before the request is queued; list_work.call_finished follows the
outcome. A call whose last outcome is unknown is dialled again only after the window's own question (as the Recent
list asks). The list is remembered in the window's state file: the session resumes after a restart (the items'
states are in the store). GUI thread only.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal, SignalInstance, Slot
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core.calllists import CallList, ListError, ListItem, StoreCallLists
from c2c_desktop.core.disposition_rules import (
    Action,
    DispositionRules,
    DispositionRulesError,
    load_rules,
    rules_path_for,
)
from c2c_desktop.core.list_session import (
    DEFAULT_COUNTDOWN_S,
    DISPOSITION_KEYS,
    MAX_COUNTDOWN_S,
    Card,
    ListSnapshot,
    Mode,
    Phase,
    SessionState,
    SkipChoice,
    callback_disposition,
    describe,
    next_card,
    progress,
    prospect_calls,
    schedule_item_callback,
    session_dispositions,
    skip_item,
    waiting_for_disposition,
)
from c2c_desktop.core.list_work import (
    AGENT_NO_ANSWER_TEXT,
    PLACING,
    CallableNow,
    DispositionRefused,
    Standing,
    agent_missed,
    both_clocks,
    call_finished,
    call_started,
    callee_zone,
    record_disposition,
)
from c2c_desktop.core.models import CallResult, Contact, JournalEntry, Outcome, PhoneEntry
from c2c_desktop.core.phone import PhoneError, number_to_call
from c2c_desktop.core.store import StoreError
from c2c_desktop.core.team.session_steps import (
    MAX_REFUSED_CLAIMS,
    ServerUpdate,
    Step,
    after_call,
    is_kept,
    keep_update,
    of_item,
)
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip, warn
from c2c_desktop.gui.team_dial import ListDial

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtGui import QHideEvent, QKeyEvent

    from c2c_desktop.core.config import Settings
    from c2c_desktop.core.dialer import PreparedCall
    from c2c_desktop.core.rules.guard import CallGuard
    from c2c_desktop.core.team.client import TeamClient
    from c2c_desktop.core.team.server import Claim, NumberClaim
    from c2c_desktop.gui.callback_dialog import CallbackChoice
    from c2c_desktop.gui.mainwindow import MainWindow
    from c2c_desktop.gui.team import TeamLink

log = logging.getLogger(__name__)

TICK_MS = 50  # the countdown bar's steps
NOTHING_RECHECK_MS = 30_000  # nothing callable now: looked at again this often (hours open, retries fall due)
CARD_CHECKS = 3  # the card's item read again and the order judged again at most this often, then the whole list
PICKER_COUNT_LIMIT = 200  # callable items counted per list in the picker ("200+")
#: A new card, or a return to it after a call, takes no Enter this long (and none held down from before): the second
#: press of a double Enter must not dial again when the first call ended at once (rejected, a fast "No answer").
ENTER_GUARD_MS = 400
LOCAL_TIME_TICK_MS = 15_000  # the card's "their time" line follows the clock (a new minute shows within 15 s)
STATE_LIST, STATE_MODE, STATE_COUNTDOWN = "session/list_id", "session/mode", "session/countdown_ms"

#: A team list's claim is trusted for a dial this long at most (and never past half its lease as this clock sees it):
#: a card left longer (paused, the agent away) is claimed again before it is dialled.
CLAIM_FRESH_S = 240.0
TEAM_OFFLINE_TEXT = "The team server cannot be reached: list calls are paused until it is back; manual calls still work"
TEAM_NOTHING_TEXT = "Nothing to call now on the team list."
#: A claimed item's end the team server has not recorded yet (kept in the local store, sent when the server is back).
KEPT_FOR_SERVER_TEXT = "saved here; sent to the team server when it is back"
TEAM_CLAIMING_TEXT = "Asking the team server for the next prospect…"

OPENING_CHUNK = 500  # items judged between two looks at whether the answer is still wanted
WORKING_OUT_OPENING = "Working out when the next item opens…"
KEYS_LINE = "Enter call · S skip · P pause · Esc stop the countdown · N note · C callback · ? all keys"
HELP_TEXT = (
    "Enter  call the prospect on the card (once: a held or second Enter does nothing more)\n"
    "{keys}  the disposition of the call just made (as listed at the bottom); the card moves on by its rule\n"
    "S  skip: L later today (in 2 h), T tomorrow at this time, R remove from the list (Esc: keep it)\n"
    "P  pause / resume (a paused session never dials)\n"
    "Esc  stop power mode's countdown (Enter then calls)\n"
    "N  write a note about the prospect (Enter keeps it with the call; Esc goes back)\n"
    "C  schedule a callback (on your clock or theirs)\n"
    "?  show or hide these keys\n"
    "Ctrl+F  the contacts (the session waits in its tab; Ctrl+Shift+L comes back to this card)\n"
    "Alt+W  work another list or change the mode (asks before ending this session); Alt+E ends the session"
)


@dataclass(frozen=True)
class Opening:
    """The opening thread's answer: something is callable now after all (a recheck: the window shows the next card),
    or when the next item opens (None: never, by itself), or why it could not be worked out."""

    callable_now: bool = False
    next_opening: tuple[datetime, ListItem] | None = None
    problem: str = ""


class _Openings(QObject):
    """Carries the opening thread's answer to the GUI thread (queued)."""

    found = Signal(int, object)  # request, Opening


def _log_team_failure(what: str) -> Callable[[object], None]:
    """A team job's answer handler that only logs a failure (the job's effect is a courtesy: a lease ends anyway)."""

    def done(answer: object) -> None:
        if isinstance(answer, Exception):
            log.warning("%s: %s", what, answer)

    return done


def _report(signal: SignalInstance, *args: object) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:  # the session (or the picker) was closed and deleted meanwhile
        pass


def next_opening_in_thread(
    request: int,
    path: Path,
    settings: Settings,
    now: datetime,
    items: list[ListItem],
    results: _Openings,
    cancel: threading.Event,
    *,
    recheck: bool = False,
) -> None:
    """Worker thread, with its own store connection: `CallableNow.next_opening` over the list, a chunk at a time (the
    earliest opening of all chunks, the first in list order on a tie, as one call over the list would give). A
    `recheck` first asks whether anything is callable now (hours opened, a retry fell due), as the card would."""
    from c2c_desktop.core.rules.guard import build_guard
    from c2c_desktop.core.store import Store

    best: tuple[datetime, ListItem] | None = None
    try:
        with Store(path) as store:
            guard = build_guard(settings, store, lambda: now)
            order = CallableNow(store, guard, now, region=settings.region)
            if recheck:
                anyway = CallableNow(store, guard, now, region=settings.region, confirmed=lambda _item: True)
                if order.first(items) is not None or anyway.first(items) is not None:
                    _report(results.found, request, Opening(callable_now=True))
                    return
            for start in range(0, len(items), OPENING_CHUNK):
                if cancel.is_set():
                    return
                found = order.next_opening(items[start : start + OPENING_CHUNK])
                if found is not None and (best is None or found[0] < best[0]):
                    best = found
    except Exception as exc:  # one plain line for the card, never a traceback
        _report(results.found, request, Opening(problem=str(exc) or type(exc).__name__))
        return
    if not cancel.is_set():
        _report(results.found, request, Opening(next_opening=best))


def left_tabs(splitter: QSplitter) -> QTabWidget:
    """The tabs that hold the contacts and, during a session, its card (made on the first session: the window's
    first paint is unchanged). The tab bar shows only while there is more than the contacts. They sit in a
    holder ("left_side", the splitter's first widget): what goes over both tabs (the reminder banners) goes in the
    holder's layout, over the tabs."""
    first = splitter.widget(0)
    assert first is not None  # the contacts' column, or the holder made here earlier
    if first.objectName() == "left_side":
        found = first.findChild(QTabWidget, "left_tabs")
        assert found is not None
        return found
    sizes = splitter.sizes()
    holder = QWidget()
    holder.setObjectName("left_side")
    holder_layout = QVBoxLayout(holder)
    holder_layout.setContentsMargins(0, 0, 0, 0)
    holder_layout.setSpacing(0)
    tabs = QTabWidget()
    tabs.setObjectName("left_tabs")
    tabs.setDocumentMode(True)
    tabs.setTabBarAutoHide(True)
    holder_layout.addWidget(tabs, 1)
    splitter.insertWidget(0, holder)  # (insertWidget gives the splitter the holder to own; replaceWidget does not)
    tabs.addTab(first, "Contacts")  # which takes the column out of the splitter
    splitter.setSizes(sizes)
    return tabs


# --------------------------------------------------------------------------------------------------------------------
# Choosing the list


class _Counts(QObject):
    """Carries the picker's counts from their thread to the GUI thread (queued)."""

    counted = Signal(int, int)  # list id, callable now (up to PICKER_COUNT_LIMIT)


def count_callable_in_thread(
    path: Path, settings: Settings, now: datetime, list_ids: list[int], results: _Counts, cancel: threading.Event
) -> None:
    """Worker thread, with its own store connection: how many items of each list are callable now (counting reads
    every list in full: 60 ms per 10,000 items, and the judging on top)."""
    from c2c_desktop.core.rules.guard import build_guard
    from c2c_desktop.core.store import Store

    try:
        with Store(path) as store:
            lists = StoreCallLists(store)
            guard = build_guard(settings, store, lambda: now)
            order = CallableNow(store, guard, now, region=settings.region, confirmed=lambda _item: True)
            for list_id in list_ids:
                if cancel.is_set():
                    return
                items = lists.items(list_id)
                # A chunk at a time, so that a picker closed meanwhile stops it soon; the chunks' counts, capped,
                # add up to the list's capped count.
                found = 0
                for start in range(0, len(items), OPENING_CHUNK):
                    if cancel.is_set() or found >= PICKER_COUNT_LIMIT:
                        break
                    found += order.count(items[start : start + OPENING_CHUNK], PICKER_COUNT_LIMIT - found)
                if cancel.is_set():
                    return
                _report(results.counted, list_id, found)
    except Exception as exc:  # the picker keeps "counting…": the lists can still be chosen
        log.warning("the picker's counts could not be worked out: %s", exc)


def picker_text(found: CallList, count: str) -> str:
    """A list's line in the picker: "East — team · 120 items · 40 callable now" (a team list's items are claimed from
    the team server one at a time; the count is this window's copy's)."""
    team = " — team ·" if found.team_list_id is not None else " —"
    return f"{found.name}{team} {found.items} items · {count}"


class ListPicker(QDialog):
    """Which list to work, in which mode: each list with its size; how many items are callable now follows, counted
    off the GUI thread (`count_in_background`)."""

    def __init__(
        self,
        rows: list[CallList],
        parent: QWidget | None = None,
        *,
        current: int | None = None,
        mode: Mode = Mode.PREVIEW,
        countdown_s: int = DEFAULT_COUNTDOWN_S,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("list_picker")
        self.setWindowTitle("Work a list")
        self.lists = QListWidget()
        self.lists.setObjectName("list_picker_lists")
        self.lists.setAccessibleName("Call lists")
        self._rows = {found.id: found for found in rows}
        self._cancel = threading.Event()
        self._counts = _Counts(self)
        self._counts.counted.connect(self.set_count)
        self.finished.connect(lambda _result: self._cancel.set())
        for found in rows:
            item = QListWidgetItem(picker_text(found, "counting…"))
            item.setData(Qt.ItemDataRole.UserRole, found.id)
            self.lists.addItem(item)
            if found.id == current:
                self.lists.setCurrentItem(item)
        if self.lists.currentRow() < 0 and self.lists.count():
            self.lists.setCurrentRow(0)
        self.preview = QRadioButton("Preview: read the card, Enter calls")
        self.preview.setObjectName("list_picker_preview")
        self.power = QRadioButton("Power: calls after a countdown of")
        self.power.setObjectName("list_picker_power")
        group = QButtonGroup(self)
        group.addButton(self.preview)
        group.addButton(self.power)
        (self.power if mode is Mode.POWER else self.preview).setChecked(True)
        self.countdown = QSpinBox()
        self.countdown.setObjectName("list_picker_countdown")
        self.countdown.setAccessibleName("Countdown before each call, in seconds")
        self.countdown.setRange(0, MAX_COUNTDOWN_S)
        self.countdown.setSuffix(" s")
        self.countdown.setValue(countdown_s)
        power_row = QHBoxLayout()
        power_row.addWidget(self.power)
        power_row.addWidget(self.countdown)
        power_row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        ok.setText("Start")
        ok.setEnabled(self.lists.count() > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.lists.itemActivated.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Choose the list to work:"))
        layout.addWidget(self.lists, 1)
        if not rows:
            layout.addWidget(plain_label("No call lists yet: make one with c2c-desktop lists create.", wrap=True))
        layout.addWidget(self.preview)
        layout.addLayout(power_row)
        layout.addWidget(buttons)
        self.lists.setFocus()
        self.resize(460, 360)

    def count_in_background(self, path: Path, settings: Settings, now: datetime) -> None:
        """GUI thread: count each list's callable items on a thread of its own; each count shows as it comes."""
        threading.Thread(
            target=count_callable_in_thread,
            args=(path, settings, now, list(self._rows), self._counts, self._cancel),
            name="c2c-picker-counts",
            daemon=True,  # it only reads
        ).start()

    @Slot(int, int)
    def set_count(self, list_id: int, callable_now: int) -> None:
        """GUI thread (queued from the counting thread): one list's count of callable items."""
        found = self._rows.get(list_id)
        for row in range(self.lists.count()):
            item = self.lists.item(row)
            if found is not None and item is not None and item.data(Qt.ItemDataRole.UserRole) == list_id:
                count = f"{PICKER_COUNT_LIMIT}+" if callable_now >= PICKER_COUNT_LIMIT else str(callable_now)
                item.setText(picker_text(found, f"{count} callable now"))

    def chosen(self) -> tuple[int, Mode, int] | None:
        """(list id, mode, countdown in seconds), or None when no list is highlighted."""
        item = self.lists.currentItem()
        if item is None:
            return None
        mode = Mode.POWER if self.power.isChecked() else Mode.PREVIEW
        return int(item.data(Qt.ItemDataRole.UserRole)), mode, self.countdown.value()


# --------------------------------------------------------------------------------------------------------------------
# The card


class SessionPanel(QFrame):
    """The card: who is next, their local time, the last calls, the list's progress, and the keys. It takes the keys
    while it has the focus (the window passes on those it gets while the card is shown)."""

    key_pressed = Signal(object)  # QKeyEvent

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("session_panel")
        self.setAccessibleName("Calling session")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        def label(name: str, *, wrap: bool = True, scale: float = 1.0, bold: bool = False) -> QLabel:
            made = plain_label(wrap=wrap)
            made.setObjectName(name)
            if scale != 1.0 or bold:
                font = made.font()
                font.setPointSizeF(font.pointSizeF() * scale)
                font.setBold(bold)
                made.setFont(font)
            # Never wider than the column: a 400-letter name must not widen the window.
            policy = made.sizePolicy()
            policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
            made.setSizePolicy(policy)
            return made

        self.list_label = label("session_list", bold=True)
        self.progress_label = label("session_progress")
        self.progress_label.setAccessibleName("List progress")
        self.name_label = label("session_name", scale=1.6, bold=True)
        self.name_label.setAccessibleName("Prospect")
        self.company_label = label("session_company")
        self.number_label = label("session_number")
        self.local_label = label("session_local")
        self.local_label.setAccessibleName("The prospect's local time and place")
        self.notice_label = label("session_notice")
        self.notice_label.setAccessibleName("What the last call or key did")
        self.message_label = label("session_message", scale=1.15, bold=True)
        self.message_label.setAccessibleName("What the session does next")
        self.countdown_bar = QProgressBar()
        self.countdown_bar.setObjectName("session_countdown")
        self.countdown_bar.setAccessibleName("Countdown to the call")
        self.countdown_bar.setTextVisible(True)
        self.countdown_bar.hide()
        self.journal_label = label("session_journal")
        self.journal_label.setAccessibleName("Last calls and notes with this prospect")
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("session_note")
        self.note_edit.setAccessibleName("Note about the prospect")
        self.note_edit.setPlaceholderText("N: a note about this prospect; Enter keeps it with the call")
        self.note_edit.setMaxLength(500)
        self.dispositions_label = label("session_dispositions")
        self.dispositions_label.setAccessibleName("Disposition keys")
        self.keys_label = label("session_keys")
        self.keys_label.setAccessibleName("Session keys")
        self.help_label = label("session_help")
        self.help_label.hide()

        def button(text: str, name: str, tip: str) -> QPushButton:
            made = QPushButton(text)
            made.setObjectName(name)
            made.setToolTip(tip)
            made.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the card keeps the keys
            made.setAutoDefault(False)
            return made

        self.call_button = button("Call", "session_call", "Call the prospect on the card (Enter)")
        self.skip_button = button("Skip…", "session_skip", "Skip this prospect: later today, tomorrow or remove (S)")
        self.pause_button = button("Pause", "session_pause", "Pause or resume the session (P)")
        self.end_button = button("&End session", "session_end", "End the calling session (Alt+E); it can be resumed")
        self.other_list_button = button(
            "&Work another list…",
            "session_other_list",
            "Choose another list or mode (Alt+W); asks before ending this one",
        )
        self.later_button = button("Later today", "session_skip_later", "Skip to later today: in 2 hours (L)")
        self.tomorrow_button = button("Tomorrow", "session_skip_tomorrow", "Skip to tomorrow at this time (T)")
        self.remove_button = button("Remove", "session_skip_remove", "Take the prospect out of this list (R)")
        self.skip_row = QWidget()
        self.skip_row.setObjectName("session_skip_row")
        skip_layout = QHBoxLayout(self.skip_row)
        skip_layout.setContentsMargins(0, 0, 0, 0)
        skip_layout.addWidget(plain_label("Skip to:"))
        for made in (self.later_button, self.tomorrow_button, self.remove_button):
            skip_layout.addWidget(made)
        skip_layout.addStretch(1)
        self.skip_row.hide()

        top = QHBoxLayout()
        top.addWidget(self.list_label, 1)
        top.addWidget(self.other_list_button)
        top.addWidget(self.end_button)
        actions = QHBoxLayout()
        for made in (self.call_button, self.skip_button, self.pause_button):
            actions.addWidget(made)
        actions.addStretch(1)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress_label)
        layout.addWidget(rule)
        layout.addWidget(self.name_label)
        layout.addWidget(self.company_label)
        layout.addWidget(self.number_label)
        layout.addWidget(self.local_label)
        layout.addSpacing(6)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.countdown_bar)
        layout.addWidget(self.skip_row)
        layout.addLayout(actions)
        layout.addSpacing(6)
        self.journal_title = plain_label("Last calls and notes:")
        layout.addWidget(self.journal_title)
        layout.addWidget(self.journal_label)
        layout.addWidget(self.note_edit)
        layout.addStretch(1)
        layout.addWidget(self.help_label)
        layout.addWidget(self.dispositions_label)
        layout.addWidget(self.keys_label)
        self.hidden_callback: Callable[[], None] = lambda: None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        self.key_pressed.emit(event)
        if not event.isAccepted():
            super().keyPressEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        """GUI thread: the card left the screen (the window hid in the tray, another tab): no countdown may go on."""
        self.hidden_callback()
        super().hideEvent(event)


# --------------------------------------------------------------------------------------------------------------------
# The session


class CallingSession(QObject):
    """One list being worked in the window. The window keeps it in `MainWindow.session`; `end()` takes it down."""

    ended = Signal()

    @property
    def window(self) -> MainWindow:
        """The window it runs in: its Qt parent. Not kept in an attribute: a child deleted on its own (`end()`'s
        deleteLater) holding its parent's last reference frees the parent inside its own destructor (gui/slots.py)."""
        return cast("MainWindow", self.parent())

    def __init__(self, window: MainWindow, found: CallList, rules: DispositionRules, state: SessionState) -> None:
        super().__init__(window)
        self.store = window.profile.store
        self.lists = StoreCallLists(self.store)
        self.list = found
        self._snapshot = ListSnapshot(self.store, self.lists, found.id)  # the items between cards
        self.rules = rules
        self.state = state
        self.dispositions: list[str] = []  # on the keys 1–9: see reload_rules
        self._calling: ListItem | None = None  # the item whose call this session placed, until it ends
        self._call_id: int | None = None
        self._pending_note = ""  # typed before the call had a journal row: written to it when it ends
        self._last_notice = ""  # what the last call did, shown on the next card
        self._choosing_skip = False
        self.ended_because = ""  # set by end()
        self._enter_from = 0.0  # time.monotonic() from which Enter (or the Call button) may dial the card shown
        self._deadline = 0.0  # time.monotonic() at which the countdown dials
        self._countdown_token = 0  # moved on by every stop: a timer armed before it never dials
        # Enter while the keys are still read from the keyring: the call waiting for them (the window places it once
        # they are read, see MainWindow._call_once_ready); Esc, S, P, a new card or the end cancel it.
        self._keys_wait: Callable[[], None] | None = None
        self._armed_token = -1
        self._countdown = QTimer(self)
        self._countdown.setSingleShot(True)
        self._countdown.timeout.connect(self._on_countdown_done)
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        self._local_shows_time = False  # the card's local line shows the prospect's clock (ticked each minute)
        self._minute = QTimer(self)
        self._minute.setInterval(LOCAL_TIME_TICK_MS)
        self._minute.timeout.connect(self._tick_local_time)
        self._minute.start()
        self._openings = _Openings(self)
        self._openings.found.connect(self._on_next_opening)
        self._opening_request = 0
        self._opening_cancel = threading.Event()
        self._recheck = QTimer(self)
        self._recheck.setInterval(NOTHING_RECHECK_MS)
        self._recheck.timeout.connect(self._recheck_nothing)
        # A team list (the local mirror of one on the team server): each card is claimed from the server first.
        self.team_list_id = found.team_list_id
        self._claim: Claim | None = None  # the live claim of the card shown, until the server is told how it ended
        self._claim_fresh_until = 0.0  # time.monotonic() after which the claim is not trusted for a dial
        self._claim_token = 0  # moved on by every question and by the end: an older answer is given back
        self._claim_in_flight = False
        self._refused: list[int] = []  # claims the local rules refused, held until the next card's claim answers
        self._pulled_for: int | None = None  # a claim whose item was missing here: pulled once, then given back
        self._team_problem = ""  # why the team list shows no card (the server out of reach, nothing claimable)
        # Team items this agent skipped, until when: passed over when the server offers them again (a pull may have
        # set the copy's state back from the server's, which only knows the claim was given back).
        self._passed_over: dict[int, datetime] = {}
        # A local list in team mode: items whose number the team server had in its cool-off (or on its do-not-call
        # list) when the card was dialled, passed over until then (local item id -> until when).
        self._passed_over_here: dict[int, datetime] = {}
        self._asking_team = False  # a local list's dial waits for the team server's claim of its number
        team = self._team()
        if self.team_list_id is not None and team is not None:
            team.state_changed.connect(self._on_team_state)
            team.lists_changed.connect(self._on_team_lists_changed)

        self.panel = SessionPanel()
        self.panel.key_pressed.connect(self.handle_key)
        self.panel.hidden_callback = self.stop_countdown
        self.panel.call_button.clicked.connect(self._call_clicked)
        self.panel.skip_button.clicked.connect(self.choose_skip)
        self.panel.pause_button.clicked.connect(self.toggle_pause)
        self.panel.end_button.clicked.connect(self.end)
        self.panel.other_list_button.clicked.connect(window.work_another_list)
        self.panel.later_button.clicked.connect(lambda: self.skip(SkipChoice.LATER_TODAY))
        self.panel.tomorrow_button.clicked.connect(lambda: self.skip(SkipChoice.TOMORROW))
        self.panel.remove_button.clicked.connect(lambda: self.skip(SkipChoice.REMOVE))
        self.panel.note_edit.returnPressed.connect(self.save_note)
        self.panel.note_edit.installEventFilter(self)
        self._show_dispositions()
        self.panel.keys_label.setText(KEYS_LINE)
        window.controller.call_finished.connect(self._on_call_finished)
        window.controller.busy_changed.connect(self._render)

    # -- the dispositions on the keys -------------------------------------------------------------------------

    def reload_rules(self) -> None:
        """GUI thread: read the disposition list and rules again (Settings → Dispositions, or the files edited by
        hand), so that the keys 1–9 and what they do follow them. A rules file broken meanwhile keeps the rules in
        use, and the card says so."""
        if not self.window.profile.demo:
            try:
                self.rules = load_rules(rules_path_for(self.window.profile.settings_path))
            except DispositionRulesError as exc:
                self._last_notice = f"The disposition rules in use are kept: {exc}"
        self._show_dispositions()

    def _show_dispositions(self) -> None:
        from c2c_desktop.gui.disposition import read_dispositions  # the agent's list, as the strip reads it

        self.dispositions = session_dispositions(read_dispositions(self.window.dispositions_path), self.rules)
        self.panel.help_label.setText(HELP_TEXT.format(keys=self.disposition_keys()))
        # No break inside one key's entry: "5 Call back later" never ends a line at "5".
        keys = [f"{n}\u00a0{name}".replace(" ", "\u00a0") for n, name in enumerate(self.dispositions[:9], start=1)]
        self.panel.dispositions_label.setText("After a call: " + " · ".join(keys))
        tips = [f"{n} {name}: {describe(name, self.rules)}" for n, name in enumerate(self.dispositions[:9], start=1)]
        self.panel.dispositions_label.setToolTip(plain_tooltip("\n".join(tips)))

    # -- the clock, the order --------------------------------------------------------------------------------

    def now(self) -> datetime:
        clock = self.window.profile.clock
        return clock() if clock is not None else datetime.now(UTC)

    def _guard(self) -> CallGuard:
        return self.window._guard_for(self.window.profile.settings)

    def _order(self, *, with_unknown: bool = False) -> CallableNow:
        """The callable-now order; `with_unknown`: items whose last call may still ring are offered too (Enter then
        asks first, with the window's own question)."""
        return CallableNow(
            self.store,
            self._guard(),
            self.now(),
            region=self.window.profile.settings.region,
            confirmed=lambda _item: with_unknown,
        )

    @property
    def ended_already(self) -> bool:
        return self.state.phase is Phase.ENDED

    # -- showing the next card -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """GUI thread: bring the list up to date and show the next card (power mode: its countdown starts)."""
        if self.ended_already or self.state.phase is Phase.CALLING or not self._list_still_there():
            return
        if self.team_list_id is not None:
            self._refresh_team()
            return
        self.stop_countdown()
        self._choosing_skip = False
        self.reload_rules()  # each card: a change to the dispositions is used from the next card on
        try:
            items, order, card = self._next_card()
        except (StoreError, ListError) as exc:
            self.panel.message_label.setText(f"The list cannot be read now: {exc}")
            return
        self._present(card, items, order)

    def _present(self, card: Card, items: list[ListItem], order: CallableNow) -> None:
        """GUI thread: show `card` (a new card takes Enter only after ENTER_GUARD_MS; power mode counts down)."""
        shown = self.state.item
        self.state.show(card)
        if card.item is None or shown is None or card.item.id != shown.id:
            self._arm_enter()  # a new card (the same one shown again, as on resume, takes Enter at once)
        self._show_card(card, items, order)
        if self.state.phase is Phase.COUNTDOWN:
            self._start_countdown()
        if self.state.phase is Phase.NOTHING:
            self._recheck.start()
        else:
            self._recheck.stop()

    # -- a team list: each card claimed from the team server ----------------------------------------------------

    def _team(self) -> TeamLink | None:
        return self.window.team

    def _refresh_team(self) -> None:
        """GUI thread: the next card of a team list. A connected call still waiting for its disposition comes first
        (its claim is still this agent's); then the card whose claim is live, if the local rules still let it be
        called; else the next item is claimed from the server (`_ask_claim`) and shown once the claim answers."""
        if self._claim_in_flight:
            return  # its answer shows the card
        self.stop_countdown()
        self._choosing_skip = False
        self.reload_rules()
        try:
            items = self._snapshot.current()
            # Only this window's own calls can wait for its disposition (a pull writes the server's last outcome of
            # every item, another agent's calls included): the card in wrap-up stays until its disposition.
            waiting = self._still_waiting() or waiting_for_disposition(
                [item for item in items if item.last_call_id is not None]
            )
            if waiting is not None:
                self._present(Card(waiting, wrap_up=True), items, self._order())
                return
            claimed = self._claimed_item(items)
            if claimed is not None:
                standing = self._order(with_unknown=True).standing(claimed)
                if standing.callable:
                    self._present(Card(claimed, standing), items, self._order())
                    return
        except (StoreError, ListError) as exc:
            self.panel.message_label.setText(f"The list cannot be read now: {exc}")
            return
        self._let_claim_go()
        self._ask_claim()

    def _still_waiting(self) -> ListItem | None:
        """The wrap-up card's item, read again, while its call still has no disposition."""
        shown = self.state.item if self.state.phase is Phase.WRAP_UP else None
        fresh = self.lists.item(shown.id) if shown is not None else None
        if (
            shown is None
            or fresh is None
            or fresh.last_disposition is not None
            or fresh.last_call_id != shown.last_call_id
        ):
            return None
        return fresh

    def _claimed_item(self, items: list[ListItem]) -> ListItem | None:
        """The item of the live claim, while it may still be dialled (else None: it is claimed again first)."""
        claim = self._claim
        if claim is None or time.monotonic() > self._claim_fresh_until:
            return None
        return next((item for item in items if item.team_item_id == claim.item_id), None)

    def _let_claim_go(self) -> None:
        """GUI thread: the card's claim is not going to be dialled: given back to the team."""
        claim, self._claim = self._claim, None
        if claim is not None:
            self._give_back([claim.item_id])

    def _give_back(self, team_item_ids: list[int]) -> None:
        """GUI thread: release claims not dialled, on the team worker (in order: before any later claim)."""
        team = self._team()
        if not team_item_ids or team is None:
            return
        from c2c_desktop.core.team.session_steps import release_all

        ids = list(team_item_ids)
        team.submit(lambda client: release_all(client.session, ids), _log_team_failure("claims not given back"))

    def _ask_claim(self) -> None:
        """GUI thread: claim the list's next item from the team server (on the team worker; the answer, or the
        server's silence after 5 s, comes back to `_on_claim`). Nothing dials meanwhile: the phase is CLAIMING."""
        team = self._team()
        list_id = self.team_list_id
        if team is None or list_id is None or not team.enabled:
            self._team_stopped("This is a team list: sign in to the team server under Settings → Team to call it")
            return
        self._claim_token += 1
        token = self._claim_token
        self._claim_in_flight = True
        self._team_problem = ""
        self._recheck.stop()
        self.state.claiming()
        self._show_claiming()

        def claim_next(client: TeamClient) -> Claim | None:
            return client.session.claim_next(list_id)

        team.submit(claim_next, lambda answer: self._on_claim(token, answer))

    def _on_claim(self, token: int, answer: object) -> None:
        """GUI thread (the team link's answer): the claimed item is mapped to this window's copy of it, judged by the
        local calling rules and shown; a claim the rules refuse is held while the next is asked for (so the server
        offers another), then given back."""
        from c2c_desktop.core.team.server import Claim

        claim = answer if isinstance(answer, Claim) else None
        if token != self._claim_token or self.ended_already:
            if claim is not None:
                self._give_back([claim.item_id])  # the session moved on meanwhile
            return
        self._claim_in_flight = False
        if isinstance(answer, Exception):
            self._give_back(self._take_refused())
            from c2c_desktop.core.team.server import TeamUnavailable

            if isinstance(answer, TeamUnavailable):
                self._team_stopped(TEAM_OFFLINE_TEXT)
            else:
                self._team_stopped(f"The team server refused the next prospect ({answer}): list calls are paused")
            return
        if claim is None:
            self._give_back(self._take_refused())
            self._team_stopped(TEAM_NOTHING_TEXT)
            return
        try:
            items = self._snapshot.current()
            item = next((each for each in items if each.team_item_id == claim.item_id), None)
            if item is None:
                self._claim_missing_here(token, claim)
                return
            self._pulled_for = None
            standing = self._order(with_unknown=True).standing(item)
            skipped_until = self._passed_over.get(claim.item_id)
            if standing.callable and skipped_until is not None and skipped_until > self.now():
                standing = dataclasses.replace(standing, callable=False, why="skipped")
        except (StoreError, ListError) as exc:
            self._give_back([*self._take_refused(), claim.item_id])
            self._team_stopped(f"The list cannot be read now: {exc}")
            return
        if not standing.callable:
            self._refused.append(claim.item_id)
            if len(self._refused) >= MAX_REFUSED_CLAIMS:
                self._give_back(self._take_refused())
                self._team_stopped(f"{TEAM_NOTHING_TEXT} Its next items are not callable for you now ({standing.why}).")
            else:
                self._ask_claim()
            return
        self._give_back(self._take_refused())
        self._claim = claim
        self._claim_fresh_until = time.monotonic() + max(0.0, min(CLAIM_FRESH_S, claim.lease_seconds / 2))
        self._present(Card(item, standing), items, self._order())

    def _claim_missing_here(self, token: int, claim: Claim) -> None:
        """GUI thread: the claimed item is not in this window's copy of the list yet (the manager just added it):
        pulled once, then looked for again; still missing, it is given back and the card says so."""
        team = self._team()
        if team is None or self._pulled_for == claim.item_id:
            self._pulled_for = None
            self._give_back([*self._take_refused(), claim.item_id])
            self._team_stopped(
                "The team list's next prospect is not in this window's copy of the list yet: asked again shortly"
            )
            return
        self._pulled_for = claim.item_id
        self._claim_in_flight = True

        def pulled(_answer: object) -> None:
            self._claim_in_flight = False
            self._on_claim(token, claim)

        team.submit(lambda client: client.sync.pull(), pulled)

    def _take_refused(self) -> list[int]:
        taken, self._refused = self._refused, []
        return taken

    def _show_claiming(self) -> None:
        panel = self.panel
        self._show_title()
        panel.name_label.setText("Next prospect…")
        for label in (panel.company_label, panel.number_label, panel.local_label, panel.journal_label):
            label.setText("")
        self._local_shows_time = False
        self._render()

    def _team_stopped(self, why: str) -> None:
        """GUI thread: no card from the team list now (`why`: the server out of reach, nothing claimable). Nothing
        dials; asked again every NOTHING_RECHECK_MS, when the link is back online and when the list changes."""
        self._team_problem = why
        self.state.show(Card(None))
        panel = self.panel
        self._pending_note = ""
        panel.note_edit.clear()
        self._show_title()
        offline = why == TEAM_OFFLINE_TEXT
        panel.name_label.setText("List calls are paused" if offline else "Nothing to call now")
        for label in (panel.company_label, panel.number_label, panel.journal_label):
            label.setText("")
        self._local_shows_time = False
        panel.local_label.setText(
            "Asked again when the team server is back."
            if offline
            else "Asked again every 30 s and when the list changes."
        )
        try:
            panel.progress_label.setText(progress(self._snapshot.current(), self.now()).text())
        except (StoreError, ListError):
            pass
        self._render()
        if self.state.phase is Phase.NOTHING:
            self._recheck.start()

    @Slot(str)
    def _on_team_state(self, state: str) -> None:
        """GUI thread (the team link): back online: a session waiting for the server asks again."""
        if state == "online" and self.state.phase is Phase.NOTHING and self._team_problem == TEAM_OFFLINE_TEXT:
            self.refresh()

    @Slot()
    def _on_team_lists_changed(self) -> None:
        """GUI thread (the team link pulled changes): a session with nothing to call asks the server again."""
        if self.state.phase is Phase.NOTHING and not self.ended_already:
            self.refresh()

    def _keep_for_server(self, item: ListItem, update: ServerUpdate) -> ServerUpdate | None:
        """GUI thread, inside the local transaction that moved a team list's item on: the update the team server is
        to get is kept with it (session_steps.keep_update), so it is never lost to a server that does not answer;
        it is forgotten once the server has it. None for an item that is not a team list's."""
        if self.team_list_id is None or item.team_item_id is None:
            return None
        keep_update(self.store, item.team_item_id, update)
        return update

    def _kept_alone(self, item: ListItem, update: ServerUpdate) -> ServerUpdate | None:
        """GUI thread: `_keep_for_server` in a write of its own, when the item's own write failed (the server is
        still to learn that its claim was dialled); None if that fails too (logged: the lease then ends by itself)."""
        try:
            return self._keep_for_server(item, update)
        except StoreError as exc:
            log.warning("the team list item's update could not be kept: %s", exc)
            return None

    def _tell_server(self, item: ListItem, update: ServerUpdate | None) -> None:
        """GUI thread, after the transaction that kept `update` (`_keep_for_server`): the team server learns how the
        claimed item ended (finished, open again, a callback, or the claim given back); the claim is this session's
        no more. Not recorded now (the server out of reach, or silent for 5 s): the card says the update is saved
        here; the team link sends it when the server is back (on reconnecting, and with each push)."""
        self._claim = None
        team = self._team()
        team_item_id = item.team_item_id
        if update is None or team is None or team_item_id is None:
            return
        store = self.store

        def told(answer: object) -> None:
            team.refresh_pending()  # the job pushed the journal first
            if self.ended_already:
                return
            try:
                waiting = isinstance(answer, Exception) or is_kept(store, team_item_id)
            except StoreError:
                waiting = True
            if waiting:
                self._last_notice = f"{self._told_later_words(item, update)} — {KEPT_FOR_SERVER_TEXT}."
                self._render()

        from c2c_desktop.gui.team import send_kept

        team.submit(send_kept, told)  # a "Do not call" mark goes to the team's list with it

    def _told_later_words(self, item: ListItem, update: ServerUpdate) -> str:
        """ "Ann Lee: Not interested, done": what the server has not recorded yet."""
        if update.step is Step.RELEASE:
            return f"{self._label(item)}: skipped"
        words = [update.disposition] if update.disposition else []
        return f"{self._label(item)}: {', '.join([*words, self._state_words(item)])}"

    def _next_card(self) -> tuple[list[ListItem], CallableNow, Card]:
        """The list as it is now (only the items changed since the last card are read: see ListSnapshot) and the card
        to show. The card's own item is read again first: a contact edited or deleted meanwhile changes it without
        its list row being written; then the order is judged again with it."""
        items = self._snapshot.current()
        for _ in range(CARD_CHECKS):
            order = self._order()
            card = next_card(order, self._offered(items), then=self._then(items))
            if card.item is None:
                return items, order, card
            fresh = self.lists.item(card.item.id)
            if fresh == card.item:
                return items, order, card
            if fresh is None or not self._snapshot.replace(fresh):
                items = self._snapshot.reload()
        items = self._snapshot.reload()
        order = self._order()
        return items, order, next_card(order, self._offered(items), then=self._then(items))

    def _offered(self, items: list[ListItem]) -> list[ListItem]:
        """The items a card may show: all but those passed over for the team's cool-off (until it ends)."""
        if not self._passed_over_here:
            return items
        now = self.now()
        passed = {item_id for item_id, until in self._passed_over_here.items() if until > now}
        return [item for item in items if item.id not in passed]

    def _then(self, items: list[ListItem]) -> CallableNow | None:
        """The order that offers items whose last call may still ring too, when the list has any: judging the list a
        second time costs as much as the first (at night: every item refused again)."""
        ringing = (PLACING, Outcome.UNKNOWN.value)
        return self._order(with_unknown=True) if any(item.last_outcome in ringing for item in items) else None

    def _show_card(self, card: Card, items: list[ListItem], order: CallableNow) -> None:
        panel = self.panel
        self._show_title()
        panel.progress_label.setText(progress(items, order.now).text())
        item = card.item
        self._pending_note = ""
        panel.note_edit.clear()
        self._local_shows_time = False
        if item is None:
            panel.name_label.setText("Nothing to call now")
            panel.company_label.setText("")
            panel.number_label.setText("")
            panel.journal_label.setText("")
            panel.local_label.setText(WORKING_OUT_OPENING)
            self._ask_next_opening(items, order.now)
            self._render()
            return
        contact = self.store.get_contact(item.contact_id) if item.contact_id is not None else None
        panel.name_label.setText(self._label(item))
        company = " · ".join(part for part in ((contact.title, contact.company) if contact else ()) if part)
        panel.company_label.setText(company)
        panel.company_label.setVisible(bool(company))
        self._show_item_state(item, card.standing.kind if card.standing is not None else "")
        self._local_shows_time = True
        panel.local_label.setText(self._local_line(item, card.standing))
        self._show_last_calls(item, contact)
        self._render()

    def _show_title(self) -> None:
        team = " (team list)" if self.team_list_id is not None else ""
        self.panel.list_label.setText(f"Working “{self.list.name}”{team} · {self.state.mode} mode")

    def _show_item_state(self, item: ListItem, kind: str) -> None:
        """The card's number line: the number, how it is offered (`kind`; "" while the call waits for its
        disposition) and its calls so far."""
        kind = kind or "waiting for its disposition"
        claim = self._claim
        if kind and claim is not None and claim.item_id == item.team_item_id:
            kind += " · claimed for you on the team server"
        attempts = f" · {item.attempts} call{'s' * (item.attempts != 1)} so far" if item.attempts else ""
        self.panel.number_label.setText(f"{self._display(item.e164)} · {kind}{attempts}")

    def _show_last_calls(self, item: ListItem, contact: Contact | None) -> None:
        panel = self.panel
        lines = []
        for entry in prospect_calls(self.store, item.e164):
            when = datetime.fromisoformat(entry.started_at).astimezone().strftime("%a %d %b %H:%M")
            outcome = entry.reconciled_outcome or entry.outcome
            words = [str(outcome).replace("_", " ") if outcome else "placing"]
            words += [part for part in (entry.disposition, entry.note) if part]
            lines.append(f"{when} · " + " · ".join(words))
        if contact is not None and contact.notes:
            lines.append(f"Contact notes: {' '.join(contact.notes.split())[:300]}")
        panel.journal_label.setText("\n".join(lines) or "No call to this prospect yet.")

    def _show_ended_call(self, item: ListItem) -> None:
        """GUI thread: the call ended and waits for its disposition: the card's progress, number line and last calls
        as the journal and the item have them now."""
        self._snapshot.replace(item)
        try:
            items = self._snapshot.current()
            contact = self.store.get_contact(item.contact_id) if item.contact_id is not None else None
        except (StoreError, ListError) as exc:
            log.warning("the card could not be brought up to date: %s", exc)
            return
        self.panel.progress_label.setText(progress(items, self.now()).text())
        self._show_item_state(item, "")
        self._show_last_calls(item, contact)

    def _render(self, *_args: object) -> None:
        """GUI thread: the message, the bar and the buttons as the phase says (also when the window's busy changes)."""
        if self.ended_already:
            return
        panel = self.panel
        phase = self.state.phase
        item = self.state.item
        name = self._label(item) if item is not None else ""
        busy = self.window.controller.is_busy
        settings = self.window.profile.settings
        panel.notice_label.setText(self._last_notice)
        panel.notice_label.setVisible(bool(self._last_notice) and phase is not Phase.CALLING)
        if phase is Phase.NOTHING:
            text = self._team_problem or "Nothing in this list is callable now."
        elif phase is Phase.CLAIMING:
            text = TEAM_CLAIMING_TEXT
        elif phase is Phase.CALLING and self._asking_team:
            text = f"Asking the team server about {name}…"
        elif phase is Phase.CALLING:
            text = f"Calling {name}…"
        elif phase is Phase.WRAP_UP:
            keys = self.disposition_keys()
            if settings.call_type == 2:
                text = f"The service is now calling {name} — press {keys} for the disposition"
            else:
                text = f"{name} answered — press {keys} for the disposition"
        elif phase is Phase.PAUSED:
            text = "Paused — P resumes"
        elif phase is Phase.COUNTDOWN:
            text = f"Calling {name} when the bar runs out (Esc stops it)"
        else:
            card = self.state.card
            ask = card.standing is not None and card.standing.needs_confirmation
            text = (
                f"Its last call may still be ringing: Enter asks before calling {name} again"
                if ask
                else f"Press Enter to call {name}"
            )
        if self._choosing_skip:
            text = "Skip to: L later today (in 2 h) · T tomorrow at this time · R remove from the list · Esc keeps it"
        panel.message_label.setText(text)
        panel.countdown_bar.setVisible(phase is Phase.COUNTDOWN)
        panel.skip_row.setVisible(self._choosing_skip)
        panel.call_button.setEnabled(self.state.can_dial() and not busy)
        panel.skip_button.setEnabled(self.state.can_skip())
        panel.pause_button.setText("Resume" if self.state.paused else "Pause")
        # A card with no prospect (nothing callable, the team server away): nothing to pause, note or look back on;
        # a session paused before still resumes.
        empty = phase is Phase.NOTHING
        panel.pause_button.setEnabled(not empty or self.state.paused)
        for widget in (panel.number_label, panel.journal_title, panel.journal_label, panel.note_edit):
            widget.setVisible(not empty)
        if empty:
            panel.company_label.hide()  # a prospect's card shows it again when it has one
        panel.end_button.setEnabled(phase is not Phase.CALLING)

    # -- keys ------------------------------------------------------------------------------------------------

    @Slot(object)
    def handle_key(self, event: QKeyEvent) -> bool:
        """GUI thread: a key pressed on the card (or passed on by the window while the card shows). True if used."""
        if self.ended_already:
            event.ignore()
            return False
        key = event.key()
        modifiers = event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier)
        if modifiers:
            event.ignore()
            return False
        text = event.text()
        used = True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # A held Enter repeats as auto-repeat presses: only a new press (the key released first) may dial, and only
            # once the card has been shown for ENTER_GUARD_MS (the second press of a double Enter comes sooner).
            if not event.isAutoRepeat() and self.enter_armed():
                self.dial()
        elif self._choosing_skip and key in (Qt.Key.Key_L, Qt.Key.Key_T, Qt.Key.Key_R, Qt.Key.Key_Escape):
            if key == Qt.Key.Key_Escape:
                self._choosing_skip = False
                self._render()
            else:
                choice = {Qt.Key.Key_L: SkipChoice.LATER_TODAY, Qt.Key.Key_T: SkipChoice.TOMORROW}
                self.skip(choice.get(Qt.Key(key), SkipChoice.REMOVE))
        elif key == Qt.Key.Key_Escape:
            if self.panel.help_label.isVisible():
                self.panel.help_label.hide()
            self.cancel_countdown()
        elif key == Qt.Key.Key_S:
            self.choose_skip()
        elif key == Qt.Key.Key_P:
            if not event.isAutoRepeat():
                self.toggle_pause()
        elif key == Qt.Key.Key_N:
            self.stop_countdown()  # typing a note is never cut short by a dial
            self.panel.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif key == Qt.Key.Key_C:
            if not event.isAutoRepeat():
                self.schedule_callback()
        elif text == "?" or key == Qt.Key.Key_Question:
            self.panel.help_label.setVisible(not self.panel.help_label.isVisible())
        elif text and text in "123456789" and not event.isAutoRepeat():
            self.dispose_by_key(int(text))
        else:
            used = False
        event.setAccepted(used)
        return used

    def eventFilter(self, watched: QObject, event: object) -> bool:  # noqa: N802 (Qt override)
        from PySide6.QtCore import QEvent
        from PySide6.QtGui import QKeyEvent

        if watched is self.panel.note_edit and isinstance(event, QEvent) and event.type() == QEvent.Type.FocusIn:
            self.stop_countdown()  # clicked into the note during the countdown: the note first, Enter calls after
        if watched is self.panel.note_edit and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.panel.setFocus(Qt.FocusReason.OtherFocusReason)  # back to the card's keys, the note kept
                return True
        return False

    # -- the dial --------------------------------------------------------------------------------------------

    def _arm_enter(self) -> None:
        """A card was shown, or the session came back to it after a call: Enter waits ENTER_GUARD_MS."""
        self._enter_from = time.monotonic() + ENTER_GUARD_MS / 1000

    def enter_armed(self) -> bool:
        """Whether Enter (or the Call button) may dial now: the card has been there for ENTER_GUARD_MS."""
        return time.monotonic() >= self._enter_from

    @Slot()
    def _call_clicked(self) -> None:
        """GUI thread: the Call button (a double click is two clicks: the second one must not dial again)."""
        if self.enter_armed():
            self.dial()

    @Slot()
    def dial(self) -> None:
        """GUI thread: Enter, the Call button, or the end of the countdown. One request at most per card shown."""
        controller = self.window.controller
        if not self.state.can_dial() or controller.is_busy or self.window._shut_down:
            return
        item = self.state.item
        assert item is not None
        if not self._list_still_there():
            return
        if controller.credentials_loading:
            self._wait_for_keys(item)
            return
        fresh = self.lists.item(item.id)
        if fresh is None or (fresh.state, fresh.last_call_id, fresh.due_at) != (
            item.state,
            item.last_call_id,
            item.due_at,
        ):
            self.refresh()  # changed elsewhere since the card was shown (another program called it): judged again
            return
        if self.team_list_id is not None and self._claimed_item([fresh]) is None:
            self.refresh()  # a team list's card is dialled only under a live claim: claimed again first
            return
        self.state.begin_dial()  # CALLING from here: every other key and a late countdown do nothing
        self.stop_countdown()
        self._render()
        contact = self.store.get_contact(item.contact_id) if item.contact_id is not None else None
        target: str | PhoneEntry = item.e164
        for phone in contact.phones if contact is not None else ():
            if phone.e164 == item.e164:
                target = phone
                break
        previous = controller.needs_unknown_confirmation(target)
        if previous is not None:
            confirmed = self.window._confirm_unknown_redial(previous)
            if not confirmed or self.state.phase is not Phase.CALLING or self.window._shut_down:
                self.state.dial_not_placed()
                self._arm_enter()
                self._render()
                return
        self._calling = fresh
        self._call_id = None
        # In team mode a local list's number is claimed on the team server first (one request, on the team worker;
        # the phase stays CALLING meanwhile, so nothing else dials); a team list's card holds its claim already.
        team_claimed = self.team_list_id is not None
        list_dial = None if team_claimed else ListDial(self._pass_over_for_team, self._dial_not_placed)
        self._asking_team = self.window.team.enabled and not team_claimed
        if not self.window._place(
            target, contact, before_send=self._link_item, list_dial=list_dial, team_claimed=team_claimed
        ):
            self._dial_not_placed("")
            return
        if self._asking_team and self.state.phase is Phase.CALLING and self._call_id is None:
            self._render()  # "Asking the team server about …" until its answer

    def _dial_not_placed(self, reason: str) -> None:
        """GUI thread: the card's dial did not go out (refused before any request; `reason`: "" when the window said
        why). The card stays."""
        self._asking_team = False
        if self._calling is None or self._call_id is not None or self.state.phase is not Phase.CALLING:
            return
        self._calling = None
        self._call_id = None
        if reason:
            self._last_notice = reason
        self.state.dial_not_placed()
        self._arm_enter()
        self._render()

    def _pass_over_for_team(self, reason: str, answer: NumberClaim) -> None:
        """GUI thread: the team has the card's number in its cool-off (or someone is calling it, or it is on the
        team's do-not-call list): a list dial never overrides that; the item is passed over (as the calling rules pass
        over what they refuse) until the cool-off ends, and the next card is shown. Nothing was dialled."""
        self._asking_team = False
        item = self._calling
        if item is None or self._call_id is not None or self.state.phase is not Phase.CALLING:
            return
        self._calling = None
        from c2c_desktop.core.team.sync import team_cool_off  # team mode only (psycopg)

        try:
            cool_off = team_cool_off(self.store)
        except StoreError:
            cool_off = None
        until = datetime.max.replace(tzinfo=UTC)
        if answer.last_at is not None and cool_off is not None and not answer.on_dnc:
            until = answer.last_at + cool_off
        self._passed_over_here[item.id] = until
        self._last_notice = f"{self._label(item)}: {reason} — passed over."
        self.state.dial_not_placed()
        self.refresh()

    def _wait_for_keys(self, item: ListItem) -> None:
        """GUI thread: Enter before the keys are read: the card is called once they are (once, even after a second
        Enter), unless the wait is cancelled first (`_cancel_keys_wait`)."""
        self.stop_countdown()  # (cancels an earlier wait too: this one replaces it)

        def place() -> None:
            if self._keys_wait is not place:
                return  # cancelled meanwhile
            self._keys_wait = None
            self._last_notice = ""
            current = self.state.item
            if not self.ended_already and current is not None and current.id == item.id:
                self.dial()

        self._keys_wait = place
        self._last_notice = f"Calling {self._label(item)} once the keys are read from the keyring (Esc cancels)."
        self.window._call_once_ready(place)
        self._render()

    def _cancel_keys_wait(self) -> None:
        """GUI thread: the call waiting for the keys is dropped (Esc, S, P, a new card, the end of the session)."""
        waiting, self._keys_wait = self._keys_wait, None
        if waiting is None:
            return
        self._last_notice = ""
        window = self.window
        if window._call_when_ready is not None and window._call_when_ready[0] is waiting:
            window._call_when_ready = None
            window._call_when_ready_timer.stop()
            window.status_panel.show_ready()

    def _link_item(self, _prepared: PreparedCall, entry: JournalEntry) -> bool:
        """GUI thread, CallController.call()'s pre-send hook: the journal row is written and nothing is sent yet. The
        item is linked to its call now, so a crash leaves it pointing at the call; when the link cannot be written
        nothing is sent (the controller finishes the row as not sent)."""
        if self._calling is None or self._call_id is not None:
            return False
        self._call_id = entry.id
        try:
            self._calling = call_started(self.lists, self._calling, entry.id)
            self._asking_team = False
            if self.team_list_id is not None:
                from c2c_desktop.core.team.sync import set_team_guarded

                # A team list's item was claimed on the server before this row (a local list's number in team mode
                # is marked by the window's claim, gui/team_dial.py, before this link).
                set_team_guarded(self.store, entry.id, True)
                self._claim = None  # dialled now: never given back; the server is told how the call ended
        except (StoreError, ListError) as exc:
            log.warning("the list item could not be linked to its call: %s", exc)
            self._call_id = None
            self._last_notice = f"Not called: the list could not be written ({exc})."
            return False
        return True

    def _list_still_there(self) -> bool:
        """GUI thread, before a dial or a card: a list deleted meanwhile (the call lists, `lists delete`) ends the
        session; its items are never dialled."""
        try:
            if self.lists.list_exists(self.list.id):
                return True
        except StoreError as exc:
            self.panel.message_label.setText(f"The list cannot be read now: {exc}")
            return False
        if self.state.phase is Phase.CALLING:
            self.state.dial_not_placed()
        self.end(f"The list “{self.list.name}” was deleted: its session has ended.")
        return False

    @Slot(object, object, str)
    def _on_call_finished(self, entry: JournalEntry, result: CallResult, message: str) -> None:
        """GUI thread: the outcome of a call; only this session's own call moves its item on."""
        if self._calling is None or entry.id != self._call_id:
            return
        item, self._calling, self._call_id = self._calling, None, None
        outcome = Outcome(result.outcome)
        for_server: ServerUpdate | None = None
        try:
            with self.store.transaction():
                item = call_finished(self.lists, self.rules, item, outcome, self.now(), call_type=entry.call_type)
                if self._pending_note:
                    self.store.set_disposition(entry.id, entry.disposition, self._pending_note)
                if outcome is not Outcome.CONNECTED:  # a connected call: after its disposition
                    for_server = self._keep_for_server(item, after_call(item, outcome, entry.call_type))
        except (StoreError, ListError) as exc:
            log.warning("the list item's outcome could not be saved: %s", exc)
            if self.team_list_id is not None and outcome is not Outcome.CONNECTED:
                for_server = self._kept_alone(item, after_call(item, outcome, entry.call_type))
        self._tell_server(item, for_server)
        if self.ended_already:
            return
        waiting = self.state.call_ended(outcome, call_type=entry.call_type)
        self._arm_enter()
        if waiting:
            self._last_notice = ""
        elif agent_missed(outcome, entry.call_type):
            paused = " The session is paused: P resumes." if self.state.paused else ""
            self._last_notice = f"{AGENT_NO_ANSWER_TEXT} ({self._label(item)} keeps its place).{paused}"
        else:
            self._last_notice = _notice(self._label(item), self._state_words(item), outcome, message)
        if waiting:
            self.state.card = Card(item, self.state.card.standing, wrap_up=True)
            self._show_ended_call(item)
            self._render()
        else:
            self.refresh()

    # -- the other keys --------------------------------------------------------------------------------------

    @Slot()
    def cancel_countdown(self) -> None:
        """GUI thread: Esc: the countdown (or a call waiting for the keys) stops and nothing is dialled; Enter still
        calls."""
        if self._keys_wait is not None:
            self._cancel_keys_wait()
            self._render()
        if self.state.cancel_countdown():
            self.stop_countdown()
            self._render()

    def stop_countdown(self) -> None:
        """GUI thread: stop the timers (the card hid, the window closes, a key was pressed) and a call waiting for the
        keys. Never dials."""
        self._cancel_keys_wait()
        self._countdown_token += 1
        self._countdown.stop()
        self._ticker.stop()
        if self.state.cancel_countdown():
            self._render()

    def _start_countdown(self) -> None:
        # Hidden (tray, another tab, minimised) or the note being typed: never counts down out of sight or over a note.
        if not self._on_screen() or self.panel.note_edit.hasFocus():
            self.state.cancel_countdown()
            self._render()
            return
        self._countdown_token += 1
        token = self._countdown_token
        total = self.state.countdown_ms
        self._deadline = time.monotonic() + total / 1000
        self.panel.countdown_bar.setRange(0, max(total, 1))
        self.panel.countdown_bar.setValue(max(total, 1))
        self._tick()
        self._armed_token = token
        self._countdown.setInterval(total)
        self._countdown.start()
        self._ticker.start()

    @Slot()
    def _tick(self) -> None:
        left = max(0.0, self._deadline - time.monotonic())
        self.panel.countdown_bar.setValue(int(left * 1000))
        self.panel.countdown_bar.setFormat(f"Calling in {left:.0f} s — Esc stops")

    @Slot()
    def _on_countdown_done(self) -> None:
        """GUI thread (timer): the countdown ran out: dial, unless anything stopped it meanwhile."""
        self._ticker.stop()
        if (
            self._armed_token != self._countdown_token
            or self.state.phase is not Phase.COUNTDOWN
            or not self._on_screen()
        ):
            return
        if QApplication.activeModalWidget() is not None:  # a dialog (Settings…) over the card: the agent is elsewhere
            self.stop_countdown()  # ready: "Press Enter to call …" once the dialog is closed
            return
        if self.window.controller.is_busy:  # another call is out (the dial pad, a link): it never waits in line
            self.stop_countdown()
            self.state.toggle_pause()
            self._last_notice = "Paused: another call is out. P resumes."
            self._render()
            return
        self.dial()

    def _on_screen(self) -> bool:
        """Whether the agent can see the card: it is shown and the window is not minimised."""
        return self.panel.isVisible() and not self.window.isMinimized()

    @Slot()
    def toggle_pause(self) -> None:
        """GUI thread: P: a paused session never dials; resuming shows the card again (power mode counts down). A card
        with no prospect has nothing to pause (a session paused before resumes)."""
        if self.ended_already or (self.state.phase is Phase.NOTHING and not self.state.paused):
            return
        self.stop_countdown()
        paused = self.state.toggle_pause()
        self._last_notice = ""
        if not paused and self.state.phase is Phase.READY:
            self.refresh()
        else:
            self._render()

    @Slot()
    def choose_skip(self) -> None:
        """GUI thread: S: the countdown stops and the card asks where to: L, T or R (Esc keeps the prospect)."""
        if not self.state.can_skip():
            return
        self.stop_countdown()
        self._choosing_skip = True
        self._render()

    def skip(self, choice: SkipChoice) -> None:
        if not self._choosing_skip or not self.state.can_skip() or self.state.item is None:
            return
        self._choosing_skip = False
        try:
            with self.store.transaction():
                skipped = skip_item(self.lists, self.state.item, choice, self.now())
                for_server = self._keep_for_server(skipped, ServerUpdate(Step.RELEASE))
        except (StoreError, ListError) as exc:
            warn(self.window, "Not skipped", f"The prospect could not be skipped: {exc}")
            self._render()
            return
        if for_server is not None and skipped.team_item_id is not None:
            # Back to the team at once (another agent may take it); passed over here until its skip time.
            self._passed_over[skipped.team_item_id] = skipped.due_at or datetime.max.replace(tzinfo=UTC)
            self._tell_server(skipped, for_server)
        self._last_notice = f"Skipped {self._label(self.state.item)}: {choice}."
        self.refresh()

    def disposition_keys(self) -> str:
        """The keys that have a disposition: "1–7" (never more than 1–9)."""
        last = min(DISPOSITION_KEYS, len(self.dispositions))
        return "1" if last == 1 else f"1–{last}"

    def dispose_by_key(self, number: int) -> None:
        if 1 <= number <= min(DISPOSITION_KEYS, len(self.dispositions)):
            self.dispose(self.dispositions[number - 1])
        elif self.state.can_dispose():
            self._last_notice = f"No disposition on {number}: the keys {self.disposition_keys()} have one."
            self._render()

    def dispose(self, name: str, callback_at: datetime | None = None, callback_note: str = "") -> bool:
        """GUI thread: the disposition of the call just made, and the item moves on by its rule. A rule that needs a
        time opens the callback dialog first; a refusal is said plainly and nothing is saved (neither the disposition
        nor the note typed on the card: they are saved together). True if saved."""
        if not self.state.can_dispose() or self.state.item is None:
            return False
        item = self.lists.item(self.state.item.id) or self.state.item
        rule = self.rules.find(name)
        if rule is not None and rule.needs_time and callback_at is None:
            chosen = self._ask_callback(item)
            if chosen is None or not self.state.can_dispose():
                return False
            callback_at, callback_note = chosen.at, chosen.note
        from c2c_desktop.core.calllists import ListError as Refused

        note = self.panel.note_edit.text().strip()
        try:
            with self.store.transaction():
                moved = self._record_disposition(item, name, callback_at, note, callback_note)
                for_server = self._keep_for_server(moved, of_item(moved, moved.last_outcome, name))
        except (Refused, DispositionRefused, StoreError, PhoneError) as exc:
            warn(self.window, "Disposition not saved", f"“{name}” was not saved: {exc}")
            return False
        self._tell_server(moved, for_server)
        self._last_notice = f"{self._label(moved)}: {name} — {self._state_words(moved)}."
        self.window._after_session_disposition(
            moved.e164 if rule is not None and rule.action is Action.DO_NOT_CALL else ""
        )
        self.refresh()
        return True

    def _record_disposition(
        self, item: ListItem, name: str, callback_at: datetime | None, note: str, callback_note: str
    ) -> ListItem:
        from c2c_desktop.core.rules.audit import StoreAuditLog

        settings = self.window.profile.settings
        return record_disposition(
            self.store,
            self.lists,
            self.rules,
            item,
            name,
            self.now(),
            guard=self._guard(),
            callback_at=callback_at,
            agent_number=settings.agent_number,
            audit=StoreAuditLog(self.store),
            region=settings.region,
            note=note or None,
            callback_note=callback_note,
        )

    def _write_note(self, call_id: int) -> None:
        entry = self.store.get_call(call_id)
        if entry is not None:
            self.store.set_disposition(call_id, entry.disposition, self.panel.note_edit.text().strip())

    @Slot()
    def save_note(self) -> None:
        """GUI thread: Enter in the note: written to the prospect's call (the one ringing: once it has ended)."""
        item = self.state.item
        text = self.panel.note_edit.text().strip()
        self.panel.setFocus(Qt.FocusReason.OtherFocusReason)
        if item is None or not text:
            return
        if self.state.phase is Phase.CALLING or item.last_call_id is None:
            self._pending_note = text
            self.window.notify("The note is kept with the call once it has ended.")
            return
        try:
            self._write_note(item.last_call_id)
        except StoreError as exc:
            warn(self.window, "Note not saved", f"The note was not saved: {exc}")
            return
        self.window.notify(f"Note saved with the last call to {self._label(item)}.")

    def schedule_callback(self) -> None:
        """GUI thread: C: after a call, the callback disposition with a time; before one, a callback for the card."""
        if not self.state.can_schedule() or self.state.item is None:
            return
        self.stop_countdown()
        if self.state.phase is Phase.WRAP_UP:
            self.dispose(callback_disposition(self.dispositions, self.rules))
            return
        item = self.state.item
        chosen = self._ask_callback(item)
        if chosen is None or self.state.item is None or self.state.item.id != item.id:
            self._render()
            return
        at = chosen.at
        from c2c_desktop.core.list_work import CallbackRefused

        try:
            with self.store.transaction():
                moved = schedule_item_callback(
                    self.lists,
                    self._guard(),
                    item,
                    at,
                    self.now(),
                    region=self.window.profile.settings.region,
                    note=chosen.note,
                )
                for_server = self._keep_for_server(moved, of_item(moved, None, called=False))
        except (CallbackRefused, StoreError, PhoneError) as exc:
            warn(self.window, "Callback not scheduled", f"The callback was not scheduled: {exc}")
            self._render()
            return
        self._tell_server(moved, for_server)
        self._last_notice = f"{self._label(moved)}: callback {both_clocks(at, self._zone_of(moved))}."
        self.refresh()

    def _ask_callback(self, item: ListItem) -> CallbackChoice | None:
        """GUI thread: the callback dialog for the card's prospect (when, on either clock, and a note)."""
        from c2c_desktop.gui.callback_dialog import ask_callback

        contact = Contact(item.contact_id, item.name, region_code=item.region_code)
        chosen = ask_callback(
            self.window,
            item.e164,
            contact,
            who=self._label(item),
            guard=self._guard(),
            clock=self.now,
            region=self.window.profile.settings.region,
        )
        self.panel.setFocus(Qt.FocusReason.OtherFocusReason)
        return chosen

    def _ask_next_opening(self, items: list[ListItem], now: datetime, *, recheck: bool = False) -> None:
        """GUI thread: work out when the list's next item opens on a thread of its own (judging every item of a big
        list takes seconds); `_on_next_opening` shows it. A newer card makes an older answer stale. `recheck`: first
        whether anything is callable now (then the next card is shown)."""
        self._opening_request += 1
        self._opening_cancel.set()  # an older computation stops at its next chunk
        self._opening_cancel = threading.Event()
        threading.Thread(
            target=next_opening_in_thread,
            args=(
                self._opening_request,
                self.store.path,
                self.window.profile.settings,
                now,
                list(items),
                self._openings,
                self._opening_cancel,
            ),
            kwargs={"recheck": recheck},
            name="c2c-session-opening",
            daemon=True,  # it only reads: nothing is lost if the app quits meanwhile
        ).start()

    @Slot(int, object)
    def _on_next_opening(self, request: int, opening: Opening) -> None:
        """GUI thread (queued from the opening thread): when the next item opens, for the "Nothing to call" card."""
        if request != self._opening_request or self.ended_already or self.state.phase is not Phase.NOTHING:
            return
        if opening.callable_now:
            self.refresh()
        elif opening.problem:
            self.panel.local_label.setText(f"When the next item opens cannot be worked out now: {opening.problem}")
        elif opening.next_opening is None:
            self.panel.local_label.setText("Every item of this list is worked (or waits for a question answered).")
        else:
            moment, first = opening.next_opening
            self.panel.local_label.setText(
                f"The next opens {both_clocks(moment, self._zone_of(first))}: {self._label(first)}"
            )

    @Slot()
    def _tick_local_time(self) -> None:
        """GUI thread (every LOCAL_TIME_TICK_MS): the prospect's local time on the card follows the clock (where the
        card says where the prospect stands, "New York · 11:00 · callable now", that is judged again: one item)."""
        item = self.state.item
        if not self._local_shows_time or item is None or self.ended_already:
            return
        standing = self.state.card.standing
        if standing is not None and standing.why:
            try:
                standing = self._order(with_unknown=True).standing(item)
            except (StoreError, ListError):
                return
        self.panel.local_label.setText(self._local_line(item, standing))

    def _local_line(self, item: ListItem, standing: Standing | None) -> str:
        """The card's line under the number: where the prospect stands now (their place and clock, or why not), or
        their local time."""
        return standing.why if standing is not None and standing.why else self._local_text(item)

    @Slot()
    def _recheck_nothing(self) -> None:
        """GUI thread (every NOTHING_RECHECK_MS while nothing is callable): judged again off the GUI thread; the card
        changes only when something opened."""
        if self.state.phase is not Phase.NOTHING or self.ended_already:
            return
        if self.team_list_id is not None:
            self.refresh()  # the team server decides what is claimable
            return
        try:
            items = self._snapshot.current()  # only the changed items are read
        except (StoreError, ListError):
            self.refresh()  # says why on the card
            return
        self._ask_next_opening(items, self.now(), recheck=True)

    def end(self, why: str = "") -> bool:
        """GUI thread: end the session (not while its call is out). The list is forgotten: the next start asks.
        `why`: what the window says instead of "the session has ended" (the list was deleted)."""
        if self.state.phase is Phase.CALLING:
            self.window.notify("The session ends once this call has ended.")
            return False
        self.stop_countdown()
        self._recheck.stop()
        self._minute.stop()
        self._opening_cancel.set()
        self._claim_token += 1  # a claim answering later is given back
        self._claim_in_flight = False
        self._give_back(self._take_refused())
        self._let_claim_go()
        self.ended_because = why
        self.state.end()
        self.ended.emit()
        return True

    # -- helpers ---------------------------------------------------------------------------------------------

    def _label(self, item: ListItem) -> str:
        """The item's name, or its number as written in the region (never the bare +1…)."""
        return item.name or self._display(item.e164)

    def _state_words(self, item: ListItem) -> str:
        """The item's state, and when it is due on both clocks (a callback's time is agreed on the callee's)."""
        if item.due_at is not None:
            return f"{item.state} {both_clocks(item.due_at, self._zone_of(item))}"
        return str(item.state)

    def _display(self, e164: str) -> str:
        from c2c_desktop.core.phone import display_number

        return display_number(e164, self.window.profile.settings.region)

    def _zone_of(self, item: ListItem) -> str:
        try:
            number = number_to_call(item.e164, self.window.profile.settings.region)
        except PhoneError:
            return ""
        return callee_zone(number, Contact(item.contact_id, item.name, region_code=item.region_code))

    def _local_text(self, item: ListItem) -> str:
        zone = self._zone_of(item)
        if not zone:
            return "Their local time is unknown"
        return f"Their time: {both_clocks(self.now(), zone)}"


def _notice(label: str, state_words: str, outcome: Outcome, message: str) -> str:
    """What the last call did, for the next card (`label`: the item's name or number; `state_words`: its state)."""
    if outcome is Outcome.UNKNOWN:
        return f"{label}: unknown — it may still ring; not called again without your yes."
    if outcome is Outcome.NO_ANSWER:
        return f"{label}: no answer — {state_words}."
    return message or f"{label}: {outcome}"


# --------------------------------------------------------------------------------------------------------------------
# Starting, resuming


def load_session_rules(window: MainWindow) -> DispositionRules | None:
    """The disposition rules (beside the settings file; the defaults in the demo), or None after saying why not."""
    from c2c_desktop.core.disposition_rules import default_rules

    if window.profile.demo:
        return default_rules()
    try:
        return load_rules(rules_path_for(window.profile.settings_path))
    except DispositionRulesError as exc:
        warn(window, "The disposition rules cannot be used", f"No session can start: {exc}")
        return None


def open_picker(window: MainWindow, session: CallingSession | None) -> ListPicker:
    """GUI thread: the picker over every list (one query); the counts of callable items follow from a thread."""
    picker = ListPicker(
        StoreCallLists(window.profile.store).all_lists(),
        window,
        current=session.list.id if session is not None else None,
        mode=session.state.mode if session is not None else Mode.PREVIEW,
        countdown_s=session.state.countdown_ms // 1000 if session is not None else DEFAULT_COUNTDOWN_S,
    )
    clock = window.profile.clock
    picker.count_in_background(
        window.profile.store.path, window.profile.settings, clock() if clock is not None else datetime.now(UTC)
    )
    return picker


def remembered(state: QSettings | None) -> tuple[int, Mode, int] | None:
    """The list, mode and countdown of the session open when the window closed, if any."""
    if state is None:
        return None
    value = state.value(STATE_LIST)
    try:
        list_id = int(str(value)) if value not in (None, "") else None
        mode = Mode(str(state.value(STATE_MODE, Mode.PREVIEW.value)))
        countdown = int(str(state.value(STATE_COUNTDOWN, DEFAULT_COUNTDOWN_S * 1000)))
    except ValueError:
        return None
    return None if list_id is None else (list_id, mode, countdown)


def remember(state: QSettings | None, session: CallingSession | None) -> None:
    if state is None:
        return
    if session is None:
        for key in (STATE_LIST, STATE_MODE, STATE_COUNTDOWN):
            state.remove(key)
    else:
        state.setValue(STATE_LIST, session.list.id)
        state.setValue(STATE_MODE, session.state.mode.value)
        state.setValue(STATE_COUNTDOWN, session.state.countdown_ms)
    state.sync()
