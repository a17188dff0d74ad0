"""Callback reminders in the window: the banner and the desktop notification N minutes before, once per run; Call
fills the dial pad and never dials; a callback that came due while the app was closed is overdue at the next start,
and the Callbacks window lists it with how late it is. Real window (offscreen), real SQLite file, the stand-in."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from c2c_desktop.core import config
from c2c_desktop.core.calllists import Callback, StoreCallLists
from c2c_desktop.core.credentials import MemoryCredentialStore
from c2c_desktop.core.list_work import due_callbacks
from c2c_desktop.core.models import Contact, Credentials, PhoneEntry
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, StandInService
from c2c_desktop.core.store import Store
from c2c_desktop.gui import notifications
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import DEMO_AGENT_NUMBER, Profile
from c2c_desktop.gui.reminders import CallbacksDialog
from c2c_desktop.gui.tray import CallTray
from tests.gui.windows import running_window
from tests.local_zone import local_zone

WAIT_MS = 10_000
NEW_YORK = "+12125550142"
#: 10:00 in New York, 16:00 in Berlin (the agent's clock in these tests).
NOW = datetime(2026, 6, 3, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def berlin() -> Iterator[None]:
    """The agent works from Berlin; the callees are in New York."""
    with local_zone("Europe/Berlin"):
        yield


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.1) as service:
        yield service


def profile_on(folder: Path, url: str, clock: Callable[[], datetime], **changes: object) -> Profile:
    """A profile on the database in `folder` (kept between runs of the window), with its clock frozen."""
    folder.mkdir(exist_ok=True)
    settings = dataclasses.replace(
        config.Settings(), agent_number=DEMO_AGENT_NUMBER, api_url=url, mode="business", **changes
    )
    settings_path = folder / "settings.json"
    config.save_settings(settings, settings_path)
    store = Store(folder / "c2c-desktop.sqlite3")
    store.set_busy_timeout(250)
    return Profile(
        store=store,
        settings_path=settings_path,
        settings=settings,
        credential_store=MemoryCredentialStore(Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY)),
        window_state=QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat),
        clock=clock,
        cleanups=[store.close],
    )


def add_callback(store: Store, due: datetime, note: str = "") -> Callback:
    grace = store.find_contacts_by_e164(NEW_YORK) or [
        store.add_contact(Contact(None, "Grace Hopper", phones=(PhoneEntry(NEW_YORK, e164=NEW_YORK, primary=True),)))
    ]
    return StoreCallLists(store).add_callback(
        NEW_YORK, due, "America/New_York", contact_id=grace[0].id, name="Grace Hopper", item_id=None, note=note
    )


def reminders_running(qtbot: QtBot, window: MainWindow) -> None:
    """They start once the calling rules' modules are loaded (off the GUI thread)."""
    qtbot.waitUntil(lambda: getattr(window, "callback_reminders", None) is not None, timeout=WAIT_MS)


@pytest.fixture
def window_and_tray(
    qtbot: QtBot, standin: StandInService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, CallTray]]:
    # No session bus: the notifier is the tray icon's message (the freedesktop one is exercised against dunst in the
    # e2e tests); what it was handed is what `notified` says.
    monkeypatch.setattr(notifications, "session_bus_present", lambda environ=None: False)
    with running_window(qtbot, profile_on(tmp_path / "profile", standin.url, lambda: NOW)) as main:
        tray = main.enable_tray()
        reminders_running(qtbot, main)
        yield main, tray
        tray.close()


def test_a_banner_and_a_notification_two_minutes_before_once(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray], standin: StandInService
) -> None:
    window, tray = window_and_tray
    banners = window.reminder_banners
    assert banners.isHidden()  # nothing to say: no room taken
    add_callback(window.profile.store, NOW + timedelta(minutes=3))
    with qtbot.assertNotEmitted(tray.notified):
        window.callback_reminders.poll()  # 3 minutes before: not yet
    add_callback(window.profile.store, NOW + timedelta(minutes=2), note="wants the annual plan")
    with qtbot.waitSignal(tray.notified, timeout=WAIT_MS) as notified:
        window.callback_reminders.poll()
    assert notified.args == [
        "Callback with Grace Hopper — in 2 min",
        "At 16:02 (10:02 their time) · (212) 555-0142\nwants the annual plan",  # formatted for the region
    ]
    assert banners.isVisible() and banners.reminder.isVisible()
    assert banners.reminder.text() == "Callback with Grace Hopper at 16:02 (10:02 their time) — in 2 min"
    with qtbot.assertNotEmitted(tray.notified), qtbot.assertNotEmitted(window.callback_reminders.reminder_due):
        window.callback_reminders.poll()  # reminded once per run

    # Call fills the dial pad and dials nothing.
    banners.reminder.action_button.click()
    assert window.dialpad.number_text().endswith("2125550142")
    assert not banners.reminder.isVisible()
    assert standin.request_count == 0


def test_the_next_reminder_waits_for_the_one_shown_and_dismiss_hides_it(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray]
) -> None:
    window, _tray = window_and_tray
    banners = window.reminder_banners
    add_callback(window.profile.store, NOW + timedelta(minutes=1))
    add_callback(window.profile.store, NOW + timedelta(minutes=2))
    with qtbot.waitSignals([window.callback_reminders.reminder_due] * 2, timeout=WAIT_MS):
        window.callback_reminders.poll()
    assert banners.reminder.text().endswith("— in 1 min")
    banners.reminder.dismiss_button.click()
    assert banners.reminder.text().endswith("— in 2 min") and banners.reminder.isVisible()
    banners.reminder.dismiss_button.click()
    assert banners.isHidden()


def test_no_notification_when_the_setting_is_off_but_the_banner_shows(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray]
) -> None:
    window, tray = window_and_tray
    window.profile.settings = dataclasses.replace(window.profile.settings, notifications=False)
    add_callback(window.profile.store, NOW + timedelta(minutes=1))
    with qtbot.assertNotEmitted(tray.notified), qtbot.waitSignal(window.callback_reminders.reminder_due):
        window.callback_reminders.poll()
    assert window.reminder_banners.reminder.isVisible()


def test_a_callback_due_while_the_app_was_closed_is_overdue_at_the_next_start(
    qtbot: QtBot, standin: StandInService, tmp_path: Path
) -> None:
    folder = tmp_path / "profile"
    with running_window(qtbot, profile_on(folder, standin.url, lambda: NOW)) as first:
        reminders_running(qtbot, first)
        add_callback(first.profile.store, NOW + timedelta(minutes=30), note="after lunch")
        first.callback_reminders.poll()
        assert first.reminder_banners.isHidden()  # 30 minutes ahead: nothing yet
    # The app was closed; it starts again an hour later.
    later = NOW + timedelta(hours=1)
    with running_window(qtbot, profile_on(folder, standin.url, lambda: later)) as second:
        reminders_running(qtbot, second)
        banners = second.reminder_banners
        assert banners.overdue.isVisible() and banners.overdue.text() == "1 callback overdue"
        assert not banners.reminder.isVisible()  # said once, as overdue: not reminded again
        banners.overdue.action_button.click()  # Show: the Callbacks window
        dialog: CallbacksDialog = second.callbacks_dialog
        assert dialog.isVisible()
        assert dialog.row_texts() == [
            (
                "Wed 03 Jun 16:30",
                "Wed 03 Jun 10:30 (America/New_York)",
                "Grace Hopper",
                "(212) 555-0142",  # formatted for the region, as everywhere in the window
                "overdue by 30 min",
                "after lunch",
            )
        ]
        assert dialog.summary_label.text() == "1 callback pending, 1 callback overdue"
        dialog.call_selected()
        assert second.dialpad.number_text().endswith("2125550142")
        assert standin.request_count == 0
        dialog.close()


def test_the_callbacks_window_lists_pending_ones_soonest_first(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray]
) -> None:
    window, _tray = window_and_tray
    store = window.profile.store
    add_callback(store, NOW + timedelta(days=1, hours=2))
    add_callback(store, NOW - timedelta(hours=1, minutes=5))
    add_callback(store, NOW + timedelta(minutes=20))
    assert window.callbacks_action.shortcut().toString() == "Ctrl+Shift+K"
    window.callbacks_action.trigger()
    dialog: CallbacksDialog = window.callbacks_dialog
    assert [row[4] for row in dialog.row_texts()] == ["overdue by 1 h 5 min", "in 20 min", "in 1 d 2 h"]
    assert [row[0] for row in dialog.row_texts()] == ["Wed 03 Jun 14:55", "Wed 03 Jun 16:20", "Thu 04 Jun 18:00"]
    dialog.close()


def test_a_callback_dialled_leaves_the_banner_and_the_window_at_once(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray], standin: StandInService
) -> None:
    window, _tray = window_and_tray
    banners = window.reminder_banners
    add_callback(window.profile.store, NOW + timedelta(minutes=1))
    with qtbot.waitSignal(window.callback_reminders.reminder_due, timeout=WAIT_MS):
        window.callback_reminders.poll()
    assert banners.reminder.isVisible() and banners.reminder.text().endswith("— in 1 min")
    window.show_callbacks()
    dialog: CallbacksDialog = window.callbacks_dialog
    assert len(dialog.row_texts()) == 1
    window.dialpad.number_edit.setText("212 555 0142")  # dialled by hand, not from the banner
    window.dialpad.call_button.click()
    qtbot.waitUntil(banners.isHidden, timeout=WAIT_MS)  # no poll of the timer's needed
    assert StoreCallLists(window.profile.store).callbacks() == []
    qtbot.waitUntil(lambda: standin.request_count == 1, timeout=WAIT_MS)
    dialog.refresh()
    assert dialog.row_texts() == [] and dialog.summary_label.text() == "No callbacks scheduled."
    with qtbot.assertNotEmitted(window.callback_reminders.reminder_due):
        window.callback_reminders.poll()
    assert banners.isHidden()
    dialog.close()


def test_cancel_in_the_callbacks_window_takes_the_banner_down_at_once(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray], standin: StandInService
) -> None:
    window, _tray = window_and_tray
    banners = window.reminder_banners
    first = add_callback(window.profile.store, NOW + timedelta(seconds=30), note="first")
    add_callback(window.profile.store, NOW + timedelta(minutes=2), note="second")
    with qtbot.waitSignals([window.callback_reminders.reminder_due] * 2, timeout=WAIT_MS):
        window.callback_reminders.poll()
    assert banners.current is not None and banners.current.callback.id == first.id
    assert banners.reminder.text().endswith("— in less than a minute")
    window.show_callbacks()
    dialog: CallbacksDialog = window.callbacks_dialog
    assert [row[4] for row in dialog.row_texts()] == ["in less than a minute", "in 2 min"]
    dialog.table.setCurrentCell(0, 0)
    dialog.cancel_button.click()
    assert [row[5] for row in dialog.row_texts()] == ["second"]
    qtbot.waitUntil(lambda: banners.current is not None and banners.current.callback.id != first.id, timeout=WAIT_MS)
    assert banners.reminder.isVisible() and banners.reminder.text().endswith("— in 2 min")
    dialog.table.setCurrentCell(0, 0)
    dialog.cancel_button.click()
    qtbot.waitUntil(banners.isHidden, timeout=WAIT_MS)
    assert dialog.summary_label.text() == "No callbacks scheduled." and standin.request_count == 0
    dialog.close()


def test_a_banner_showing_moves_neither_the_dial_pad_nor_its_call_button(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray], tmp_path: Path
) -> None:
    """A new agent saw the widgets around Call move when a reminder came: the banners sit in the contacts' column,
    over the search, and take no room from the dial pad and the status."""
    window, _tray = window_and_tray
    window.resize(1000, 680)
    qtbot.waitUntil(lambda: window.size().width() == 1000, timeout=WAIT_MS)

    def places() -> dict[str, object]:
        watched = {
            "dial pad": window.dialpad,
            "Call": window.dialpad.call_button,
            "status": window.status_panel,
            "recent calls": window.recent,
        }
        return {name: widget.mapTo(window, widget.rect().topLeft()) for name, widget in watched.items()} | {
            f"{name} size": widget.size() for name, widget in watched.items()
        }

    before = places()
    window.grab().save(str(tmp_path / "without_banner.png"))
    add_callback(window.profile.store, NOW - timedelta(minutes=5))  # overdue and reminded: both banners show
    add_callback(window.profile.store, NOW + timedelta(minutes=1))
    with qtbot.waitSignal(window.callback_reminders.reminder_due, timeout=WAIT_MS):
        window.callback_reminders.poll()
    window.reminder_banners.show_overdue(due_callbacks(StoreCallLists(window.profile.store), NOW))
    qtbot.waitUntil(lambda: window.reminder_banners.overdue.isVisible(), timeout=WAIT_MS)
    QApplication.processEvents()  # the layouts settle
    window.grab().save(str(tmp_path / "with_banner.png"))
    assert window.reminder_banners.reminder.isVisible()
    banner_bottom = window.reminder_banners.mapTo(window, window.reminder_banners.rect().bottomLeft()).y()
    assert banner_bottom < window.search.mapTo(window, window.search.rect().topLeft()).y()  # over the search
    assert places() == before
    assert window.size().width() == 1000 and window.size().height() == 680


def test_a_banner_shows_over_the_tabs_while_a_session_card_is_in_front(
    qtbot: QtBot, window_and_tray: tuple[MainWindow, CallTray], tmp_path: Path
) -> None:
    """With a calling session, the left side is tabs: the banner sits over them, seen with the card in front, and it
    still moves neither the dial pad nor its Call button."""
    from PySide6.QtWidgets import QTabWidget

    from c2c_desktop.core.calllists import NewItem

    window, _tray = window_and_tray
    window.resize(1000, 680)
    qtbot.waitUntil(lambda: window.size().width() == 1000, timeout=WAIT_MS)
    lists = StoreCallLists(window.profile.store)
    made = lists.create_list("Monday")
    lists.add_items(made.id, [NewItem("+12125550148", None, "")])
    assert window.start_list_session(made.id)
    tabs = window.findChild(QTabWidget, "left_tabs")
    assert tabs is not None and window.session is not None
    qtbot.waitUntil(lambda: tabs.currentWidget() is window.session.panel, timeout=WAIT_MS)  # type: ignore[union-attr]
    QApplication.processEvents()
    dial_pad_at = window.dialpad.call_button.mapTo(window, window.dialpad.call_button.rect().topLeft())
    add_callback(window.profile.store, NOW + timedelta(minutes=1))
    with qtbot.waitSignal(window.callback_reminders.reminder_due, timeout=WAIT_MS):
        window.callback_reminders.poll()
    qtbot.waitUntil(window.reminder_banners.reminder.isVisible, timeout=WAIT_MS)
    QApplication.processEvents()
    window.grab().save(str(tmp_path / "banner_over_the_session.png"))
    contacts_page = tabs.widget(0)
    assert contacts_page is not None and not contacts_page.isAncestorOf(window.reminder_banners)
    banner_bottom = window.reminder_banners.mapTo(window, window.reminder_banners.rect().bottomLeft()).y()
    assert banner_bottom < tabs.mapTo(window, tabs.rect().topLeft()).y()  # over the tabs
    assert window.dialpad.call_button.mapTo(window, window.dialpad.call_button.rect().topLeft()) == dial_pad_at
    tabs.setCurrentIndex(0)  # the contacts in front: still seen
    assert window.reminder_banners.reminder.isVisible()
