"""The settings dialog saving keys into a real gnome-keyring (private D-Bus session), off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from c2c_desktop.core.config import Settings
from c2c_desktop.core.credentials import KeyringCredentialStore
from c2c_desktop.core.models import Credentials
from c2c_desktop.gui.keyring_worker import KeyringWorker
from c2c_desktop.gui.settings_dialog import SettingsDialog
from tests.keyring_session import secret_service, secret_service_keyring  # noqa: F401  (fixtures)

pytestmark = pytest.mark.keyring

SECRET = "CANARY-gui-secret-7c1d"


@pytest.fixture
def keyring_worker(secret_service_keyring: Any) -> Iterator[KeyringWorker]:  # noqa: F811
    worker = KeyringWorker(KeyringCredentialStore(timeout_s=10.0))
    worker.start_thread()
    yield worker
    assert worker.shutdown(5000)


def test_keys_typed_in_settings_land_in_the_real_keyring(
    qtbot: QtBot, keyring_worker: KeyringWorker, isolated_profile: Any
) -> None:
    dialog = SettingsDialog(Settings(agent_number="5552010001"), keyring_worker)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.access_key_edit.setText("AK-real-keyring")
    dialog.secret_key_edit.setText(SECRET)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "SecretService" in dialog.keys_message() or "keyring" in dialog.keys_message().lower()
    assert KeyringCredentialStore().load() == Credentials("AK-real-keyring", SECRET)
    assert SECRET not in dialog.keys_message()
    written = [path for path in isolated_profile.rglob("*") if path.is_file()]
    assert all(SECRET.encode() not in path.read_bytes() for path in written)
