"""Per-list figures from the store: the fixture journal (tests/figures_support.py), two call lists whose calls are
linked as `call_started` links them, and the callbacks table; compared with values worked out by hand."""

from __future__ import annotations

import pytest

from c2c_desktop.core.calllists import StoreCallLists
from c2c_desktop.core.figures import HourBar, day_figures, figures_json, today_period
from c2c_desktop.core.store import Store
from tests.figures_support import MONDAY, NEW_YORK, NOW, fill_fixture_journal, fill_fixture_lists


@pytest.fixture
def lists(store: Store, monkeypatch: pytest.MonkeyPatch) -> StoreCallLists:
    fill_fixture_lists(store, fill_fixture_journal(store, monkeypatch))
    return StoreCallLists(store)


def test_a_lists_figures_count_its_calls_and_its_callbacks(store: Store, lists: StoreCallLists) -> None:
    figures = day_figures(store, today_period(MONDAY), call_list=lists.require_list("q4"), zone=NEW_YORK, now=NOW)
    assert figures.list_name == "Q4" and figures_json(figures)["list"] == "Q4"
    # Q4's calls: 2, 3, 5, 8. Dials 2, 3, 8 = 3 (5 was not sent); answers 2, 8 (recorded connected) = 2; connects
    # 2 "Connected – interested" and 8 "Call back later" = 2; the other calls of the day are not the list's.
    assert (figures.dials, figures.first_leg_answers, figures.prospect_connects) == (3, 2, 2)
    assert figures.connect_rate == pytest.approx(2 / 3)
    assert figures.calling_hours == 2  # 09 (2 at 09:05, 3 at 09:50), 10 (8 at 10:45)
    assert figures.dials_per_hour == pytest.approx(1.5)
    # Q4's callbacks due Monday: a kept (call 2, five minutes later); b missed (only call 5, not sent, near it);
    # d pending (its window runs to 20:15, now is 20:00); e kept by call 13, which was not placed from the list
    # (any dial keeps a callback). f is Tuesday's; x was cancelled: neither kept nor missed.
    assert (figures.callbacks_kept, figures.callbacks_missed, figures.callbacks_pending) == (2, 1, 1)
    # Callee's clock: 3 in Los Angeles at 06:50; 2 in New York at 09:05 and 8 in Chicago at 09:45, both connects.
    assert figures.by_callee_hour == (HourBar(6, 1, 0), HourBar(9, 2, 2))


def test_another_lists_figures_and_the_overall_ones(store: Store, lists: StoreCallLists) -> None:
    other = day_figures(store, today_period(MONDAY), call_list=lists.require_list("Other"), zone=NEW_YORK, now=NOW)
    # Call 10 to London at 13:00: a dial, answered, "Left voicemail" is no connect. Callback c (18:50) is missed:
    # call 10 was 50 minutes early.
    assert (other.dials, other.first_leg_answers, other.prospect_connects, other.calling_hours) == (1, 1, 0, 1)
    assert (other.callbacks_kept, other.callbacks_missed, other.callbacks_pending) == (0, 1, 0)
    assert other.by_callee_hour == (HourBar(18, 1, 0),)
    overall = day_figures(store, today_period(MONDAY), zone=NEW_YORK, now=NOW)
    # Every call of the day (tests/core/test_figures.py's Monday), and every callback due Monday but the cancelled
    # one: a, e kept; b, c and h (on no list, a toll-free number nobody dialled near 17:00) missed; d pending.
    assert (overall.list_name, overall.dials, overall.first_leg_answers, overall.prospect_connects) == ("", 9, 5, 3)
    assert (overall.callbacks_kept, overall.callbacks_missed, overall.callbacks_pending) == (2, 3, 1)
