"""The dialer window: contacts with search on the left; dial pad, call status and recent calls on the right."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop import APP_NAME
from c2c_desktop.gui.activation import bring_to_front
from c2c_desktop.gui.callable_now import GlanceLine
from c2c_desktop.gui.contact_list_view import ContactListView
from c2c_desktop.gui.dialpad import EMPTY_NUMBER_TEXT, DialPad
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.messages import OVERRIDE_BUTTON_TEXT, placing_words, sentence, service_said
from c2c_desktop.gui.plain_text import (
    ask,
    button_text,
    message_box,
    one_line,
    plain_label,
    plain_tooltip,
    warn,
    window_title,
)

if TYPE_CHECKING:
    from datetime import datetime

    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QCloseEvent, QDropEvent, QKeyEvent
    from PySide6.QtWidgets import QListWidgetItem

    from c2c_desktop.core import config
    from c2c_desktop.core.dialer import PreparedCall
    from c2c_desktop.core.list_work import DueCallback
    from c2c_desktop.core.models import CallResult, Contact, Credentials, JournalEntry, Outcome, PhoneEntry
    from c2c_desktop.core.rules.guard import CallGuard
    from c2c_desktop.gui.callable_now import BeforeCalling
    from c2c_desktop.gui.calls import BeforeSend, CallController, RefusedCall
    from c2c_desktop.gui.compliance import ComplianceDialog
    from c2c_desktop.gui.contacts_model import ContactListModel
    from c2c_desktop.gui.disposition import DispositionStrip
    from c2c_desktop.gui.history import HistoryDialog
    from c2c_desktop.gui.keyring_worker import KeyringWorker
    from c2c_desktop.gui.list_manager import ContactPick
    from c2c_desktop.gui.profile import Profile
    from c2c_desktop.gui.reminders import CallbacksDialog
    from c2c_desktop.gui.session import CallingSession
    from c2c_desktop.gui.store_watcher import ProfileWatcher
    from c2c_desktop.gui.team import TeamLink
    from c2c_desktop.gui.team_dial import ListDial, TeamDialGuard
    from c2c_desktop.gui.tray import CallTray

# The dialogs (settings, contact, import, history) are imported where they open: they pull in phonenumbers and the
# importers, which the first paint does not need (tests/test_startup_imports.py). The window is painted before the
# core (store, search, settings, models, calls) is even imported: run_gui builds it without a profile, shows it, and
# hands it the profile right after the first paint (attach_profile), which imports them.

RECENT_CALLS = 12
LINK_HINT_MS = 60_000  # "That link has no phone number": long enough to be read on coming back from the CRM
OTHER_LABEL_WIDTH = 120  # pixels of a number's label on its button (the whole label is in the accessible name)
SHUTDOWN_BOUND_MS = 3000

#: Words and colours per outcome (core.models.Outcome's values: an Outcome finds its entry); colours are chosen to
#: read on light and dark palettes.
OUTCOME_STYLE: dict[str, tuple[str, str]] = {
    "connected": ("Connected", "#2e9d4f"),
    "no_answer": ("No answer", "#c98a00"),
    "not_sent": ("Not sent", "#7a7a7a"),
    "rejected": ("Rejected", "#d13438"),
    "unknown": ("Unknown", "#8a4fd1"),
}
NOT_SENT = "not_sent"
#: What Enter or Call says in the moment between the first paint and the profile being open and its keys read
#: (run_gui): the call is placed once, as soon as the contacts and the keys are there.
STARTING_TITLE = "Starting…"
STARTING_TEXT = "c2c-desktop is still opening your contacts and keys: the call goes out as soon as they are there."
#: How long such a call waits (a locked keyring may ask for its password first); then it is dropped, and said so.
CALL_WHEN_READY_LIMIT_MS = 5000
TOO_LONG_TEXT = "c2c-desktop took too long to open your contacts and keys: nothing was dialed. Press Enter again."
READY_TITLE = "Ready"
READY_TEXT = "Type a name or number and press Enter."


def _is_markup(excerpt: str) -> bool:
    """An XML or HTML answer: no help to the agent in the status line (the message already says what it was)."""
    return excerpt.removeprefix("partial answer: ").lstrip().startswith("<")


def measured_time_text(seconds: float) -> str:
    """A call's measured time as the status shows it at the end, to the tenth: "0:02.0", "1:05.3"."""
    minutes, rest = divmod(round(max(seconds, 0.0), 1), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def display_number(number: str, region: str) -> str:
    """core.phone.display_number, imported on first use: the phone module is not loaded before the first paint."""
    from c2c_desktop.core.phone import display_number as shown

    return shown(number, region)


def _system_clock() -> datetime:
    """The current time in UTC: the calling rules' clock in the app (a Profile's `clock` replaces it in tests). Here
    rather than core.rules.guard's, which would load the rules with the window."""
    from datetime import UTC, datetime

    return datetime.now(UTC)


class StatusPanel(QFrame):
    """Idle → ringing with a live timer → the outcome, which stays until the next call."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Call status")
        self.icon_label = plain_label()
        self.icon_label.setFixedSize(32, 32)
        self.title_label = plain_label(READY_TITLE)
        self.title_label.setAccessibleName("Call status title")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)
        self.detail_label = plain_label(READY_TEXT, wrap=True)
        self.detail_label.setAccessibleName("Call status details")
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Its width is the column's: a name of 400 letters without a space must not make the window that wide.
        never_wider = self.detail_label.sizePolicy()
        never_wider.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
        self.detail_label.setSizePolicy(never_wider)
        self.timer_label = plain_label()
        self.timer_label.setAccessibleName("Elapsed time")
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.icon_label)
        top.addWidget(self.title_label, 1)
        top.addWidget(self.timer_label)
        # Shown only under an hours refusal of a manual dial: places the same call with a typed reason.
        self.override_button = QPushButton(OVERRIDE_BUTTON_TEXT)
        self.override_button.setAccessibleName("Call anyway, outside the callee's calling hours")
        self.override_button.setToolTip("Place this call now with a reason you type; the override is recorded (Alt+A)")
        self.override_button.setAutoDefault(False)
        self.override_button.hide()
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addStretch(1)
        actions.addWidget(self.override_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.detail_label)
        layout.addLayout(actions)
        self._started = 0.0
        self._ticker = QTimer(self)
        self._ticker.setInterval(250)
        self._ticker.timeout.connect(self._tick)
        self._set_icon("ringing")

    def _set_icon(self, name: str) -> None:
        size = self.icon_label.size()
        self.icon_label.setPixmap(icon(name).pixmap(size))

    def show_ready(self) -> None:
        """As at the start: no call yet."""
        self._show("ringing", READY_TITLE, "", READY_TEXT)
        self.title_label.setStyleSheet("")
        self.timer_label.setText("")

    def show_ringing(self, text: str) -> None:
        self.override_button.hide()
        self._set_icon("ringing")
        self.title_label.setText("Calling…")
        self.title_label.setStyleSheet("")
        self.detail_label.setText(text)
        self._started = time.monotonic()
        self.timer_label.setText("0:00")
        self._ticker.start()

    def show_outcome(self, outcome: Outcome | str, text: str, *, elapsed_s: float | None = None) -> None:
        """The outcome of a call, with its measured time (`elapsed_s`, as journaled: the live timer only showed whole
        seconds); None for one that never started (the time of an earlier call is cleared)."""
        words, colour = OUTCOME_STYLE[outcome]
        detail = text.removeprefix(f"{words} — ")  # the title already says it
        self._show(outcome, words, colour, sentence(detail, full_stop=False))
        self.timer_label.setText("" if elapsed_s is None else measured_time_text(elapsed_s))

    def show_problem(self, title: str, text: str) -> None:
        """Something that stops calls but is no call's outcome (no keys, settings not loaded): no timer."""
        self._show(NOT_SENT, title, OUTCOME_STYLE[NOT_SENT][1], text)
        self.timer_label.setText("")

    def show_refusal(self, text: str, hint: str, *, overridable: bool) -> None:
        """A call the calling rules refused (nothing was sent): the reason, what can be done, and "Call anyway…"
        when it may be overridden."""
        detail = sentence(text.removeprefix("Not sent: "), full_stop=False)  # the title already says "Not sent"
        self.show_outcome(NOT_SENT, detail + ("\n" + hint if hint else ""))
        self.override_button.setVisible(overridable)

    def _show(self, icon_of: str, title: str, colour: str, detail: str) -> None:
        self.override_button.hide()
        self._ticker.stop()
        self._set_icon(str(icon_of))
        self.title_label.setText(title)
        self.title_label.setStyleSheet(f"color: {colour};")
        self.detail_label.setText(detail)

    @Slot()
    def _tick(self) -> None:
        """GUI thread: the live elapsed timer."""
        seconds = int(time.monotonic() - self._started)
        self.timer_label.setText(f"{seconds // 60}:{seconds % 60:02d}")


class MainWindow(QMainWindow):
    def __init__(
        self, profile: Profile | None = None, *, demo: bool = False, window_state: QSettings | None = None
    ) -> None:
        """GUI thread. Without `profile` the window is built from Qt alone (run_gui paints it so); `attach_profile`
        then gives it the profile. `demo` and `window_state` (the saved size and place) are the profile's when given."""
        super().__init__()
        self.ready = False  # True once attach_profile has run: until then nothing can be called or changed
        self.demo = profile.demo if profile is not None else demo
        self.window_state = profile.window_state if profile is not None else window_state
        self.base_title = APP_NAME + (" — demo" if self.demo else "")
        self.setWindowTitle(self.base_title)
        # Its icon is the application's (run_gui sets it once the window is painted: rendering it for the window
        # manager takes ~3 ms before the window could show).
        self._shut_down = False
        self._confirmed_close = False
        self._quitting = False  # Ctrl+Q or the tray's Quit: closing then quits, never hides in the tray
        self.tray: CallTray | None = None  # see enable_tray
        self._deleted: Contact | None = None  # the last deleted contact, for Undo
        self.history_dialog: HistoryDialog | None = None
        self.compliance_dialog: ComplianceDialog | None = None
        self.session: CallingSession | None = None  # the call list being worked (Call → Work a list…)
        self._caller_id_choice: str | None = None  # chosen for the next call only (Call → Caller ID…)
        self._refused: RefusedCall | None = None  # the last refused call, which "Call anyway…" places again
        self._ask_for_missing_keys = True  # only after the first read: a removal must not reopen Settings
        self._keyring_problem = ""  # why the keys could not be read, for Settings to say at once
        # Enter or Call before the profile is open and its keys read: (how to place it, whether it waits for the
        # whole contact list). Placed once when they are there; a later one replaces it (never two calls).
        self._call_when_ready: tuple[Callable[[], None], bool] | None = None
        self._call_when_ready_timer = QTimer(self)
        self._call_when_ready_timer.setSingleShot(True)
        self._call_when_ready_timer.setInterval(CALL_WHEN_READY_LIMIT_MS)
        self._call_when_ready_timer.timeout.connect(self._drop_call_asked_before_ready)
        self._build_ui()
        self._build_actions()
        self._restore_window_state()
        if profile is not None:
            self.attach_profile(profile)

    def attach_profile(self, profile: Profile) -> None:
        """GUI thread, once: the profile's store, settings and keys behind the window; loads the contacts (in pages
        once the window shows) and the recent calls. What was typed meanwhile stays: the search applies to the
        contacts as they arrive, the dial pad keeps its digits."""
        from c2c_desktop.core import config
        from c2c_desktop.gui.callable_now import BeforeCalling, CallableNow
        from c2c_desktop.gui.calls import CallController
        from c2c_desktop.gui.contacts_model import ContactListModel
        from c2c_desktop.gui.keyring_worker import KeyringWorker
        from c2c_desktop.gui.store_watcher import ProfileWatcher

        self.profile = profile
        if self.window_state is None:
            self.window_state = profile.window_state
        self.dispositions_path = None if profile.demo else config.dispositions_path_for(profile.settings_path)
        self.controller: CallController = CallController(
            profile.store, lambda: self.profile.settings, parent=self, guard_factory=self._guard_for
        )
        # Until start() has read the keys (after the first paint), a call is answered "still being read", never
        # "no keys stored" nor placed.
        self.controller.credentials_loading = True
        self.keyring_worker: KeyringWorker = KeyringWorker(profile.credential_store)
        self.keyring_worker.loaded.connect(self._on_keys_loaded)
        self.keyring_worker.load_failed.connect(self._on_keys_failed)
        # A save or removal (from Settings) that went through, even one whose dialog was cancelled meanwhile: read the
        # keys again, so the window uses what the keyring now holds. A failed one changes nothing here.
        self.keyring_worker.saved.connect(self._reload_keys)
        self.keyring_worker.cleared.connect(self._reload_keys)
        from c2c_desktop.gui.team import TeamLink

        # Team mode (core/team): its database work runs on the link's own worker thread.
        self.team: TeamLink = TeamLink(
            "" if profile.demo else profile.settings.team_url,
            profile.store,
            parent=self,
            password_loader=profile.team_password_loader,
        )
        self._team_dial: TeamDialGuard | None = None  # made on the first ad-hoc dial in team mode
        self._show_title()
        # Follows what other programs (the CLI in a terminal, an editor) change in the store and the settings file.
        self.watcher: ProfileWatcher = ProfileWatcher(profile.store, profile.settings_path, parent=self)

        self.contacts_model: ContactListModel = ContactListModel(
            parent=self, region=profile.settings.region, contact_loader=profile.store.get_contact
        )
        # A page of a big list arrived (see reload_contacts): apply the search to it and highlight again.
        self.contacts_model.contents_changed.connect(lambda: self._on_search_changed(self.search.text()))
        # The list read again after another program changed it: the highlight and the scroll position stay.
        self.contacts_model.about_to_refresh.connect(self._keep_place_in_list)
        self.contacts_model.refreshed.connect(self._restore_place_in_list)
        self.contacts_model.loading_finished.connect(self._place_call_asked_before_ready)
        self.contacts_model.attach_to_view(self.contact_list)
        self.contact_list.selectionModel().currentChanged.connect(self._on_current_contact_changed)
        self.dialpad.set_region(profile.settings.region)
        # The callee's local time and whether they can be called now: highlighted contact, list rows, typed number.
        self.before_calling: BeforeCalling = BeforeCalling(
            CallableNow(
                profile.store,
                lambda: self.profile.settings,
                self._guard_for,
                profile.clock or _system_clock,
                parent=self,
            ),
            self.contacts_model,
            self.contact_list,
            self.contact_glance,
            self.dialpad,
            lambda: self.profile.settings.region,
            parent=self,
        )
        self._show_mode()
        self._wire_controller()
        self._wire_watcher()
        self.ready = True
        for act in self._profile_actions:
            act.setEnabled(True)
        self.reload_contacts()
        self._on_search_changed(self.search.text())  # typed before the contacts came (also when there are none)
        self.refresh_recent()

    # -- construction ---------------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, company or number  (Ctrl+F)")
        self.search.setAccessibleName("Search contacts")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_changed)
        self.search.installEventFilter(self)

        # The highlighted contact's id, whether it was in sight, and the id of the top row's contact.
        self._place_in_list: tuple[int | None, bool, int | None] = (None, False, None)
        self.contact_list = ContactListView()
        self.contact_list.setAccessibleName("Contacts")
        self.contact_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.contact_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.contact_list.doubleClicked.connect(self._on_contact_double_clicked)
        self.contact_list.installEventFilter(self)
        self.contact_list.viewport().setAcceptDrops(True)  # drop a CSV or vCard file to import it
        self.contact_list.viewport().installEventFilter(self)
        self.contact_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.contact_list.customContextMenuRequested.connect(self._contact_menu)

        self.count_label = plain_label()
        self.count_label.setAccessibleName("Number of contacts shown")
        self.contact_glance = GlanceLine("Can the highlighted contact be called now")
        self.other_numbers = QWidget()
        self.other_numbers.setAccessibleName("Other numbers of the selected contact")
        self.other_numbers_layout = QHBoxLayout(self.other_numbers)
        self.other_numbers_layout.setContentsMargins(0, 0, 0, 0)
        keep_space = self.other_numbers.sizePolicy()
        keep_space.setRetainSizeWhenHidden(True)
        self.other_numbers.setSizePolicy(keep_space)
        self.other_numbers_layout.addStretch(1)
        # Buttons are reused (the highlight moves on every keystroke); button i calls other_number_targets[i].
        self._other_number_buttons: list[QPushButton] = []
        self._other_number_targets: list[tuple[Contact, PhoneEntry]] = []
        self.call_selected = QPushButton(icon("call"), "Call selected")
        # One button row high, shown or not: otherwise every highlight change resizes and lays out the list again. Its
        # buttons are of Call selected's kind (an icon and a label): as high.
        self.other_numbers.setMinimumHeight(self.call_selected.sizeHint().height())
        self.call_selected.setAccessibleName("Call the selected contact")
        self.call_selected.setToolTip("Call the highlighted contact's primary number (Enter)")
        self.call_selected.clicked.connect(self.call_current_contact)
        self.call_selected.setEnabled(False)  # until a contact is highlighted (_on_current_contact_changed)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.contact_list, 1)
        left_layout.addWidget(self.contact_glance)
        left_layout.addWidget(self.other_numbers)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.call_selected)
        left_layout.addLayout(bottom)

        self.dialpad = DialPad()
        self.dialpad.call_requested.connect(self.call_number)
        self.dialpad.number_missing.connect(lambda: self.notify(EMPTY_NUMBER_TEXT))
        self.status_panel = StatusPanel()
        self._disposition: DispositionStrip | None = None  # made when the first call ends (see `disposition`)
        self.recent = QListWidget()
        # At least two calls show whole; it takes whatever height the column has left (the keys do not stretch), so
        # that a longer status or the disposition strip never squeezes the keys at the default window size.
        self.recent.setMinimumHeight(2 * max(self.recent.sizeHintForRow(0), self.fontMetrics().height() + 8) + 6)
        self.recent.setAccessibleName("Recent calls")
        self.recent.setToolTip("Double-click or press Enter to call again")
        self.recent.itemActivated.connect(self._on_recent_activated)
        recent_label = plain_label("Recent calls")
        recent_label.setBuddy(self.recent)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.dialpad)
        right_layout.addWidget(self.status_panel)
        self._right_layout = right_layout  # the disposition strip goes in after the status panel
        right_layout.addWidget(recent_label)
        right_layout.addWidget(self.recent, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        if self.demo:
            banner = plain_label(
                "Demo mode — calls go to a built-in stand-in service; nothing rings and nothing is saved. "
                "Numbers ending in 7, 8 or 9 get no answer."
            )
            banner.setAccessibleName("Demo mode notice")
            banner.setWordWrap(True)
            banner.setStyleSheet("background: #fff4ce; color: #3b2f00; padding: 6px; border-radius: 4px;")
            layout.addWidget(banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.statusBar().setSizeGripEnabled(False)  # created now so the first notice does not shift the layout
        # Which calling rules apply, always in sight: nobody should forget that business mode is on.
        self.mode_label = plain_label()
        self.mode_label.setAccessibleName("Calling rules mode")
        self.mode_label.setContentsMargins(6, 0, 6, 0)
        self.statusBar().addPermanentWidget(self.mode_label)  # its text comes with the settings (attach_profile)
        # Team mode's connection and what waits to sync, always in sight (hidden without team mode).
        self.team_label = plain_label()
        self.team_label.setAccessibleName("Team connection")
        self.team_label.setContentsMargins(6, 0, 6, 0)
        self.team_label.hide()
        self.statusBar().addPermanentWidget(self.team_label)
        self.resize(1000, 680)

    @property
    def disposition(self) -> DispositionStrip:
        """The disposition strip under the status, made on first use (GUI thread).

        It is shown only after a call, so it is not built (nor its module imported) before the window first shows.
        """
        if self._disposition is None:
            from c2c_desktop.gui.disposition import DispositionStrip

            strip = DispositionStrip(
                self.profile.store, self.dispositions_path, agent_number=lambda: self.profile.settings.agent_number
            )
            strip.hide()  # shown after the first call of the session
            strip.saved.connect(lambda _call_id: self._refresh_journal_views())
            strip.do_not_call.connect(self._on_marked_do_not_call)
            before = self.recent.previousInFocusChain()  # what Tab reached just before the recent calls
            self._right_layout.insertWidget(self._right_layout.indexOf(self.status_panel) + 1, strip)
            # Tab goes through the strip between the dial pad and the recent calls, where it sits (made last, its
            # controls would otherwise come last). Popups (a combo box's list) are windows of their own: left out.
            chain = [
                widget
                for widget in strip.findChildren(QWidget)
                if widget.window() is self and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            ]
            if before is not None:
                for first, second in zip([before, *chain], [*chain, self.recent], strict=True):
                    QWidget.setTabOrder(first, second)
            self._disposition = strip
        return self._disposition

    def _show_mode(self) -> None:
        """GUI thread: the mode in the status bar, as in the settings in use."""
        from c2c_desktop.gui.refusal import mode_texts  # with the profile, after the first paint

        text, tip = mode_texts(self.profile.settings.mode)
        self.mode_label.setText(text)
        self.mode_label.setToolTip(plain_tooltip(tip))

    def _guard_for(self, settings: config.Settings) -> CallGuard:
        """GUI thread (the controller, per call): the calling-rules guard over this profile's store and clock."""
        from c2c_desktop.core.rules.guard import build_guard

        return build_guard(settings, self.profile.store, self.profile.clock or _system_clock)

    def _build_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str | None, slot: object, name: str) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.setObjectName(name)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.find_action = action("&Find contact", "Ctrl+F", self.focus_search, "find")
        self.dialpad_action = action("&Dial a number", "Ctrl+L", self.dialpad.focus_number, "dial")
        self.history_action = action("Call &history", "Ctrl+H", self.show_history, "history")
        self.compliance_action = action("C&ompliance log…", "Ctrl+Shift+A", self.show_compliance, "compliance")
        self.figures_action = action("The day's fi&gures…", "Ctrl+Shift+F", self.show_figures, "figures")
        self.lists_action = action("Call &lists…", "Ctrl+Shift+M", self.show_list_manager, "call_lists")
        self.callbacks_action = action("Call&backs…", "Ctrl+Shift+K", self.show_callbacks, "callbacks")
        self.caller_id_action = action(
            "Caller &ID for the next call…", "Ctrl+Shift+I", self.choose_caller_id, "caller_id"
        )
        self.settings_action = action("&Settings…", "Ctrl+,", self.open_settings, "settings")
        self.quit_action = action("&Quit", "Ctrl+Q", self.quit_app, "quit")
        self.import_action = action("&Import contacts…", "Ctrl+I", self.import_contacts, "import")
        self.export_action = action("&Export contacts…", None, self.export_contacts, "export")
        self.export_history_action = action("Export call &history…", None, self.export_history, "export_history")
        self.new_contact_action = action("&New contact…", "Ctrl+N", self.new_contact, "new_contact")
        self.edit_contact_action = action("&Edit contact…", "F2", self.edit_contact, "edit_contact")
        self.delete_contact_action = action("&Delete contact", None, self.delete_contact, "delete_contact")
        self.undo_delete_action = action("&Undo delete", "Ctrl+Z", self.undo_delete, "undo_delete")
        self.undo_delete_action.setEnabled(False)
        self.undo_import_action = action("Undo last &import", None, self.undo_last_import, "undo_import")
        self.do_not_call_action = action("Do not &call…", None, self.mark_do_not_call, "do_not_call")
        self.do_not_call_action.setToolTip("Put the highlighted contact's numbers on the internal do-not-call list")
        self.remove_do_not_call_action = action(
            "&Remove from do-not-call list…", None, self.remove_do_not_call, "remove_do_not_call"
        )
        self.callback_action = action("Schedule a call&back…", "Ctrl+Shift+B", self.schedule_callback, "callback")
        self.callback_action.setToolTip("Schedule a callback to the highlighted contact, on your clock or theirs")
        self.work_list_action = action("&Work a list…", "Ctrl+Shift+L", self.work_a_list, "work_list")
        self.end_session_action = action("End the calling &session", None, self.end_session, "end_session")

        # What needs the profile waits for it (attach_profile); Find, Dial and Quit work from the first paint.
        self._profile_actions = [
            act
            for act in self.actions()
            if act not in (self.find_action, self.dialpad_action, self.quit_action, self.undo_delete_action)
        ]
        for act in self._profile_actions:
            act.setEnabled(False)
        self._profile_actions.remove(self.end_session_action)  # enabled while a session runs
        self.end_session_action.setEnabled(False)

        file_menu = self.menuBar().addMenu("&File")
        for item in (self.import_action, self.export_action, self.export_history_action, None, self.settings_action):
            file_menu.addAction(item) if item else file_menu.addSeparator()
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        contacts_menu = self.menuBar().addMenu("C&ontacts")
        for item in (self.new_contact_action, self.edit_contact_action, self.delete_contact_action):
            contacts_menu.addAction(item)
        contacts_menu.addSeparator()
        contacts_menu.addAction(self.do_not_call_action)
        contacts_menu.addAction(self.remove_do_not_call_action)
        contacts_menu.addAction(self.callback_action)
        contacts_menu.addSeparator()
        contacts_menu.addAction(self.undo_delete_action)
        contacts_menu.addAction(self.undo_import_action)
        call_menu = self.menuBar().addMenu("&Call")
        call_menu.addAction(self.find_action)
        call_menu.addAction(self.dialpad_action)
        call_menu.addAction(self.caller_id_action)
        call_menu.addAction(self.history_action)
        call_menu.addAction(self.compliance_action)
        call_menu.addAction(self.figures_action)
        call_menu.addSeparator()
        call_menu.addAction(self.lists_action)
        call_menu.addAction(self.work_list_action)
        call_menu.addAction(self.end_session_action)
        call_menu.addAction(self.callbacks_action)

    def _wire_controller(self) -> None:
        self.controller.busy_changed.connect(self._on_busy_changed)
        self.controller.call_started.connect(self._on_call_started)
        self.controller.call_finished.connect(self._on_call_finished)
        self.controller.call_started.connect(lambda *_args: self.team.refresh_pending())
        self.controller.call_finished.connect(lambda *_args: self.team.push())  # up to the team after each call
        self.team.state_changed.connect(lambda _state: self._show_team_status())
        self.team.pending_changed.connect(lambda _count: self._show_team_status())
        # The team's lists, contacts or do-not-call list changed: what can be called now is judged again.
        self.team.lists_changed.connect(self.before_calling.callable_now.invalidate)
        self.controller.not_sent.connect(self._on_not_sent)
        self.controller.refused.connect(self._on_refused)
        self.status_panel.override_button.clicked.connect(self.call_anyway)
        # A refusal stands only for what it refused: another number or contact takes "Call anyway…" away.
        self.dialpad.number_edit.textChanged.connect(self._forget_refusal)
        self.search.textChanged.connect(self._forget_refusal)
        self.contact_list.selectionModel().currentChanged.connect(self._forget_refusal)
        self.controller.journal_changed.connect(self._refresh_journal_views)

    def _wire_watcher(self) -> None:
        self.watcher.contacts_changed.connect(lambda: self.contacts_model.refresh(self.profile.store.contact_rows))
        self.watcher.journal_changed.connect(self._refresh_journal_views)
        # Another program changed the store (a do-not-call entry, a call, an address): judged again.
        self.watcher.journal_changed.connect(self.before_calling.callable_now.invalidate)
        self.watcher.settings_changed.connect(self._on_settings_file_changed)
        self.watcher.settings_unreadable.connect(
            lambda problem: self.notify(f"{sentence(problem)} The settings in use are kept.")
        )

    def _show_title(self) -> None:
        """GUI thread: the window's title names the agent and the team in team mode ("c2c-desktop — alice · team13",
        the team being its database), so two windows side by side are told apart; a ringing call's title stays."""
        old = self.base_title
        self.base_title = APP_NAME + (" — demo" if self.demo else "")
        if self.team.enabled:
            from c2c_desktop.core.team.server import TeamError, parse_team_url

            try:
                params = parse_team_url(self.team.url)
            except TeamError:
                params = {}
            if params.get("user"):
                self.base_title += f" — {params['user']} · {params.get('dbname') or params['user']}"
        if self.windowTitle() in (old, window_title(old)):
            self.setWindowTitle(window_title(self.base_title))

    def start(self) -> None:
        """GUI thread, once the window is shown (run_gui: after its first paint): read the keys off the GUI thread,
        follow the profile's files."""
        self.keyring_worker.start_thread()
        self.controller.credentials_loading = True
        self.keyring_worker.load()
        if self.focusWidget() is None:  # a link opened meanwhile has put the focus in the dial pad: it stays there
            self.search.setFocus()
        self.watcher.start()
        self.team.start()
        self._show_team_status()
        QTimer.singleShot(0, self._resume_session)
        # The reminders need the calling rules' modules (~40 ms to import): loaded off the GUI thread first.
        callable_now = self.before_calling.callable_now
        callable_now.refreshed.connect(self._start_reminders)
        callable_now.warm_up()
        if callable_now.ready:
            self._start_reminders()
        if self.profile.settings_error:
            self.status_panel.show_problem("Settings not loaded", sentence(self.profile.settings_error))

    # -- contacts and search ---------------------------------------------------------------------------------------

    def _call_once_ready(self, place: Callable[[], None], *, needs_contacts: bool = False) -> None:
        """GUI thread: Enter or Call before the profile is open or its keys read: nothing is dialed or journaled now;
        said plainly, and `place` runs once the contacts (all of them if `needs_contacts`) and the keys are there
        (`_place_call_asked_before_ready`), unless that takes longer than CALL_WHEN_READY_LIMIT_MS."""
        self._call_when_ready = (place, needs_contacts)
        self._call_when_ready_timer.start()
        self.status_panel.show_problem(STARTING_TITLE, STARTING_TEXT)

    @Slot()
    def _place_call_asked_before_ready(self) -> None:
        """GUI thread (the keys read, the contacts loaded): the call asked for before then, once."""
        if self._call_when_ready is None or not self.ready or self.controller.credentials_loading:
            return
        place, needs_contacts = self._call_when_ready
        if needs_contacts and self.contacts_model.is_loading:
            return  # the highlight may still move: once the last page is in (loading_finished)
        self._call_when_ready = None
        self._call_when_ready_timer.stop()
        self.status_panel.show_ready()  # the call's own status follows, or nothing matched the search
        place()

    @Slot()
    def _drop_call_asked_before_ready(self) -> None:
        """GUI thread (timer): the call asked for while starting waited too long: dropped, and said so."""
        if self._call_when_ready is not None:
            self._call_when_ready = None
            self.status_panel.show_problem("Not sent", TOO_LONG_TEXT)

    def reload_contacts(self) -> None:
        """GUI thread: (re)load the contact list in pages from the event loop, so a big list never delays or freezes
        the window (the model's loading_finished says when all are searchable). Once the window is shown the first
        page comes at once; while it is being built (at start) nothing is fetched before it shows."""
        from c2c_desktop.gui.contacts_model import FIRST_PAGE

        first_page = FIRST_PAGE if self.isVisible() else 0
        self.watcher.note_contacts_loaded()
        self.contacts_model.load(self.profile.store.contact_rows, first_page=first_page)

    @Slot(str)
    def _on_search_changed(self, text: str) -> None:
        """GUI thread: filter and highlight the first match (also after each page of a loading list)."""
        if not self.ready:
            return  # kept in the field: attach_profile applies it
        model = self.contacts_model
        count = model.set_query(text)
        self._show_count(text, count)
        if count:
            best = model.index(model.best_row, 0)  # "mar" highlights Marcus, not Amara (see ContactIndex.best_match)
            self.contact_list.setCurrentIndex(best)
            self.contact_list.scrollTo(best)
        else:
            self._on_current_contact_changed(QModelIndex(), QModelIndex())

    def _show_count(self, text: str, count: int) -> None:
        """How many contacts are shown, or, when none, why and what to do."""
        model = self.contacts_model
        total = model.total_count
        shown = f"{count:,} of {total:,} contacts" if text else f"{total:,} contacts"
        self.count_label.setText(shown + (" (loading…)" if model.is_loading else ""))
        if count or model.is_loading:
            self.contact_list.set_empty_text("")
        elif text:
            self.contact_list.set_empty_text(
                f"No contact matches “{text}”.\nEsc clears the search; Ctrl+L dials a number."
            )
        else:
            self.contact_list.set_empty_text(
                "No contacts yet.\nImport a file with File → Import contacts… (Ctrl+I),\n"
                "or add one with Contacts → New contact… (Ctrl+N)."
            )

    @Slot()
    def _keep_place_in_list(self) -> None:
        """GUI thread: the list is about to be swapped for one read again: note the highlighted and the top contact."""
        model = self.contacts_model
        view = self.contact_list
        current = view.currentIndex()
        top = view.rowAt(0)
        self._place_in_list = (
            model.contact_id_at(current.row()) if current.isValid() else None,
            current.isValid() and view.visualRect(current).intersects(view.viewport().rect()),
            model.contact_id_at(top) if top >= 0 else None,
        )

    @Slot()
    def _restore_place_in_list(self) -> None:
        """GUI thread: after the swap, the same contact stays highlighted (else the best match) and the same contact
        stays at the top of the view, where they still match the search."""
        model = self.contacts_model
        current_id, current_in_sight, top_id = self._place_in_list
        count = model.rowCount()
        self._show_count(model.query, count)
        current_row = model.row_of_contact(current_id) if current_id is not None else None
        if current_row is None and count:
            current_row = model.best_row
        if current_row is None:
            self._on_current_contact_changed(QModelIndex(), QModelIndex())
            return
        current = model.index(current_row, 0)
        self.contact_list.setCurrentIndex(current)  # scrolls to it (autoScroll): the top row is put back below
        top_row = model.row_of_contact(top_id) if top_id is not None else None
        if top_row is not None:
            self.contact_list.scrollTo(model.index(top_row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        if current_in_sight or top_row is None:
            self.contact_list.scrollTo(current)  # kept in sight if it was (contacts added above it push it down)

    def focus_search(self) -> None:
        if self.session is not None:
            self.show_contacts_tab()
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def current_contact(self) -> Contact | None:
        if not self.ready:
            return None
        index = self.contact_list.currentIndex()
        return self.contacts_model.contact_at(index.row()) if index.isValid() else None

    @Slot(QModelIndex, QModelIndex)
    def _on_current_contact_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """GUI thread: show one button per other number of the highlighted contact (fetched from the store)."""
        contact = self.contacts_model.contact_at(current.row()) if current.isValid() else None
        self.call_selected.setEnabled(contact is not None and not self.controller.is_busy)
        self.before_calling.show_contact(contact)
        primary = contact.primary_phone if contact is not None else None
        others = [phone for phone in contact.phones if phone is not primary] if contact is not None else []
        if contact is None or not others:
            self.other_numbers.hide()
            return
        buttons = self._other_number_buttons
        while len(buttons) < len(others):
            position = len(buttons)
            button = QPushButton(icon("call"), "")
            button.clicked.connect(lambda _=False, i=position: self.call_contact(*self._other_number_targets[i]))
            self.other_numbers_layout.insertWidget(position, button)
            # In the Tab order where it shows, between the list and Call selected (not after the dial pad).
            QWidget.setTabOrder(buttons[-1] if buttons else self.contact_list, button)
            buttons.append(button)
        self._other_number_targets = [(contact, phone) for phone in others]
        for button, phone in zip(buttons, others, strict=False):
            shown = display_number(phone.pinned, self.profile.settings.region)
            label = self.fontMetrics().elidedText(
                phone.label or "other", Qt.TextElideMode.ElideRight, OTHER_LABEL_WIDTH
            )
            button.setText(button_text(f"{label} {shown}"))  # the label shortened: a long one never widens the window
            button.setToolTip(plain_tooltip(f"Call {contact.name or contact.company} on this number"))
            button.setAccessibleName(f"Call {contact.name} on {phone.label or 'other'} {shown}")
            button.setEnabled(not self.controller.is_busy)
        for position, button in enumerate(buttons):
            button.setVisible(position < len(others))
        self.other_numbers.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self.contact_list.viewport():
            if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
                from c2c_desktop.gui.import_dialog import dropped_contact_files

                event = cast("QDropEvent", event)  # QDragEnterEvent and QDragMoveEvent are QDropEvents too

                paths = dropped_contact_files(event.mimeData())
                if not paths:
                    return False
                event.acceptProposedAction()
                if event.type() == QEvent.Type.Drop:
                    QTimer.singleShot(0, lambda: self.import_contacts(paths))  # let the drag finish first
                return True
            return super().eventFilter(watched, event)
        if event.type() == QEvent.Type.KeyPress:
            event = cast("QKeyEvent", event)  # the class is made on the first key, not before the first paint
            key = event.key()
            if watched is self.search:
                if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                    self.contact_list.event(event)  # move the highlight without leaving the search field
                    return True
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    if not event.isAutoRepeat():
                        self.call_current_contact()
                    return True
                if key == Qt.Key.Key_Escape:
                    self.search.clear()
                    return True
            elif watched is self.contact_list:
                if key == Qt.Key.Key_Delete:
                    self.delete_contact()
                    return True
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    if not event.isAutoRepeat():
                        self.call_current_contact()
                    return True
                text = event.text()
                if text and text.isprintable() and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
                    self.search.setFocus()  # just start typing: the search field takes it
                    self.search.insert(text)
                    return True
        return super().eventFilter(watched, event)

    # -- placing calls ---------------------------------------------------------------------------------------------

    @Slot()
    def call_current_contact(self) -> None:
        """GUI thread: Enter in the search field or the list, or the Call button."""
        if not self.ready:
            # Whoever the search highlights once the contacts are there.
            self._call_once_ready(self.call_current_contact, needs_contacts=True)
            return
        contact = self.current_contact()
        if contact is not None:
            self.call_contact(contact, contact.primary_phone)

    @Slot(QModelIndex)
    def _on_contact_double_clicked(self, index: QModelIndex) -> None:
        contact = self.contacts_model.contact_at(index.row())
        if contact is not None:
            self.call_contact(contact, contact.primary_phone)

    def call_contact(self, contact: Contact, phone: PhoneEntry | None) -> None:
        if phone is None:
            self._on_not_sent(f"Not sent: {contact.name} has no phone number")
            return
        self._call(phone, contact)

    @Slot(str)
    def call_number(self, text: str) -> None:
        """GUI thread: the dial pad's Enter or Call button."""
        if not self.ready:
            self._call_once_ready(lambda: self._call(text, None))  # the digits stay in the dial pad too
            return
        self._call(text, None)

    def _call(self, target: str | PhoneEntry, contact: Contact | None, previous_dial: str | None = None) -> None:
        """GUI thread: `target` is a contact's number, or text typed (a number in any form) read in the region."""
        if self.controller.is_busy or self.team_claim_out:
            return  # one call at a time; the actions are disabled too
        if self.controller.credentials_loading:  # the first read after start(), or again after Settings saved them
            self._call_once_ready(lambda: self._call(target, contact, previous_dial))
            return
        previous = self.controller.needs_unknown_confirmation(target, previous_dial)
        if previous is not None and not self._confirm_unknown_redial(previous):
            return
        self._place(target, contact)

    def _place(
        self,
        target: str | PhoneEntry,
        contact: Contact | None,
        override_hours: str | None = None,
        *,
        before_send: BeforeSend | None = None,
        list_dial: ListDial | None = None,
        team_claimed: bool = False,
    ) -> bool:
        """GUI thread: hand one call to the controller, with the caller ID chosen for it if any (used up once the
        call goes out; kept when the call is refused, for "Call anyway…" or the next try). True if it went out.
        `before_send`: the calling session's link of its list item (see CallController.call).

        In team mode every dial is first claimed on the team server (gui/team_dial.py), unless `team_claimed` (a
        calling session on a team list: its card's claim holds the number already): then True means the claim was
        asked for; the call follows with its answer. `list_dial`: a calling session's dial of a local list's item,
        told when nothing went out (a number in the team's cool-off is passed over, never asked about)."""
        if self.team.enabled and not team_claimed:
            return self._claim_then_place(target, contact, override_hours, before_send, list_dial)
        return self._place_now(target, contact, override_hours, before_send=before_send)

    def _claim_then_place(
        self,
        target: str | PhoneEntry,
        contact: Contact | None,
        override_hours: str | None,
        before_send: BeforeSend | None,
        list_dial: ListDial | None,
    ) -> bool:
        """GUI thread: a dial in team mode: claim the number on the worker, then place it (or not)."""
        from c2c_desktop.core.phone import PhoneError, number_to_call

        try:
            e164 = number_to_call(target, self.profile.settings.region).e164
        except PhoneError:
            # The controller says what is wrong with it: nothing is written or sent.
            return self._place_now(target, contact, override_hours, before_send=before_send)

        def place(mark: BeforeSend) -> bool:
            def marked_then_linked(prepared: PreparedCall, entry: JournalEntry) -> bool:
                # The row's team mark first: a session's item is linked only to a call that may go out.
                return mark(prepared, entry) and (before_send is None or before_send(prepared, entry))

            return self._place_now(target, contact, override_hours, before_send=marked_then_linked)

        return self._team_dial_guard().dial(e164, place, list_dial)

    def _team_dial_guard(self) -> TeamDialGuard:
        if self._team_dial is None:
            from c2c_desktop.gui.team_dial import TeamDialGuard

            self._team_dial = TeamDialGuard(
                self.team,
                self.profile.store,
                lambda question: ask(self, "Call anyway?", question),
                self._on_not_sent,
                parent=self,
            )
            self._team_dial.busy_changed.connect(lambda busy: self._on_busy_changed(busy or self.controller.is_busy))
            self._team_dial.busy_changed.connect(self._on_team_claim_settled)
            self._team_dial.notice.connect(self.notify)
            self.controller.call_finished.connect(self._team_dial.call_ended)
        return self._team_dial

    @Slot(bool)
    def _on_team_claim_settled(self, busy: bool) -> None:
        """GUI thread: the team server answered (or the claim was dropped): "Asking the team server…" goes."""
        from c2c_desktop.gui.team_dial import ASKING_NOTICE

        if not busy and self.statusBar().currentMessage() == ASKING_NOTICE:
            self.statusBar().clearMessage()

    def _place_now(
        self,
        target: str | PhoneEntry,
        contact: Contact | None,
        override_hours: str | None = None,
        *,
        before_send: BeforeSend | None = None,
    ) -> bool:
        """GUI thread: the call to the controller (see `_place`)."""
        if self.controller.call(
            target,
            contact,
            override_hours=override_hours,
            caller_id_choice=self._caller_id_choice,
            before_send=before_send,
        ):
            self._caller_id_choice = None
            return True
        return False

    @Slot()
    def choose_caller_id(self) -> None:
        """GUI thread: Call → Caller ID for the next call…: pick the number the prospect is shown on the next call,
        from the pool and the configured default, or leave it to the pool (the closest number)."""
        from c2c_desktop.core import config

        settings = self.profile.settings
        pool = list(config.caller_id_pool(settings))
        default = settings.first_callerid if settings.call_type == 1 else settings.second_callerid
        if default and default not in pool:
            pool.append(default)
        if not pool:
            self.notify("No caller ID pool is set: add numbers under Settings → Calling rules (caller_id_pool).")
            return
        automatic = "Automatic: the number closest to the prospect"
        shown = [display_number(number, settings.region) for number in pool]
        current = 1 + pool.index(self._caller_id_choice) if self._caller_id_choice in pool else 0
        from PySide6.QtWidgets import QInputDialog

        picked, ok = QInputDialog.getItem(
            self, "Caller ID for the next call", "Show the prospect:", [automatic, *shown], current, False
        )
        if not ok:
            return
        self._caller_id_choice = pool[shown.index(picked)] if picked in shown else None
        if self._caller_id_choice is None:
            self.notify("The next call shows the caller ID closest to the prospect.")
        else:
            self.notify(f"The next call shows the prospect {picked}.")

    def _confirm_unknown_redial(self, previous: JournalEntry) -> bool:
        who = previous.contact_name or previous.display_number or previous.number
        return ask(
            self,
            "Call again?",
            f"The previous call to {who} ended with an unknown outcome: it may have rung or may still be ringing, "
            "and it was not retried.\n\nCall again anyway?",
        )

    @property
    def team_claim_out(self) -> bool:
        """True while an ad-hoc dial's team claim is out (or its "Call anyway?" is open)."""
        return self._team_dial is not None and self._team_dial.busy

    @Slot()
    def _show_team_status(self) -> None:
        """GUI thread: "Team: online as alice" / "Team: offline — 12 calls waiting to sync" (hidden when off)."""
        text = self.team.status_text()
        self.team_label.setText(text)
        self.team_label.setToolTip(plain_tooltip(self.team.last_error) if self.team.last_error else "")
        self.team_label.setVisible(bool(text))

    @Slot(bool)
    def _on_busy_changed(self, busy: bool) -> None:
        """GUI thread, synchronously from the controller: no second trigger can get through while a call is out."""
        focused = QApplication.focusWidget()
        self.dialpad.set_call_enabled(not busy)
        self.call_selected.setEnabled(not busy and self.current_contact() is not None)
        for button in self.other_numbers.findChildren(QPushButton):
            button.setEnabled(not busy)
        self.recent.setEnabled(not busy)
        if self.history_dialog is not None:
            self.history_dialog.view.set_call_enabled(not busy)
        if busy and self._disposition is not None:
            # It is about the last call; while the next one rings it gives its room to the status (the keys above stay
            # put) and cannot take stray keystrokes. It comes back, for the new call, when that one ends.
            self._disposition.hide()
        if busy and focused is not None and not focused.isEnabled() and focused.window() is self:
            # Qt would pass the focus of a button just disabled to the next widget in the Tab order (the dial pad,
            # or the last call's disposition, which the next typed letters would then overwrite): search instead.
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
            self.search.selectAll()

    @Slot(object, object)
    def _on_call_started(self, prepared: PreparedCall, _entry: JournalEntry) -> None:
        self._refused = None
        from c2c_desktop.core.dialer import status_while_ringing  # loaded by the controller already; kept off startup

        text = status_while_ringing(prepared)
        if prepared.warnings:
            text += "\nNote: " + "; ".join(prepared.warnings)
        for number in {prepared.display_number, prepared.agent_display} - {""}:
            text = text.replace(number, number.replace(" ", "\u00a0"))  # a number never breaks across two lines
        self.status_panel.show_ringing(text)
        # Visible in the taskbar too.
        self.setWindowTitle(window_title(f"Calling {prepared.label}… — {self.base_title}"))
        self.search.selectAll()  # the next name typed replaces this query instead of adding to it
        self.refresh_recent()

    @Slot(object, object, str)
    def _on_call_finished(self, entry: JournalEntry, result: CallResult, message: str) -> None:
        if result.excerpt and result.outcome in ("rejected", "unknown") and not _is_markup(result.excerpt):
            message += "\n" + service_said(result.excerpt)  # markup only in the tooltips (Recent, history)
        self.status_panel.show_outcome(result.outcome, message, elapsed_s=result.elapsed_s)
        self.setWindowTitle(self.base_title)
        if self.session is None:
            self.disposition.set_call(entry)  # optional: the next call never waits for it
            self.disposition.show()
        elif self._disposition is not None:
            # During a calling session its card takes the disposition (keys 1–9), which also moves the list item on;
            # the strip is not even built then (~30 ms on the first call's end: a stall between two cards).
            self._disposition.hide()
        self._refresh_journal_views()

    @Slot(str)
    def _on_not_sent(self, message: str) -> None:
        """GUI thread: refused before any journal row or request (bad number, no keys): no call time to show."""
        self._refused = None
        self.status_panel.show_outcome(NOT_SENT, message)

    @Slot(object)
    def _on_refused(self, refused: RefusedCall) -> None:
        """GUI thread, from the controller: the calling rules refused the call; nothing was journaled or sent."""
        refusal = refused.refusal
        self._refused = refused if refusal.overridable else None
        from c2c_desktop.gui.refusal import refusal_hint

        self.status_panel.show_refusal(refused.message, refusal_hint(refusal), overridable=refusal.overridable)
        self.refresh_compliance()  # the refusal is in the audit log now

    @Slot()
    def call_anyway(self) -> None:
        """GUI thread: "Call anyway…" under an hours refusal: ask for a reason, then place the same call with it
        (the guard records the override in the audit log). One request, on the controller's usual path."""
        from c2c_desktop.gui.refusal import ask_reason

        refused = self._refused
        if refused is None or self.controller.is_busy or self.team_claim_out:
            return
        contact = refused.contact
        who = (contact.name or contact.company) if contact is not None else ""
        number = self._refused_number_text(refused)
        whom = f"{who} at {number}" if who else number
        reason = ask_reason(
            self,
            "Call anyway?",
            f"{refused.message}\n\nCall {whom} anyway? Type why; the reason is recorded in the audit log with the "
            "override.",
            "Call anyway",
        )
        if reason is None or self._refused is not refused or self.controller.is_busy or self.team_claim_out:
            return  # cancelled, or another call or refusal came meanwhile
        self._refused = None
        self._place(refused.target, refused.contact, override_hours=reason)
        self.refresh_compliance()  # the override is in the audit log now

    def _refused_number_text(self, refused: RefusedCall) -> str:
        """The refused number as the agent reads it, so that "Call anyway?" names what it would dial."""
        from c2c_desktop.core.models import PhoneEntry
        from c2c_desktop.core.phone import display_number, written_for

        region = self.profile.settings.region
        if isinstance(refused.target, PhoneEntry):
            return written_for(refused.target, region)
        return display_number(refused.target, region)

    @Slot()
    def _forget_refusal(self) -> None:
        """GUI thread: what Enter would call changed (another number in the dial pad, another search or contact), so
        "Call anyway…" no longer offers to place the refused call: it would dial a number the agent no longer sees."""
        if self._refused is not None:
            self._refused = None
            self.status_panel.override_button.hide()

    # -- the internal do-not-call list ------------------------------------------------------------------------------

    def _after_rules_change(self) -> None:
        """GUI thread: this window changed the do-not-call list (and so the audit log). The store watcher does not see
        this connection's own commits, so the views that show them are brought up to date here."""
        self.refresh_compliance()
        self.contact_list.viewport().update()  # the list marks who cannot be called now

    @Slot(str)
    def _on_marked_do_not_call(self, e164: str) -> None:
        """GUI thread: a "Do not call" disposition put the last call's number on the internal list."""
        self.notify(f"{display_number(e164, self.profile.settings.region)} is on the do-not-call list from now on.")
        self._after_rules_change()

    @Slot()
    def mark_do_not_call(self) -> None:
        """GUI thread: Contacts → Do not call…: every number of the highlighted contact on the internal list."""
        from c2c_desktop.core.rules.dnc import DncError
        from c2c_desktop.core.store import StoreError
        from c2c_desktop.gui.do_not_call import contact_numbers, mark_contact
        from c2c_desktop.gui.refusal import ask_reason

        contact = self.current_contact()
        if contact is None:
            return
        who = contact.name or contact.company
        if not contact_numbers(contact):
            self.notify(f"{who} has no number to put on the do-not-call list.")
            return
        reason = ask_reason(
            self,
            "Do not call",
            f"Put every number of {who} on the internal do-not-call list? No call to them is sent from now on, "
            "on every path. Type why (recorded in the audit log).",
            "Do not call",
        )
        if reason is None:
            return
        try:
            change = mark_contact(self.profile.store, contact, reason, self.profile.settings.agent_number)
        except (StoreError, DncError) as exc:
            warn(self, APP_NAME, f"The do-not-call list was not changed: {exc}")
            return
        count = len(change.changed) + len(change.unchanged)
        self.notify(f"{who}: {count} number{'s' * (count != 1)} on the do-not-call list from now on.")
        self._after_rules_change()

    @Slot()
    def remove_do_not_call(self) -> None:
        """GUI thread: Contacts → Remove from do-not-call list…: the highlighted contact's numbers off the internal
        list, with a required reason (audited). Imported lists are not changed here."""
        from c2c_desktop.core.rules.dnc import DncError
        from c2c_desktop.core.store import StoreError
        from c2c_desktop.gui.do_not_call import internal_numbers_of, on_the_team_list, unmark_contact
        from c2c_desktop.gui.refusal import ask_reason

        contact = self.current_contact()
        if contact is None:
            return
        who = contact.name or contact.company
        try:
            listed = internal_numbers_of(self.profile.store, contact)
        except StoreError as exc:
            warn(self, APP_NAME, f"The do-not-call list could not be read: {exc}")
            return
        if not listed:
            self.notify(f"No number of {who} is on the internal do-not-call list.")
            return
        shown = ", ".join(display_number(e164, self.profile.settings.region) for e164 in listed)
        reason = ask_reason(
            self,
            "Remove from do-not-call list",
            f"Take {shown} ({who}) off the internal do-not-call list, so calls to them can be placed again? "
            "Type why (required; recorded in the audit log).",
            "Remove",
        )
        if reason is None:
            return
        try:
            change = unmark_contact(self.profile.store, contact, reason, self.profile.settings.agent_number)
            on_team_list = on_the_team_list(self.profile.store, change.changed)
        except (StoreError, DncError) as exc:
            warn(self, APP_NAME, f"The do-not-call list was not changed: {exc}")
            return
        still = " Still on the team's do-not-call list: a team manager takes numbers off it." if on_team_list else ""
        self.notify(f"{who}: {len(change.changed)} number(s) taken off the internal do-not-call list.{still}")
        self._after_rules_change()

    # -- recent calls ----------------------------------------------------------------------------------------------

    def refresh_recent(self) -> None:
        from PySide6.QtWidgets import QListWidgetItem  # with the profile, after the first paint

        recent = self.recent
        # Only a row the agent chose (clicked, or moved to with the keys) is selected. Qt also makes the first row
        # current, unselected, when the list merely gets the focus: restoring that one selected it and scrolled to it
        # at every call, pushing the newest calls out of view.
        current = recent.currentItem()
        chosen_id = current.data(Qt.ItemDataRole.UserRole) if current is not None and current.isSelected() else None
        # The agent scrolled down: the row at the top of the view stays there; otherwise the newest call is in view.
        top = recent.itemAt(1, 1) if recent.verticalScrollBar().value() > 0 else None
        top_id = top.data(Qt.ItemDataRole.UserRole) if top is not None else None
        chosen: QListWidgetItem | None = None
        anchor: QListWidgetItem | None = None
        recent.clear()
        store = self.profile.store
        for entry in store.list_calls(limit=RECENT_CALLS):
            outcome = entry.reconciled_outcome or entry.outcome  # what the agent recorded, once they have
            if outcome is not None:
                words, icon_name = OUTCOME_STYLE[outcome][0], str(outcome)
            else:  # placing: "Calling…" only if it is this window's own call
                words, icon_name = placing_words(store.call_owner(entry.id) if entry.state == "placing" else None)
            from datetime import datetime

            when = datetime.fromisoformat(entry.started_at).astimezone().strftime("%H:%M")
            who = entry.contact_name or entry.display_number or entry.number
            item = QListWidgetItem(icon(icon_name), f"{when}  {who} — {words}")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            said = "\n" + service_said(entry.excerpt) if entry.excerpt else ""
            item.setToolTip(plain_tooltip(f"{entry.display_number}\n{entry.message}{said}\nref {entry.ref}"))
            recent.addItem(item)
            if entry.id == chosen_id:
                chosen = item
            if entry.id == top_id:
                anchor = item
        if anchor is not None:
            recent.scrollToItem(anchor, QAbstractItemView.ScrollHint.PositionAtTop)
        else:
            recent.scrollToTop()
        if chosen is not None:  # the calls list read again (a call placed elsewhere) keeps the agent's choice in view
            recent.setCurrentItem(chosen)

    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        entry = self.profile.store.get_call(int(item.data(Qt.ItemDataRole.UserRole)))
        if entry is not None:
            self._redial(entry)

    # -- keys and settings -----------------------------------------------------------------------------------------

    @Slot(object)
    def _on_keys_loaded(self, credentials: Credentials | None) -> None:
        """GUI thread: the keyring worker read the keys (None: none stored)."""
        self._keyring_problem = ""
        self.controller.set_credentials(credentials)
        # Keys or the agent's own phone missing: nothing can be called yet (keys set from the CLI before the first
        # start leave only the phone to enter).
        incomplete = credentials is None or not self.profile.settings.agent_number
        if incomplete and not self.profile.demo and self._ask_for_missing_keys:
            QTimer.singleShot(0, lambda: self.open_settings(first_run=True))
        self._ask_for_missing_keys = False
        self._place_call_asked_before_ready()

    @Slot()
    def _reload_keys(self, *_args: object) -> None:
        """GUI thread (queued from the keyring worker): a save or removal went through; read the keys again."""
        self._ask_for_missing_keys = False
        self.controller.credentials_loading = True
        self.keyring_worker.load()

    @Slot(str)
    def _on_keys_failed(self, message: str) -> None:
        self._keyring_problem = message
        self.controller.set_credentials(None)
        self.status_panel.show_problem("Keys not available", message)
        self._call_when_ready = None  # the status says why no call can go out; the agent decides what next
        self._call_when_ready_timer.stop()

    @Slot()
    def open_settings(self, first_run: bool = False) -> None:
        from c2c_desktop.core import config
        from c2c_desktop.core.disposition_rules import rules_path_for
        from c2c_desktop.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.profile.settings,
            self.keyring_worker,
            first_run=first_run,
            demo=self.profile.demo,
            keys_stored=None if self.controller.credentials_loading else self.controller.has_credentials,
            keyring_problem=self._keyring_problem,
            store=self.profile.store,
            dispositions_path=self.dispositions_path,
            rules_path=None if self.profile.demo else rules_path_for(self.profile.settings_path),
            team=None if self.profile.demo else self.team,
            parent=self,
        )
        accepted = dialog.exec() == SettingsDialog.DialogCode.Accepted
        if dialog.dispositions_saved() is not None:
            self._dispositions_edited()
        if dialog.keys_message():
            self.notify(dialog.keys_message())
        elif dialog.keys_removed():
            self.notify("Keys removed from the system keyring.")
        if not accepted:
            return
        start_at_login = dialog.start_at_login_change()
        if start_at_login is not None:
            self.set_start_at_login(start_at_login)
        settings = dialog.result_settings()
        try:
            in_file = config.load_settings(self.profile.settings_path)
        except config.ConfigError:
            in_file = config.Settings()  # the file cannot be read: it is replaced
        # The dialog shows what is in use, environment overrides included; those are not written to the file.
        settings = config.settings_to_save(settings, in_file)
        try:
            config.save_settings(settings, self.profile.settings_path)
        except OSError as exc:
            warn(self, APP_NAME, f"The settings could not be saved: {exc.strerror}")
            return
        self.watcher.note_settings_written()
        self.apply_settings(settings)

    def _dispositions_edited(self) -> None:
        """GUI thread: Settings → Dispositions wrote the list and the rules: the strip and a running session use them
        from now on (the session's keys 1–9 at once, before its next card)."""
        if self._disposition is not None:
            self._disposition.reload_list()
        if self.session is not None:
            self.session.reload_rules()
        self.notify("Dispositions saved.")

    def set_start_at_login(self, wanted: bool) -> None:
        """GUI thread: write or remove the XDG autostart entry (a small local file; no tool runs)."""
        from c2c_desktop.core import desktop_entry

        try:
            if wanted:
                desktop_entry.enable_autostart(desktop_entry.launch_command())
                self.notify("c2c-desktop will start at login, hidden in the tray.")
            elif desktop_entry.disable_autostart():
                self.notify("c2c-desktop will no longer start at login.")
        except desktop_entry.DesktopEntryError as exc:
            warn(self, APP_NAME, f"Start at login could not be changed: {exc}")

    def apply_settings(self, settings: config.Settings) -> bool:
        """GUI thread: use `settings` (as in the file) from now on; True if they differ from those in use.

        Settings → OK, or the settings file changed by another program. A call in flight keeps the settings it
        started with (CallController took them when it was placed); the next call uses these.
        """
        from c2c_desktop.core import config

        try:
            in_use = config.effective_settings(settings)  # the environment's overrides on top
        except config.ConfigError as exc:
            self.notify(f"{sentence(str(exc))} The settings in use are kept.")
            return False
        if in_use == self.profile.settings:
            return False
        self.profile.settings = in_use
        self._show_mode()
        if not self.profile.demo:
            self.team.set_url(in_use.team_url)  # another account, or team mode on or off
            self._show_team_status()
            self._show_title()
        self.before_calling.callable_now.invalidate()
        self.dialpad.set_region(settings.region)
        self.contacts_model.set_region(settings.region)
        if self.history_dialog is not None:
            self.history_dialog.view.set_region(settings.region)
        if self.compliance_dialog is not None:
            self.compliance_dialog.view.set_region(settings.region)
        return True

    @Slot(object)
    def _on_settings_file_changed(self, settings: config.Settings) -> None:
        """GUI thread (the watcher's poll): another program (`config set`, an editor) changed the settings file."""
        if self.apply_settings(settings):
            self.notify("Settings changed by another program: the next call uses them.")

    # -- journal, contacts in and out -------------------------------------------------------------------------------

    def notify(self, message: str, timeout_ms: int = 10_000) -> None:
        """A passing notice (saved, exported, deleted) that is not a call outcome."""
        self.statusBar().showMessage(message, timeout_ms)

    def _refresh_journal_views(self) -> None:
        self.refresh_recent()
        if self.history_dialog is not None:
            self.history_dialog.refresh()
        self.refresh_compliance()

    def refresh_compliance(self) -> None:
        """GUI thread: the audit log may have grown (a refusal, an override or a do-not-call change here, or another
        program's commit): the open Compliance view reads it again."""
        if self.compliance_dialog is not None:
            self.compliance_dialog.refresh()

    @Slot()
    def show_compliance(self) -> None:
        """GUI thread: Call → Compliance log (not modal: calls go on while it is open)."""
        if self.compliance_dialog is None:
            from c2c_desktop.gui.compliance import ComplianceDialog

            self.compliance_dialog = ComplianceDialog(self.profile.store, self.profile.settings.region, self)
        self.compliance_dialog.refresh()
        self.compliance_dialog.show()
        self.compliance_dialog.raise_()
        self.compliance_dialog.activateWindow()
        self.compliance_dialog.view.action_filter.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def show_figures(self) -> None:
        """GUI thread: Call → The day's figures (not modal; they are computed off the GUI thread)."""
        from c2c_desktop.gui.figures import FiguresDialog

        if getattr(self, "figures_dialog", None) is None:
            self.figures_dialog = FiguresDialog(self.profile.store, self)
        self.figures_dialog.refresh()
        self.figures_dialog.show()
        self.figures_dialog.raise_()
        self.figures_dialog.activateWindow()

    # -- call lists and callback reminders (gui/list_manager.py, gui/reminders.py) -----------------------------------

    @Slot()
    def show_list_manager(self) -> None:
        """GUI thread: Call → Call lists… (not modal; a list's items are read and judged off the GUI thread)."""
        from c2c_desktop.gui.list_manager import ListManager

        manager: ListManager | None = getattr(self, "list_manager", None)
        if manager is None:
            manager = ListManager(
                self.profile.store,
                lambda: self.profile.settings,
                self.profile.clock or _system_clock,
                self,
                contact_pick=self.contact_pick,
            )
            manager.start_session_requested.connect(self._start_session_from_manager)
            self.watcher.journal_changed.connect(lambda: manager.isVisible() and manager.refresh())
            self.list_manager = manager
        else:
            manager.refresh()
        manager.show()
        manager.raise_()
        manager.activateWindow()

    def contact_pick(self) -> ContactPick:
        """GUI thread: what the list manager may make a list of: the contacts shown for the search, the highlighted
        one."""
        from c2c_desktop.gui.list_manager import ContactPick

        shown = self.contacts_model.shown_contact_ids()
        current = self.current_contact()
        selected = (current.id,) if current is not None and current.id is not None else ()
        return ContactPick(self.search.text(), shown, selected, current.name if selected and current else "")

    @Slot()
    def _start_reminders(self) -> None:
        """GUI thread, once the rules' modules are loaded (see start()): the callback reminders' banners over the
        contacts' search, and their timer; what is overdue already is said at once."""
        if getattr(self, "callback_reminders", None) is not None or self._shut_down:
            return
        from c2c_desktop.gui.reminders import CallbackReminders, ReminderBanners

        clock = self.profile.clock or _system_clock
        self.reminder_banners = ReminderBanners(
            clock, self.open_link, self.show_callbacks, region=lambda: self.profile.settings.region
        )
        self._place_reminder_banners()
        self.callback_reminders = CallbackReminders(self.profile.store, lambda: self.profile.settings, clock, self)
        self.callback_reminders.reminder_due.connect(self._on_callback_reminder)
        self.callback_reminders.overdue_at_start.connect(self.reminder_banners.show_overdue)
        self.callback_reminders.polled.connect(self.reminder_banners.refresh_text)
        # A call to a callback's number keeps it: the banner goes once the call has its journal row.
        self.controller.call_started.connect(self._poll_reminders_soon)
        self.controller.call_finished.connect(self._poll_reminders_soon)
        self.callback_reminders.start()

    def _place_reminder_banners(self) -> None:
        """GUI thread: the banners over the search, inside the contacts' column; once a session has made the left
        tabs, over the tabs (seen with the card in front too). Either way a banner showing never moves the dial pad,
        its Call button or the status (the left side's contact list or card gives up the room)."""
        banners = getattr(self, "reminder_banners", None)
        if banners is None:
            return
        holder = self.splitter.widget(0)
        if holder is not None and holder.objectName() == "left_side":
            holder_layout = cast("QVBoxLayout", holder.layout())
            if holder_layout.indexOf(banners) < 0:
                column = cast("QVBoxLayout", self.search.parentWidget().layout())  # type: ignore[union-attr]
                column.removeWidget(banners)
                margins = column.contentsMargins()
                banners.setContentsMargins(margins.left(), margins.top(), margins.right(), 4)
                holder_layout.insertWidget(0, banners)
            return
        contacts_column = self.search.parentWidget()
        assert contacts_column is not None
        column_layout = cast("QVBoxLayout", contacts_column.layout())
        if column_layout.indexOf(banners) < 0:
            column_layout.insertWidget(column_layout.indexOf(self.search), banners)

    @Slot()
    def _poll_reminders_soon(self, *_args: object) -> None:
        """GUI thread: look at the pending callbacks again once the current event is done (a call started or ended,
        a callback cancelled in the Callbacks window): a callback dealt with leaves the banner at once."""
        reminders = getattr(self, "callback_reminders", None)
        if reminders is not None:
            QTimer.singleShot(0, reminders.poll)

    @Slot(object)
    def _on_callback_reminder(self, due: DueCallback) -> None:
        """GUI thread (the reminders' timer): the banner, and a desktop notification through the tray."""
        from c2c_desktop.gui.reminders import notification_of

        self.reminder_banners.remind(due)
        if self.tray is not None:
            now = (self.profile.clock or _system_clock)()
            self.tray.remind(*notification_of(due, now, self.profile.settings.region))
        callbacks: CallbacksDialog | None = getattr(self, "callbacks_dialog", None)
        if callbacks is not None and callbacks.isVisible():
            callbacks.refresh()

    @Slot()
    def show_callbacks(self) -> None:
        """GUI thread: Call → Callbacks…: the pending callbacks, soonest first (one small query)."""
        from c2c_desktop.gui.reminders import CallbacksDialog

        dialog: CallbacksDialog | None = getattr(self, "callbacks_dialog", None)
        if dialog is None:
            clock = self.profile.clock or _system_clock
            dialog = CallbacksDialog(  # the region is read at each refresh: Settings may change it
                self.profile.store, clock, self.open_link, self, region=lambda: self.profile.settings.region
            )
            dialog.changed.connect(self._poll_reminders_soon)
            self.callbacks_dialog = dialog
        else:
            dialog.refresh()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    @Slot()
    def show_history(self) -> None:
        """GUI thread: the call history (not modal: calls go on while it is open)."""
        if self.history_dialog is None:
            from c2c_desktop.gui.history import HistoryDialog

            dialog = HistoryDialog(
                self.profile.store, self.profile.settings.region, self, dispositions_path=self.dispositions_path
            )
            dialog.view.agent_number = lambda: self.profile.settings.agent_number
            dialog.view.redial_requested.connect(self._redial)
            dialog.view.add_contact_requested.connect(self.new_contact)
            dialog.view.call_updated.connect(self._on_history_call_updated)
            dialog.view.callback_requested.connect(self._callback_from_history)
            dialog.view.set_call_enabled(not self.controller.is_busy)
            self.history_dialog = dialog
        self.history_dialog.refresh()
        self.history_dialog.show()
        self.history_dialog.raise_()
        self.history_dialog.activateWindow()
        self.history_dialog.focus_calls()

    @Slot(int)
    def _on_history_call_updated(self, _call_id: int) -> None:
        """GUI thread: a disposition or reconciliation was recorded in the history window."""
        if self._disposition is not None:
            self._disposition.reload()
        self.refresh_recent()

    @Slot(object)
    def _redial(self, entry: JournalEntry) -> None:
        contact = self.profile.store.get_contact(entry.contact_id) if entry.contact_id else None
        # The international form reads as the same number whatever the region is by now (the display text may not).
        self._call(entry.e164 or entry.display_number or entry.number, contact, previous_dial=entry.number)

    @Slot()
    def import_contacts(self, paths: list[Path] | None = None) -> None:
        """GUI thread: File → Import… or a file dropped on the list; the import runs on the dialog's own thread."""
        if not paths:
            from PySide6.QtWidgets import QFileDialog

            names, _ = QFileDialog.getOpenFileNames(
                self,
                "Import contacts",
                "",
                "Contacts (*.csv *.vcf *.vcard *.txt);;All files (*)",
            )
            paths = [Path(name) for name in names]
        if not paths:
            return
        from c2c_desktop.gui.import_dialog import ImportDialog

        dialog = ImportDialog(self.profile.store.path, paths, self.profile.settings.region, self)
        dialog.imported.connect(lambda _changed: self.reload_contacts())
        dialog.undone.connect(self.reload_contacts)
        dialog.exec()

    @Slot()
    def undo_last_import(self) -> None:
        """GUI thread: Contacts → Undo last import: the last import undone as a whole (or why it cannot be)."""
        from c2c_desktop.gui.import_dialog import undo_last_import

        message = undo_last_import(self, self.profile.store.path)
        if message is not None:
            self.reload_contacts()
            self.notify(message)

    @Slot()
    def export_contacts(self) -> None:
        from c2c_desktop.gui.import_dialog import export_contacts_interactive

        message = export_contacts_interactive(self, self.profile.store, self.profile.settings.region)
        if message:
            self.notify(message)

    @Slot()
    def export_history(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from c2c_desktop.core.journal_export import export_journal_csv

        name, _ = QFileDialog.getSaveFileName(self, "Export call history", "call-history.csv", "CSV (*.csv)")
        if not name:
            return
        try:
            count = export_journal_csv(self.profile.store.list_calls(), Path(name))  # oldest first, as the CLI's
        except OSError as exc:
            warn(self, APP_NAME, f"The call history could not be written to {name}: {exc.strerror}")
            return
        self.notify(f"Exported {count} calls to {name}")

    def _edit_in_dialog(self, contact: Contact | None) -> None:
        from c2c_desktop.gui.contact_dialog import ContactDialog

        dialog = ContactDialog(contact, self.profile.settings.region, self.profile.store, self)
        if dialog.exec() != ContactDialog.DialogCode.Accepted:
            return
        saved = dialog.save()
        self.reload_contacts()
        self.notify(f"Saved {saved.name}")

    @Slot()
    def new_contact(self, number: str = "") -> None:
        """GUI thread: Contacts → New, or "Add contact…" on a history row (with its number)."""
        from c2c_desktop.core.models import Contact, PhoneEntry

        phones = (PhoneEntry(number=number, primary=True),) if number else ()
        self._edit_in_dialog(Contact(id=None, name="", phones=phones) if phones else None)

    @Slot()
    def edit_contact(self) -> None:
        contact = self.current_contact()
        if contact is not None:
            self._edit_in_dialog(contact)

    @Slot()
    def delete_contact(self) -> None:
        """GUI thread: delete the highlighted contact at once; Ctrl+Z brings it back (the journal keeps its calls)."""
        contact = self.current_contact()
        if contact is None or contact.id is None:
            return
        deleted = self.profile.store.delete_contact(contact.id)
        if deleted is None:
            return
        self._deleted = deleted
        self.undo_delete_action.setEnabled(True)
        self.reload_contacts()
        self.notify(f"Deleted {deleted.name} — Ctrl+Z brings it back")

    @Slot()
    def undo_delete(self) -> None:
        if self._deleted is None:
            return
        restored = self.profile.store.add_contact(self._deleted)  # re-added under its old id
        self._deleted = None
        self.undo_delete_action.setEnabled(False)
        self.reload_contacts()
        self.notify(f"Restored {restored.name}")

    def _contact_menu(self, position: QPoint) -> None:
        """GUI thread: right-click on the contact list."""
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self)
        call = menu.addAction(icon("call"), "Call")
        call.setEnabled(self.current_contact() is not None and not self.controller.is_busy)
        call.triggered.connect(self.call_current_contact)
        for act in (
            self.edit_contact_action,
            self.delete_contact_action,
            None,
            self.do_not_call_action,
            self.remove_do_not_call_action,
            self.callback_action,
            None,
            self.new_contact_action,
        ):
            menu.addAction(act) if act else menu.addSeparator()
        menu.exec(self.contact_list.viewport().mapToGlobal(position))

    # -- the calling session and callbacks (gui/session.py, gui/callback_dialog.py) --------------------------------

    @Slot()
    def work_a_list(self) -> None:
        """GUI thread: Call → Work a list… (Ctrl+Shift+L): while a session runs, its card comes back to the front (the
        way back from the contacts, Ctrl+F); otherwise pick a list and a mode, then its session starts."""
        if self.session is not None:
            self._show_session_tab()
            return
        self.work_another_list()

    @Slot()
    def work_another_list(self) -> None:
        """GUI thread: the picker (the card's "Work another list…", Alt+W, or Ctrl+Shift+L with no session): another
        list, or this one in another mode. Ending a running session for another list is asked first."""
        from c2c_desktop.gui.session import ListPicker, open_picker

        running = self.session
        if running is not None:
            running.stop_countdown()  # nothing dials while the picker is open
        picker = open_picker(self, running)
        accepted = picker.exec() == ListPicker.DialogCode.Accepted
        chosen = picker.chosen() if accepted else None
        picker.deleteLater()
        if chosen is None:
            self._show_session_tab()
            return
        list_id, mode, countdown_s = chosen
        if self._may_leave_session(list_id):
            self.start_list_session(list_id, mode=mode, countdown_ms=countdown_s * 1000)
        else:
            self._show_session_tab()

    def _may_leave_session(self, list_id: int) -> bool:
        """GUI thread: True when no other list's session runs, or the agent agrees to end it for list `list_id`."""
        from c2c_desktop.core.calllists import StoreCallLists

        running = self.session
        if running is None or running.list.id == list_id:
            return True
        if running.state.phase.value == "calling":
            self.notify("Another list can be worked once this call has ended.")
            return False
        wanted = next((each.name for each in StoreCallLists(self.profile.store).all_lists() if each.id == list_id), "")
        return ask(
            self,
            "Work another list?",
            f"End the session on “{running.list.name}” and work “{wanted or 'the other list'}”?\n\n"
            f"“{running.list.name}” keeps every item's state: choose it again later to go on where it is.",
        )

    @Slot(int)
    def _start_session_from_manager(self, list_id: int) -> None:
        """GUI thread: the call lists' Start calling: the session's card comes to the front, in this window."""
        if self.session is not None:
            self.session.stop_countdown()
        if self._may_leave_session(list_id) and self.start_list_session(list_id):
            self.raise_()
            self.activateWindow()

    def start_list_session(self, list_id: int, *, mode: object = None, countdown_ms: int | None = None) -> bool:
        """GUI thread: start (or resume) the calling session on the list `list_id` and show its card; the public way
        in for other windows (the call lists' "Start calling"). `mode`: a core.list_session.Mode (default: the
        running session's, else preview); `countdown_ms`: power mode's countdown (0–30 s). True if it runs."""
        from c2c_desktop.core.calllists import StoreCallLists
        from c2c_desktop.core.list_session import DEFAULT_COUNTDOWN_S, Mode, SessionState
        from c2c_desktop.gui.session import CallingSession, left_tabs, load_session_rules, remember

        if not self.ready:
            return False
        running = self.session
        if running is not None and running.list.id == list_id:
            if mode is not None and running.state.phase.value != "calling":
                running.state.mode = Mode(str(mode))
            if countdown_ms is not None:
                running.state.countdown_ms = max(0, min(countdown_ms, 30_000))
            remember(self.window_state, running)
            self._show_session_tab()
            running.refresh()
            return True
        if running is not None and not running.end():
            return False  # its call is out: said in the status bar
        found = next((each for each in StoreCallLists(self.profile.store).all_lists() if each.id == list_id), None)
        if found is None:
            self.notify("That call list no longer exists.")
            return False
        rules = load_session_rules(self)
        if rules is None:
            return False
        state = SessionState(
            list_id,
            Mode(str(mode)) if mode is not None else Mode.PREVIEW,
            countdown_ms if countdown_ms is not None else DEFAULT_COUNTDOWN_S * 1000,
        )
        session = CallingSession(self, found, rules, state)
        session.ended.connect(self._on_session_ended)
        self.session = session
        self.statusBar().clearMessage()  # an earlier session's "has ended" is not about this one
        tabs = left_tabs(self.splitter)
        self._place_reminder_banners()  # over both tabs now
        tabs.addTab(session.panel, button_text(f"Calling: {found.name}"))
        self.end_session_action.setEnabled(True)
        if self._disposition is not None:
            self._disposition.hide()  # the card takes the dispositions now
        remember(self.window_state, session)
        self._show_session_tab()
        session.refresh()
        return True

    def _show_session_tab(self) -> None:
        if self.session is None:
            return
        from PySide6.QtWidgets import QTabWidget

        tabs = self.splitter.findChild(QTabWidget, "left_tabs")
        if tabs is not None:
            tabs.setCurrentWidget(self.session.panel)
        self.session.panel.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_contacts_tab(self) -> None:
        """GUI thread: the contacts in front (Ctrl+F during a session); the session waits in its tab."""
        from PySide6.QtWidgets import QTabWidget

        tabs = self.splitter.findChild(QTabWidget, "left_tabs")
        if tabs is not None:
            tabs.setCurrentIndex(0)

    @Slot()
    def end_session(self) -> None:
        """GUI thread: Call → End the calling session (or the card's End session, Alt+E)."""
        if self.session is not None:
            self.session.end()

    @Slot()
    def _on_session_ended(self) -> None:
        from PySide6.QtWidgets import QTabWidget

        from c2c_desktop.gui.session import remember

        session, self.session = self.session, None
        self.end_session_action.setEnabled(False)
        remember(self.window_state, None)
        if session is None:
            return
        tabs = self.splitter.findChild(QTabWidget, "left_tabs")
        if tabs is not None:
            tabs.removeTab(tabs.indexOf(session.panel))
        session.panel.deleteLater()
        session.deleteLater()
        ended = session.ended_because or f"The session on “{session.list.name}” has ended."
        self.notify(f"{ended} Ctrl+Shift+L starts one again.")
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _resume_session(self) -> None:
        """GUI thread, once started: the session open when the window last closed resumes where its list is (a
        power session resumes paused: nothing dials on its own right after a start)."""
        from c2c_desktop.core.list_session import Mode
        from c2c_desktop.gui.session import remembered

        if self._shut_down or self.session is not None or not self.ready:
            return
        found = remembered(self.window_state)
        if found is None:
            return
        list_id, mode, countdown_ms = found
        if not self.start_list_session(list_id, mode=mode, countdown_ms=countdown_ms):
            from c2c_desktop.gui.session import remember

            remember(self.window_state, None)
            return
        if self.session is not None and mode is Mode.POWER:
            self.session.toggle_pause()
        self.notify("The calling session resumed where it was.")

    def _after_session_disposition(self, listed_e164: str) -> None:
        """GUI thread: the session saved a disposition (in the journal too): the journal views follow; a "Do not
        call" put the number on the internal list."""
        self._refresh_journal_views()
        if self._disposition is not None:
            self._disposition.reload()
        if listed_e164:
            self._on_marked_do_not_call(listed_e164)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        """GUI thread: minimised: a calling session's countdown stops (it never dials out of sight; some window
        managers keep a minimised window mapped, so the card does not always get a hide event)."""
        if event.type() == QEvent.Type.WindowStateChange and self.isMinimized() and self.session is not None:
            self.session.stop_countdown()
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """GUI thread: while the session's card is in front, keys that reach the window itself are the card's."""
        session = self.session
        if session is not None and session.panel.isVisible() and session.handle_key(event):
            return
        super().keyPressEvent(event)

    @Slot()
    def schedule_callback(self) -> None:
        """GUI thread: Contacts → Schedule a callback… (Ctrl+Shift+B) for the highlighted contact's primary number."""
        contact = self.current_contact()
        phone = contact.primary_phone if contact is not None else None
        if contact is None or phone is None:
            self.notify("Highlight a contact with a number first.")
            return
        self._schedule_callback(phone.e164 or phone.number, contact)

    @Slot(object)
    def _callback_from_history(self, entry: JournalEntry) -> None:
        """GUI thread: History → Schedule a callback… on a call."""
        contact = self.profile.store.get_contact(entry.contact_id) if entry.contact_id else None
        self._schedule_callback(entry.e164 or entry.number, contact)

    def _schedule_callback(self, number_text: str, contact: Contact | None) -> None:
        from c2c_desktop.core.calllists import StoreCallLists
        from c2c_desktop.core.list_work import CallbackRefused, both_clocks, schedule_callback
        from c2c_desktop.core.store import StoreError
        from c2c_desktop.gui.callback_dialog import ask_callback

        clock = self.profile.clock or _system_clock
        guard = self._guard_for(self.profile.settings)
        chosen = ask_callback(self, number_text, contact, guard=guard, clock=clock, region=self.profile.settings.region)
        if chosen is None:
            return
        who = (contact.name or contact.company) if contact is not None else chosen.number.display
        try:
            made = schedule_callback(
                StoreCallLists(self.profile.store),
                guard,
                chosen.number,
                chosen.at,
                clock(),
                contact=contact,
                note=chosen.note,
            )
        except (CallbackRefused, StoreError) as exc:
            warn(self, "Callback not scheduled", f"The callback was not scheduled: {exc}")
            return
        self.notify(f"Callback to {who}: {both_clocks(made.due_at, made.zone)}.")

    # -- links from the browser or a second instance ----------------------------------------------------------------

    @Slot(str)
    def open_link(self, url: str, activation: str = "") -> None:
        """GUI thread: a tel:/callto: link puts the number in the dial pad, ready for Enter; it never dials itself.
        The window comes to the front (`activation`: the launch's token line, see gui/activation.py)."""
        if url and not any(ch.isdigit() for ch in url):
            # A link to a name (callto:someone) or a broken one: say so rather than leave the agent at an empty field.
            self.notify(f"That link has no phone number: {one_line(url)}", LINK_HINT_MS)
        elif url:
            self.dialpad.set_number(url)
        if url:
            self.dialpad.focus_number()  # a number to call, or the field to type one in
        bring_to_front(self, activation)

    # -- window state and shutdown -----------------------------------------------------------------------------------

    def _restore_window_state(self) -> None:
        state = self.window_state
        if state is None:
            return
        geometry = state.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = state.value("splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)

    def _save_window_state(self) -> None:
        state = self.window_state
        if state is None:
            return
        state.setValue("geometry", self.saveGeometry())
        state.setValue("splitter", self.splitter.saveState())
        state.sync()

    # -- the tray (gui/tray.py calls these: TrayHost) --------------------------------------------------------------

    def enable_tray(self) -> CallTray:
        """GUI thread: the tray icon over this window's calls, shown in the tray (Qt puts it there once a tray host
        appears, if there is none yet). The app then quits only through `quit_app` or a close that does not hide."""
        if self.tray is None:
            from c2c_desktop.gui.tray import CallTray

            self.tray = CallTray(self, self.controller, self)
            self.tray.show()
        return self.tray

    def closes_to_tray(self) -> bool:
        """True when closing the window hides it in the tray: the setting is on and a tray shows the icon."""
        return self.tray is not None and self.ready and self.profile.settings.close_to_tray and self.tray.is_in_tray()

    def is_in_front(self) -> bool:
        """True when the agent sees this window: shown, not minimised, and active (it has the keyboard focus), or
        one of its own dialogs is (Settings, a confirmation: the agent is looking at the app)."""
        if not self.is_shown():
            return False
        active = QApplication.activeWindow()
        while active is not None:
            if active is self:
                return True
            active = active.parentWidget()
        return False

    def is_shown(self) -> bool:
        return self.isVisible() and not self.isMinimized()

    def notifications_on(self) -> bool:
        return self.profile.settings.notifications

    @Slot()
    def bring_to_front(self) -> None:
        """GUI thread: show the window (from the tray, or minimised) and raise it (as far as the window manager
        allows)."""
        if self.isMinimized() or not self.isVisible():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot()
    def send_to_tray(self) -> None:
        """GUI thread: hide the window; the tray icon brings it back (and while hidden, the tray watches that it
        stays there to do so: see CallTray.watch_while_hidden)."""
        self._save_window_state()
        self.hide()
        if self.tray is not None:
            self.tray.watch_while_hidden()

    @Slot()
    def quit_app(self) -> None:
        """GUI thread: Ctrl+Q or the tray's Quit: close for good (a call out still asks first)."""
        self._quitting = True
        if self.ready and self.controller.is_busy:
            self.bring_to_front()  # the question about the call out is asked over the window, not from nowhere
        if not self.close():  # the agent kept the window (a call is out)
            self._quitting = False

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        from PySide6.QtWidgets import QMessageBox

        if self.session is not None:
            self.session.stop_countdown()  # closing (or hiding in the tray) during a countdown never dials

        if not self._quitting and not self._shut_down and self.closes_to_tray():
            event.ignore()
            self.send_to_tray()
            if self.tray is not None:
                self.tray.say_still_running()
            return
        if self.ready and self.controller.is_busy and not self._confirmed_close:
            box = message_box(
                self,
                QMessageBox.Icon.Warning,
                "A call is in progress",
                "A call is in progress. Closing will not cancel it: the phones may still ring.",
                "The call is already in the journal; its outcome will be recorded as unknown.",
            )
            close_button = box.addButton("Close anyway", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.setDefaultButton(close_button)

            def call_ended(_entry: JournalEntry, result: CallResult, _message: str) -> None:
                # The question no longer stands: say how the call ended and leave the choice to the agent.
                box.setIcon(QMessageBox.Icon.Information)
                box.setWindowTitle("The call has ended")
                box.setText(f"The call has ended: {OUTCOME_STYLE[result.outcome][0]}. Close the window?")
                box.setInformativeText(
                    "Its outcome could not be written to the journal yet (another program is writing to it); it "
                    "is written once that is done, while the window is open."
                    if self.controller.unwritten_outcomes
                    else "Its outcome is in the journal."
                )
                close_button.setText("Close")

            self.controller.call_finished.connect(call_ended)
            try:
                box.exec()
            finally:
                self.controller.call_finished.disconnect(call_ended)
            if box.clickedButton() is not close_button:
                event.ignore()
                return
            self._confirmed_close = True
        self._save_window_state()
        self.shutdown()
        event.accept()
        if self.tray is not None:
            self.tray.close()
        if not QApplication.quitOnLastWindowClosed():
            # The app does not end by itself when its last window closes (the window may live in the tray): end it.
            # From the event loop, once this close is done; quit() asks open windows to close (none left here).
            QTimer.singleShot(0, QApplication.quit)

    @Slot()
    def shutdown(self) -> None:
        """GUI thread; idempotent: stop the call and keyring threads within a bound (never terminate())."""
        if self._shut_down:
            return
        self._shut_down = True
        # Made by attach_profile (after the first paint), which may not have run, or not to its end.
        watcher: ProfileWatcher | None = getattr(self, "watcher", None)
        controller: CallController | None = getattr(self, "controller", None)
        keyring_worker: KeyringWorker | None = getattr(self, "keyring_worker", None)
        if watcher is not None:
            watcher.stop()
        reminders = getattr(self, "callback_reminders", None)
        if reminders is not None:
            reminders.stop()
        team_dial: TeamDialGuard | None = getattr(self, "_team_dial", None)
        if team_dial is not None:
            team_dial.cancel()
        team: TeamLink | None = getattr(self, "team", None)
        if team is not None:
            team.shutdown(SHUTDOWN_BOUND_MS)
        if controller is not None:
            controller.shutdown(SHUTDOWN_BOUND_MS)
        if keyring_worker is not None:
            keyring_worker.shutdown(SHUTDOWN_BOUND_MS)
