"""The open window follows what other programs change: contacts and calls written by another connection or the CLI,
and the settings file (`config set`, a corrupt file) — without disturbing a search in progress or a call in flight.

Real parts: the user profile's SQLite file and settings file, a second connection or the CLI in a subprocess, the
stand-in over loopback. Changes must show within 2 s (the window polls once a second).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QSettings

from c2c_desktop.core import config
from c2c_desktop.core.credentials import MemoryCredentialStore
from c2c_desktop.core.models import CallRequest, CallResult, Contact, Credentials, Outcome, PhoneEntry
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, StandInService
from c2c_desktop.core.store import Store, default_db_path
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import GUI_BUSY_TIMEOUT_MS, Profile

WITHIN_MS = 2000  # what the window promises for a change made elsewhere
SIGNAL_MS = 10_000
AGENT = "+1 555 010 0100"  # the same number in any region


def contact(name: str, number: str, company: str = "") -> Contact:
    return Contact(id=None, name=name, company=company, phones=(PhoneEntry(number=number, primary=True),))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a terminal: another process, the same profile (the XDG folders of this test)."""
    return subprocess.run(
        [sys.executable, "-m", "c2c_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=os.environ.copy(),
    )


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.2) as service:
        yield service


@pytest.fixture
def window(qtbot: QtBot, standin: StandInService, tmp_path: Path) -> Iterator[MainWindow]:
    """The window on the user profile (the paths the CLI uses), with keys in memory and the stand-in as service."""
    settings_path = config.default_settings_path()
    config.save_settings(config.Settings(agent_number=AGENT, api_url=standin.url, mode="business"), settings_path)
    store = Store(default_db_path())
    store.add_contacts(
        [
            contact("Ada Okafor", "(212) 555-0142", "Okafor Freight"),
            contact("Marcus Chen", "(415) 555-0160"),
            contact("Amara Diallo", "(305) 555-0111"),
        ]
    )
    store.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)
    profile = Profile(
        store=store,
        settings_path=settings_path,
        settings=config.load_settings(settings_path),
        credential_store=MemoryCredentialStore(Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY)),
        window_state=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat),
        cleanups=[store.close],
    )
    main = MainWindow(profile)
    main.show()
    main.start()
    qtbot.waitUntil(lambda: not main.controller.credentials_loading and not main.contacts_model.is_loading)
    yield main
    main.shutdown()
    main.close()
    main.deleteLater()
    profile.close()


def names_shown(window: MainWindow) -> list[str]:
    model = window.contacts_model
    return [model.row_texts(row)[0] for row in range(model.rowCount())]


def current_name(window: MainWindow) -> str | None:
    current = window.current_contact()
    return current.name if current is not None else None


def test_a_contact_added_by_another_connection_appears_within_the_poll(qtbot: QtBot, window: MainWindow) -> None:
    with Store(window.profile.store.path) as other:
        other.add_contact(contact("Grace Hopper", "(202) 555-0199"))
    qtbot.waitUntil(lambda: "Grace Hopper" in names_shown(window), timeout=WITHIN_MS)
    assert window.count_label.text() == "4 contacts"


def test_a_search_in_progress_keeps_its_text_and_highlight_and_shows_the_new_match(
    qtbot: QtBot, window: MainWindow
) -> None:
    qtbot.keyClicks(window.search, "a")
    qtbot.waitUntil(lambda: window.current_contact() is not None)
    window.contact_list.setCurrentIndex(window.contacts_model.index(2, 0))  # the agent moved the highlight down
    highlighted = current_name(window)
    assert highlighted == "Marcus Chen"  # Ada, Amara, Marcus
    with Store(window.profile.store.path) as other:
        other.add_contact(contact("Aaron Abbott", "(202) 555-0198"))  # matches, and comes first
    qtbot.waitUntil(lambda: "Aaron Abbott" in names_shown(window), timeout=WITHIN_MS)
    assert window.search.text() == "a"
    assert current_name(window) == highlighted  # not moved back to the best match
    assert window.count_label.text() == "4 of 4 contacts"


def test_the_scroll_position_stays_when_contacts_are_added_above(qtbot: QtBot, window: MainWindow) -> None:
    with Store(window.profile.store.path) as other:
        other.add_contacts(contact(f"Person {n:03d}", f"(202) 555-{n:04d}") for n in range(300))
    qtbot.waitUntil(lambda: window.contacts_model.total_count == 303, timeout=WITHIN_MS)
    view = window.contact_list
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    top_before = window.contacts_model.row_texts(view.rowAt(0))[0]
    with Store(window.profile.store.path) as other:
        other.add_contacts(contact(f"Aaron {n:02d}", f"(303) 555-{n:04d}") for n in range(20))  # all above
    qtbot.waitUntil(lambda: window.contacts_model.total_count == 323, timeout=WITHIN_MS)
    assert window.contacts_model.row_texts(view.rowAt(0))[0] == top_before


def test_a_cli_import_and_a_call_journaled_elsewhere_show_in_the_open_window(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    csv = tmp_path / "leads.csv"
    csv.write_text("Name,Phone\nLin Boateng,(646) 555-0123\n", encoding="utf-8")
    done = run_cli("contacts", "import", str(csv))
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: "Lin Boateng" in names_shown(window), timeout=WITHIN_MS)

    with Store(window.profile.store.path) as other:  # what `c2c-desktop call` in a terminal writes
        entry = other.begin_call(
            CallRequest(agent_number="5550100100", phone_to_call="6465550123"), contact_name="Lin Boateng"
        )
        other.finish_call(entry.id, CallResult(Outcome.CONNECTED, "Call Connected"))
    qtbot.waitUntil(
        lambda: window.recent.count() == 1 and "Lin Boateng — Connected" in window.recent.item(0).text(),
        timeout=WITHIN_MS,
    )


def test_config_set_region_in_a_terminal_changes_the_windows_region(qtbot: QtBot, window: MainWindow) -> None:
    assert window.dialpad.region() == "US"
    done = run_cli("config", "set", "region", "GB")
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: window.dialpad.region() == "GB", timeout=WITHIN_MS)
    assert window.profile.settings.region == "GB"
    window.dialpad.set_number("02079460000")
    assert window.dialpad.display_text() == "020 7946 0000"  # written as in the UK
    assert "next call" in window.statusBar().currentMessage()


def test_a_call_in_flight_keeps_its_settings_and_the_next_call_takes_the_new_ones(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    standin.ring_seconds = 4.0  # rings while the terminal changes the region
    with qtbot.waitSignal(window.controller.call_started, timeout=SIGNAL_MS):
        window.call_number("(212) 555-0142")
    done = run_cli("config", "set", "region", "GB")
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: window.profile.settings.region == "GB", timeout=WITHIN_MS)
    assert window.controller.is_busy  # the change arrived while the call was out
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS) as finished:
        pass
    entry, result, _message = finished.args
    assert result.outcome is Outcome.CONNECTED
    assert len(standin.requests) == 1
    assert standin.requests[0].params["phone_to_call"] == "2125550142"  # dialled from the US, as it started
    assert entry.display_number == "(212) 555-0142"

    standin.ring_seconds = 0.2
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window.call_number("(212) 555-0142")  # read in GB from now on: a UK number
    assert len(standin.requests) == 2
    assert standin.requests[1].params["phone_to_call"] == "02125550142"


def test_a_corrupt_settings_file_leaves_the_window_working_with_the_old_settings(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    before = window.profile.settings
    path = window.profile.settings_path
    writer = subprocess.run(
        [sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write('{\"region\": \"G')", str(path)],
        timeout=60,
    )
    assert writer.returncode == 0
    qtbot.waitUntil(lambda: "not valid JSON" in window.statusBar().currentMessage(), timeout=WITHIN_MS)
    message = window.statusBar().currentMessage()
    assert "\n" not in message and "The settings in use are kept." in message
    assert window.profile.settings == before
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS) as finished:
        window.call_number("(212) 555-0142")
    assert finished.args[1].outcome is Outcome.CONNECTED
    assert standin.requests[-1].params["phone_to_call"] == "2125550142"

    config.save_settings(dataclasses.replace(before, region="GB"), path)  # fixed: followed again
    qtbot.waitUntil(lambda: window.profile.settings.region == "GB", timeout=WITHIN_MS)


def test_the_windows_own_writes_are_not_read_back(qtbot: QtBot, window: MainWindow) -> None:
    """data_version does not change for the window's own commits, nor is its own settings file read again."""
    watcher = window.watcher
    contact_id = window.contacts_model.contact_id_at(0)
    assert contact_id is not None
    window.profile.store.delete_contact(contact_id)
    with qtbot.waitSignal(window.controller.call_finished, timeout=SIGNAL_MS):
        window.call_number("(212) 555-0142")  # journal rows written by the window
    config.save_settings(dataclasses.replace(window.profile.settings, page="elsewhere"), window.profile.settings_path)
    watcher.note_settings_written()  # as Settings → OK does after saving
    with (
        qtbot.assertNotEmitted(watcher.contacts_changed),
        qtbot.assertNotEmitted(watcher.journal_changed),
        qtbot.assertNotEmitted(watcher.settings_changed),
    ):
        watcher.poll()
    with Store(window.profile.store.path) as other:
        other.add_contact(contact("Grace Hopper", "(202) 555-0199"))
    with qtbot.waitSignals([watcher.contacts_changed, watcher.journal_changed], timeout=SIGNAL_MS):
        watcher.poll()
