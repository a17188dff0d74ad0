"""Helpers for the calling-session tests: a profile of its own (a real SQLite file that outlives a window, so a
restart can be tested) with leads in a call list, the stand-in over loopback, and keys sent to the window."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from c2c_desktop.core import config
from c2c_desktop.core.calllists import NewItem, StoreCallLists
from c2c_desktop.core.credentials import MemoryCredentialStore
from c2c_desktop.core.models import Contact, Credentials, PhoneEntry
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY
from c2c_desktop.core.store import Store
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import DEMO_AGENT_NUMBER, Profile

SIGNAL_MS = 10_000


def lead_e164(n: int) -> str:
    """Lead n's number: the stand-in answers "No Answer" when the last digit is 7, 8 or 9, else "Call Connected"."""
    return f"+1212555{200 + n:04d}"


def lead_dial(n: int) -> str:
    return lead_e164(n)[2:]


def fill_store(path: Path, leads: int, list_name: str = "Monday") -> int:
    """`leads` contacts ("Lead 00", …, at Acme NN) in one list, in order; the list's id."""
    with Store(path) as store:
        contacts = [
            Contact(
                None,
                f"Lead {n:02d}",
                company=f"Acme {n:02d}",
                title="Head of purchasing",
                phones=(PhoneEntry(lead_e164(n), "work", e164=lead_e164(n), primary=True),),
                notes=f"met at the fair, lead {n}",
            )
            for n in range(leads)
        ]
        store.add_contacts(contacts)
        lists = StoreCallLists(store)
        made = lists.create_list(list_name)
        by_number = {contact.phones[0].e164: contact for contact in store.list_contacts()}
        lists.add_items(
            made.id, [NewItem(lead_e164(n), by_number[lead_e164(n)].id, f"Lead {n:02d}") for n in range(leads)]
        )
        return made.id


def open_profile(folder: Path, api_url: str, **settings: object) -> Profile:
    """The window's profile over `folder` (opened again after a restart): business mode, so the leads are callable at
    any hour of the machine's clock; call type 2 unless told."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = dataclasses.replace(
        config.Settings(), agent_number=DEMO_AGENT_NUMBER, api_url=api_url, read_timeout=5.0, mode="business"
    )
    chosen = dataclasses.replace(chosen, **settings)  # type: ignore[arg-type]
    settings_path = folder / "settings.json"
    config.save_settings(chosen, settings_path)
    store = Store(folder / "c2c-desktop.sqlite3")
    store.recover_interrupted()
    profile = Profile(
        store=store,
        settings_path=settings_path,
        settings=chosen,
        credential_store=MemoryCredentialStore(Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY)),
        window_state=QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat),
    )
    profile.cleanups.append(store.close)
    return profile


def key(window: QWidget, which: Qt.Key, text: str = "", *, autorepeat: bool = False) -> None:
    """One key press (and release) sent to the window, as the keyboard would with the card in front."""
    press = QKeyEvent(QEvent.Type.KeyPress, which, Qt.KeyboardModifier.NoModifier, text, autorepeat)
    QApplication.sendEvent(window, press)
    release = QKeyEvent(QEvent.Type.KeyRelease, which, Qt.KeyboardModifier.NoModifier, text, autorepeat)
    QApplication.sendEvent(window, release)


def enter(window: QWidget, *, autorepeat: bool = False) -> None:
    key(window, Qt.Key.Key_Return, "\r", autorepeat=autorepeat)


def letter(window: QWidget, text: str) -> None:
    """S, P, N, C, L, T, R, a digit or "?"."""
    code = Qt.Key.Key_Question if text == "?" else Qt.Key(ord(text.upper()))
    key(window, code, text.lower() if text.isalpha() else text)


def escape(window: QWidget) -> None:
    key(window, Qt.Key.Key_Escape, "\x1b")


def when_modal(qtbot: QtBot, act: Callable[[QWidget], None]) -> None:
    """Run `act` on the next modal dialog once it is open (a key that opens one blocks until it closes)."""

    def poll() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(10, poll)
            return
        act(modal)

    QTimer.singleShot(0, poll)


def wait_card(qtbot: QtBot, window: MainWindow, name: str) -> None:
    assert window.session is not None
    panel = window.session.panel
    qtbot.waitUntil(lambda: panel.name_label.text() == name, timeout=SIGNAL_MS)


def enter_when_armed(qtbot: QtBot, window: MainWindow) -> None:
    """Enter once the card takes it (ENTER_GUARD_MS after it was shown, as an agent reading it would)."""
    session = window.session
    assert session is not None
    qtbot.waitUntil(session.enter_armed, timeout=SIGNAL_MS)
    enter(window)


def without_enter_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enter dials a card as soon as it is shown: for the long keyboard walks, whose Enter comes right after the card
    (the guard against a double Enter has tests of its own)."""
    from c2c_desktop.gui import session

    monkeypatch.setattr(session, "ENTER_GUARD_MS", 0)
