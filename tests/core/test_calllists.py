"""Call lists, callbacks, disposition rules and the callable-now order, on a real SQLite file and the real guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from c2c_desktop.core.calllists import ItemState, ListError, NewItem, StoreCallLists
from c2c_desktop.core.config import Settings
from c2c_desktop.core.disposition_rules import DispositionRulesError, default_rules, parse_rules
from c2c_desktop.core.list_work import (
    CallableNow,
    CallbackRefused,
    DispositionRefused,
    call_finished,
    call_started,
    due_callbacks,
    parse_local_time,
    record_disposition,
    reminders,
    schedule_callback,
)
from c2c_desktop.core.models import CallRequest, CallResult, Contact, Outcome, PhoneEntry
from c2c_desktop.core.phone import number_to_call
from c2c_desktop.core.rules.dnc import DncRegistry
from c2c_desktop.core.rules.guard import build_guard
from c2c_desktop.core.store import Store

FLORIDA, NEW_YORK, BERLIN = "+13055550100", "+12125550142", "+493012345678"
#: A Wednesday, 13:00 in Florida (EDT).
AFTERNOON = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)
NIGHT = datetime(2026, 6, 3, 5, 0, tzinfo=UTC)


def guard_at(store: Store, now: datetime, **settings: object):  # noqa: ANN201
    return build_guard(Settings(agent_number="3125550100", **settings), store, clock=lambda: now)  # type: ignore[arg-type]


def test_duplicates_kept_once_deleted_contacts_and_undo_of_a_delete(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with Store(path) as store:
        lists = StoreCallLists(store)
        ada = store.add_contact(Contact(None, "Ada", phones=(PhoneEntry("305 555 0100", e164=FLORIDA, primary=True),)))
        made = lists.create_list("Monday")
        report = lists.add_items(made.id, [NewItem(FLORIDA, ada.id, "Ada"), NewItem(NEW_YORK), NewItem(NEW_YORK)])
        assert report.added == 2 and report.duplicates == (NEW_YORK,)
        assert lists.add_items(made.id, [NewItem(FLORIDA, ada.id, "Ada")]).duplicates == ("Ada",)
        with pytest.raises(ListError, match="already a list"):
            lists.create_list(" monday ")
        store.delete_contact(ada.id or 0)
        first = lists.items(made.id)[0]
        assert first.contact_missing
        standing = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON).standing(first)
        assert not standing.callable and "contact was deleted" in standing.why
        lists.move_item(lists.items(made.id)[1].id, 0)
        assert [item.e164 for item in lists.items(made.id)] == [NEW_YORK, FLORIDA]
        lists.delete_list(made.id)
        assert lists.find_list("Monday") is None
    with Store(path) as store:  # survives a restart
        lists = StoreCallLists(store)
        back = lists.undo_delete("monday")
        assert back.items == 2 and [item.e164 for item in lists.items(back.id)] == [NEW_YORK, FLORIDA]


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        ({"rules": [{"disposition": "X", "action": "explode"}]}, "unknown action 'explode'"),
        ({"rules": [{"disposition": "X", "action": "retry", "delay": "0m"}]}, "makes no sense"),
        ({"rules": [{"disposition": "X", "action": "retry", "delay": "soon"}]}, "is not a delay"),
        (
            {
                "rules": [
                    {"disposition": "A", "action": "same-as", "as": "B"},
                    {"disposition": "B", "action": "same-as", "as": "A"},
                ]
            },
            "loop: A → B → A",
        ),
        ({"rules": [{"disposition": "A", "action": "same-as", "as": "Nobody"}]}, "has no rule"),
    ],
)
def test_broken_disposition_rules_are_refused_with_a_plain_line(rules: dict[str, object], words: str) -> None:
    with pytest.raises(DispositionRulesError, match=words):
        parse_rules(json.dumps(rules))


def test_default_rules_are_the_issues() -> None:
    rules = default_rules()
    assert rules.find("connected – interested").action == "done"  # type: ignore[union-attr]
    assert rules.find("Left voicemail").delay == timedelta(days=1)  # type: ignore[union-attr]
    assert rules.no_answer.delay == timedelta(hours=2) and rules.no_answer.max_attempts
    assert rules.find("Call back later").needs_time  # type: ignore[union-attr]
    assert rules.find("wrong number").flag_number  # type: ignore[union-attr]
    assert rules.find("Do not call").action == "do-not-call"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("zone", "local", "utc"),
    [
        # US spring forward (Sunday 2026-03-08): EST before, EDT after.
        ("America/New_York", "2026-03-07 10:00", datetime(2026, 3, 7, 15, 0, tzinfo=UTC)),
        ("America/New_York", "2026-03-09 10:00", datetime(2026, 3, 9, 14, 0, tzinfo=UTC)),
        # US fall back (Sunday 2026-11-01).
        ("America/New_York", "2026-10-31 10:00", datetime(2026, 10, 31, 14, 0, tzinfo=UTC)),
        ("America/New_York", "2026-11-02 10:00", datetime(2026, 11, 2, 15, 0, tzinfo=UTC)),
        # Europe (2026-03-29 and 2026-10-25).
        ("Europe/Berlin", "2026-03-28 10:00", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),
        ("Europe/Berlin", "2026-03-30 10:00", datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),
        ("Europe/Berlin", "2026-10-26 10:00", datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),
    ],
)
def test_callee_local_times_across_dst_changes(zone: str, local: str, utc: datetime) -> None:
    assert parse_local_time(local, ZoneInfo(zone)) == utc


def test_a_time_skipped_by_the_clocks_is_refused() -> None:
    with pytest.raises(CallbackRefused, match="does not exist"):
        parse_local_time("2026-03-08 02:30", ZoneInfo("America/New_York"))
    with pytest.raises(CallbackRefused, match="does not exist"):
        parse_local_time("2026-03-29 02:30", ZoneInfo("Europe/Berlin"))
    # Clocks going back: 01:30 happens twice; the first (EDT) is taken.
    assert parse_local_time("2026-11-01 01:30", ZoneInfo("America/New_York")) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )


def test_callbacks_are_judged_at_their_own_moment_and_stored_with_the_callee_zone(store: Store) -> None:
    lists = StoreCallLists(store)
    now = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)  # Friday noon in Florida, before the US change
    guard = guard_at(store, now)
    florida = number_to_call(FLORIDA)
    # 19:30 Florida time on Monday 9 March (EDT): inside Florida's 08:00–20:00. In EST it would be 20:30.
    at = parse_local_time("2026-03-09 19:30", ZoneInfo("America/New_York"))
    kept = schedule_callback(lists, guard, florida, at, now)
    assert kept.zone == "America/New_York" and kept.due_at == datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    # Callable now, but not at 20:30 their time on the day asked: refused at scheduling, with the reason.
    late = parse_local_time("2026-03-09 20:30", ZoneInfo("America/New_York"))
    with pytest.raises(CallbackRefused, match="Florida allows calls 08:00–20:00"):
        schedule_callback(lists, guard, florida, late, now)
    with pytest.raises(CallbackRefused, match="in the past"):
        schedule_callback(lists, guard, florida, now - timedelta(minutes=1), now)
    # Europe: Berlin has no built-in rule; a company window 09:00-18:00 is judged on Berlin's clock after its change.
    company = guard_at(store, now, company_hours="09:00-18:00")
    berlin = number_to_call(BERLIN)
    ok = schedule_callback(lists, company, berlin, parse_local_time("2026-03-30 17:30", ZoneInfo("Europe/Berlin")), now)
    assert ok.zone == "Europe/Berlin" and ok.due_at == datetime(2026, 3, 30, 15, 30, tzinfo=UTC)
    with pytest.raises(CallbackRefused, match="18:00"):
        schedule_callback(lists, company, berlin, parse_local_time("2026-10-26 18:30", ZoneInfo("Europe/Berlin")), now)
    assert len(lists.callbacks()) == 2


def test_a_callback_due_while_the_app_was_closed_is_overdue_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    now = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    with Store(path) as store:
        lists = StoreCallLists(store)
        at = parse_local_time("2026-11-02 10:00", ZoneInfo("America/New_York"))  # EST after the change: 15:00 UTC
        schedule_callback(lists, guard_at(store, now), number_to_call(FLORIDA), at, now)
        assert [due.callback.due_at for due in reminders(lists, at - timedelta(minutes=1))] == [at]
        assert reminders(lists, at - timedelta(minutes=3)) == [] and due_callbacks(lists, now) == []
    later = datetime(2026, 11, 2, 17, 5, tzinfo=UTC)
    with Store(path) as store:
        (due,) = due_callbacks(StoreCallLists(store), later)
        assert due.overdue and due.late == timedelta(hours=2, minutes=5)


def _placed(store: Store, number: str, outcome: Outcome) -> int:
    entry = store.begin_call(CallRequest("3125550100", number[2:]), e164=number)
    store.finish_call(entry.id, CallResult(outcome, "x"))
    return entry.id


def test_callable_now_order_refusals_and_an_unknown_call(store: Store) -> None:
    lists = StoreCallLists(store)
    made = lists.create_list("L")
    numbers = ["+13055550101", "+13055550102", "+13055550103", "+12125550104", "+13055550105"]
    lists.add_items(made.id, [NewItem(number) for number in numbers])
    items = lists.items(made.id)
    lists.update_item(items[3].id, state=ItemState.CALLBACK, due_at=AFTERNOON - timedelta(minutes=5))
    lists.update_item(items[2].id, state=ItemState.DUE_LATER, due_at=AFTERNOON - timedelta(hours=1))
    lists.update_item(items[1].id, state=ItemState.DUE_LATER, due_at=AFTERNOON + timedelta(hours=1))
    unknown = _placed(store, numbers[0], Outcome.UNKNOWN)
    lists.update_item(items[0].id, last_call_id=unknown, last_outcome=Outcome.UNKNOWN.value, attempts=1)
    order = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON)
    items = lists.items(made.id)
    assert [item.e164 for item in order.candidates(items)] == [numbers[3], numbers[2], numbers[0], numbers[4]]
    first = order.first(items)
    assert first is not None and first.item.e164 == numbers[3] and first.kind == "callback due"
    ringing = order.standing(items[0])
    assert not ringing.callable and ringing.needs_confirmation and "may still be ringing" in ringing.why
    assert "retry at" in order.standing(items[1]).why
    confirmed = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON, confirmed=lambda _item: True)
    assert confirmed.standing(items[0]).callable
    # At night every item is refused, with the glance's "opens" text; nothing is offered.
    night = CallableNow(store, guard_at(store, NIGHT), NIGHT)
    assert night.first(items) is None
    assert "opens 08:00" in night.standing(items[4]).why
    opening = night.next_opening(items)
    assert opening is not None and opening[0] == datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


def test_outcomes_and_dispositions_move_items_on(store: Store) -> None:
    lists = StoreCallLists(store)
    rules = default_rules()
    guard = guard_at(store, AFTERNOON)
    made = lists.create_list("L")
    lists.add_items(made.id, [NewItem(f"+1305555010{n}") for n in range(5)])
    a, b, c, d, e = lists.items(made.id)
    # No answer: retry in 2 h, until the cap.
    a = call_started(lists, a, _placed(store, a.e164, Outcome.NO_ANSWER))
    a = call_finished(lists, rules, a, Outcome.NO_ANSWER, AFTERNOON)
    assert a.state is ItemState.DUE_LATER and a.due_at == AFTERNOON + timedelta(hours=2) and a.attempts == 1
    a = lists.update_item(a.id, attempts=rules.no_answer.max_attempts)
    assert call_finished(lists, rules, a, Outcome.NO_ANSWER, AFTERNOON).state is ItemState.DONE
    # Not sent does not count as an attempt.
    b = call_started(lists, b, _placed(store, b.e164, Outcome.NOT_SENT))
    b = call_finished(lists, rules, b, Outcome.NOT_SENT, AFTERNOON)
    assert b.attempts == 0 and b.state is ItemState.READY
    # Do not call: on the internal list at once; wrong number: done and flagged; voicemail: retry tomorrow.
    c = call_started(lists, c, _placed(store, c.e164, Outcome.CONNECTED))
    c = record_disposition(store, lists, rules, c, "Do not call", AFTERNOON, guard=guard)
    assert c.state is ItemState.DO_NOT_CALL and DncRegistry(store).listings(c.e164)
    assert store.get_call(c.last_call_id or 0).disposition == "Do not call"  # type: ignore[union-attr]
    d = call_started(lists, d, _placed(store, d.e164, Outcome.CONNECTED))
    d = record_disposition(store, lists, rules, d, "Wrong number", AFTERNOON, guard=guard)
    assert d.state is ItemState.DONE and lists.is_flagged(d.e164)
    e = call_started(lists, e, _placed(store, e.e164, Outcome.CONNECTED))
    with pytest.raises(DispositionRefused, match="needs a callback time"):
        record_disposition(store, lists, rules, e, "Call back later", AFTERNOON, guard=guard)
    assert lists.item(e.id).last_disposition is None  # type: ignore[union-attr]
    with pytest.raises(CallbackRefused):  # 21:00 in Florida: refused, nothing saved
        record_disposition(
            store,
            lists,
            rules,
            e,
            "Call back later",
            AFTERNOON,
            guard=guard,
            callback_at=AFTERNOON + timedelta(hours=8),
        )
    assert lists.item(e.id).last_disposition is None  # type: ignore[union-attr]
    e = record_disposition(
        store, lists, rules, e, "Call back later", AFTERNOON, guard=guard, callback_at=AFTERNOON + timedelta(days=1)
    )
    assert e.state is ItemState.CALLBACK and lists.callbacks()[0].list_item_id == e.id


def test_an_item_called_already_is_offered_as_ready_again_never_as_new(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        lists = StoreCallLists(store)
        made = lists.create_list("L")
        lists.add_items(made.id, [NewItem(FLORIDA), NewItem("+13055550101")])
        called, fresh = lists.items(made.id)
        lists.update_item(called.id, attempts=1, last_outcome=Outcome.NO_ANSWER.value)  # the agent missed it: kept
        order = CallableNow(store, guard_at(store, AFTERNOON), AFTERNOON)
        called, fresh = lists.items(made.id)
        assert order.standing(called).callable and order.standing(called).kind == "ready again"
        assert order.standing(fresh).kind == "new"
