"""The settings dialog: access keys (saved to the OS keyring off the GUI thread), your phone, call type, caller IDs,
region, page, and the service URL with its timeouts under "Advanced"; beside them the calling rules (mode, company
window, caller ID pool, attempt cap, stale-list policy) with the do-not-call lists, read-only. A second page,
Dispositions (gui/dispositions_page.py), edits the disposition list and each one's rule.

The dialog does not write the settings file: the caller saves `result_settings()` after `exec()` returns Accepted
(the two small disposition files are written by OK itself, through the core, so that a refusal keeps the dialog
open; `dispositions_saved()` tells the caller). The keys go to the keyring worker (a QObject on its own thread)
through `save_keys_requested`. The dialog closes only once the worker reports `saved(where)`; on `failed(message)`
it stays open with the message, and nothing is stored. Every method here runs on the GUI thread.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from c2c_desktop.core import desktop_entry
from c2c_desktop.core.config import (
    MAX_ATTEMPTS_PER_DAY,
    SETTING_HELP,
    ConfigError,
    Settings,
    caller_id_pool,
    read_timeout_warning,
    with_value,
)
from c2c_desktop.core.models import CallType, Credentials
from c2c_desktop.core.phone import PhoneError, display_number, is_valid_region, parse_number
from c2c_desktop.gui.dispositions_page import DispositionsPage
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.messages import message_colours, message_label, sentence, show_message
from c2c_desktop.gui.plain_text import plain_label, plain_tooltip

if TYPE_CHECKING:
    from pathlib import Path

    from c2c_desktop.core.disposition_rules import DispositionRules
    from c2c_desktop.core.store import Store
    from c2c_desktop.gui.team import TeamLink
    from c2c_desktop.gui.team_page import TeamPage

FIRST_RUN_TEXT = "Paste your access key pair from the Key Manager and enter your own phone number to start calling."
#: The first start with the keys already stored (`c2c-desktop keys set`): only the agent's phone is missing.
FIRST_RUN_PHONE_TEXT = "Your keys are stored. Enter your own phone number (the service rings it first) to start."
DEMO_KEYS_TEXT = "Demo keys are built in."
AGENT_FIRST_TEXT = "Ring my phone first, then the prospect (recommended)"
PROSPECT_FIRST_TEXT = "Ring the prospect first, then my phone"
SAVING_KEYS_TEXT = "Saving keys…"
#: If the keyring worker has not answered by then, say so (its own watchdog normally answers first).
KEYRING_PATIENCE_MS = 15_000

_REGION_IN_TEXT = re.compile(r"\(([A-Za-z]{2})\)\s*$")

#: The calling-rules modes: (setting value, choice text, what it means in one line).
MODE_CHOICES: tuple[tuple[str, str, str], ...] = (
    (
        "consumer",
        "Consumer (all calling rules)",
        "The callee's legal calling hours and call caps, the company window and the do-not-call lists.",
    ),
    (
        "business",
        "Business (B2B calls)",
        "Only the company window and the do-not-call lists: no legal hours or state caps.",
    ),
)
DNC_IMPORT_HINT = (
    "To import or refresh a list: c2c-desktop dnc import FILE (the registry asks for a new one every 31 days)"
)
#: Rows of the do-not-call table shown without scrolling.
DNC_ROWS_SHOWN = 4


def region_choices() -> list[tuple[str, str]]:
    """(code, 'Country name (CODE)') for every region libphonenumber knows, sorted by country name."""
    import phonenumbers  # not at module level: this module is imported with the main window

    choices = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory != QLocale.Country.AnyTerritory else ""
        choices.append((code, f"{name} ({code})" if name else code))
    return sorted(choices, key=lambda choice: choice[1].casefold())


class _Field(QWidget):
    """An input with its inline message underneath (hidden when there is nothing to say)."""

    def __init__(self, editor: QWidget, error_colour: str, warning_colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self._colours = {"error": error_colour, "warning": warning_colour}
        self.message = message_label(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.message)
        self.setFocusProxy(editor)

    def show_message(self, text: str, kind: str = "error") -> None:
        show_message(self.message, text, self._colours[kind])
        self.message.setAccessibleName(f"{self.editor.accessibleName()}: {kind}" if text else "")
        self.editor.setAccessibleDescription(text)

    def has_message(self) -> bool:
        return not self.message.isHidden()


class SettingsDialog(QDialog):
    """Edit the settings and the access keys. `exec()` returns Accepted once everything asked for is stored."""

    #: To the keyring worker's save(Credentials) slot (queued: the worker lives on its own thread).
    save_keys_requested = Signal(object)
    #: To the keyring worker's clear() slot.
    clear_keys_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        keyring_worker: QObject | None,
        *,
        first_run: bool = False,
        demo: bool = False,
        keys_stored: bool | None = None,
        keyring_problem: str = "",
        store: Store | None = None,
        dispositions_path: Path | None = None,
        rules_path: Path | None = None,
        team: TeamLink | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`keys_stored`: whether the window has keys from the keyring (None: not known yet), so that the fields and
        Remove keys do not speak of stored keys when there are none. `keyring_problem`: why the keys could not be
        read (no keyring, locked), shown at once rather than after OK. `store`: the profile's database, whose
        do-not-call lists are shown (read on this, the GUI thread: the store's thread). `dispositions_path`,
        `rules_path`: dispositions.txt and disposition_rules.json, edited on the Dispositions page and written by OK
        (None: the demo, shown read-only)."""
        super().__init__(parent)
        self._store = store
        self._keys_stored = keys_stored
        self.setWindowTitle("Settings — c2c-desktop")
        self.setWindowIcon(icon("settings"))
        self._original = settings
        self._result = settings
        self._demo = demo
        self._first_run = first_run
        self._pending: str | None = None  # "save" or "clear" while the worker is busy for us
        self._keys_message = ""
        self._keys_removed = False
        self._access_key_text = ""
        self._initial_focus_done = False
        self._keys_status_source = ""  # "input" (a typing problem), "keyring" (a request's status) or ""
        self._valid = False
        self._worker = keyring_worker
        self._worker_connected = False
        # For each number field: (the text shown, the number stored), see _number_value.
        self._shown_numbers: dict[QLineEdit, tuple[str, str]] = {}
        self._shown_pool = ("", "")  # the caller ID pool as shown, and as stored
        colours = message_colours(self)
        self._error_colour, self._warning_colour, self._ok_colour = colours["error"], colours["warning"], colours["ok"]

        self._patience = QTimer(self)
        self._patience.setSingleShot(True)
        self._patience.setInterval(KEYRING_PATIENCE_MS)
        self._patience.timeout.connect(self._on_keyring_slow)

        outer = QVBoxLayout(self)
        outer.setSpacing(10)
        if first_run:
            banner = plain_label(FIRST_RUN_PHONE_TEXT if keys_stored else FIRST_RUN_TEXT, self, wrap=True)
            banner.setAccessibleName("Getting started")
            banner.setFrameShape(QFrame.Shape.StyledPanel)
            banner.setMargin(8)
            banner.setStyleSheet("QLabel { font-weight: bold; }")
            outer.addWidget(banner)

        # Two columns: the connection on the left, the calling rules on the right (one column would not fit a
        # 900-pixel screen once messages show under the fields).
        columns = QHBoxLayout()
        columns.setSpacing(12)
        left = QVBoxLayout()
        left.addWidget(self._build_keys_group())
        left.addWidget(self._build_calls_group())
        left.addLayout(self._build_advanced_toggle())
        left.addWidget(self._build_advanced_group())
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._build_rules_group())
        right.addWidget(self._build_desktop_group())
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        # Two pages: everything above, and the dispositions with their rules (a table wants the whole width).
        self.pages = QTabWidget(self)
        self.pages.setAccessibleName("Settings pages")
        general = QWidget(self.pages)
        general.setLayout(columns)
        self.pages.addTab(general, "General")
        self.dispositions_page = DispositionsPage(dispositions_path, rules_path, self._error_colour, self.pages)
        self.pages.addTab(self.dispositions_page, "D&ispositions")
        self._dispositions_saved: DispositionRules | None = None
        # Team mode (gui/team_page.py): its URL is a setting; its password goes to the keyring on the team worker.
        self.team_page: TeamPage | None = None
        if team is not None:
            from c2c_desktop.gui.team_page import TeamPage

            self.team_page = TeamPage(team, settings.team_url, self.pages)
            self.pages.addTab(self.team_page, "&Team")
            self.team_page.changed.connect(self._validate)
        outer.addWidget(self.pages, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setAccessibleName("Save settings")
        self.cancel_button.setAccessibleName("Cancel")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        self._load(settings)
        self._connect_changes()
        self._set_tab_order()
        self._connect_worker()
        self._on_call_type_changed()
        self._validate()
        self._set_advanced_visible(self._advanced_differs(settings) or self._advanced_has_error())
        if keyring_problem and not demo:
            self._show_keys_status(keyring_problem, "error")

    # --- construction -------------------------------------------------------------------------------------------

    def _field(self, editor: QWidget) -> _Field:
        return _Field(editor, self._error_colour, self._warning_colour, self)

    def _line_edit(self, accessible_name: str, help_key: str | None = None) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(accessible_name)
        if help_key:
            edit.setToolTip(SETTING_HELP[help_key])
        edit.setMinimumWidth(260)
        return edit

    def _build_keys_group(self) -> QGroupBox:
        group = QGroupBox("Access keys", self)
        form = QFormLayout(group)
        self.access_key_edit = self._line_edit("Access key")
        self.secret_key_edit = self._line_edit("Secret access key")
        for edit in (self.access_key_edit, self.secret_key_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(
                "paste it from your account's Key Manager"
                if self._keys_stored is False
                else "leave empty to keep the stored key"
            )
        self.access_key_edit.setToolTip("The Access Key from your account's Key Manager (stored in the OS keyring)")
        self.secret_key_edit.setToolTip("The Secret Access Key (stored only in the OS keyring, never in a file)")
        form.addRow("Access &key:", self.access_key_edit)
        form.addRow("&Secret key:", self.secret_key_edit)

        self.show_keys_check = QCheckBox("S&how keys", group)
        self.show_keys_check.setAccessibleName("Show keys")
        self.remove_keys_button = QPushButton("&Remove keys", group)
        self.remove_keys_button.setAccessibleName("Remove keys")
        self.remove_keys_button.setToolTip("Delete the stored access keys from the OS keyring")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.show_keys_check)
        row.addStretch(1)
        row.addWidget(self.remove_keys_button)
        form.addRow("", row)

        self.keys_status_label = plain_label("", group, wrap=True)
        self.keys_status_label.setAccessibleName("Keys status")
        self.keys_status_label.hide()
        form.addRow(self.keys_status_label)

        if self._demo:
            for widget in (self.access_key_edit, self.secret_key_edit, self.show_keys_check, self.remove_keys_button):
                widget.setEnabled(False)
            for edit in (self.access_key_edit, self.secret_key_edit):
                edit.setPlaceholderText("")
            self._show_keys_status(DEMO_KEYS_TEXT, "note")
        return group

    def _build_calls_group(self) -> QGroupBox:
        group = QGroupBox("Your phone and calls", self)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.agent_number_edit = self._line_edit("Your phone number", "agent_number")
        self.agent_number_edit.setPlaceholderText("e.g. (212) 555-0100")
        self.agent_number_field = self._field(self.agent_number_edit)
        form.addRow("&Your phone:", self.agent_number_field)

        self.agent_first_radio = QRadioButton(AGENT_FIRST_TEXT, group)
        self.prospect_first_radio = QRadioButton(PROSPECT_FIRST_TEXT, group)
        self.call_type_group = QButtonGroup(self)
        self.call_type_group.addButton(self.agent_first_radio, int(CallType.AGENT_FIRST))
        self.call_type_group.addButton(self.prospect_first_radio, int(CallType.PROSPECT_FIRST))
        for radio in (self.agent_first_radio, self.prospect_first_radio):
            radio.setAccessibleName(radio.text())
            radio.setToolTip(SETTING_HELP["call_type"])
        radios = QVBoxLayout()
        radios.setContentsMargins(0, 0, 0, 0)
        radios.setSpacing(4)
        radios.addWidget(self.agent_first_radio)
        radios.addWidget(self.prospect_first_radio)
        form.addRow("Who is rung first:", radios)

        # Caller IDs by who sees them; which leg (first/second) that is depends on the call type.
        self.agent_callerid_edit = self._line_edit("Caller ID shown on your phone")
        self.agent_callerid_field = self._field(self.agent_callerid_edit)
        self.agent_callerid_label = plain_label("", self)
        self.agent_callerid_label.setBuddy(self.agent_callerid_edit)
        form.addRow(self.agent_callerid_label, self.agent_callerid_field)
        self.prospect_callerid_edit = self._line_edit("Caller ID the prospect sees")
        self.prospect_callerid_field = self._field(self.prospect_callerid_edit)
        self.prospect_callerid_label = plain_label("", self)
        self.prospect_callerid_label.setBuddy(self.prospect_callerid_edit)
        form.addRow(self.prospect_callerid_label, self.prospect_callerid_field)

        self.region_combo = QComboBox(self)
        self.region_combo.setEditable(True)
        self.region_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.region_combo.setAccessibleName("Default region")
        self.region_combo.setToolTip(SETTING_HELP["region"])
        self.region_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.region_combo.setMinimumContentsLength(24)
        for code, text in region_choices():
            self.region_combo.addItem(text, code)
        completer = QCompleter([self.region_combo.itemText(i) for i in range(self.region_combo.count())], self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.region_combo.setCompleter(completer)
        self._region_completer = completer
        region_edit = self.region_combo.lineEdit()
        assert region_edit is not None  # editable
        self._region_edit = region_edit
        # Typing replaces the shown country; Enter takes a single completion. The combo has the focus (its line edit
        # gets focus events forwarded, past any filter), the line edit the keys.
        self.region_combo.installEventFilter(self)
        region_edit.installEventFilter(self)
        popup = completer.popup()
        assert popup is not None  # a completer always has its popup
        self._region_popup = popup
        popup.installEventFilter(self)
        self.region_field = self._field(self.region_combo)
        form.addRow("Default &region:", self.region_field)

        self.page_edit = self._line_edit("Page", "page")
        self.page_edit.setMaxLength(255)
        self.page_field = self._field(self.page_edit)
        form.addRow("&Page (for reports):", self.page_field)
        return group

    def _build_advanced_toggle(self) -> QHBoxLayout:
        self.advanced_toggle = QToolButton(self)
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAccessibleName("Show advanced settings")
        self.advanced_toggle.clicked.connect(self._toggle_advanced)
        row = QHBoxLayout()
        row.addWidget(self.advanced_toggle)
        row.addStretch(1)
        return row

    def _build_advanced_group(self) -> QGroupBox:
        self.advanced_group = QGroupBox(self)  # titled by the toggle above it
        self.advanced_group.setAccessibleName("Advanced")
        form = QFormLayout(self.advanced_group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.api_url_edit = self._line_edit("Service URL", "api_url")
        self.api_url_field = self._field(self.api_url_edit)
        form.addRow("Service &URL:", self.api_url_field)

        self.connect_timeout_spin = self._timeout_spin("Connect timeout in seconds", "connect_timeout")
        self.read_timeout_spin = self._timeout_spin("Read timeout in seconds", "read_timeout")
        self.connect_timeout_field = self._field(self.connect_timeout_spin)
        self.read_timeout_field = self._field(self.read_timeout_spin)
        form.addRow("&Connect timeout:", self.connect_timeout_field)
        form.addRow("Rea&d timeout:", self.read_timeout_field)

        self.ca_file_edit = self._line_edit("CA certificate file", "ca_bundle")
        self.ca_file_edit.setPlaceholderText("empty: the system's certificates")
        self.ca_browse_button = QPushButton("&Browse…", self)
        self.ca_browse_button.setAccessibleName("Choose CA certificate file")
        self.ca_browse_button.clicked.connect(self._browse_ca_file)
        ca_row = QWidget(self)
        ca_layout = QHBoxLayout(ca_row)
        ca_layout.setContentsMargins(0, 0, 0, 0)
        ca_layout.addWidget(self.ca_file_edit, 1)
        ca_layout.addWidget(self.ca_browse_button)
        self.ca_file_field = _Field(ca_row, self._error_colour, self._warning_colour, self)
        self.ca_file_field.setFocusProxy(self.ca_file_edit)
        form.addRow("C&A file:", self.ca_file_field)
        return self.advanced_group

    def _build_rules_group(self) -> QGroupBox:
        group = QGroupBox("Calling rules", self)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.mode_combo = QComboBox(self)
        self.mode_combo.setAccessibleName("Calling rules mode")
        self.mode_combo.setToolTip(SETTING_HELP["mode"])
        for value, text, _meaning in MODE_CHOICES:
            self.mode_combo.addItem(text, value)
        self.mode_explanation = plain_label("", self, wrap=True)
        self.mode_explanation.setAccessibleName("What the mode checks")
        self.mode_explanation.setEnabled(False)  # a quieter colour: it explains the choice above it
        mode_box = QVBoxLayout()
        mode_box.setContentsMargins(0, 0, 0, 0)
        mode_box.setSpacing(2)
        mode_box.addWidget(self.mode_combo)
        mode_box.addWidget(self.mode_explanation)
        mode_label = plain_label("&Mode:", self)
        mode_label.setBuddy(self.mode_combo)
        form.addRow(mode_label, mode_box)

        self.company_hours_edit = self._line_edit("Company calling hours", "company_hours")
        self.company_hours_edit.setPlaceholderText("e.g. 09:00-18:00 in the callee's time (empty: none)")
        self.company_hours_field = self._field(self.company_hours_edit)
        form.addRow("Company &hours:", self.company_hours_field)
        self.company_days_edit = self._line_edit("Company calling days", "company_days")
        self.company_days_edit.setPlaceholderText("e.g. mon-fri (empty: every day)")
        self.company_days_field = self._field(self.company_days_edit)
        form.addRow("Company da&ys:", self.company_days_field)

        self.caller_id_pool_edit = self._line_edit("Caller ID pool", "caller_id_pool")
        self.caller_id_pool_edit.setPlaceholderText("numbers you may show, comma-separated (empty: none)")
        self.caller_id_pool_field = self._field(self.caller_id_pool_edit)
        form.addRow("Caller ID p&ool:", self.caller_id_pool_field)

        self.max_attempts_spin = QSpinBox(self)
        self.max_attempts_spin.setAccessibleName("Most calls per number per day")
        self.max_attempts_spin.setToolTip(SETTING_HELP["max_attempts_per_day"])
        self.max_attempts_spin.setRange(0, MAX_ATTEMPTS_PER_DAY)
        self.max_attempts_spin.setSpecialValueText("no company cap")
        self.max_attempts_spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.max_attempts_field = self._field(self.max_attempts_spin)
        form.addRow("Ma&x calls per number a day:", self.max_attempts_field)

        self.dnc_stale_check = QCheckBox("Refuse calls to the area codes of a stale &list", self)
        self.dnc_stale_check.setAccessibleName("Refuse calls to the area codes of a stale list")
        self.dnc_stale_check.setToolTip(SETTING_HELP["dnc_stale_refuses"])
        form.addRow("", self.dnc_stale_check)

        form.addRow(self._build_dnc_lists(group))
        return group

    def _build_desktop_group(self) -> QGroupBox:
        """The tray and notifications (gui/tray.py), and starting at login (core/desktop_entry.py)."""
        group = QGroupBox("Desktop", self)
        layout = QVBoxLayout(group)
        self.notifications_check = QCheckBox("Noti&fy me of a call's outcome while the window is not in front", self)
        self.notifications_check.setAccessibleName("Desktop notification of a call's outcome")
        self.notifications_check.setToolTip(SETTING_HELP["notifications"])
        self.close_to_tray_check = QCheckBox("Closing the &window keeps c2c-desktop in the tray (Ctrl+Q quits)", self)
        self.close_to_tray_check.setAccessibleName("Closing the window keeps the app in the tray")
        self.close_to_tray_check.setToolTip(SETTING_HELP["close_to_tray"])
        self.start_at_login_check = QCheckBox("Start at lo&gin, hidden in the tray", self)
        self.start_at_login_check.setAccessibleName("Start at login")
        # Not a setting of settings.json: whether the autostart entry exists is the state (a stat, no tool runs).
        self._started_at_login = desktop_entry.autostart_enabled()
        self.start_at_login_check.setChecked(self._started_at_login)
        if not sys.platform.startswith(("linux", "freebsd")):
            self.start_at_login_check.setEnabled(False)
            tip = "Built for Linux desktops only; the README says how to do it on Windows and macOS."
        elif self._demo:
            self.start_at_login_check.setEnabled(False)
            tip = "Not from the demo: start c2c-desktop without --demo to change it."
        else:
            tip = f"Starts c2c-desktop when you log in, hidden in the tray (writes {desktop_entry.autostart_path()})."
        self.start_at_login_check.setToolTip(plain_tooltip(tip))
        layout.addWidget(self.notifications_check)
        layout.addWidget(self.close_to_tray_check)
        layout.addWidget(self.start_at_login_check)
        return group

    def start_at_login_change(self) -> bool | None:
        """Whether the app should start at login, if the checkbox was changed; None if it was not."""
        wanted = self.start_at_login_check.isChecked()
        return None if wanted == self._started_at_login else wanted

    def _build_dnc_lists(self, parent: QWidget) -> QWidget:
        """The do-not-call lists, read-only: name, numbers, data date and "stale", the internal list's count, and
        how to import one."""
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        title = plain_label("Do-not-call lists", box)
        title.setStyleSheet("QLabel { font-weight: bold; }")
        layout.addWidget(title)
        self.dnc_table = QTreeWidget(box)
        self.dnc_table.setAccessibleName("Do-not-call lists")
        self.dnc_table.setRootIsDecorated(False)
        self.dnc_table.setAlternatingRowColors(True)
        self.dnc_table.setHeaderLabels(["List", "Numbers", "Data of", "Status"])
        self.dnc_table.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        self.dnc_table.setUniformRowHeights(True)
        self.dnc_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # names elide; tooltips
        self.dnc_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.dnc_internal_label = plain_label("", box, wrap=True)
        self.dnc_internal_label.setAccessibleName("Internal do-not-call list")
        hint = plain_label(DNC_IMPORT_HINT, box, wrap=True)
        hint.setAccessibleName("How to import a do-not-call list")
        hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint.setEnabled(False)
        layout.addWidget(self.dnc_table)
        layout.addWidget(self.dnc_internal_label)
        layout.addWidget(hint)
        self._fill_dnc_lists()
        return box

    def _fill_dnc_lists(self) -> None:
        self.dnc_table.clear()
        store = self._store
        if store is None:
            self.dnc_table.hide()
            self.dnc_internal_label.setText("The lists are shown when the app's data is open.")
            return
        from c2c_desktop.core.rules.dnc import REFRESH_DAYS, internal_count, list_infos
        from c2c_desktop.core.store import StoreError

        try:
            infos = list_infos(store)
            internal = internal_count(store)
        except StoreError as exc:
            self.dnc_table.hide()
            self.dnc_internal_label.setText(f"The do-not-call lists could not be read: {exc}")
            return
        stale_colour = QColor(self._error_colour)
        for info in infos:
            status = "stale" if info.stale else "current"
            item = QTreeWidgetItem([info.name, f"{info.rows:,}", info.data_date.isoformat(), status])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            codes = ", ".join(info.area_codes) or "none"
            item.setToolTip(0, plain_tooltip(f"{info.name}\nFrom {info.source_file}\nArea codes: {codes}"))
            if info.stale:
                item.setForeground(3, stale_colour)
                item.setToolTip(
                    3,
                    f"Older than {REFRESH_DAYS} days: import a newer download. With the setting above, calls to its "
                    "area codes are refused while it is stale.",
                )
            self.dnc_table.addTopLevelItem(item)
        if not infos:
            self.dnc_table.hide()
        else:
            header = self.dnc_table.header()
            header.setStretchLastSection(False)
            header.setSectionResizeMode(0, header.ResizeMode.Stretch)
            for column in (1, 2, 3):
                header.setSectionResizeMode(column, header.ResizeMode.ResizeToContents)
            rows = min(len(infos), DNC_ROWS_SHOWN)
            row_height = max(self.dnc_table.sizeHintForRow(0), self.fontMetrics().height() + 6)
            frame = 2 * self.dnc_table.frameWidth()
            self.dnc_table.setFixedHeight(header.sizeHint().height() + rows * row_height + frame + 2)
        counted = f"Internal list (numbers marked “do not call”): {internal:,}"
        self.dnc_internal_label.setText(counted if infos else f"No imported list. {counted}")

    def _timeout_spin(self, accessible_name: str, help_key: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setAccessibleName(accessible_name)
        spin.setToolTip(SETTING_HELP[help_key])
        spin.setRange(0.1, 3600.0)
        spin.setDecimals(1)
        spin.setSingleStep(1.0)
        spin.setSuffix(" s")
        spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        return spin

    def _load(self, settings: Settings) -> None:
        self._shown_numbers.clear()
        self._show_number(self.agent_number_edit, settings.agent_number, settings.region)
        agent_first = settings.call_type != int(CallType.PROSPECT_FIRST)
        (self.agent_first_radio if agent_first else self.prospect_first_radio).setChecked(True)
        agent_cid, prospect_cid = (
            (settings.first_callerid, settings.second_callerid)
            if agent_first
            else (settings.second_callerid, settings.first_callerid)
        )
        self._show_number(self.agent_callerid_edit, agent_cid, settings.region)
        self._show_number(self.prospect_callerid_edit, prospect_cid, settings.region)
        index = self.region_combo.findData(settings.region)
        if index >= 0:
            self.region_combo.setCurrentIndex(index)
        else:
            self.region_combo.setEditText(settings.region)
        self.page_edit.setText(settings.page)
        self.api_url_edit.setText(settings.api_url)
        self.connect_timeout_spin.setValue(settings.connect_timeout)
        self.read_timeout_spin.setValue(settings.read_timeout)
        self.ca_file_edit.setText(settings.ca_bundle)
        mode_index = self.mode_combo.findData(settings.mode)
        self.mode_combo.setCurrentIndex(max(mode_index, 0))
        self._on_mode_changed()
        self.company_hours_edit.setText(settings.company_hours)
        self.company_days_edit.setText(settings.company_days)
        stored_pool = settings.caller_id_pool
        shown_pool = ", ".join(display_number(number, settings.region) for number in caller_id_pool(settings))
        self.caller_id_pool_edit.setText(shown_pool)
        self._shown_pool = (shown_pool, stored_pool)
        self.max_attempts_spin.setValue(settings.max_attempts_per_day)
        self.dnc_stale_check.setChecked(settings.dnc_stale_refuses)
        self.notifications_check.setChecked(settings.notifications)
        self.close_to_tray_check.setChecked(settings.close_to_tray)

    def _pool_value(self) -> str:
        """The pool to keep: the stored one while the field shows it unchanged, else the text typed."""
        shown, stored = self._shown_pool
        text = self.caller_id_pool_edit.text()
        return stored if text == shown else text

    def _show_number(self, edit: QLineEdit, stored: str, region: str) -> None:
        """Show a stored number formatted for reading; left as shown, it keeps the country it was stored with."""
        shown = display_number(stored, region) if stored else ""
        edit.setText(shown)
        self._shown_numbers[edit] = (shown, stored)

    def _number_value(self, edit: QLineEdit) -> str:
        """The number to keep for a field: the stored one if the field still shows it, else the text typed (read in
        the region chosen now)."""
        shown, stored = self._shown_numbers.get(edit, ("", ""))
        text = edit.text()
        return stored if stored and text == shown else text

    def _connect_changes(self) -> None:
        for edit in (
            self.access_key_edit,
            self.secret_key_edit,
            self.agent_number_edit,
            self.agent_callerid_edit,
            self.prospect_callerid_edit,
            self.page_edit,
            self.api_url_edit,
            self.ca_file_edit,
            self.company_hours_edit,
            self.company_days_edit,
            self.caller_id_pool_edit,
        ):
            edit.textChanged.connect(self._validate)
        self.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        self.mode_combo.currentIndexChanged.connect(self._validate)
        self.max_attempts_spin.valueChanged.connect(self._validate)
        self.dnc_stale_check.toggled.connect(self._validate)
        self.access_key_edit.textEdited.connect(self._split_pasted_key_pair)
        self.region_combo.editTextChanged.connect(self._validate)
        self.region_combo.currentIndexChanged.connect(self._validate)
        self.connect_timeout_spin.valueChanged.connect(self._validate)
        self.read_timeout_spin.valueChanged.connect(self._validate)
        self.call_type_group.idToggled.connect(self._on_call_type_changed)
        self.show_keys_check.toggled.connect(self._on_show_keys)
        self.remove_keys_button.clicked.connect(self._remove_keys)
        self.dispositions_page.validity_changed.connect(self._validate)

    def _set_tab_order(self) -> None:
        page = self.dispositions_page
        chain: list[QWidget] = [
            self.pages.tabBar(),
            self.access_key_edit,
            self.secret_key_edit,
            self.show_keys_check,
            self.remove_keys_button,
            self.agent_number_edit,
            self.agent_first_radio,
            self.prospect_first_radio,
            self.agent_callerid_edit,
            self.prospect_callerid_edit,
            self.region_combo,
            self.page_edit,
            self.advanced_toggle,
            self.api_url_edit,
            self.connect_timeout_spin,
            self.read_timeout_spin,
            self.ca_file_edit,
            self.ca_browse_button,
            self.mode_combo,
            self.company_hours_edit,
            self.company_days_edit,
            self.caller_id_pool_edit,
            self.max_attempts_spin,
            self.dnc_stale_check,
            self.dnc_table,
            self.notifications_check,
            self.close_to_tray_check,
            self.start_at_login_check,
            page.table,
            page.add_button,
            page.remove_button,
            page.up_button,
            page.down_button,
            page.defaults_button,
            page.name_edit,
            page.action_combo,
            page.delay_edit,
            page.attempts_spin,
            page.same_as_combo,
            self.ok_button,
            self.cancel_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _connect_worker(self) -> None:
        worker = self._worker
        if worker is None:
            return
        self.save_keys_requested.connect(worker.save)  # type: ignore[attr-defined]
        self.clear_keys_requested.connect(worker.clear)  # type: ignore[attr-defined]
        worker.saved.connect(self._on_keys_saved)  # type: ignore[attr-defined]
        worker.failed.connect(self._on_keys_failed)  # type: ignore[attr-defined]
        worker.cleared.connect(self._on_keys_cleared)  # type: ignore[attr-defined]
        self._worker_connected = True

    def _disconnect_worker(self) -> None:
        # The worker outlives the dialog: leave no connection behind.
        if not self._worker_connected or self._worker is None:
            return
        self._worker_connected = False
        worker = self._worker
        self.save_keys_requested.disconnect(worker.save)  # type: ignore[attr-defined]
        self.clear_keys_requested.disconnect(worker.clear)  # type: ignore[attr-defined]
        worker.saved.disconnect(self._on_keys_saved)  # type: ignore[attr-defined]
        worker.failed.disconnect(self._on_keys_failed)  # type: ignore[attr-defined]
        worker.cleared.disconnect(self._on_keys_cleared)  # type: ignore[attr-defined]

    # --- public -------------------------------------------------------------------------------------------------

    def result_settings(self) -> Settings:
        """The settings as entered (valid once the dialog was accepted); the caller saves them."""
        return self._result

    def keys_message(self) -> str:
        """Where the keys were stored (the keyring worker's `saved` text), or '' if no keys were saved."""
        return self._keys_message

    def keys_removed(self) -> bool:
        """True if the stored keys were removed while the dialog was open."""
        return self._keys_removed

    def dispositions_saved(self) -> DispositionRules | None:
        """The disposition rules written by OK (with dispositions.txt), or None if the Dispositions page was not
        changed. Also after a later Cancel: once written, the files stay."""
        return self._dispositions_saved

    def is_valid(self) -> bool:
        """True when every field holds an acceptable value (OK is enabled)."""
        return self._valid

    def is_busy(self) -> bool:
        """True while waiting for the keyring worker."""
        return self._pending is not None

    # --- validation ---------------------------------------------------------------------------------------------

    def _call_type(self) -> int:
        return int(CallType.PROSPECT_FIRST) if self.prospect_first_radio.isChecked() else int(CallType.AGENT_FIRST)

    def _region_text(self) -> str:
        text = self.region_combo.currentText().strip()
        match = _REGION_IN_TEXT.search(text)
        if match:
            return match.group(1).upper()
        if len(text) == 2:
            return text.upper()
        for index in range(self.region_combo.count()):
            name = self.region_combo.itemText(index).rsplit("(", 1)[0].strip()
            if name.casefold() == text.casefold():
                return str(self.region_combo.itemData(index))
        return text

    def _typed_credentials(self) -> Credentials | None:
        access, secret = self.access_key_edit.text().strip(), self.secret_key_edit.text().strip()
        if self._demo or not (access and secret):
            return None
        return Credentials(access_key=access, secret_access_key=secret)

    @Slot()
    def _validate(self) -> bool:
        settings = self._original
        errors: dict[str, str] = {}
        warnings: dict[str, str] = {}

        agent_first = self._call_type() == int(CallType.AGENT_FIRST)
        agent_cid = self._number_value(self.agent_callerid_edit)
        prospect_cid = self._number_value(self.prospect_callerid_edit)
        agent_number = self._number_value(self.agent_number_edit)
        # The region first: a number typed now is read in the region chosen now.
        raw_values = {
            "region": self._region_text(),
            "agent_number": agent_number,
            "call_type": str(self._call_type()),
            "first_callerid": agent_cid if agent_first else prospect_cid,
            "second_callerid": prospect_cid if agent_first else agent_cid,
            "page": self.page_edit.text(),
            "api_url": self.api_url_edit.text(),
            "connect_timeout": f"{self.connect_timeout_spin.value():g}",
            "read_timeout": f"{self.read_timeout_spin.value():g}",
            "ca_bundle": self.ca_file_edit.text(),
            # The calling rules; the pool is read in the region above.
            "mode": str(self.mode_combo.currentData()),
            "company_hours": self.company_hours_edit.text(),
            "company_days": self.company_days_edit.text(),
            "caller_id_pool": self._pool_value(),
            "max_attempts_per_day": str(self.max_attempts_spin.value()),
            "dnc_stale_refuses": "true" if self.dnc_stale_check.isChecked() else "false",
            "notifications": "true" if self.notifications_check.isChecked() else "false",
            "close_to_tray": "true" if self.close_to_tray_check.isChecked() else "false",
        }
        for key, raw in raw_values.items():
            try:
                settings = with_value(settings, key, raw)
            except ConfigError as exc:
                # The field names the setting already: "company_hours: the window must…" reads "The window must…".
                errors[key] = sentence(str(exc).removeprefix(f"{key}: "))

        region = settings.region if "region" not in errors and is_valid_region(settings.region) else None
        numbers = {
            "agent_number": agent_number,
            "agent_callerid": agent_cid,
            "prospect_callerid": prospect_cid,
        }
        if not numbers["agent_number"].strip():
            errors["agent_number"] = "Enter your own phone number: the service rings it for every call."
        for key, text in numbers.items():
            if not text.strip() or key in errors or region is None:
                continue
            try:
                number = parse_number(text, region)
            except PhoneError as exc:
                errors[key] = sentence(str(exc))
                continue
            if number.warning:
                warnings[key] = sentence(f"{number.display}: {number.warning}")

        timeout_warning = None if "read_timeout" in errors else read_timeout_warning(settings.read_timeout)
        if timeout_warning:
            warnings["read_timeout"] = timeout_warning

        keys_error = ""
        if not self._demo:
            access, secret = self.access_key_edit.text().strip(), self.secret_key_edit.text().strip()
            if bool(access) != bool(secret):
                keys_error = "Enter both the access key and the secret key (or leave both empty)."
            elif any(char.isspace() for char in access + secret):
                keys_error = "A key has a space in it; paste each key on its own."
        if self._pending is None:
            if keys_error:
                self._show_keys_status(keys_error, "error", source="input")
            elif self._keys_status_source == "input":
                self._show_keys_status("", "note")

        fields = {
            "agent_number": self.agent_number_field,
            "agent_callerid": self.agent_callerid_field,
            "prospect_callerid": self.prospect_callerid_field,
            "region": self.region_field,
            "page": self.page_field,
            "api_url": self.api_url_field,
            "connect_timeout": self.connect_timeout_field,
            "read_timeout": self.read_timeout_field,
            "ca_bundle": self.ca_file_field,
            "company_hours": self.company_hours_field,
            "company_days": self.company_days_field,
            "caller_id_pool": self.caller_id_pool_field,
            "max_attempts_per_day": self.max_attempts_field,
        }
        # Errors from with_value name the leg; show them on the field that holds it.
        leg_fields = {
            "first_callerid": "agent_callerid" if agent_first else "prospect_callerid",
            "second_callerid": "prospect_callerid" if agent_first else "agent_callerid",
        }
        for leg, field_key in leg_fields.items():
            if leg in errors:
                errors.setdefault(field_key, errors.pop(leg))
        for key, field in fields.items():
            if key in errors:
                field.show_message(errors[key], "error")
            elif key in warnings:
                field.show_message(warnings[key], "warning")
            else:
                field.show_message("")

        dispositions_problem = self.dispositions_page.problem()
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.pages.setTabIcon(1, warning if dispositions_problem else QIcon())
        self.pages.setTabToolTip(1, plain_tooltip(dispositions_problem))
        team_problem = self.team_page.problem() if self.team_page is not None else ""
        if self.team_page is not None:
            team_tab = self.pages.indexOf(self.team_page)
            self.pages.setTabIcon(team_tab, warning if team_problem else QIcon())
            self.pages.setTabToolTip(team_tab, plain_tooltip(team_problem))
            if not team_problem:
                settings = dataclasses.replace(settings, team_url=self.team_page.url())
        self._valid = not errors and not keys_error and not dispositions_problem and not team_problem
        if self._valid:
            self._result = settings
        if self._advanced_has_error():
            self._set_advanced_visible(True)
        self._update_buttons()
        self._grow_to_fit()
        return self._valid

    def _grow_to_fit(self) -> None:
        """Grow (never shrink) so that messages that appeared under the fields are not squeezed: a top-level window
        does not follow the height its wrapped labels need by itself."""
        if not self.isVisible():
            return
        layout = self.layout()
        if layout is not None:
            layout.activate()
        needed = self.heightForWidth(self.width())
        if needed < 0:
            needed = self.sizeHint().height()
        needed = min(needed, self.screen().availableGeometry().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _advanced_has_error(self) -> bool:
        fields = (self.api_url_field, self.connect_timeout_field, self.read_timeout_field, self.ca_file_field)
        return any(field.has_message() for field in fields)

    @staticmethod
    def _advanced_differs(settings: Settings) -> bool:
        defaults = Settings()
        keys = ("api_url", "connect_timeout", "read_timeout", "ca_bundle")
        return any(getattr(settings, key) != getattr(defaults, key) for key in keys)

    def _update_buttons(self) -> None:
        busy = self._pending is not None
        self.ok_button.setEnabled(self._valid and not busy)
        self.remove_keys_button.setEnabled(not self._demo and not busy and self._keys_stored is not False)
        for edit in (self.access_key_edit, self.secret_key_edit):
            edit.setReadOnly(busy)

    # --- slots --------------------------------------------------------------------------------------------------

    @Slot()
    def _on_call_type_changed(self) -> None:
        agent_first = self._call_type() == int(CallType.AGENT_FIRST)
        agent_leg, prospect_leg = ("1st call", "2nd call") if agent_first else ("2nd call", "1st call")
        self.agent_callerid_label.setText(f"Caller ID on your &phone ({agent_leg}):")
        self.prospect_callerid_label.setText(f"Caller ID the prospec&t sees ({prospect_leg}):")
        self.agent_callerid_edit.setPlaceholderText(
            "empty: the prospect's number" if agent_first else "empty: the service's default"
        )
        self.prospect_callerid_edit.setPlaceholderText("empty: the service's default")
        help_first, help_second = SETTING_HELP["first_callerid"], SETTING_HELP["second_callerid"]
        self.agent_callerid_edit.setToolTip(help_first if agent_first else help_second)
        self.prospect_callerid_edit.setToolTip(help_second if agent_first else help_first)
        self._validate()

    @Slot()
    def _on_mode_changed(self) -> None:
        value = self.mode_combo.currentData()
        meaning = next((meaning for mode, _text, meaning in MODE_CHOICES if mode == value), "")
        self.mode_explanation.setText(meaning)

    @Slot(bool)
    def _on_show_keys(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.access_key_edit.setEchoMode(mode)
        self.secret_key_edit.setEchoMode(mode)

    @Slot(str)
    def _split_pasted_key_pair(self, text: str) -> None:
        # The Key Manager shows the pair side by side; a pasted "ACCESS SECRET" fills both fields.
        previous, self._access_key_text = self._access_key_text, text
        pasted = len(text) - len(previous) > 1  # typing adds one character at a time
        parts = text.split()
        if pasted and len(parts) == 2 and not self.secret_key_edit.text():
            self.access_key_edit.setText(parts[0])
            self.secret_key_edit.setText(parts[1])
            self.secret_key_edit.setFocus()

    @Slot()
    def _toggle_advanced(self) -> None:
        self._set_advanced_visible(self.advanced_group.isHidden())

    def _set_advanced_visible(self, visible: bool) -> None:
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAccessibleName("Hide advanced settings" if visible else "Show advanced settings")
        self.advanced_group.setVisible(visible)
        if self.isVisible():
            self.adjustSize()

    @Slot()
    def _browse_ca_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "CA certificate file", self.ca_file_edit.text(), "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_file_edit.setText(path)

    def _show_keys_status(self, text: str, kind: str, *, source: str = "keyring") -> None:
        colours = {"error": self._error_colour, "ok": self._ok_colour, "note": "palette(window-text)"}
        self._keys_status_source = source if text else ""
        self.keys_status_label.setText(text)
        self.keys_status_label.setStyleSheet(f"QLabel {{ color: {colours[kind]}; }}")
        self.keys_status_label.setVisible(bool(text))

    def _start_keyring_request(self, kind: str, status: str) -> None:
        self._pending = kind
        self._show_keys_status(status, "note")
        self._update_buttons()
        self._patience.start()

    def _finish_keyring_request(self) -> None:
        self._pending = None
        self._patience.stop()
        self._update_buttons()

    @Slot()
    def _remove_keys(self) -> None:
        if self._pending is not None or self._demo or self._worker is None:
            return
        self._start_keyring_request("clear", "Removing keys…")
        self.clear_keys_requested.emit()

    def accept(self) -> None:
        """OK: validate; with typed keys, ask the keyring worker to save them and close when it says saved."""
        if self._pending is not None or not self._validate():
            return
        if self.team_page is not None and (self.team_page.busy or self.team_page.has_unsaved_password()):
            # A typed team password is checked and kept first (on the team worker); OK goes on once it is.
            self.pages.setCurrentWidget(self.team_page)
            self.team_page.test_connection(after_save=self.accept)
            return
        if not self._save_dispositions():
            return
        credentials = self._typed_credentials()
        if credentials is None:
            super().accept()
            return
        if self._worker is None:
            self._show_keys_status("The keys cannot be saved: no keyring is available.", "error")
            return
        self._start_keyring_request("save", SAVING_KEYS_TEXT)
        self.save_keys_requested.emit(credentials)

    def _save_dispositions(self) -> bool:
        """Write the Dispositions page's two files if it was changed; False (the page shown with why) if refused."""
        from c2c_desktop.core.disposition_rules import DispositionRulesError

        page = self.dispositions_page
        try:
            saved = page.save()
        except (DispositionRulesError, OSError) as exc:
            why = str(exc)
            if isinstance(exc, OSError):  # which file: dispositions.txt or disposition_rules.json, by its whole path
                target = exc.filename2 or exc.filename  # a rename onto the file names it second
                why = f"{target}: {exc.strerror}" if target and exc.strerror else exc.strerror or why
            show_message(page.message, sentence(f"The dispositions were not saved: {why}"), self._error_colour)
            self.pages.setCurrentWidget(page)
            return False
        if saved is not None:
            self._dispositions_saved = saved
        return True

    @Slot(str)
    def _on_keys_saved(self, where: str) -> None:
        """GUI thread (queued from the keyring worker)."""
        if self._pending != "save":
            return
        self._finish_keyring_request()
        self._keys_message = where
        # The secret should not linger in a widget once it is in the keyring.
        self.access_key_edit.clear()
        self.secret_key_edit.clear()
        super().accept()

    @Slot(str)
    def _on_keys_failed(self, message: str) -> None:
        """GUI thread (queued from the keyring worker). The dialog stays open; nothing was stored."""
        if self._pending is None:
            return
        saving = self._pending == "save"
        self._finish_keyring_request()
        # The store's messages are whole sentences that already say the keys were not saved.
        self._show_keys_status(message if saving else f"The keys were not removed: {message}", "error")

    @Slot()
    def _on_keys_cleared(self) -> None:
        """GUI thread (queued from the keyring worker)."""
        if self._pending != "clear":
            return
        self._finish_keyring_request()
        self._keys_removed = True
        self._show_keys_status("The keys were removed from the keyring.", "ok")

    @Slot()
    def _on_keyring_slow(self) -> None:
        if self._pending is not None:
            self._show_keys_status(
                "The keyring has not answered yet (it may be locked or asking for a password). "
                "You can wait or press Cancel.",
                "note",
            )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """GUI thread: the region field. Entering it selects its text, so that typing "germ" replaces "Canada (CA)"
        instead of adding to it; Enter with exactly one completion offered takes it (Qt's popup takes only a
        highlighted one), and does not press OK with half a country typed."""
        edit = self._region_edit
        # Identity only ("is"): while the dialog is destroyed, comparing with a deleted widget would raise.
        if not (watched is edit or watched is self.region_combo or watched is self._region_popup):
            return super().eventFilter(watched, event)
        if event.type() == QEvent.Type.FocusIn and watched is not self._region_popup:
            QTimer.singleShot(0, self, edit.selectAll)  # after Qt placed the cursor where the mouse clicked
        elif (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self._take_single_completion()
        ):
            return True
        return super().eventFilter(watched, event)

    def _take_single_completion(self) -> bool:
        completer = self._region_completer
        popup = self._region_popup
        if popup.isVisible() and popup.currentIndex().isValid():
            return False  # a highlighted completion: Qt takes it
        prefix = self._region_edit.text().strip()
        if not prefix or completer.completionCount() != 1 or self.region_combo.findText(prefix) >= 0:
            return False
        completer.setCurrentRow(0)
        index = self.region_combo.findText(completer.currentCompletion())
        popup.hide()
        if index < 0:
            return False
        self.region_combo.setCurrentIndex(index)
        self._region_edit.setText(self.region_combo.itemText(index))
        return True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._initial_focus_done:
            self._initial_focus_done = True
            (self.agent_number_edit if self._demo else self.access_key_edit).setFocus(Qt.FocusReason.OtherFocusReason)
            # Qt sizes a new window to at most 2/3 of the screen's height, which squeezes the wrapped messages
            # under the fields on a 900-pixel screen: grow to what they need once the window is there.
            QTimer.singleShot(0, self, self._grow_to_fit)

    def done(self, result: int) -> None:
        """Closing (OK, Cancel, Esc): stop listening to the shared keyring worker."""
        self._patience.stop()
        self._disconnect_worker()
        super().done(result)
