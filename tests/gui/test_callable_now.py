"""Seeing it before calling: the highlighted contact's and the typed number's local time and whether they can be
called now, and the mark on list rows that cannot. A real window over a real SQLite profile in consumer mode, with
the calling rules' clock frozen through the Profile."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage

from c2c_desktop.core import config
from c2c_desktop.core.credentials import MemoryCredentialStore
from c2c_desktop.core.models import Contact, Credentials, PhoneEntry
from c2c_desktop.core.rules import dnc
from c2c_desktop.core.rules.audit import StoreAuditLog
from c2c_desktop.core.rules.guard import CallGuard
from c2c_desktop.core.store import Store
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import Profile

NEW_YORK = ZoneInfo("America/New_York")
EVENING = datetime(2026, 6, 2, 20, 30, tzinfo=NEW_YORK)  # a Tuesday: Florida's 20:00 has passed, federal 21:00 not
AFTERNOON = datetime(2026, 6, 2, 14, 0, tzinfo=NEW_YORK)
MIAMI = ("Mia Delgado", "(305) 374-0100", "+13053740100")
CHICAGO = ("Carl Novak", "(312) 555-0101", "+13125550101")
TIMEOUT_MS = 5_000


class Clock:
    """The rules' clock, frozen at `now` until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _contact(name: str, number: str) -> Contact:
    return Contact(id=None, name=name, phones=(PhoneEntry(number=number, primary=True),))


def _open(tmp_path: Path, clock: Clock, contacts: list[Contact]) -> tuple[MainWindow, Profile]:
    store = Store(tmp_path / "c2c.sqlite3", region="US")
    store.add_contacts(contacts)
    profile = Profile(
        store=store,
        settings_path=tmp_path / "settings.json",
        settings=config.Settings(mode="consumer", region="US", agent_number="+12125550100"),
        credential_store=MemoryCredentialStore(Credentials("test-access-key", "test-secret-key")),
        window_state=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat),
        clock=clock,
    )
    profile.cleanups.append(store.close)
    window = MainWindow(profile)
    return window, profile


@pytest.fixture
def clock() -> Clock:
    return Clock(EVENING)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, clock: Clock) -> Iterator[MainWindow]:
    main, profile = _open(tmp_path, clock, [_contact(*MIAMI[:2]), _contact(*CHICAGO[:2])])
    main.show()
    main.start()
    qtbot.waitUntil(lambda: main.contacts_model.total_count == 2, timeout=TIMEOUT_MS)
    yield main
    main.shutdown()
    main.close()
    main.deleteLater()
    profile.close()


def _highlight(qtbot: QtBot, window: MainWindow, query: str) -> None:
    window.search.clear()
    qtbot.keyClicks(window.search, query)
    qtbot.waitUntil(lambda: window.current_contact() is not None, timeout=TIMEOUT_MS)


def _contact_line(window: MainWindow) -> str:
    return window.contact_glance.text()


def test_a_miami_contact_at_2030_new_york_time_is_not_callable_and_says_when_it_opens(
    qtbot: QtBot, window: MainWindow
) -> None:
    _highlight(qtbot, window, "mia")
    expected = "Florida · 20:30 · not callable now: opens 08:00 Wed"
    qtbot.waitUntil(lambda: _contact_line(window) == expected, timeout=TIMEOUT_MS)
    assert "Florida allows calls 08:00–20:00" in window.contact_glance.toolTip()


def test_the_same_contact_at_1400_is_callable(qtbot: QtBot, window: MainWindow, clock: Clock) -> None:
    clock.now = AFTERNOON
    _highlight(qtbot, window, "mia")
    qtbot.waitUntil(lambda: _contact_line(window) == "Florida · 14:00 · callable until 20:00", timeout=TIMEOUT_MS)


def test_the_line_follows_the_minute(qtbot: QtBot, window: MainWindow, clock: Clock) -> None:
    clock.now = AFTERNOON
    _highlight(qtbot, window, "carl")
    qtbot.waitUntil(lambda: _contact_line(window).startswith("Illinois · 13:00 ·"), timeout=TIMEOUT_MS)
    clock.now = datetime(2026, 6, 2, 22, 1, tzinfo=NEW_YORK)
    window.before_calling.callable_now._on_minute()  # the minute timer's slot
    assert _contact_line(window) == "Illinois · 21:01 · not callable now: opens 08:00 Wed"


def test_a_settings_change_is_shown_at_once(qtbot: QtBot, window: MainWindow) -> None:
    _highlight(qtbot, window, "mia")
    qtbot.waitUntil(lambda: "not callable now" in _contact_line(window), timeout=TIMEOUT_MS)
    window.apply_settings(dataclasses.replace(window.profile.settings, mode="business"))
    assert _contact_line(window) == "Florida · 20:30 · callable now"


def _row_image(window: MainWindow, row: int) -> QImage:
    view = window.contact_list
    rect = view.visualRect(window.contacts_model.index(row, 0))
    return view.viewport().grab(rect).toImage()


def _has_mark(image: QImage) -> bool:
    """Some pixel in the right end of the row's second line differs from the row's background (the icon)."""
    background = image.pixel(image.width() - 2, 1)
    top, right = image.height() // 2, image.width() - 4
    corner = [(x, y) for x in range(right - image.height() // 2, right) for y in range(top, image.height())]
    return any(image.pixel(x, y) != background for x, y in corner)


def test_the_list_marks_the_contact_that_cannot_be_called_now_and_not_the_other(
    qtbot: QtBot, window: MainWindow
) -> None:
    model = window.contacts_model
    rows = {model.row_texts(row)[0]: row for row in range(model.rowCount())}
    miami, chicago = rows[MIAMI[0]], rows[CHICAGO[0]]
    window.contact_list.clearSelection()  # judged as painted rows, not as the highlighted one
    window.contact_list.viewport().repaint()
    callable_now = window.before_calling.callable_now
    qtbot.waitUntil(
        lambda: all(callable_now.cached(model.contact_id_at(row) or 0) is not None for row in (miami, chicago)),
        timeout=TIMEOUT_MS,
    )
    miami_mark, chicago_mark = (callable_now.cached(model.contact_id_at(row) or 0) for row in (miami, chicago))
    assert miami_mark is not None and not miami_mark.callable_now
    assert chicago_mark is not None and chicago_mark.callable_now
    window.contact_list.setCurrentIndex(model.index(chicago, 0))  # the Miami row is painted unselected
    window.contact_list.viewport().repaint()
    assert _has_mark(_row_image(window, miami))
    window.contact_list.setCurrentIndex(model.index(miami, 0))
    window.contact_list.viewport().repaint()
    assert not _has_mark(_row_image(window, chicago))
    tooltip = model.data(model.index(miami, 0), Qt.ItemDataRole.ToolTipRole)
    assert "Not callable now: it is 20:30 in Florida" in tooltip


def test_a_number_on_the_do_not_call_list_shows_as_such(qtbot: QtBot, window: MainWindow, clock: Clock) -> None:
    clock.now = AFTERNOON  # callable by the hours: only the list stops it
    _highlight(qtbot, window, "carl")
    qtbot.waitUntil(lambda: "callable until 21:00" in _contact_line(window), timeout=TIMEOUT_MS)
    # Another program (`c2c-desktop dnc add`) lists it: the window follows the store.
    other = Store(window.profile.store.path, region="US")
    try:
        with other.transaction():
            dnc.add_internal(
                other, CHICAGO[2], "asked not to be called", agent_number="", audit=StoreAuditLog(other), clock=clock
            )
    finally:
        other.close()
    window.watcher.poll()
    assert _contact_line(window) == "on the do-not-call list"
    assert '"Internal"' in window.contact_glance.toolTip()


def test_the_typed_number_line_follows_typing(qtbot: QtBot, window: MainWindow) -> None:
    callable_now = window.before_calling.callable_now
    line = window.dialpad.verdict_line
    qtbot.waitUntil(lambda: callable_now.ready, timeout=TIMEOUT_MS)
    before = callable_now.numbers_judged
    qtbot.keyClicks(window.dialpad.number_edit, "3053740100")
    assert callable_now.numbers_judged == before  # not judged per keystroke
    qtbot.waitUntil(lambda: line.text() == "Florida · 20:30 · not callable now: opens 08:00 Wed", timeout=TIMEOUT_MS)
    assert callable_now.numbers_judged == before + 1
    window.dialpad.clear_number()
    assert line.text() == ""
    qtbot.keyClicks(window.dialpad.number_edit, "3125550101")
    qtbot.waitUntil(lambda: line.text() == "Illinois · 19:30 · callable until 21:00", timeout=TIMEOUT_MS)


def test_typing_a_search_judges_only_the_highlighted_contact_then_the_rows_painted(
    qtbot: QtBot, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts = [_contact(f"Contact {index:04d}", f"(312) 555-{index:04d}") for index in range(3_000)]
    window, profile = _open(tmp_path, clock, contacts)
    try:
        window.show()
        qtbot.waitUntil(lambda: window.contacts_model.total_count == 3_000, timeout=TIMEOUT_MS)
        callable_now = window.before_calling.callable_now
        callable_now.warm_up()
        qtbot.waitUntil(lambda: callable_now.ready, timeout=TIMEOUT_MS)
        reports: list[str] = []
        original = CallGuard.report

        def counted(self: CallGuard, number: object, **kwargs: object) -> object:
            reports.append(getattr(number, "e164", ""))
            return original(self, number, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(CallGuard, "report", counted)
        window.search.setFocus()
        keys = "contact 0"
        qtbot.keyClicks(window.search, keys)  # no pause: the rows' timer never fires while typing
        assert len(reports) <= len(keys)  # the highlighted contact, once per highlight change at most
        typed = len(reports)
        view = window.contact_list
        visible_rows = view.viewport().height() // view.rowHeight(0) + 1
        qtbot.waitUntil(lambda: len(reports) > typed, timeout=TIMEOUT_MS)
        qtbot.wait(3 * 150)  # nothing more is judged once the painted rows are
        assert 0 < len(reports) - typed <= visible_rows
        assert len(reports) < 100  # never the whole list (3,000)
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        profile.close()


def test_the_frozen_clock_is_the_guards(window: MainWindow) -> None:
    guard = window._guard_for(window.profile.settings)
    assert guard._clock() == EVENING.astimezone(UTC) or guard._clock() == EVENING


def test_the_warm_up_and_a_verdict_need_no_geocoder() -> None:
    # The bundle (packaging/c2c-desktop.spec) leaves libphonenumber's geocoder and carrier data out: the rules find
    # places with their own table. Checked in a fresh interpreter, as the warm-up thread runs it.
    script = (
        "import sys\n"
        "from c2c_desktop.gui import callable_now\n"
        "callable_now._warm()\n"
        "from c2c_desktop.core.phone import parse_number\n"
        "from c2c_desktop.core.rules.hours import whereabouts\n"
        "print(whereabouts(parse_number('(305) 555-0142', 'US')).place)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('phonenumbers.geo', 'phonenumbers.carrier'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout.split()) == (0, ["Florida", "[]"]), result.stderr


@pytest.mark.parametrize(("region", "typed"), [("US", "(305) 555-0142"), ("GB", "020 7946 0018")])
def test_after_the_warm_up_the_first_dial_imports_nothing(region: str, typed: str) -> None:
    # The first call's parse imported its region's numbering data on the GUI thread: a 50-75 ms stall of the window.
    script = (
        "import sys\n"
        "from c2c_desktop.gui import callable_now\n"
        f"callable_now._warm({region!r})\n"
        "from c2c_desktop.core.phone import number_to_call\n"
        "before = set(sys.modules)\n"
        f"number_to_call({typed!r}, {region!r})\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
