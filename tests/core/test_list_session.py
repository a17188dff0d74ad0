"""The calling session's state without Qt: phases and keys, the dispositions on the keys, the card order, skip and
callbacks, on a real SQLite file and the real guard."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from c2c_desktop.core.calllists import CallbackState, ItemState, NewItem, StoreCallLists
from c2c_desktop.core.disposition_rules import default_rules, parse_rules
from c2c_desktop.core.journal_export import DEFAULT_DISPOSITIONS
from c2c_desktop.core.list_session import (
    Card,
    ListSnapshot,
    Mode,
    Phase,
    SessionError,
    SessionState,
    SkipChoice,
    callback_disposition,
    next_card,
    progress,
    prospect_calls,
    schedule_item_callback,
    session_dispositions,
    skip_item,
)
from c2c_desktop.core.list_work import CallableNow, CallbackRefused, Standing, call_finished, call_started
from c2c_desktop.core.models import CallRequest, CallResult, Outcome
from c2c_desktop.core.store import Store
from tests.core.test_calllists import AFTERNOON, FLORIDA, NEW_YORK, NIGHT, guard_at


def _one_list(store: Store, *numbers: str) -> tuple[StoreCallLists, int]:
    lists = StoreCallLists(store)
    made = lists.create_list("Monday")
    lists.add_items(made.id, [NewItem(number) for number in numbers])
    return lists, made.id


def _card(store: Store, standing_needs_confirmation: bool = False) -> Card:
    lists, list_id = _one_list(store, FLORIDA)
    item = lists.items(list_id)[0]
    return Card(item, Standing(item, True, kind="new", needs_confirmation=standing_needs_confirmation))


def test_a_dial_leaves_no_way_to_a_second_one(store: Store) -> None:
    state = SessionState(1, Mode.POWER, countdown_ms=50)
    assert state.show(_card(store)) is Phase.COUNTDOWN
    state.begin_dial()
    assert state.phase is Phase.CALLING
    assert not state.can_dial() and not state.can_skip() and not state.can_dispose()
    with pytest.raises(SessionError):
        state.begin_dial()  # a second Enter, a countdown that fires late
    assert not state.cancel_countdown()  # Esc during the call: nothing to cancel, still calling
    assert state.phase is Phase.CALLING
    assert state.call_ended(Outcome.CONNECTED)
    assert state.phase is Phase.WRAP_UP and state.can_dispose() and not state.can_dial()


def test_countdown_escape_skip_and_pause(store: Store) -> None:
    card = _card(store)
    state = SessionState(1, Mode.POWER)
    state.show(card)
    assert state.cancel_countdown() and state.phase is Phase.READY and state.can_dial()  # Enter still dials
    state.show(card)
    assert state.toggle_pause() and state.phase is Phase.PAUSED and not state.can_dial() and state.can_skip()
    state.show(card)  # the next card of a paused session stays paused
    assert state.phase is Phase.PAUSED
    assert not state.toggle_pause() and state.phase is Phase.READY
    assert state.show(card) is Phase.COUNTDOWN
    assert SessionState(1, Mode.PREVIEW).show(card) is Phase.READY
    state.end()
    assert state.show(card) is Phase.ENDED and not state.can_dial()


def test_power_mode_waits_for_the_agent_on_a_call_that_may_still_ring_and_pauses_after_a_failure(store: Store) -> None:
    state = SessionState(1, Mode.POWER)
    assert state.show(_card(store, standing_needs_confirmation=True)) is Phase.READY
    state.begin_dial()
    assert not state.call_ended(Outcome.REJECTED)  # bad keys would fail every next dial the same way
    assert state.paused and state.phase is Phase.PAUSED  # the next card shows paused
    preview = SessionState(1, Mode.PREVIEW)
    preview.show(Card(state.item, None))
    preview.begin_dial()
    preview.dial_not_placed()
    assert preview.phase is Phase.READY and not preview.paused
    assert SessionState(1).show(Card(None)) is Phase.NOTHING


def test_the_dispositions_on_the_keys_merge_the_list_and_the_rules_in_a_stable_order() -> None:
    names = session_dispositions([*DEFAULT_DISPOSITIONS, "connected - INTERESTED", "  "], default_rules())
    assert names == [*DEFAULT_DISPOSITIONS, "No answer", "Do not call"]
    assert session_dispositions(DEFAULT_DISPOSITIONS, default_rules()) == names  # the same every time
    assert callback_disposition(names, default_rules()) == "Call back later"
    mine = parse_rules('{"rules": [{"disposition": "Ring me Tuesday", "action": "callback"}]}')
    assert callback_disposition(session_dispositions(["Sold"], mine), mine) == "Ring me Tuesday"


def test_skip_later_tomorrow_and_remove(store: Store) -> None:
    lists, list_id = _one_list(store, FLORIDA, NEW_YORK)
    first, second = lists.items(list_id)
    later = skip_item(lists, first, SkipChoice.LATER_TODAY, AFTERNOON)
    assert later.state is ItemState.DUE_LATER and later.due_at == AFTERNOON + timedelta(hours=2)
    assert skip_item(lists, first, SkipChoice.TOMORROW, AFTERNOON).due_at == AFTERNOON + timedelta(days=1)
    assert skip_item(lists, second, SkipChoice.REMOVE, AFTERNOON).state is ItemState.SKIPPED
    order = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON)
    assert next_card(order, lists.items(list_id)).item is None  # one due later, one skipped: nothing now
    assert progress(lists.items(list_id), AFTERNOON).text() == "2 of 2 worked"


def test_a_callback_before_calling_waits_for_its_time_and_is_refused_in_the_past_or_at_night(store: Store) -> None:
    lists, list_id = _one_list(store, FLORIDA)
    item = lists.items(list_id)[0]
    guard = guard_at(store, AFTERNOON)
    with pytest.raises(CallbackRefused, match="in the past"):
        schedule_item_callback(lists, guard, item, AFTERNOON - timedelta(minutes=1), AFTERNOON)
    with pytest.raises(CallbackRefused, match="next possible time"):
        schedule_item_callback(lists, guard, item, NIGHT + timedelta(days=1), AFTERNOON)
    assert lists.callbacks() == [] and lists.item(item.id) == item  # nothing saved
    at = AFTERNOON + timedelta(days=1)
    moved = schedule_item_callback(lists, guard, item, at, AFTERNOON)
    assert moved.state is ItemState.CALLBACK and moved.due_at == at
    (callback,) = lists.callbacks()
    assert callback.zone == "America/New_York" and callback.list_item_id == item.id
    assert progress(lists.items(list_id), at).text() == "1 of 1 worked · 1 callback due"
    tomorrow = CallableNow(store, guard_at(store, at), at)
    card = next_card(tomorrow, lists.items(list_id))
    assert card.item is not None and card.standing is not None and card.standing.kind == "callback due"
    assert skip_item(lists, moved, SkipChoice.REMOVE, at).state is ItemState.SKIPPED
    assert lists.callbacks(state=CallbackState.CANCELLED)[0].id == callback.id


def test_a_connected_call_without_disposition_comes_back_first_after_a_restart(store: Store) -> None:
    lists, list_id = _one_list(store, FLORIDA, NEW_YORK)
    first = lists.items(list_id)[0]
    entry = store.begin_call(CallRequest("3125550100", FLORIDA[2:]), e164=FLORIDA)
    first = call_started(lists, first, entry.id)
    store.finish_call(entry.id, CallResult(Outcome.CONNECTED, "Call Connected"))
    call_finished(lists, default_rules(), first, Outcome.CONNECTED, AFTERNOON)
    order = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON)
    card = next_card(order, lists.items(list_id))
    assert card.wrap_up and card.item is not None and card.item.id == first.id
    state = SessionState(list_id, Mode.POWER)
    assert state.show(card) is Phase.WRAP_UP and state.can_dispose() and not state.can_dial()
    assert [call.id for call in prospect_calls(store, FLORIDA)] == [entry.id]
    assert prospect_calls(store, NEW_YORK) == []


def test_count_of_callable_items_stops_at_its_limit(store: Store) -> None:
    lists, list_id = _one_list(store, FLORIDA, NEW_YORK, "+13055550101", "+13055550102")
    items = lists.items(list_id)
    order = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON)
    assert order.count(items, 100) == 4 and order.count(items, 2) == 2
    assert CallableNow(store, guard_at(store, NIGHT), NIGHT).count(items, 100) == 0


def age_items(store: Store) -> None:
    """Every list item as last written long ago: a kept list reads them again only once they change."""
    with store.transaction():
        store.connection.execute("UPDATE list_items SET updated_at = '2026-01-05T09:00:00.000Z'")


def test_the_kept_list_reads_only_what_changed_and_all_of_it_when_it_cannot_tell(store: Store, tmp_path: Path) -> None:
    numbers = [f"+1212555{n:04d}" for n in range(200, 206)]
    lists, list_id = _one_list(store, *numbers)
    age_items(store)
    kept = ListSnapshot(store, lists, list_id)
    assert kept.current() == lists.items(list_id) and kept.full_reads == 1
    first = lists.items(list_id)[0]
    lists.update_item(first.id, state=ItemState.DONE)  # this window's own write: swapped in, not read whole
    skip_item(lists, lists.items(list_id)[1], SkipChoice.LATER_TODAY, AFTERNOON)
    assert kept.current() == lists.items(list_id) and kept.full_reads == 1
    assert kept.current()[0].state is ItemState.DONE and kept.current()[1].state is ItemState.DUE_LATER
    age_items(store)
    lists.move_item(lists.items(list_id)[4].id, 0)  # moved: the order changed
    assert kept.current() == lists.items(list_id) and kept.full_reads == 2
    lists.remove_item(lists.items(list_id)[2].id)
    assert kept.current() == lists.items(list_id) and kept.full_reads == 3
    lists.add_items(list_id, [NewItem("+12125550300")])
    assert kept.current() == lists.items(list_id) and kept.full_reads == 4
    with Store(tmp_path / "c2c-desktop.sqlite3") as other:  # another program: its clock and commits are not ours
        other_lists = StoreCallLists(other)
        other_lists.update_item(other_lists.items(list_id)[3].id, state=ItemState.SKIPPED)
    assert kept.current() == lists.items(list_id) and kept.full_reads == 5
    assert kept.current() == lists.items(list_id) and kept.full_reads == 5
    shown = kept.current()
    edited = shown[5]  # read again by the session (its contact edited: the list row is not written)
    assert not kept.replace(dataclasses.replace(edited, id=-1)) and kept.replace(dataclasses.replace(edited, name="X"))
    assert shown[5].name == "X" and shown[:5] == lists.items(list_id)[:5]
