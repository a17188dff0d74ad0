"""Issue 12's fixes to working a list (core): a disposition given before the call, flagged and recently called numbers
across lists, a cheap "when does the next item open", callbacks closed once dealt with. Real SQLite file, real guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from c2c_desktop.core import list_work
from c2c_desktop.core.calllists import CallbackState, ItemState, NewItem, StoreCallLists, utc_text
from c2c_desktop.core.config import Settings
from c2c_desktop.core.disposition_rules import default_rules
from c2c_desktop.core.list_work import (
    COOL_OFF,
    CallableNow,
    call_finished,
    call_started,
    disposition_not_applied,
    list_progress,
    record_disposition,
    settle_callbacks,
)
from c2c_desktop.core.models import CallRequest, CallResult, CallType, Contact, Outcome, PhoneEntry
from c2c_desktop.core.rules.guard import CallGuard, build_guard
from c2c_desktop.core.store import Store

#: A Wednesday, 13:00 in Florida (EDT); the night: 01:00 there.
AFTERNOON = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)
NIGHT = datetime(2026, 6, 3, 5, 0, tzinfo=UTC)
WRONG, OTHER, THIRD = "+13055550101", "+13055550102", "+13055550103"


def guard_at(store: Store, now: datetime) -> CallGuard:
    return build_guard(Settings(agent_number="3125550100"), store, clock=lambda: now)


def placed(
    store: Store, e164: str, outcome: Outcome | None, at: datetime, call_type: CallType = CallType.PROSPECT_FIRST
) -> int:
    """A journal row for a call to `e164` started at `at` (outcome None: still being placed)."""
    entry = store.begin_call(CallRequest("3125550100", e164[2:], call_type=int(call_type)), e164=e164)
    if outcome is not None:
        store.finish_call(entry.id, CallResult(outcome, "x"))
    with store.transaction():
        store.connection.execute("UPDATE calls SET started_at = ? WHERE id = ?", (utc_text(at), entry.id))
    return entry.id


def test_a_disposition_given_before_the_call_applies_only_when_it_connected() -> None:
    assert disposition_not_applied(Outcome.CONNECTED, int(CallType.PROSPECT_FIRST)) is None
    assert disposition_not_applied(Outcome.CONNECTED, int(CallType.AGENT_FIRST)) is None
    assert "No answer" in (disposition_not_applied(Outcome.NO_ANSWER, int(CallType.PROSPECT_FIRST)) or "")
    assert "not called" in (disposition_not_applied(Outcome.NO_ANSWER, int(CallType.AGENT_FIRST)) or "")
    assert "unknown" in (disposition_not_applied(Outcome.UNKNOWN, None) or "")
    assert "did not ring (not sent)" in (disposition_not_applied(Outcome.NOT_SENT, None) or "")


def test_a_number_flagged_wrong_in_one_list_is_not_offered_by_another(store: Store) -> None:
    lists = StoreCallLists(store)
    demo, other = lists.create_list("Demo prospects"), lists.create_list("Tuesday")
    lists.add_items(demo.id, [NewItem(WRONG)])
    lists.add_items(other.id, [NewItem(WRONG), NewItem(OTHER)])
    guard = guard_at(store, AFTERNOON)
    (item,) = lists.items(demo.id)
    call_id = placed(store, WRONG, Outcome.CONNECTED, AFTERNOON - timedelta(hours=3))
    item = call_started(lists, item, call_id)
    record_disposition(store, lists, default_rules(), item, "Wrong number", AFTERNOON, guard=guard)
    order = CallableNow(store, guard, AFTERNOON)
    items = lists.items(other.id)
    first = order.first(items)
    assert first is not None and first.item.e164 == OTHER
    flagged = order.standing(items[0])
    assert not flagged.callable and flagged.opens_at is None
    assert flagged.why.startswith("flagged: wrong number (Demo prospects, ") and flagged.why.endswith(")")


def test_a_number_called_recently_from_anywhere_waits_its_retry_delay(store: Store) -> None:
    lists = StoreCallLists(store)
    made = lists.create_list("Tuesday")
    numbers = [f"+1305555011{n}" for n in range(6)]
    lists.add_items(made.id, [NewItem(number) for number in numbers])
    items = lists.items(made.id)
    # 0: No answer 9 min ago, dialled by hand: the "No answer" rule's 2 h. 1: connected 5 min ago from another list:
    # the cool-off. 2: connected 11 min ago: callable. 3: type 2, the agent's phone not answered 1 min ago: the
    # prospect was not dialled. 4: being placed right now elsewhere. 5: a callback due: its time was agreed.
    placed(store, numbers[0], Outcome.NO_ANSWER, AFTERNOON - timedelta(minutes=9))
    elsewhere = lists.create_list("Monday")
    lists.add_items(elsewhere.id, [NewItem(numbers[1])])
    connected = placed(store, numbers[1], Outcome.CONNECTED, AFTERNOON - timedelta(minutes=5))
    call_started(lists, lists.items(elsewhere.id)[0], connected)
    placed(store, numbers[2], Outcome.CONNECTED, AFTERNOON - timedelta(minutes=11))
    placed(store, numbers[3], Outcome.NO_ANSWER, AFTERNOON - timedelta(minutes=1), CallType.AGENT_FIRST)
    placed(store, numbers[4], None, AFTERNOON - timedelta(seconds=20))
    placed(store, numbers[5], Outcome.CONNECTED, AFTERNOON - timedelta(minutes=2))
    lists.update_item(items[5].id, state=ItemState.CALLBACK, due_at=AFTERNOON - timedelta(minutes=1))
    order = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON)
    items = lists.items(made.id)
    standings = order.all(items)
    assert [standing.callable for standing in standings] == [False, False, True, True, False, True]
    assert standings[0].opens_at == AFTERNOON - timedelta(minutes=9) + timedelta(hours=2)
    assert standings[0].why.startswith("called 9 min ago by hand (no answer): again from ")
    assert standings[1].opens_at == AFTERNOON - timedelta(minutes=5) + COOL_OFF
    assert "from “Monday” (connected)" in standings[1].why
    assert "(being placed)" in standings[4].why
    first = order.first(items)
    assert first is not None and first.item.e164 == numbers[5] and first.kind == "callback due"
    # The item's own last call is its own rule's business (it moved the item on): not a cool-off.
    own = call_started(lists, items[2], placed(store, numbers[2], Outcome.CONNECTED, AFTERNOON - timedelta(minutes=1)))
    own = lists.update_item(own.id, last_outcome=Outcome.CONNECTED.value, last_disposition="Not interested")
    assert CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON).standing(own).callable


def _mixed_list(store: Store) -> list[list_work.ListItem]:
    """Items of many zones and states: Florida, New York, California, Texas, Hawaii, Berlin, a non-number, a flagged
    number, one called 5 min ago elsewhere, retries and callbacks in the future, done, a deleted contact."""
    lists = StoreCallLists(store)
    made = lists.create_list("Mixed")
    numbers = [
        "+13055550100", "+12125550142", "+14155550123", "+15125550111", "+18085550100", "+493012345678",
        "+12065550100", "+13125550177", "+17135550100", "+19075550100", "+16175550100", "+13055550188",
    ]  # fmt: skip
    gone = store.add_contact(Contact(None, "Gone", phones=(PhoneEntry("617 555 0199", e164="+16175550199"),)))
    lists.add_items(made.id, [NewItem(number) for number in numbers] + [NewItem("+16175550199", gone.id, "Gone")])
    store.delete_contact(gone.id or 0)
    items = lists.items(made.id)
    lists.update_item(items[1].id, state=ItemState.DUE_LATER, due_at=NIGHT + timedelta(hours=9))
    lists.update_item(items[2].id, state=ItemState.CALLBACK, due_at=NIGHT + timedelta(hours=20))
    lists.update_item(items[3].id, state=ItemState.DONE)
    lists.flag_number(numbers[4], "Wrong number")
    placed(store, numbers[6], Outcome.CONNECTED, NIGHT - timedelta(minutes=5))
    return lists.items(made.id)


@pytest.mark.parametrize("now", [NIGHT, AFTERNOON, datetime(2026, 6, 3, 23, 30, tzinfo=UTC)])
def test_next_opening_judges_each_zone_once_with_the_same_answer(
    store: Store, monkeypatch: pytest.MonkeyPatch, now: datetime
) -> None:
    items = _mixed_list(store)
    guard = guard_at(store, now)
    slow = CallableNow(store, guard, now)
    openings = [(standing.opens_at, n) for n, standing in enumerate(map(slow.standing, items)) if standing.opens_at]
    expected = min(openings, default=None)
    full_verdicts = []
    real_glance = list_work.glance

    def counted(*args: object, **kwargs: object) -> object:
        full_verdicts.append(args)
        return real_glance(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(list_work, "glance", counted)
    fast = CallableNow(store, guard, now).next_opening(items)
    assert full_verdicts == []  # no item judged by the full guard
    if expected is None:
        assert fast is None
    else:
        assert fast is not None and fast[0] == expected[0] and fast[1] == items[expected[1]]


def test_a_call_to_a_callbacks_number_keeps_it_and_a_later_disposition_cancels_it(store: Store) -> None:
    lists = StoreCallLists(store)
    now = datetime.now(UTC)  # callbacks are closed by calls started after they were scheduled (real time)
    due = now + timedelta(days=1)
    kept = lists.add_callback(WRONG, due, "America/New_York", contact_id=None, name="Ada", item_id=None, note="")
    before = placed(store, WRONG, Outcome.CONNECTED, now - timedelta(minutes=1))  # the call that agreed it
    assert store.get_call(before) is not None
    placed(store, WRONG, Outcome.NOT_SENT, due - timedelta(minutes=1))  # reached nobody
    placed(store, WRONG, Outcome.NO_ANSWER, due - timedelta(minutes=1), CallType.AGENT_FIRST)  # the agent's phone
    placed(store, WRONG, Outcome.CONNECTED, due - timedelta(minutes=20))  # too early: a call about something else
    assert settle_callbacks(lists) == 0 and [cb.id for cb in lists.callbacks()] == [kept.id]
    placed(store, WRONG, Outcome.NO_ANSWER, due - timedelta(minutes=2))
    assert settle_callbacks(lists) == 1 and lists.callbacks() == []
    assert lists.callbacks(state=CallbackState.DONE)[0].id == kept.id
    # "Call back later" then "Not interested": the item is out of the callback state, its callback off.
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(THIRD)])
    guard = guard_at(store, AFTERNOON)
    rules = default_rules()
    item = call_started(lists, lists.items(made.id)[0], placed(store, THIRD, Outcome.CONNECTED, AFTERNOON))
    item = call_finished(lists, rules, item, Outcome.CONNECTED, AFTERNOON)
    at = AFTERNOON + timedelta(days=1)
    item = record_disposition(store, lists, rules, item, "Call back later", AFTERNOON, guard=guard, callback_at=at)
    assert item.state is ItemState.CALLBACK and len(lists.callbacks()) == 1
    item = record_disposition(store, lists, rules, item, "Not interested", AFTERNOON, guard=guard)
    assert item.state is ItemState.DONE and lists.callbacks() == []
    assert [cb.state for cb in lists.callbacks(state=None) if cb.list_item_id == item.id] == [CallbackState.CANCELLED]


def test_cancelling_a_callback_skips_the_item_that_waited_for_it(store: Store) -> None:
    lists = StoreCallLists(store)
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(THIRD)])
    (item,) = lists.items(made.id)
    at = AFTERNOON + timedelta(days=1)
    lists.update_item(item.id, state=ItemState.CALLBACK, due_at=at)
    callback = lists.add_callback(THIRD, at, "", contact_id=None, name="", item_id=item.id, note="")
    assert lists.cancel_callback(callback.id) == callback
    assert lists.callbacks() == [] and lists.cancel_callback(callback.id) is None
    skipped = lists.item(item.id)
    assert skipped is not None and skipped.state is ItemState.SKIPPED
    assert list_progress([skipped], AFTERNOON).done == 1
