"""The day's figures from a fixture journal: a real SQLite store, rows written through the store's API at frozen times,
compared with values worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from c2c_desktop.core.figures import (
    FIGURES_CSV_COLUMNS,
    HourBar,
    Period,
    calls_with_ids,
    compute_figures,
    figure_call,
    figures_from_store,
    figures_json,
    read_calls,
    today_period,
    week_period,
    write_figures_csv,
)
from c2c_desktop.core.models import Outcome
from c2c_desktop.core.store import Store
from tests.figures_support import (
    CALLBACKS,
    MONDAY,
    NEW_YORK,
    NOW,
    NY,
    fill_fixture_journal,
    journal_call,
)


@pytest.fixture
def ids(store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[int, int]:
    """The fixture journal (tests/figures_support.py): calls 1-14 around Monday 2026-12-07 in New York."""
    return fill_fixture_journal(store, monkeypatch)


def test_the_day_figures_match_the_hand_computed_ones(store: Store, ids: dict[int, int]) -> None:
    figures = figures_from_store(store, today_period(MONDAY), zone=NEW_YORK, now=NOW, callbacks=CALLBACKS)
    # Dials: 2, 3, 4, 7, 8, 10, 11, 12, 13 = 9 (1 and 14 are other days; 5, 6, 9 never rang a phone).
    assert figures.dials == 9
    # First-leg answers: 2, 4, 8 (recorded connected), 10, 11 = 5 (7 unknown and 12 placing are not).
    assert figures.first_leg_answers == 5
    # Prospect connects: 2 "Connected – interested", 4 "not interested", 8 "Call back later" = 3.
    assert figures.prospect_connects == 3
    assert figures.connect_rate == pytest.approx(3 / 9)  # 33 %
    # Calling hours of the agent's clock: 09 (2, 3), 10 (4, 7, 8), 13 (10, 11, 12), 23 (13) = 4; 9 / 4 = 2.25.
    assert figures.calling_hours == 4
    assert figures.dials_per_hour == pytest.approx(2.25)
    # Callbacks due today: a..e; kept a, e = 2; missed b, c = 2; pending d = 1.
    assert (figures.callbacks_kept, figures.callbacks_missed, figures.callbacks_pending) == (2, 2, 1)
    # By the callee's clock: 06 LA (3); 09 NY 2 + Chicago 7, 8 (2 and 8 connects); 10 NY 4 (connect); 18 London 10;
    # 23 NY 13; unknown 11, 12. Dials 1 + 3 + 1 + 1 + 1 + 2 = 9.
    assert figures.by_callee_hour == (
        HourBar(6, 1, 0),
        HourBar(9, 3, 2),
        HourBar(10, 1, 1),
        HourBar(18, 1, 0),
        HourBar(23, 1, 0),
        HourBar(None, 2, 0),
    )
    assert figures.by_callee_hour[1].rate == pytest.approx(2 / 3)


def test_a_range_of_days_takes_in_both_neighbours(store: Store, ids: dict[int, int]) -> None:
    """Sunday to Tuesday: calls 1 and 14 join."""
    figures = figures_from_store(store, Period(date(2026, 12, 6), date(2026, 12, 8)), zone=NEW_YORK, now=NOW)
    assert figures.dials == 9 + 2
    assert figures.first_leg_answers == 5 + 1  # 14 connected
    assert figures.prospect_connects == 3 + 1  # 14 "Connected – interested"
    assert figures.calling_hours == 4 + 2  # Sunday 23:00 and Tuesday 00:00
    assert figures.callbacks_kept is None  # no callbacks given: not known, not zero
    hours = {bar.hour: (bar.dials, bar.connects) for bar in figures.by_callee_hour}
    assert hours[23] == (2, 0) and hours[0] == (1, 1)  # 1 and 13 at 23:xx; 14 at 00:00


def test_per_list_counts_only_the_lists_calls(store: Store, ids: dict[int, int]) -> None:
    """A list made of calls 2, 3, 5, 8: dials 2, 3, 8 = 3 (5 not sent); answers 2, 8; connects 2, 8."""
    listed = calls_with_ids({ids[2], ids[3], ids[5], ids[8]})
    figures = figures_from_store(
        store, today_period(MONDAY), zone=NEW_YORK, now=NOW, include=listed, callbacks=CALLBACKS[:2], list_name="Q4"
    )
    assert (figures.dials, figures.first_leg_answers, figures.prospect_connects) == (3, 2, 2)
    assert figures.calling_hours == 2  # 09 (2, 3), 10 (8)
    assert figures.dials_per_hour == pytest.approx(1.5)
    assert (figures.callbacks_kept, figures.callbacks_missed, figures.callbacks_pending) == (1, 1, 0)
    assert figures_json(figures)["list"] == "Q4"


def test_an_empty_range_has_no_rates(store: Store, ids: dict[int, int]) -> None:
    figures = figures_from_store(store, Period(date(2026, 12, 1), date(2026, 12, 2)), zone=NEW_YORK, callbacks=[])
    assert (figures.dials, figures.first_leg_answers, figures.prospect_connects, figures.calling_hours) == (0, 0, 0, 0)
    assert figures.connect_rate is None and figures.dials_per_hour is None  # nothing to divide by: "—", not 0 %
    assert (figures.callbacks_kept, figures.callbacks_missed, figures.callbacks_pending) == (0, 0, 0)
    assert figures.by_callee_hour == ()
    assert figures_json(figures)["connect_rate"] is None


def test_the_journal_read_agrees_with_the_journal_entries(store: Store, ids: dict[int, int]) -> None:
    start, end = Period(date(2026, 12, 1), date(2026, 12, 31)).bounds(NEW_YORK)
    entries = sorted(store.list_calls(), key=lambda entry: (entry.started_at, entry.id))
    assert read_calls(store, start, end) == [figure_call(entry) for entry in entries]


def test_spring_forward_day_has_23_hours(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """2026-03-08 in New York: 00:00 EST (05:00Z) to 00:00 EDT next day (04:00Z)."""
    day = Period(date(2026, 3, 8), date(2026, 3, 8))
    start, end = day.bounds(NEW_YORK)
    assert (start.isoformat(), (end - start).total_seconds()) == ("2026-03-08T05:00:00+00:00", 23 * 3600)
    journal_call(store, monkeypatch, "2026-03-08T04:59:00.000Z", NY, Outcome.NO_ANSWER)  # Sat 23:59 EST: out
    journal_call(store, monkeypatch, "2026-03-08T06:30:00.000Z", NY, Outcome.NO_ANSWER)  # 01:30 EST: in
    journal_call(store, monkeypatch, "2026-03-08T07:30:00.000Z", NY, Outcome.NO_ANSWER)  # 03:30 EDT: in
    journal_call(store, monkeypatch, "2026-03-09T03:59:00.000Z", NY, Outcome.NO_ANSWER)  # 23:59 EDT: in
    journal_call(store, monkeypatch, "2026-03-09T04:00:00.000Z", NY, Outcome.NO_ANSWER)  # Mon 00:00 EDT: out
    figures = figures_from_store(store, day, zone=NEW_YORK)
    assert figures.dials == 3
    assert figures.calling_hours == 3  # 01, 03 and 23 (02:00 does not exist that night)
    assert [bar.hour for bar in figures.by_callee_hour] == [1, 3, 23]


def test_fall_back_day_has_25_hours_and_two_one_oclocks(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """2026-11-01 in New York: 00:00 EDT (04:00Z) to 00:00 EST next day (05:00Z); 01:00-01:59 happens twice."""
    day = Period(date(2026, 11, 1), date(2026, 11, 1))
    start, end = day.bounds(NEW_YORK)
    assert (start.isoformat(), (end - start).total_seconds()) == ("2026-11-01T04:00:00+00:00", 25 * 3600)
    journal_call(store, monkeypatch, "2026-11-01T03:59:00.000Z", NY, Outcome.NO_ANSWER)  # Sat 23:59 EDT: out
    journal_call(store, monkeypatch, "2026-11-01T05:30:00.000Z", NY, Outcome.NO_ANSWER)  # 01:30 EDT
    journal_call(store, monkeypatch, "2026-11-01T06:30:00.000Z", NY, Outcome.NO_ANSWER)  # 01:30 EST, an hour later
    journal_call(store, monkeypatch, "2026-11-02T04:59:00.000Z", NY, Outcome.NO_ANSWER)  # 23:59 EST: in
    journal_call(store, monkeypatch, "2026-11-02T05:00:00.000Z", NY, Outcome.NO_ANSWER)  # Mon 00:00 EST: out
    figures = figures_from_store(store, day, zone=NEW_YORK)
    assert figures.dials == 3
    assert figures.calling_hours == 3  # the first 01:00 hour, the second one, 23:00: 3 / 3 = 1 dial per hour
    assert figures.by_callee_hour == (HourBar(1, 2, 0), HourBar(23, 1, 0))  # both at 01:30 on the callee's clock


def test_this_week_is_monday_to_today() -> None:
    assert week_period(date(2026, 12, 10)) == Period(date(2026, 12, 7), date(2026, 12, 10), "week")
    assert week_period(MONDAY).first == MONDAY == week_period(MONDAY).last
    with pytest.raises(ValueError, match="ends"):
        Period(date(2026, 12, 2), date(2026, 12, 1))


def test_dispositions_match_whatever_the_case_spaces_and_dash() -> None:
    period = today_period(MONDAY)
    started = "2026-12-07T15:00:00.000Z"
    from c2c_desktop.core.figures import _call

    written = ["connected - INTERESTED", "Connected—interested", " Connected  –  interested ", "Connected"]
    calls = [_call(n, started, "done", "connected", text, NY) for n, text in enumerate(written)]
    figures = compute_figures(calls, period, zone=NEW_YORK)
    assert figures.prospect_connects == 3  # the bare "Connected" is not a prospect connect
    only_mine = compute_figures(calls, period, zone=NEW_YORK, connect_dispositions=["Connected"])
    assert only_mine.prospect_connects == 1


def test_csv_export_of_the_figures(store: Store, ids: dict[int, int], tmp_path: Path) -> None:
    figures = figures_from_store(store, today_period(MONDAY), zone=NEW_YORK, now=NOW, callbacks=CALLBACKS)
    path = tmp_path / "figures.csv"
    count = write_figures_csv([figures], path)
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert count == len(rows) == 9 + 6  # nine figures, six hours of the callee's clock
    assert tuple(rows[0]) == FIGURES_CSV_COLUMNS
    values = {row["figure"]: row["value"] for row in rows if row["figure"] != "connect_rate_by_callee_hour"}
    assert values == {
        "dials": "9",
        "first_leg_answers": "5",
        "prospect_connects": "3",
        "connect_rate": "0.3333",
        "calling_hours": "4",
        "dials_per_hour": "2.2500",
        "callbacks_kept": "2",
        "callbacks_missed": "2",
        "callbacks_pending": "1",
    }
    hours = [
        (row["callee_local_hour"], row["dials"], row["prospect_connects"], row["value"])
        for row in rows
        if row["figure"] == "connect_rate_by_callee_hour"
    ]
    assert hours[1] == ("9", "3", "2", "0.6667") and hours[-1] == ("unknown", "2", "0", "0.0000")
    assert {(row["from"], row["to"]) for row in rows} == {("2026-12-07", "2026-12-07")}
