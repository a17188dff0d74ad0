"""Working a call list: callbacks (time zones, refusal at scheduling time), the "callable now" order, and what a call's
outcome and the agent's disposition do to an item. Shared by `lists call-next` and the window's calling session.

"Callable now" order: callbacks that are due, then retries past their time, then new items in list order. An item
is offered only when the calling guard clears it now (the same verdict a dial gets, through core/rules/glance.py);
one whose last call may still be ringing (unknown) needs the agent's confirmation. Cost: the order is walked lazily
and only until the first callable item; the calling-hours part is judged once per area code (per exchange in area
codes split between zones) and address region, so a list whose first thousands of items are closed now is still
fast. The guard's full verdict is computed only for an item about to be offered.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from c2c_desktop.core.calllists import (
    FLAG_SEPARATOR,
    Callback,
    CallbackState,
    CallListStore,
    Flag,
    ItemState,
    ListError,
    ListItem,
    RecentCall,
    StoreCallLists,
)
from c2c_desktop.core.disposition_rules import Action, DispositionRule, DispositionRules, default_rules, disposition_key
from c2c_desktop.core.figures import CALLBACK_EARLY
from c2c_desktop.core.models import CallType, Contact, Outcome
from c2c_desktop.core.phone import DialNumber, PhoneError, number_to_call
from c2c_desktop.core.rules import hours
from c2c_desktop.core.rules.glance import Glance, glance
from c2c_desktop.core.rules.guard import CallGuard
from c2c_desktop.core.rules.hours import HoursVerdict
from c2c_desktop.core.rules.model import AuditLog
from c2c_desktop.core.store import Store

PLACING = "placing"  # an item's last_outcome while its call is being placed
DEFAULT_REMINDER_MINUTES = 2

#: After any call to a number (from any list, the contacts or the dial pad), no list offers it for this long; after a
#: No answer, for the "No answer" rule's retry delay if that is longer (2 h by default). A callback due is offered
#: all the same: its time was agreed with the callee.
COOL_OFF = timedelta(minutes=10)


class CallbackRefused(ListError):
    """A callback that cannot be scheduled (in the past, outside the callee's calling hours); str() says why."""


class DispositionRefused(ListError):
    """A disposition that cannot be saved as given (it needs a callback time); str() says why."""


# --- time zones -----------------------------------------------------------------------------------------------------


def agent_zone() -> tzinfo:
    """The agent's own zone: $TZ, else /etc/localtime's IANA name, else the system's current offset."""
    for name in (os.environ.get("TZ", "").lstrip(":"), _localtime_name()):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.now().astimezone().tzinfo or UTC


def _localtime_name() -> str:
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return ""
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else ""


def callee_zone(number: DialNumber, contact: Contact | None = None) -> str:
    """The callee's IANA zone (the first candidate when the number may be in several); "" when unknown."""
    zones = hours.whereabouts(number, contact.region_code if contact else "").zones
    return zones[0] if zones else ""


def parse_local_time(text: str, zone: tzinfo) -> datetime:
    """ "2026-12-08 10:00" on the clock of `zone`, as UTC. A time that does not exist there (the hour skipped when
    clocks go forward) is refused; one that happens twice (clocks go back) is the first of the two."""
    cleaned = " ".join(text.replace("T", " ").split())
    try:
        naive = datetime.strptime(cleaned, "%Y-%m-%d %H:%M")
    except ValueError:
        raise CallbackRefused(f"'{text}' is not a date and time such as 2026-12-08 10:00") from None
    local = naive.replace(tzinfo=zone, fold=0)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != naive:
        raise CallbackRefused(f"{cleaned} does not exist in {_zone_name(zone)}: the clocks go forward then")
    return moment


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def tomorrow_at_this_time(now: datetime, zone: tzinfo | None = None) -> datetime:
    """The same time of day tomorrow on the clock of `zone` (default: the agent's), as UTC: 23 or 25 hours later
    across a clock change, not 24. A time the clocks skip tomorrow comes out as the hour after (02:30 → 03:30)."""
    zone = zone or agent_zone()
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=1)
    naive = datetime.combine(day, local.time().replace(tzinfo=None))
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def both_clocks(moment: datetime, callee: str, agent: tzinfo | None = None) -> str:
    """ "Tue 2026-12-08 10:00 their time (America/New_York) · 16:00 yours"."""
    mine = moment.astimezone(agent or agent_zone())
    if not callee:
        return f"{mine:%a %Y-%m-%d %H:%M} your time (the callee's zone is unknown)"
    theirs = moment.astimezone(ZoneInfo(callee))
    return f"{theirs:%a %Y-%m-%d %H:%M} their time ({callee}) · {mine:%a %H:%M} yours"


# --- callbacks ------------------------------------------------------------------------------------------------------


def schedule_callback(
    lists: CallListStore,
    guard: CallGuard,
    number: DialNumber,
    at: datetime,
    now: datetime,
    *,
    contact: Contact | None = None,
    item_id: int | None = None,
    note: str = "",
) -> Callback:
    """Store a callback at `at` (UTC) with the callee's zone. Refused (CallbackRefused, nothing stored) when `at` is
    not after `now`, or when the callee's calling hours refuse a call at `at` (judged at that moment, not now)."""
    zone = check_callback(guard, number, at, now, contact=contact)
    name = contact.name if contact else ""
    return lists.add_callback(
        number.e164, at, zone, contact_id=contact.id if contact else None, name=name, item_id=item_id, note=note
    )


def check_callback(
    guard: CallGuard, number: DialNumber, at: datetime, now: datetime, *, contact: Contact | None = None
) -> str:
    """The callee's zone when a callback at `at` may be scheduled; CallbackRefused (why, and the next possible time)
    when it may not. Writes nothing: the callback dialog asks it on every change."""
    zone = callee_zone(number, contact)
    if at <= now:
        raise CallbackRefused(f"{both_clocks(at, zone)} is in the past: choose a later time")
    try:
        verdict = guard.hours_at(number, at, contact=contact)
    except ValueError as exc:
        raise CallbackRefused(f"the calling hours cannot be checked: {exc}") from None
    if not verdict.allowed:
        opens = f"; the next possible time is {both_clocks(verdict.opens_at, zone)}" if verdict.opens_at else ""
        raise CallbackRefused(f"not at {both_clocks(at, zone)}: {verdict.reason}{opens}")
    return zone


@dataclass(frozen=True)
class DueCallback:
    callback: Callback
    late: timedelta  # how late it is (zero or more); negative: due in that long

    @property
    def overdue(self) -> bool:
        return self.late > timedelta(0)


def late_text(late: timedelta) -> str:
    minutes = int(abs(late).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours_, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours_} h" if hours_ else "", f"{mins} min" if mins or not minutes else ""]
    return " ".join(part for part in parts if part)


def settle_callbacks(lists: CallListStore) -> int:
    """Close as done (kept) the pending callbacks whose number has been dialled since (from `CALLBACK_EARLY` before
    their time on, from anywhere: the session, the dial pad, the command line): a callback dealt with no longer
    reminds nor shows as overdue. Asked before callbacks are listed or reminded; returns how many closed."""
    return lists.close_called_callbacks(CALLBACK_EARLY)


def due_words(due_at: datetime, now: datetime) -> str:
    """When a callback is due, the one wording and rounding of the banner, the notification, the Callbacks window and
    `callbacks list`: "in 2 min" (1 min 30 s left reads "in 2 min": rounded up, never early), "in less than a
    minute", "now" (up to a minute late), "overdue by 5 min" (rounded down)."""
    left = due_at - now
    if left >= timedelta(minutes=1):
        return f"in {late_text(left + timedelta(seconds=59))}"
    if left > timedelta(0):
        return "in less than a minute"
    if left > -timedelta(minutes=1):
        return "now"
    return f"overdue by {late_text(-left)}"


def reminders(lists: CallListStore, now: datetime, minutes: int = DEFAULT_REMINDER_MINUTES) -> list[DueCallback]:
    """Pending callbacks due within `minutes` from now (not yet due), soonest first."""
    until = now + timedelta(minutes=minutes)
    return [DueCallback(cb, now - cb.due_at) for cb in lists.callbacks() if now < cb.due_at <= until]


def due_callbacks(lists: CallListStore, now: datetime) -> list[DueCallback]:
    """Pending callbacks whose time has come, with how late each is (those due while the app was closed too)."""
    return [DueCallback(cb, now - cb.due_at) for cb in lists.callbacks() if cb.due_at <= now]


# --- a list's progress ---------------------------------------------------------------------------------------------


def outcome_words(outcome: str | None) -> str:
    """An outcome as the agent reads it: "no answer", "connected", "not sent"; "being placed" while it is."""
    if outcome is None or outcome == PLACING:
        return "being placed"
    return outcome.replace("_", " ")


#: States of an item that the list will not offer again.
FINISHED_STATES = frozenset({ItemState.DONE, ItemState.SKIPPED, ItemState.DO_NOT_CALL})


@dataclass(frozen=True)
class ListProgress:
    """A list's progress, the one definition the session's card and the list manager show.

    * total: the list's items.
    * done: items the list will not offer again: done, skipped, do not call, or whose contact was deleted.
    * left: total - done: items still to be called (now, at a retry or callback time, or waiting for a disposition).
    * worked: items called at least once (an attempt counted) or moved on without a call (skipped, a callback set, on
      the do-not-call list...): every item that is no longer untouched. Every done item is worked, except one whose
      contact was deleted before it was called.
    * callbacks_due: items waiting for a callback whose time has come.
    """

    total: int
    done: int
    worked: int
    callbacks_due: int

    @property
    def left(self) -> int:
        return self.total - self.done

    def text(self) -> str:
        """ "23 of 120 worked · 4 callbacks due" (the session's card)."""
        due = f" · {self.callbacks_due} callback{'s' * (self.callbacks_due != 1)} due" if self.callbacks_due else ""
        return f"{self.worked} of {self.total} worked{due}"


def list_progress(items: Iterable[ListItem], now: datetime) -> ListProgress:
    """The progress of a list from its items (`CallListStore.items`) at `now`. One pass; 10,000 items in ~5 ms."""
    total = done = worked = due = 0
    for item in items:
        total += 1
        done += item.state in FINISHED_STATES or item.contact_missing
        worked += item.attempts > 0 or item.state is not ItemState.READY
        due += item.state is ItemState.CALLBACK and item.due_at is not None and item.due_at <= now
    return ListProgress(total, done, worked, due)


# --- callable now ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Where an item stands now: offered or not, and why not."""

    item: ListItem
    callable: bool
    kind: str = ""  # offered: "callback due", "retry due", "ready again" (called before) or "new"
    why: str = ""  # not callable now: why (and when it opens, where that can be said)
    opens_at: datetime | None = None
    needs_confirmation: bool = False  # its last call may still be ringing: never dialled without the agent's yes


def _split_area_codes() -> frozenset[str]:
    # Area codes whose exchanges lie in different zones: judged per exchange, the others per area code.
    from phonenumbers.tzdata import TIMEZONE_DATA

    return frozenset(key[1:4] for key in TIMEZONE_DATA if key.startswith("1") and len(key) > 4)


_SPLIT_CODES: frozenset[str] | None = None


def _hours_key(e164: str, region_code: str) -> tuple[str, str]:
    global _SPLIT_CODES
    if e164.startswith("+1") and len(e164) == 12:
        if _SPLIT_CODES is None:
            _SPLIT_CODES = _split_area_codes()
        return (e164[:8] if e164[2:5] in _SPLIT_CODES else e164[:5], region_code)
    return (e164, region_code)


class CallableNow:
    """The "callable now" order of one list at one instant (`now`). Keeps what it judged (per item, and the calling
    hours per area code) so that a recompute after a change judges only what changed. Same thread as the store."""

    def __init__(
        self,
        store: Store,
        guard: CallGuard,
        now: datetime,
        *,
        region: str = "US",
        confirmed: Callable[[ListItem], bool] = lambda _item: False,
        lists: CallListStore | None = None,
        rules: DispositionRules | None = None,
    ) -> None:
        self._store = store
        self._guard = guard
        self.now = now
        self._region = region
        self._confirmed = confirmed
        self._lists = lists if lists is not None else StoreCallLists(store)
        no_answer = (rules or default_rules()).no_answer
        delay = no_answer.delay if no_answer.action is Action.RETRY and no_answer.delay is not None else COOL_OFF
        self._no_answer_wait = max(delay, COOL_OFF)
        self._hours: dict[tuple[str, str], HoursVerdict | None] = {}
        self._glances: dict[tuple[int, str, int, str | None], Glance] = {}
        self._flags: dict[str, Flag] | None = None
        self._recent: dict[str, RecentCall] | None = None

    def _read_calls_and_flags(self) -> None:
        """The flagged numbers and the latest call per number, read again (two queries) by each public question:
        a number flagged or called from another list a minute ago counts at once."""
        wait = self._no_answer_wait
        # A call dated after this clock by more than the cool-off belongs to another clock (a test's, or one set back).
        self._recent = self._lists.recent_calls(self.now - wait, self.now + COOL_OFF)
        self._flags = self._lists.flags()

    def candidates(self, items: Sequence[ListItem]) -> list[ListItem]:
        """Items that may be offered, in order: due callbacks, then due retries (each soonest first), then new
        items in list order."""
        now = self.now
        callbacks = [i for i in items if i.state is ItemState.CALLBACK and i.due_at is not None and i.due_at <= now]
        retries = [i for i in items if i.state is ItemState.DUE_LATER and i.due_at is not None and i.due_at <= now]
        fresh = [i for i in items if i.state is ItemState.READY]
        callbacks.sort(key=lambda i: (i.due_at, i.position))
        retries.sort(key=lambda i: (i.due_at, i.position))
        return callbacks + retries + fresh

    def first(self, items: Sequence[ListItem]) -> Standing | None:
        """The next item to call, or None when nothing is callable now."""
        self._read_calls_and_flags()
        for item in self.candidates(items):
            standing = self._judge(item, full=False)
            if standing.callable:
                return standing
        return None

    def count(self, items: Sequence[ListItem], limit: int) -> int:
        """How many items are callable now, counted up to `limit` (a picker shows "200+": judging a whole big list
        would take seconds)."""
        self._read_calls_and_flags()
        found = 0
        for item in self.candidates(items):
            if found >= limit:
                break
            found += self._judge(item, full=False).callable
        return found

    def all(self, items: Iterable[ListItem]) -> list[Standing]:
        """Every item with where it stands (for `lists show`), in list order; slower: judges every item."""
        self._read_calls_and_flags()
        ordered = {item.id: n for n, item in enumerate(self.candidates(list(items)))}
        return [self.standing(item, kind_rank=ordered.get(item.id)) for item in items]

    def standing(self, item: ListItem, *, kind_rank: int | None = None) -> Standing:
        if self._recent is None:
            self._read_calls_and_flags()
        early = self._settled(item)
        return early if early is not None else self._judge(item, full=True)

    def _settled(self, item: ListItem) -> Standing | None:
        """Where the item stands when its own state says it (finished, or due later), without the guard."""
        now = self.now
        if item.contact_missing:
            return Standing(item, False, why="the contact was deleted since it was put in the list: skipped")
        if item.state in FINISHED_STATES:
            return Standing(item, False, why=str(item.state))
        if item.state in (ItemState.CALLBACK, ItemState.DUE_LATER) and item.due_at is not None and item.due_at > now:
            what = "callback" if item.state is ItemState.CALLBACK else "retry"
            return Standing(item, False, why=f"{what} at {self._local(item, item.due_at)}", opens_at=item.due_at)
        return None

    def waiting_for_confirmation(self, items: Iterable[ListItem]) -> list[ListItem]:
        """Items whose last call may still be ringing (unknown outcome): cheap, only those items' calls are read."""
        return [
            item
            for item in items
            if item.state not in FINISHED_STATES and not item.contact_missing and self._may_still_be_ringing(item)
        ]

    def next_opening(self, items: Sequence[ListItem]) -> tuple[datetime, ListItem] | None:
        """When the next item opens (and which), when nothing is callable now: the same answer as the earliest
        `standing(item).opens_at`, without the guard's full verdict per item: an item's own time, its number's
        cool-off, else the calling hours of its area code (judged once per area code, as `first` does)."""
        self._read_calls_and_flags()
        best: tuple[datetime, ListItem] | None = None
        for item in items:
            opens = self._opens_at(item)
            if opens is not None and (best is None or opens < best[0]):
                best = (opens, item)
        return best

    def _opens_at(self, item: ListItem) -> datetime | None:
        settled = self._settled(item)
        if settled is not None:
            return settled.opens_at
        early = self._before_hours(item)
        if early is not None:
            return early.opens_at
        key = _hours_key(item.e164, item.region_code)
        if key in self._hours:
            shared = self._hours[key]
        else:
            number = self._number(item)
            if number is None:
                return None
            shared = self._hours_now(item, number, Contact(item.contact_id, item.name, region_code=item.region_code))
        return shared.opens_at if shared is not None and not shared.allowed else None

    def _before_hours(self, item: ListItem) -> Standing | None:
        """What stops the item before the guard is asked: its last call waiting for a disposition or maybe still
        ringing, its number flagged, or called (from anywhere) too recently."""
        if item.last_outcome == Outcome.CONNECTED.value and item.last_disposition is None:
            return Standing(item, False, why="waiting for the disposition of its last call")
        if self._may_still_be_ringing(item) and not self._confirmed(item):
            return Standing(
                item,
                False,
                why="its last call may still be ringing (unknown outcome): confirm to call again",
                needs_confirmation=True,
            )
        flag = (self._flags or {}).get(item.e164)
        if flag is not None:
            return Standing(item, False, why=self._flag_text(flag))
        recent = (self._recent or {}).get(item.e164)
        callback_due = item.state is ItemState.CALLBACK
        if recent is not None and recent.call_id != item.last_call_id and not callback_due:
            wait = self._no_answer_wait if recent.outcome == Outcome.NO_ANSWER.value else COOL_OFF
            opens = recent.started_at + wait
            if opens > self.now:
                return Standing(item, False, why=self._recent_text(recent, opens), opens_at=opens)
        return None

    def _flag_text(self, flag: Flag) -> str:
        """ "flagged: wrong number (Demo prospects, 05:31)"."""
        where = f"{flag.where}, " if flag.where else ""
        return f"flagged: {flag.reason.lower()} ({where}{self._clock_text(flag.flagged_at)})"

    def _recent_text(self, recent: RecentCall, opens: datetime) -> str:
        """ "called 9 min ago from “Demo prospects” (no answer): again from 07:20"."""
        ago = late_text(self.now - recent.started_at) if recent.started_at < self.now else "just now"
        where = f"from “{recent.list_name}”" if recent.list_name else "by hand"
        outcome = outcome_words(recent.outcome)
        ago_text = "just now" if ago == "just now" else f"{ago} ago"
        return f"called {ago_text} {where} ({outcome}): again from {self._clock_text(opens)}"

    def _clock_text(self, moment: datetime) -> str:
        local = moment.astimezone(agent_zone())
        today = self.now.astimezone(agent_zone()).date()
        return f"{local:%H:%M}" if local.date() == today else f"{local:%a %d %b %H:%M}"

    def _judge(self, item: ListItem, *, full: bool) -> Standing:
        if item.contact_missing:
            return Standing(item, False, why="the contact was deleted since it was put in the list: skipped")
        early = self._before_hours(item)
        if early is not None:
            return early
        ringing = self._may_still_be_ringing(item)
        if not full:  # the calling hours of its area code, judged once: most of a closed list stops here unparsed
            shared = self._hours.get(_hours_key(item.e164, item.region_code))
            if shared is not None and not shared.allowed:
                return Standing(item, False, why=shared.reason, opens_at=shared.opens_at)
        number = self._number(item)
        if number is None:
            return Standing(item, False, why=f"{item.e164} cannot be called (not a phone number)")
        contact = Contact(item.contact_id, item.name, region_code=item.region_code)
        if not full:
            verdict = self._hours_now(item, number, contact)
            if verdict is not None and not verdict.allowed:
                return Standing(item, False, why=verdict.reason, opens_at=verdict.opens_at)
        key = (item.id, item.e164, item.attempts, item.last_outcome)
        seen = self._glances.get(key)
        if seen is None:
            seen = self._glances[key] = glance(self._guard, number, contact)
        if not seen.callable_now:
            opens = None
            verdict = self._hours_now(item, number, contact)
            if verdict is not None and not verdict.allowed:
                opens = verdict.opens_at
            return Standing(item, False, why=seen.text, opens_at=opens)
        # "new" only for an item never called: one called already (its call waits for a disposition, or kept its
        # place) is "ready again".
        fresh = "ready again" if item.attempts else "new"
        kind = {ItemState.CALLBACK: "callback due", ItemState.DUE_LATER: "retry due"}.get(item.state, fresh)
        return Standing(item, True, kind=kind, why=seen.text, needs_confirmation=ringing)

    def _hours_now(self, item: ListItem, number: DialNumber, contact: Contact) -> HoursVerdict | None:
        key = _hours_key(item.e164, item.region_code)
        if key in self._hours:
            return self._hours[key]
        try:
            verdict: HoursVerdict | None = self._guard.hours_at(number, self.now, contact=contact)
        except ValueError:
            verdict = None  # the full verdict will say it
        if verdict is not None and verdict.unknown_zone:
            return verdict  # an unknown zone may be this number's alone: not shared
        self._hours[key] = verdict
        return verdict

    def _number(self, item: ListItem) -> DialNumber | None:
        try:
            return number_to_call(item.e164, self._region)
        except PhoneError:
            return None

    def _may_still_be_ringing(self, item: ListItem) -> bool:
        if item.last_call_id is None or item.last_outcome not in (PLACING, Outcome.UNKNOWN.value):
            return False
        entry = self._store.get_call(item.last_call_id)
        return entry is not None and entry.may_still_be_ringing

    def _local(self, item: ListItem, moment: datetime) -> str:
        number = self._number(item)
        zone = callee_zone(number, Contact(None, "", region_code=item.region_code)) if number else ""
        return both_clocks(moment, zone)


# --- outcomes and dispositions --------------------------------------------------------------------------------------


def call_started(lists: CallListStore, item: ListItem, call_id: int) -> ListItem:
    """The item's call has its journal row (committed): remember it before the request is sent. The item's update
    and the list→call link (what the list's figures count) commit together: once the item points at its call, the
    list counts it, even if the app is killed the next instant."""
    with lists.transaction():
        lists.link_call(item.list_id, item.id, call_id)
        return lists.update_item(item.id, last_call_id=call_id, last_outcome=PLACING, attempts=item.attempts + 1)


#: What the agent is told when, with call type 2, their own phone was not answered (the prospect was not called).
AGENT_NO_ANSWER_TEXT = "Nobody answered your phone — the prospect was not called"


def answer_is_about_the_prospect(call_type: int | None) -> bool:
    """Whether the service's answer (Call Connected / No Answer) is about the prospect's phone: with call type 1 it
    rings first; with type 2 the agent's phone rings first and the answer is about the agent's pickup."""
    return call_type is None or int(call_type) == int(CallType.PROSPECT_FIRST)


def agent_missed(outcome: Outcome, call_type: int | None) -> bool:
    """True for a No answer that means the agent did not pick up their own phone (call type 2): the prospect was never
    dialled. The caller says `AGENT_NO_ANSWER_TEXT` and a power session pauses (the agent is away)."""
    return outcome is Outcome.NO_ANSWER and not answer_is_about_the_prospect(call_type)


def call_finished(
    lists: CallListStore,
    rules: DispositionRules,
    item: ListItem,
    outcome: Outcome,
    now: datetime,
    *,
    call_type: int | None = None,
) -> ListItem:
    """The outcome of the item's call, `item` as `call_started` returned it. `call_type` is the call's type (the
    journal row's `call_type`; None is read as type 1, the answer being about the prospect).

    No answer from the prospect follows the "No answer" rule. No answer with type 2 means the agent did not pick up
    (`agent_missed`): the prospect was never dialled, so it is not an attempt, the retry rule does not apply and the
    item keeps its state and time (a pending callback stays pending); only the outcome is recorded. A call that
    reached nobody (not sent, rejected) does not count as an attempt either; connected waits for the disposition;
    unknown needs confirmation."""
    with lists.transaction():
        if outcome in (Outcome.NOT_SENT, Outcome.REJECTED) or agent_missed(outcome, call_type):
            return lists.update_item(item.id, last_outcome=outcome.value, attempts=max(0, item.attempts - 1))
        if item.state is ItemState.CALLBACK:
            lists.close_callbacks_of_item(item.id, CallbackState.DONE)
        if outcome is Outcome.NO_ANSWER:
            lists.update_item(item.id, last_outcome=outcome.value, last_disposition=None)
            return _apply_rule(lists, rules.no_answer, item, now)
        return lists.update_item(item.id, last_outcome=outcome.value, last_disposition=None)


def _apply_rule(lists: CallListStore, rule: DispositionRule, item: ListItem, now: datetime) -> ListItem:
    if rule.action is Action.RETRY and rule.delay is not None:
        if rule.max_attempts is not None and item.attempts >= rule.max_attempts:
            return lists.update_item(item.id, state=ItemState.DONE, due_at=None)
        return lists.update_item(item.id, state=ItemState.DUE_LATER, due_at=now + rule.delay)
    if rule.action is Action.SKIP:
        return lists.update_item(item.id, state=ItemState.SKIPPED, due_at=None)
    return lists.update_item(item.id, state=ItemState.DONE, due_at=None)


def disposition_not_applied(outcome: Outcome, call_type: int | None) -> str | None:
    """Why a disposition given before the call (`lists call-next --disposition`) is not recorded after it, or None
    when it is: it applies only when the call connected. Otherwise the outcome's own rule has moved the item on."""
    if agent_missed(outcome, call_type):
        return "the prospect was not called"
    if outcome is Outcome.CONNECTED:
        return None
    if outcome is Outcome.NO_ANSWER:
        return 'nobody answered (no answer): the "No answer" rule applies instead'
    if outcome is Outcome.UNKNOWN:
        return "the outcome is unknown (the call may have rung); record it with `lists dispose` once you know"
    return f"the call did not ring ({outcome_words(outcome.value)})"


def check_disposition(rules: DispositionRules, known: Iterable[str], text: str, has_time: bool) -> str:
    """The disposition's name as listed (matched by `disposition_key`: case, spacing and the kind of dash do not
    matter), or DispositionRefused: unknown, or one that needs a callback time given without one."""
    names = {disposition_key(name): " ".join(name.split()) for name in known}
    for key, each in rules.rules.items():
        names.setdefault(key, each.name)  # the agent's own spelling (dispositions.txt) first
    name = names.get(disposition_key(text))
    if name is None:
        raise DispositionRefused(f"unknown disposition '{text}' (known: {', '.join(sorted(set(names.values())))})")
    rule = rules.find(name)
    if rule is not None and rule.needs_time and not has_time:
        raise DispositionRefused(f'"{name}" needs a callback time (--at "2026-12-08 10:00")')
    return name


def record_disposition(
    store: Store,
    lists: CallListStore,
    rules: DispositionRules,
    item: ListItem,
    disposition: str,
    now: datetime,
    *,
    guard: CallGuard,
    callback_at: datetime | None = None,
    agent_number: str = "",
    audit: AuditLog | None = None,
    region: str = "US",
    note: str | None = None,
    callback_note: str = "",
) -> ListItem:
    """Save the disposition of the item's last call (journal and item together) and move the item on by its rule.
    `note`: the call's note, saved in the same transaction (None keeps the one it has); `callback_note`: what to talk
    about on the callback a callback rule schedules. Nothing is saved when it is refused (a callback without a time,
    or outside the callee's hours)."""
    from c2c_desktop.core.rules.dnc import add_internal

    rule = rules.find(disposition)
    if rule is not None and rule.needs_time and callback_at is None:
        raise DispositionRefused(f'"{disposition}" needs a callback time')
    with store.transaction():
        if item.last_call_id is not None:
            entry = store.get_call(item.last_call_id)
            kept = entry.note if entry else ""
            store.set_disposition(item.last_call_id, disposition, kept if note is None else note)
        lists.update_item(item.id, last_disposition=disposition)
        if rule is None:
            lists.close_callbacks_of_item(item.id, CallbackState.CANCELLED)
            return lists.update_item(item.id, state=ItemState.DONE, due_at=None)
        if rule.action is Action.CALLBACK and callback_at is not None:
            number = number_to_call(item.e164, region)
            contact = Contact(item.contact_id, item.name, region_code=item.region_code)
            lists.close_callbacks_of_item(item.id, CallbackState.CANCELLED)
            schedule_callback(
                lists, guard, number, callback_at, now, contact=contact, item_id=item.id, note=callback_note
            )
            return lists.update_item(item.id, state=ItemState.CALLBACK, due_at=callback_at)
        if rule.action is Action.DO_NOT_CALL:
            add_internal(store, item.e164, f"disposition: {disposition}", agent_number=agent_number, audit=audit)
            lists.close_callbacks_of_item(item.id, CallbackState.CANCELLED)
            return lists.update_item(item.id, state=ItemState.DO_NOT_CALL, due_at=None)
        # Out of the callback state: the callback it waited for is off (kept already, if the call was its callback).
        lists.close_callbacks_of_item(item.id, CallbackState.CANCELLED)
        if rule.flag_number:
            where = next((each.name for each in lists.all_lists() if each.id == item.list_id), "")
            lists.flag_number(item.e164, disposition + (FLAG_SEPARATOR + where if where else ""))
        return _apply_rule(lists, rule, item, now)
