"""The review of call lists' core: call type 2's No answer, deleted lists, one progress, tomorrow across a clock change,
one way of matching disposition names. Real SQLite file, real guard, real rules parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from c2c_desktop.core.calllists import CallbackState, ItemState, NewItem, StoreCallLists
from c2c_desktop.core.disposition_rules import default_rules, disposition_key, parse_rules
from c2c_desktop.core.figures import Period, compute_figures, figure_call
from c2c_desktop.core.list_session import SkipChoice, progress, session_dispositions, skip_item
from c2c_desktop.core.list_work import (
    AGENT_NO_ANSWER_TEXT,
    agent_missed,
    call_finished,
    call_started,
    check_disposition,
    due_callbacks,
    list_progress,
    record_disposition,
    reminders,
    schedule_callback,
    tomorrow_at_this_time,
)
from c2c_desktop.core.models import CallRequest, CallResult, CallType, Outcome
from c2c_desktop.core.phone import number_to_call
from c2c_desktop.core.store import Store
from tests.core.test_calllists import AFTERNOON, guard_at

NUMBERS = [f"+1305555010{n}" for n in range(6)]


def _placed(store: Store, e164: str, outcome: Outcome, call_type: int) -> int:
    entry = store.begin_call(CallRequest("3125550100", e164[2:], call_type=call_type), e164=e164)
    store.finish_call(entry.id, CallResult(outcome, "x"))
    return entry.id


# --- 1. call type 2: "No answer" is about the agent's phone ---------------------------------------------------------


def test_no_answer_with_call_type_2_is_not_an_attempt_and_keeps_the_item_as_it_was(store: Store) -> None:
    lists = StoreCallLists(store)
    rules = default_rules()
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(NUMBERS[0]), NewItem(NUMBERS[1])])
    fresh, waiting = lists.items(made.id)
    agent_first = int(CallType.AGENT_FIRST)
    # Far more agent no-answers than the rule's cap: the prospect was never dialled, the item is never closed.
    for _ in range((rules.no_answer.max_attempts or 6) + 2):
        started = call_started(lists, fresh, _placed(store, fresh.e164, Outcome.NO_ANSWER, agent_first))
        fresh = call_finished(lists, rules, started, Outcome.NO_ANSWER, AFTERNOON, call_type=agent_first)
        assert (fresh.state, fresh.attempts, fresh.due_at) == (ItemState.READY, 0, None)
        assert fresh.last_outcome == Outcome.NO_ANSWER.value  # the outcome is recorded
    # A callback item keeps its state, its time and its pending callback (not kept: nobody called the prospect).
    at = AFTERNOON + timedelta(hours=1)
    schedule_callback(
        lists, guard_at(store, AFTERNOON), number_to_call(waiting.e164), at, AFTERNOON, item_id=waiting.id
    )
    waiting = lists.update_item(waiting.id, state=ItemState.CALLBACK, due_at=at)
    started = call_started(lists, waiting, _placed(store, waiting.e164, Outcome.NO_ANSWER, agent_first))
    waiting = call_finished(lists, rules, started, Outcome.NO_ANSWER, at, call_type=agent_first)
    assert (waiting.state, waiting.due_at, waiting.attempts) == (ItemState.CALLBACK, at, 0)
    assert [callback.state for callback in lists.callbacks(state=None)] == [CallbackState.PENDING]
    # With type 1 the answer is about the prospect: an attempt, and the retry rule.
    prospect_first = int(CallType.PROSPECT_FIRST)
    started = call_started(lists, fresh, _placed(store, fresh.e164, Outcome.NO_ANSWER, prospect_first))
    fresh = call_finished(lists, rules, started, Outcome.NO_ANSWER, AFTERNOON, call_type=prospect_first)
    assert (fresh.state, fresh.attempts, fresh.due_at) == (ItemState.DUE_LATER, 1, AFTERNOON + timedelta(hours=2))
    assert agent_missed(Outcome.NO_ANSWER, agent_first) and not agent_missed(Outcome.NO_ANSWER, prospect_first)
    assert not agent_missed(Outcome.CONNECTED, agent_first)
    assert AGENT_NO_ANSWER_TEXT == "Nobody answered your phone — the prospect was not called"


def test_figures_count_an_agent_no_answer_as_a_dial_never_an_answer_or_a_connect(store: Store) -> None:
    missed = _placed(store, NUMBERS[0], Outcome.NO_ANSWER, int(CallType.AGENT_FIRST))
    entry = store.get_call(missed)
    assert entry is not None
    day = datetime.fromisoformat(entry.started_at).astimezone(UTC).date()
    figures = compute_figures([figure_call(entry)], Period(day, day), zone=UTC)
    assert (figures.dials, figures.first_leg_answers, figures.prospect_connects) == (1, 0, 0)


# --- 2. a deleted list ----------------------------------------------------------------------------------------------


def test_a_deleted_lists_items_and_callbacks_are_gone_until_undo(store: Store) -> None:
    lists = StoreCallLists(store)
    guard = guard_at(store, AFTERNOON)
    kept, deleted = lists.create_list("Kept"), lists.create_list("Deleted")
    lists.add_items(kept.id, [NewItem(NUMBERS[0])])
    lists.add_items(deleted.id, [NewItem(NUMBERS[1])])
    soon = AFTERNOON + timedelta(minutes=1)
    for made in (kept, deleted):
        (item,) = lists.items(made.id)
        schedule_callback(lists, guard, number_to_call(item.e164), soon, AFTERNOON, item_id=item.id)
    schedule_callback(lists, guard, number_to_call(NUMBERS[2]), soon, AFTERNOON)  # of no list
    assert len(lists.callbacks()) == 3 and lists.list_exists(deleted.id)
    (doomed,) = lists.items(deleted.id)
    lists.delete_list(deleted.id)
    assert not lists.list_exists(deleted.id) and lists.list_exists(kept.id)
    assert lists.items(deleted.id) == []
    assert lists.item(doomed.id) is not None  # a call in flight can still record its outcome
    assert sorted(callback.e164 for callback in lists.callbacks()) == [NUMBERS[0], NUMBERS[2]]
    assert sorted(due.callback.e164 for due in reminders(lists, AFTERNOON)) == [NUMBERS[0], NUMBERS[2]]
    assert sorted(due.callback.e164 for due in due_callbacks(lists, soon)) == [NUMBERS[0], NUMBERS[2]]
    lists.undo_delete("Deleted")
    assert lists.list_exists(deleted.id) and len(lists.items(deleted.id)) == 1
    assert len(reminders(lists, AFTERNOON)) == 3


# --- 6. one way of matching disposition names -----------------------------------------------------------------------


def test_one_disposition_key_for_the_rules_the_cli_the_session_and_the_figures() -> None:
    assert disposition_key(" Connected – Interested ") == disposition_key("connected - interested")
    assert disposition_key("connected-interested") == disposition_key("Connected—interested")
    # check_disposition (lists call-next, lists dispose) takes a hyphen for the en dash, as the figures do.
    listed = ["Connected – interested", "Not interested"]
    assert check_disposition(default_rules(), listed, "connected - interested", False) == "Connected – interested"
    # A rule written with a hyphen applies to the agent's en-dash disposition (it fell back to "done" before).
    rules = parse_rules('{"rules": [{"disposition": "Busy - try later", "action": "retry", "delay": "3h"}]}')
    rule = rules.find("Busy – try later")
    assert rule is not None and rule.delay == timedelta(hours=3)
    # The session's keys show it once.
    assert session_dispositions(["Busy – try later"], rules) == ["Busy – try later"]


def test_a_hyphen_rule_moves_an_en_dash_disposition_by_its_rule(store: Store) -> None:
    lists = StoreCallLists(store)
    rules = parse_rules('{"rules": [{"disposition": "Busy - try later", "action": "retry", "delay": "3h"}]}')
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(NUMBERS[0])])
    (item,) = lists.items(made.id)
    item = call_started(lists, item, _placed(store, item.e164, Outcome.CONNECTED, 1))
    item = call_finished(lists, rules, item, Outcome.CONNECTED, AFTERNOON, call_type=1)
    item = record_disposition(
        store, lists, rules, item, "Busy – try later", AFTERNOON, guard=guard_at(store, AFTERNOON)
    )
    assert (item.state, item.due_at) == (ItemState.DUE_LATER, AFTERNOON + timedelta(hours=3))


# --- 7. one definition of a list's progress -------------------------------------------------------------------------


def test_list_progress_done_worked_left_and_callbacks_due(store: Store) -> None:
    lists = StoreCallLists(store)
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(number) for number in NUMBERS])
    items = lists.items(made.id)
    lists.update_item(items[0].id, state=ItemState.DONE, attempts=1)
    lists.update_item(items[1].id, state=ItemState.SKIPPED)  # skipped without a call: worked and done
    lists.update_item(items[2].id, state=ItemState.DUE_LATER, attempts=1, due_at=AFTERNOON + timedelta(hours=2))
    lists.update_item(items[3].id, state=ItemState.CALLBACK, due_at=AFTERNOON - timedelta(minutes=1))
    lists.update_item(items[4].id, attempts=1, last_outcome="connected")  # waiting for its disposition
    items = lists.items(made.id)
    found = list_progress(items, AFTERNOON)
    assert (found.total, found.done, found.left, found.worked, found.callbacks_due) == (6, 2, 4, 5, 1)
    assert progress(items, AFTERNOON) == found  # the session's card reads the same numbers
    assert found.text() == "5 of 6 worked · 1 callback due"


# --- 8. "tomorrow at this time" on the agent's clock ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "hours"),
    [
        ("America/New_York", datetime(2026, 3, 7, 15, 0, tzinfo=UTC), 23),  # 10:00 EST Saturday → 10:00 EDT Sunday
        ("America/New_York", datetime(2026, 10, 31, 14, 0, tzinfo=UTC), 25),  # 10:00 EDT → 10:00 EST
        ("Europe/Berlin", datetime(2026, 3, 28, 9, 0, tzinfo=UTC), 23),
        ("Europe/Berlin", datetime(2026, 6, 3, 9, 0, tzinfo=UTC), 24),
    ],
)
def test_skip_to_tomorrow_is_the_same_time_on_the_agents_clock(
    store: Store, zone: str, now: datetime, hours: int
) -> None:
    agent = ZoneInfo(zone)
    assert tomorrow_at_this_time(now, agent) == now + timedelta(hours=hours)
    lists = StoreCallLists(store)
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(NUMBERS[0])])
    (item,) = lists.items(made.id)
    skipped = skip_item(lists, item, SkipChoice.TOMORROW, now, zone=agent)
    assert skipped.due_at is not None
    assert skipped.due_at.astimezone(agent).time() == now.astimezone(agent).time()
    assert skipped.due_at.astimezone(agent).date() == now.astimezone(agent).date() + timedelta(days=1)


def test_skip_to_tomorrow_reads_the_agents_zone_by_default(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    lists = StoreCallLists(store)
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(NUMBERS[0])])
    (item,) = lists.items(made.id)
    now = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    assert skip_item(lists, item, SkipChoice.TOMORROW, now).due_at == now + timedelta(hours=23)


def test_a_power_session_pauses_when_nobody_answered_the_agents_phone(store: Store) -> None:
    from c2c_desktop.core.list_session import Card, Mode, Phase, SessionState
    from c2c_desktop.core.list_work import Standing

    lists = StoreCallLists(store)
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(NUMBERS[0])])
    (item,) = lists.items(made.id)
    card = Card(item, Standing(item, True, kind="new"))
    for call_type, paused in ((int(CallType.AGENT_FIRST), True), (int(CallType.PROSPECT_FIRST), False)):
        state = SessionState(made.id, Mode.POWER, countdown_ms=0)
        state.show(card)
        state.begin_dial()
        assert not state.call_ended(Outcome.NO_ANSWER, call_type=call_type)
        assert state.paused is paused  # type 2: the agent is away; the same prospect would be dialled again at once
        assert state.show(card) is (Phase.PAUSED if paused else Phase.COUNTDOWN)
