"""The fixture journal of the figures' tests (core, CLI, window): rows written through the store's API at frozen
times. The hand-computed figures of Monday 2026-12-07 are in tests/core/test_figures.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

import c2c_desktop.core.store as store_module
from c2c_desktop.core.calllists import CallbackState, NewItem, StoreCallLists
from c2c_desktop.core.figures import Callback
from c2c_desktop.core.models import CallRequest, CallResult, Outcome
from c2c_desktop.core.store import Store

NEW_YORK = ZoneInfo("America/New_York")  # the agent's zone in these tests: UTC-5 in December, UTC-4 in summer

NY = "+12125550142"  # America/New_York
LA = "+14155550100"  # America/Los_Angeles (UTC-8 in December)
CHICAGO = "+13125550100"  # America/Chicago (UTC-6 in December)
LONDON = "+442071234567"  # Europe/London (UTC+0 in December)
ALASKA = "+19075550100"  # two candidate zones (Adak, Anchorage): unknown
TOLL_FREE = "+18005550100"  # no zone: unknown


def journal_call(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    started: str,
    e164: str,
    outcome: Outcome | None,
    *,
    finished: str | None = None,
    disposition: str | None = None,
    reconciled: Outcome | None = None,
) -> int:
    """A call written as the app writes one (begin_call, then finish_call), with the clock frozen at `started` (and at
    `finished`, default `started`, for its end). `outcome` None: still placing."""
    monkeypatch.setattr(store_module, "utc_now", lambda: started)
    entry = store.begin_call(CallRequest(agent_number="5552010001", phone_to_call=e164.lstrip("+")), e164=e164)
    if outcome is not None:
        monkeypatch.setattr(store_module, "utc_now", lambda: finished or started)
        store.finish_call(entry.id, CallResult(outcome, "fixture"))
    if disposition is not None:
        store.set_disposition(entry.id, disposition)
    if reconciled is not None:
        store.reconcile(entry.id, reconciled)
    return entry.id


def fill_fixture_journal(store: Store, monkeypatch: pytest.MonkeyPatch) -> dict[int, int]:
    """Monday 2026-12-07 in New York (local = UTC-5). Keys are the call numbers used in the comments below."""
    calls: dict[int, int] = {}

    def add(number: int, *args: object, **kwargs: object) -> None:
        calls[number] = journal_call(store, monkeypatch, *args, **kwargs)  # type: ignore[arg-type]

    # 1: Sunday 23:59:59 local, ends Monday 00:01: counts on Sunday (the day it started), not today.
    add(1, "2026-12-07T04:59:59.000Z", NY, Outcome.NO_ANSWER, finished="2026-12-07T05:01:00.000Z")
    add(2, "2026-12-07T14:05:00.000Z", NY, Outcome.CONNECTED, disposition="Connected – interested")  # 09:05
    add(3, "2026-12-07T14:50:00.000Z", LA, Outcome.NO_ANSWER)  # 09:50; LA clock 06:50
    add(4, "2026-12-07T15:10:00.000Z", NY, Outcome.CONNECTED, disposition="not interested")  # 10:10, any case
    add(5, "2026-12-07T15:20:00.000Z", LA, Outcome.NOT_SENT)  # not a dial
    add(6, "2026-12-07T15:30:00.000Z", CHICAGO, Outcome.REJECTED)  # not a dial
    add(7, "2026-12-07T15:40:00.000Z", CHICAGO, Outcome.UNKNOWN)  # 10:40: a dial, not an answer; Chicago 09:40
    # 8: unknown, then the agent recorded that it connected: a dial, an answer (Chicago 09:45), a connect.
    add(
        8,
        "2026-12-07T15:45:00.000Z",
        CHICAGO,
        Outcome.UNKNOWN,
        reconciled=Outcome.CONNECTED,
        disposition="Call back later",
    )
    add(9, "2026-12-07T15:50:00.000Z", CHICAGO, Outcome.UNKNOWN, reconciled=Outcome.NOT_SENT)  # recorded: not placed
    add(10, "2026-12-07T18:00:00.000Z", LONDON, Outcome.CONNECTED, disposition="Left voicemail")  # 13:00; London 18:00
    add(11, "2026-12-07T18:30:00.000Z", ALASKA, Outcome.CONNECTED, disposition="Wrong number")  # 13:30; unknown zone
    add(12, "2026-12-07T18:45:00.000Z", TOLL_FREE, None)  # 13:45, still placing: a dial; unknown zone
    # 13: 23:59 local, ends after midnight: counts today; NY clock 23.
    add(13, "2026-12-08T04:59:00.000Z", NY, Outcome.NO_ANSWER, finished="2026-12-08T05:00:30.000Z")
    add(14, "2026-12-08T05:00:00.000Z", NY, Outcome.CONNECTED, disposition="Connected – interested")  # Tue 00:00
    return calls


CALLBACKS = [
    Callback(datetime(2026, 12, 7, 14, 0, tzinfo=UTC), NY),  # a: call 2 five minutes later: kept
    Callback(datetime(2026, 12, 7, 15, 25, tzinfo=UTC), LA),  # b: only call 5 (not sent) near it: missed
    Callback(datetime(2026, 12, 7, 18, 50, tzinfo=UTC), LONDON),  # c: call 10 was 50 min early: missed
    Callback(datetime(2026, 12, 7, 19, 45, tzinfo=UTC), NY),  # d: its window runs to 20:15, now is 20:00: pending
    Callback(datetime(2026, 12, 8, 4, 45, tzinfo=UTC), NY),  # e: 23:45 local; call 13 14 min later: kept
    Callback(datetime(2026, 12, 8, 5, 10, tzinfo=UTC), NY),  # f: Tuesday 00:10 local: not today
    Callback(datetime(2026, 12, 7, 4, 58, tzinfo=UTC), NY),  # g: Sunday 23:58 local: not today
]
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # 15:00 in New York
MONDAY = date(2026, 12, 7)


def fill_fixture_lists(store: Store, calls: dict[int, int]) -> None:
    """Two call lists over the fixture journal, and the callbacks table (core/calllists.py).

    "Q4": items New York, Los Angeles and Chicago; calls 2 (NY), 3 and 5 (LA), 8 (Chicago) were placed from them.
    "Other": item London; call 10. Callbacks: a, b, d, e, f of `CALLBACKS` for Q4's items (NY, LA), c for Other's
    London item, g and h on no list (scheduled from the contacts), and x, cancelled, for Q4's Chicago item.
    """
    lists = StoreCallLists(store)
    q4, other = lists.create_list("Q4"), lists.create_list("Other")
    lists.add_items(q4.id, [NewItem(NY), NewItem(LA), NewItem(CHICAGO)])
    lists.add_items(other.id, [NewItem(LONDON)])
    (ny, la, chicago), (london,) = lists.items(q4.id), lists.items(other.id)
    for call, item in ((2, ny), (3, la), (5, la), (8, chicago), (10, london)):
        lists.link_call(item.list_id, item.id, calls[call])
    a, b, c, d, e, f, g = CALLBACKS
    for callback, item_id in ((a, ny.id), (b, la.id), (c, london.id), (d, ny.id), (e, ny.id), (f, ny.id), (g, None)):
        lists.add_callback(callback.e164, callback.due, "", contact_id=None, name="", item_id=item_id, note="")
    # h: 17:00 UTC, from the contacts; no dial to that number near it: missed (overall only).
    lists.add_callback(
        TOLL_FREE, datetime(2026, 12, 7, 17, 0, tzinfo=UTC), "", contact_id=None, name="", item_id=None, note=""
    )
    # x: 16:30 UTC for Q4's Chicago item, then cancelled (moved to another day): neither kept nor missed.
    lists.add_callback(
        CHICAGO, datetime(2026, 12, 7, 16, 30, tzinfo=UTC), "", contact_id=None, name="", item_id=chicago.id, note=""
    )
    lists.close_callbacks_of_item(chicago.id, CallbackState.CANCELLED)
