"""Callbacks scheduled across the 2026 clock changes (US 8 March and 1 November, Europe 29 March and 25 October): the
time agreed on the callee's clock is kept, the reminder comes 2 minutes before that instant (not an hour off), and
a callback that fell due while the app was closed is overdue at the next start, by the right amount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from c2c_desktop.core.calllists import StoreCallLists
from c2c_desktop.core.config import Settings
from c2c_desktop.core.list_work import (
    DEFAULT_REMINDER_MINUTES,
    both_clocks,
    due_callbacks,
    late_text,
    parse_local_time,
    reminders,
    schedule_callback,
)
from c2c_desktop.core.phone import number_to_call
from c2c_desktop.core.rules.guard import build_guard
from c2c_desktop.core.store import Store

FLORIDA, BERLIN = "+13055550100", "+493012345678"


@pytest.mark.parametrize(
    ("number", "agent", "scheduled_at", "their_time", "due", "words"),
    [
        # US spring forward, Sunday 8 March: scheduled on Friday (EST), due Monday 10:00 EDT = 14:00 UTC.
        (
            FLORIDA,
            "America/Los_Angeles",
            datetime(2026, 3, 6, 17, 0, tzinfo=UTC),
            "2026-03-09 10:00",
            datetime(2026, 3, 9, 14, 0, tzinfo=UTC),
            "Mon 2026-03-09 10:00 their time (America/New_York) · Mon 07:00 yours",
        ),
        # US fall back, Sunday 1 November: scheduled on Friday (EDT), due Monday 10:00 EST = 15:00 UTC.
        (
            FLORIDA,
            "America/Los_Angeles",
            datetime(2026, 10, 30, 17, 0, tzinfo=UTC),
            "2026-11-02 10:00",
            datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
            "Mon 2026-11-02 10:00 their time (America/New_York) · Mon 07:00 yours",
        ),
        # Europe, Sunday 29 March: due Monday 10:00 CEST = 08:00 UTC; the agent in New York (already on EDT since
        # 8 March) is 6 hours behind again: 04:00.
        (
            BERLIN,
            "America/New_York",
            datetime(2026, 3, 27, 9, 0, tzinfo=UTC),
            "2026-03-30 10:00",
            datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
            "Mon 2026-03-30 10:00 their time (Europe/Berlin) · Mon 04:00 yours",
        ),
        # Europe, Sunday 25 October: due Monday 10:00 CET = 09:00 UTC; New York stays on EDT until 1 November, so
        # for that week the agent is 5 hours behind: 05:00.
        (
            BERLIN,
            "America/New_York",
            datetime(2026, 10, 23, 9, 0, tzinfo=UTC),
            "2026-10-26 10:00",
            datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
            "Mon 2026-10-26 10:00 their time (Europe/Berlin) · Mon 05:00 yours",
        ),
    ],
    ids=["us-8-march", "us-1-november", "europe-29-march", "europe-25-october"],
)
def test_a_callback_across_a_clock_change_is_due_and_reminded_at_the_agreed_instant(
    tmp_path: Path, number: str, agent: str, scheduled_at: datetime, their_time: str, due: datetime, words: str
) -> None:
    path = tmp_path / "db.sqlite3"
    callee = number_to_call(number)
    with Store(path) as store:
        guard = build_guard(Settings(agent_number="3125550100"), store, clock=lambda: scheduled_at)
        zone = "America/New_York" if number == FLORIDA else "Europe/Berlin"
        at = parse_local_time(their_time, ZoneInfo(zone))
        kept = schedule_callback(StoreCallLists(store), guard, callee, at, scheduled_at)
        assert (kept.due_at, kept.zone) == (due, zone)
        assert both_clocks(kept.due_at, kept.zone, ZoneInfo(agent)) == words
        # The offset in force when it was scheduled would put it an hour off: the reminder is not due then.
        before = timedelta(minutes=DEFAULT_REMINDER_MINUTES)
        wrong_hour = (
            due
            + (scheduled_at.astimezone(ZoneInfo(zone)).utcoffset() or timedelta())
            - (due.astimezone(ZoneInfo(zone)).utcoffset() or timedelta())
        )
        assert wrong_hour != due
        assert reminders(StoreCallLists(store), wrong_hour - before) == []
    with Store(path) as store:  # a restart: stored in UTC with the callee's zone, the same instant
        lists = StoreCallLists(store)
        assert reminders(lists, due - before - timedelta(seconds=1)) == []
        (reminder,) = reminders(lists, due - before)
        assert reminder.callback.due_at == due and not reminder.overdue
        (on_time,) = due_callbacks(lists, due)
        assert on_time.late == timedelta(0) and not on_time.overdue
        assert due_callbacks(lists, due - timedelta(seconds=1)) == []
    # The app was closed from before the reminder until 90 minutes after the callback: overdue at the next start.
    with Store(path) as store:
        lists = StoreCallLists(store)
        (late,) = due_callbacks(lists, due + timedelta(minutes=90))
        assert late.overdue and late.late == timedelta(minutes=90) and late_text(late.late) == "1 h 30 min"
        assert reminders(lists, due + timedelta(minutes=90)) == []  # no reminder for what is already overdue
