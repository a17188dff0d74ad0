"""The settings dialog: values round-trip, inline validation gates OK, keys saved through a real KeyringWorker."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QDialog, QLineEdit, QWidget

from c2c_desktop.core.config import Settings
from c2c_desktop.core.credentials import KeyringCredentialStore, MemoryCredentialStore
from c2c_desktop.core.models import Credentials
from c2c_desktop.core.rules.audit import StoreAuditLog
from c2c_desktop.core.rules.dnc import add_internal, import_lists
from c2c_desktop.core.store import Store
from c2c_desktop.gui.keyring_worker import KeyringWorker
from c2c_desktop.gui.settings_dialog import (
    DEMO_KEYS_TEXT,
    DNC_IMPORT_HINT,
    FIRST_RUN_TEXT,
    SAVING_KEYS_TEXT,
    SettingsDialog,
    region_choices,
)

# The offscreen platform warns when a shown window has size constraints; it is not a problem of the dialog.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

SECRET = "s3cr3t-Do-Not-Leak-7f1c"
ORIGINAL = Settings(
    # Stored numbers are pinned to their country (international form); the dialog shows them formatted.
    agent_number="+12125550100",
    call_type=1,
    first_callerid="+14155550101",  # type 1: the prospect is rung first, so this is what the prospect sees
    second_callerid="+12125550102",  # ... and this is what the agent's phone shows
    page="spring-campaign",
    region="CA",
    api_url="http://127.0.0.1:8080/ibp_api.php",
    connect_timeout=3.5,
    read_timeout=90.0,
    ca_bundle="",
    # The calling rules, all away from their defaults so that a field that drops its value shows.
    mode="business",
    company_hours="09:00-18:00",
    company_days="mon-fri",
    caller_id_pool="+14165550123,+12125550199",
    max_attempts_per_day=3,
    dnc_stale_refuses=True,
)


@pytest.fixture
def memory_store() -> MemoryCredentialStore:
    return MemoryCredentialStore()


@pytest.fixture
def memory_worker(memory_store: MemoryCredentialStore) -> Iterator[KeyringWorker]:
    worker = KeyringWorker(memory_store)
    worker.start_thread()
    yield worker
    assert worker.shutdown(5000)


@pytest.fixture
def failing_worker() -> Iterator[KeyringWorker]:
    worker = KeyringWorker(KeyringCredentialStore(timeout_s=5.0))  # the fail backend (tests/conftest.py)
    worker.start_thread()
    yield worker
    assert worker.shutdown(5000)


def _open(qtbot: QtBot, settings: Settings, worker: KeyringWorker | None, **options: bool) -> SettingsDialog:
    dialog = SettingsDialog(settings, worker, **options)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _set_text(edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    edit.insert(text)


def test_unchanged_values_round_trip(qtbot: QtBot, memory_worker: KeyringWorker) -> None:
    dialog = _open(qtbot, ORIGINAL, memory_worker)
    assert dialog.prospect_first_radio.isChecked()
    assert dialog.prospect_callerid_edit.text() == "(415) 555-0101"
    assert dialog.agent_callerid_edit.text() == "(212) 555-0102"
    assert dialog.region_combo.currentData() == "CA"
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result_settings() == ORIGINAL
    assert dialog.keys_message() == ""


def test_edited_values_come_back_in_result_settings(qtbot: QtBot, memory_worker: KeyringWorker) -> None:
    dialog = _open(qtbot, ORIGINAL, memory_worker)
    _set_text(dialog.agent_number_edit, "+1 617 555 0123")
    qtbot.mouseClick(dialog.agent_first_radio, Qt.MouseButton.LeftButton)
    _set_text(dialog.page_edit, "q3")
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData("US"))
    _set_text(dialog.api_url_edit, "https://c2c.example.com/ibp_api.php")
    dialog.connect_timeout_spin.setValue(2.5)
    dialog.read_timeout_spin.setValue(45)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.accept()
    expected = dataclasses.replace(
        ORIGINAL,
        agent_number="+16175550123",
        call_type=2,
        # Caller IDs follow who sees them: the agent's phone is now the first leg.
        first_callerid="+12125550102",
        second_callerid="+14155550101",
        page="q3",
        region="US",
        api_url="https://c2c.example.com/ibp_api.php",
        connect_timeout=2.5,
        read_timeout=45.0,
    )
    assert dialog.result_settings() == expected


def test_caller_id_labels_follow_the_call_type(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Settings(agent_number="2125550100"), None)
    assert dialog.agent_first_radio.isChecked()
    assert "1st" in dialog.agent_callerid_label.text() and "2nd" in dialog.prospect_callerid_label.text()
    assert "prospect's number" in dialog.agent_callerid_edit.placeholderText()
    dialog.prospect_first_radio.setChecked(True)
    assert "2nd" in dialog.agent_callerid_label.text() and "1st" in dialog.prospect_callerid_label.text()
    assert dialog.prospect_first_radio.text() == "Ring the prospect first, then my phone"
    assert dialog.agent_first_radio.text() == "Ring my phone first, then the prospect (recommended)"


def test_invalid_agent_number_disables_ok_with_a_message(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    _set_text(dialog.agent_number_edit, "555")
    assert not dialog.ok_button.isEnabled()
    message = dialog.agent_number_field.message
    assert not message.isHidden() and "too short" in message.text()
    assert dialog.agent_number_edit.accessibleDescription() == message.text()
    dialog.accept()  # Enter in a field reaches accept(): it must not close an invalid dialog
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    _set_text(dialog.agent_number_edit, "212-555-0100")
    assert dialog.ok_button.isEnabled()
    assert message.isHidden()


def test_empty_agent_number_is_required(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Settings(), None, first_run=True)
    assert not dialog.ok_button.isEnabled()
    assert "your own phone number" in dialog.agent_number_field.message.text()


def test_number_warning_is_shown_but_allowed(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    _set_text(dialog.prospect_callerid_edit, "(555) 111-2222")  # possible but not a valid NANP number
    message = dialog.prospect_callerid_field.message
    assert not message.isHidden() and "not valid" in message.text()
    assert dialog.ok_button.isEnabled()


def test_a_read_timeout_shorter_than_a_ring_is_a_warning_not_an_error(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    dialog.read_timeout_spin.setValue(10)
    message = dialog.read_timeout_field.message
    assert not message.isHidden() and "recorded as unknown" in message.text()
    assert dialog.ok_button.isEnabled()
    dialog.read_timeout_spin.setValue(60)
    assert message.isHidden()


def test_bad_caller_id_region_url_and_page_are_errors(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    _set_text(dialog.agent_callerid_edit, "12")
    assert "too short" in dialog.agent_callerid_field.message.text()
    assert not dialog.ok_button.isEnabled()
    _set_text(dialog.agent_callerid_edit, "")
    assert dialog.ok_button.isEnabled()

    dialog.region_combo.setEditText("ZZ")
    assert "not a known region" in dialog.region_field.message.text()
    assert not dialog.ok_button.isEnabled()
    dialog.region_combo.setEditText("gb")
    assert dialog.region_field.message.isHidden()
    dialog.region_combo.setEditText("Germany")
    dialog.accept()
    assert dialog.result_settings().region == "DE"

    dialog2 = _open(qtbot, ORIGINAL, None)
    dialog2._set_advanced_visible(False)
    _set_text(dialog2.api_url_edit, "ftp://example.com")
    assert "https" in dialog2.api_url_field.message.text()
    assert dialog2.advanced_group.isVisible()  # an error in a folded section unfolds it
    assert not dialog2.ok_button.isEnabled()


def test_ca_file_must_exist(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    _set_text(dialog.ca_file_edit, str(tmp_path / "missing.pem"))
    assert "No such file" in dialog.ca_file_field.message.text()
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    _set_text(dialog.ca_file_edit, str(ca))
    assert dialog.ok_button.isEnabled()
    dialog.accept()
    assert dialog.result_settings().ca_bundle == str(ca)


def test_typed_keys_are_saved_through_the_worker(
    qtbot: QtBot, memory_worker: KeyringWorker, memory_store: MemoryCredentialStore
) -> None:
    dialog = _open(qtbot, ORIGINAL, memory_worker)
    assert dialog.access_key_edit.echoMode() == QLineEdit.EchoMode.Password
    _set_text(dialog.access_key_edit, "AK-demo-1234")
    _set_text(dialog.secret_key_edit, SECRET)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        # The answer is queued from the worker thread, so the dialog is still waiting here.
        assert dialog.keys_status_label.text() == SAVING_KEYS_TEXT
        assert not dialog.ok_button.isEnabled()
    assert memory_store.load() == Credentials("AK-demo-1234", SECRET)
    assert dialog.keys_message() == "Kept in memory for this session only (demo mode); not saved anywhere"
    assert dialog.secret_key_edit.text() == ""  # not left in a widget
    assert dialog.result_settings() == ORIGINAL


def test_keyring_failure_is_shown_inline_and_nothing_is_written(
    qtbot: QtBot, failing_worker: KeyringWorker, isolated_profile: Path
) -> None:
    dialog = _open(qtbot, ORIGINAL, failing_worker)
    _set_text(dialog.access_key_edit, "AK-demo-1234")
    _set_text(dialog.secret_key_edit, SECRET)
    with qtbot.assertNotEmitted(dialog.accepted, wait=0):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    status = dialog.keys_status_label.text()
    assert "No system keyring is available" in status
    assert SECRET not in status
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.ok_button.isEnabled()  # the user can fix the keyring and try again
    assert dialog.keys_message() == ""
    written = [path for path in isolated_profile.rglob("*") if path.is_file()]
    assert all(SECRET.encode() not in path.read_bytes() for path in written)


def test_only_one_key_typed_disables_ok(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    _set_text(dialog.access_key_edit, "AK-demo-1234")
    assert not dialog.ok_button.isEnabled()
    assert "both" in dialog.keys_status_label.text()
    _set_text(dialog.access_key_edit, "")
    assert dialog.ok_button.isEnabled()
    assert dialog.keys_status_label.isHidden()


def test_pasted_key_pair_fills_both_fields(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    qtbot.keyClicks(dialog.access_key_edit, "AK 1")  # typed, not pasted: left alone
    assert dialog.access_key_edit.text() == "AK 1"
    assert not dialog.ok_button.isEnabled()
    _set_text(dialog.access_key_edit, "")
    QGuiApplication.clipboard().setText("AK-1  SK-2\n")
    qtbot.keyClick(dialog.access_key_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.access_key_edit.text() == "AK-1"
    assert dialog.secret_key_edit.text() == "SK-2"
    assert dialog.ok_button.isEnabled()


def test_show_keys_toggle(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    dialog.show_keys_check.setChecked(True)
    assert dialog.secret_key_edit.echoMode() == QLineEdit.EchoMode.Normal
    dialog.show_keys_check.setChecked(False)
    assert dialog.secret_key_edit.echoMode() == QLineEdit.EchoMode.Password


def test_remove_keys(qtbot: QtBot, memory_worker: KeyringWorker, memory_store: MemoryCredentialStore) -> None:
    memory_store.save(Credentials("AK-old", SECRET))
    dialog = _open(qtbot, ORIGINAL, memory_worker)
    qtbot.mouseClick(dialog.remove_keys_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.keys_removed, timeout=5000)
    assert memory_store.load() is None
    assert "removed" in dialog.keys_status_label.text()
    assert dialog.isVisible()


def test_demo_mode_disables_the_key_fields(qtbot: QtBot, memory_worker: KeyringWorker) -> None:
    dialog = _open(qtbot, ORIGINAL, memory_worker, demo=True)
    assert not dialog.access_key_edit.isEnabled() and not dialog.secret_key_edit.isEnabled()
    assert not dialog.remove_keys_button.isEnabled()
    assert dialog.keys_status_label.text() == DEMO_KEYS_TEXT
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.accept()
    assert dialog.keys_message() == ""


def test_first_run_explains_itself(qtbot: QtBot) -> None:
    dialog = _open(qtbot, Settings(), None, first_run=True)
    assert any(label.text() == FIRST_RUN_TEXT for label in dialog.findChildren(type(dialog.keys_status_label)))
    assert dialog.focusWidget() is dialog.access_key_edit
    plain = _open(qtbot, Settings(), None)
    assert not any(label.text() == FIRST_RUN_TEXT for label in plain.findChildren(type(plain.keys_status_label)))


def test_escape_cancels(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog.agent_number_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_enter_in_a_field_accepts(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.page_edit, Qt.Key.Key_Return)


def test_every_control_has_an_accessible_name_and_tab_order(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    dialog._set_advanced_visible(True)
    controls = (
        dialog.findChildren(QLineEdit)
        + dialog.findChildren(QAbstractButton)
        + dialog.findChildren(QComboBox)
        + dialog.findChildren(QAbstractSpinBox)
    )
    # Line edits inside the combo box and spin boxes are parts of those controls.
    controls = [c for c in controls if not isinstance(c.parent(), QComboBox | QAbstractSpinBox)]
    unnamed = [type(c).__name__ + ":" + c.objectName() for c in controls if not c.accessibleName()]
    assert unnamed == []
    assert _tab_stops_after(dialog.access_key_edit, 4) == [
        dialog.secret_key_edit,
        dialog.show_keys_check,
        dialog.remove_keys_button,
        dialog.agent_number_edit,
    ]
    assert _tab_stops_after(dialog.page_edit, 2) == [dialog.advanced_toggle, dialog.api_url_edit]
    # The calling rules (the right-hand column) come after the left-hand column, then OK and Cancel. (Changed for
    # issue 10: OK used to follow the CA file's Browse button; the do-not-call table is hidden without a store.)
    assert _tab_stops_after(dialog.ca_browse_button, 2) == [dialog.mode_combo, dialog.company_hours_edit]
    # (Changed for issue 11: the Desktop group, under the calling rules, comes before OK.)
    assert _tab_stops_after(dialog.dnc_stale_check, 5) == [
        dialog.notifications_check,
        dialog.close_to_tray_check,
        dialog.start_at_login_check,
        dialog.ok_button,
        dialog.cancel_button,
    ]


def _tab_stops_after(widget: QWidget, count: int) -> list[QWidget]:
    stops: list[QWidget] = []
    current = widget.nextInFocusChain()
    while len(stops) < count and current is not widget:
        if current.focusPolicy() & Qt.FocusPolicy.TabFocus and current.isVisible() and current.isEnabled():
            stops.append(current)
        current = current.nextInFocusChain()
    return stops


def test_region_choices_have_country_names() -> None:
    choices = dict(region_choices())
    assert choices["GB"] == "United Kingdom (GB)"
    assert choices["US"] == "United States (US)"
    assert len(choices) > 200


def test_without_stored_keys_the_dialog_does_not_speak_of_stored_keys(qtbot: QtBot) -> None:
    problem = "No system keyring is available, so the keys cannot be kept. Nothing was written anywhere."
    dialog = SettingsDialog(Settings(agent_number="2125550100"), None, keys_stored=False, keyring_problem=problem)
    qtbot.addWidget(dialog)
    assert "stored" not in dialog.access_key_edit.placeholderText()
    assert not dialog.remove_keys_button.isEnabled()
    assert dialog.keys_status_label.text() == problem  # said at once, not only after OK
    known = SettingsDialog(Settings(agent_number="2125550100"), None, keys_stored=True)
    qtbot.addWidget(known)
    assert "keep the stored key" in known.access_key_edit.placeholderText() and known.remove_keys_button.isEnabled()


@pytest.mark.qt_log_ignore("This plugin does not support")  # the offscreen platform and the completion popup
def test_typing_in_the_region_field_replaces_it_and_enter_takes_the_one_completion(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    field = dialog.region_combo.lineEdit()
    assert field is not None and dialog.region_combo.currentText() == "Canada (CA)"
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)  # a click, not Tab: the text was not selected
    qtbot.waitUntil(lambda: dialog.region_combo.hasFocus() and field.selectedText() == field.text())
    qtbot.keyClicks(field, "germ")
    assert field.text() == "germ"  # was "Canada (CA)germ"
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.region_combo.currentText() == "Germany (DE)")
    assert dialog.isVisible()  # Enter took the completion; it did not close the dialog
    dialog.accept()
    assert dialog.result_settings().region == "DE"


# --- the calling rules ----------------------------------------------------------------------------------------------


def test_the_calling_rules_are_shown_as_stored(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    assert dialog.mode_combo.currentData() == "business"
    assert "company window" in dialog.mode_explanation.text()
    assert dialog.company_hours_edit.text() == "09:00-18:00"
    assert dialog.company_days_edit.text() == "mon-fri"
    assert dialog.caller_id_pool_edit.text() == "(416) 555-0123, (212) 555-0199"  # formatted for reading
    assert dialog.max_attempts_spin.value() == 3
    assert dialog.dnc_stale_check.isChecked()
    dialog.max_attempts_spin.setValue(0)
    assert dialog.max_attempts_spin.text() == "no company cap"


def test_edited_calling_rules_come_back_in_result_settings(qtbot: QtBot) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData("consumer"))
    assert "legal calling hours" in dialog.mode_explanation.text()
    _set_text(dialog.company_hours_edit, "8:30-17:00")
    _set_text(dialog.company_days_edit, "Mon-Thu, sat")
    _set_text(dialog.caller_id_pool_edit, "305 555 0100, +1 212 555 0199, (305) 555-0100")  # read in the region (CA)
    dialog.max_attempts_spin.setValue(5)
    dialog.dnc_stale_check.setChecked(False)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.accept()
    assert dialog.result_settings() == dataclasses.replace(
        ORIGINAL,
        mode="consumer",
        company_hours="08:30-17:00",
        company_days="mon-thu,sat",
        caller_id_pool="+13055550100,+12125550199",
        max_attempts_per_day=5,
        dnc_stale_refuses=False,
    )
    # Emptied fields mean "none".
    dialog2 = _open(qtbot, ORIGINAL, None)
    for edit in (dialog2.company_hours_edit, dialog2.company_days_edit, dialog2.caller_id_pool_edit):
        edit.clear()
    with qtbot.waitSignal(dialog2.accepted, timeout=2000):
        dialog2.accept()
    result = dialog2.result_settings()
    assert (result.company_hours, result.company_days, result.caller_id_pool) == ("", "", "")


@pytest.mark.parametrize(
    ("field_name", "text", "message"),
    [
        ("company_hours", "18:00-09:00", "The window must end after it starts on the same day"),
        ("company_hours", "9 to 5", "is not a window such as 09:00-18:00"),
        ("company_days", "mon-funday", "'funday' in 'mon-funday' is not a day"),
        ("caller_id_pool", "+1 305 555 0100, 12", "Number 2 ('12')"),
        ("caller_id_pool", "+1 305 555 0100 ext. 12", "a caller ID has no extension"),
    ],
)
def test_a_bad_calling_rule_is_refused_inline_and_the_dialog_stays_open(
    qtbot: QtBot, field_name: str, text: str, message: str
) -> None:
    dialog = _open(qtbot, ORIGINAL, None)
    edit: QLineEdit = getattr(dialog, f"{field_name}_edit")
    field = getattr(dialog, f"{field_name}_field")
    _set_text(edit, text)
    assert field.has_message()
    assert message in field.message.text()
    assert not field.message.text().startswith(field_name)  # the field's label names the setting already
    assert not dialog.ok_button.isEnabled()
    # The other fields say nothing: one error, on its own field.
    others = [dialog.company_hours_field, dialog.company_days_field, dialog.caller_id_pool_field,
              dialog.agent_number_field, dialog.region_field]  # fmt: skip
    assert [other for other in others if other is not field and other.has_message()] == []
    dialog.accept()  # Enter or OK: refused, still open
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.result_settings() == ORIGINAL
    _set_text(edit, "")
    assert not field.has_message() and dialog.ok_button.isEnabled()


def test_the_do_not_call_lists_are_shown_with_their_date_and_stale_in_red(qtbot: QtBot, tmp_path: Path) -> None:
    today = datetime.now(UTC).date()
    old, fresh = tmp_path / "old.txt", tmp_path / "fresh.txt"
    old.write_text("3055550100\n3055550101\n", encoding="ascii")
    fresh.write_text("212,5550100\n", encoding="ascii")
    with Store(tmp_path / "c2c.sqlite3") as store:
        audit = StoreAuditLog(store)
        import_lists(store, [old], name="Florida <b>2026</b>", data_date=today - timedelta(days=40), audit=audit)
        import_lists(store, [fresh], name="New York", data_date=today - timedelta(days=3), audit=audit)
        add_internal(store, "+13125550101", "asked", audit=audit)
        dialog = SettingsDialog(ORIGINAL, None, store=store)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
    table = dialog.dnc_table
    assert table.isVisible() and table.topLevelItemCount() == 2
    rows = [[table.topLevelItem(row).text(column) for column in range(4)] for row in range(2)]
    assert rows == [
        ["Florida <b>2026</b>", "2", (today - timedelta(days=40)).isoformat(), "stale"],
        ["New York", "1", (today - timedelta(days=3)).isoformat(), "current"],
    ]
    stale_colour = table.topLevelItem(0).foreground(3).color()
    assert stale_colour == QColor(dialog._error_colour)
    assert table.topLevelItem(1).foreground(3).color() != stale_colour
    assert "Internal list" in dialog.dnc_internal_label.text() and dialog.dnc_internal_label.text().endswith(": 1")
    labels = [label.text() for label in dialog.findChildren(type(dialog.dnc_internal_label))]
    assert DNC_IMPORT_HINT in labels and "c2c-desktop dnc import FILE" in DNC_IMPORT_HINT
    # Read-only: nothing to select or edit; the table is in the Tab order after the stale-list box.
    assert table.selectionMode() == table.SelectionMode.NoSelection
    assert _tab_stops_after(dialog.dnc_stale_check, 2) == [table, dialog.notifications_check]  # issue 11: Desktop


def test_the_dialog_with_the_calling_rules_fits_a_1280_by_900_screen(qtbot: QtBot, tmp_path: Path) -> None:
    with Store(tmp_path / "c2c.sqlite3") as store:
        dialog = SettingsDialog(ORIGINAL, None, first_run=True, store=store)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
    dialog._set_advanced_visible(True)
    _set_text(dialog.company_hours_edit, "18:00-09:00")  # a message under a field
    hint = dialog.sizeHint()
    assert hint.width() <= 1280 and hint.height() <= 860, hint


def test_desktop_settings_are_shown_and_saved(qtbot: QtBot) -> None:
    """Issue 11: the notifications and close-to-tray settings, in the Desktop group, go into the settings saved."""
    settings = dataclasses.replace(Settings(agent_number="+12125550100"), notifications=False, close_to_tray=True)
    dialog = SettingsDialog(settings, None, demo=True)
    qtbot.addWidget(dialog)
    assert not dialog.notifications_check.isChecked() and dialog.close_to_tray_check.isChecked()
    dialog.notifications_check.setChecked(True)
    dialog.close_to_tray_check.setChecked(False)
    assert dialog._validate()
    saved = dialog.result_settings()
    assert (saved.notifications, saved.close_to_tray) == (True, False)


def test_a_first_run_with_the_keys_stored_asks_only_for_the_phone(qtbot: QtBot) -> None:
    from c2c_desktop.gui.settings_dialog import FIRST_RUN_PHONE_TEXT

    dialog = _open(qtbot, Settings(), None, first_run=True, keys_stored=True)
    texts = [label.text() for label in dialog.findChildren(type(dialog.keys_status_label))]
    assert FIRST_RUN_PHONE_TEXT in texts and FIRST_RUN_TEXT not in texts
