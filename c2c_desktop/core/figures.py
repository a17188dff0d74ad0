"""The day's figures: how many calls went out, how many reached the prospect, and when prospects pick up.

Computed from the call journal and the agents' dispositions only (plus, for callbacks, the callbacks that were due).
The definitions, as the README's "The day's figures" gives them:

* Period: whole days of the agent's local calendar (today; this week = Monday to today; or a chosen range), from
  local midnight to local midnight, daylight-saving changes included (a spring-forward day lasts 23 hours). A call
  counts on the day it was *started* (written to the journal), even when it ended after midnight.
* Dial: a call whose request was sent or may have been: its outcome known now (the agent's recorded answer for an
  unknown call, else the original one) is Connected, No answer or Unknown, or it is still being placed. "Not sent"
  (the request never left) and "Rejected" (the service refused it; no phone rang) are not dials: the same rule as
  `Store.last_call_that_may_have_rung`.
* First-leg answer: a dial whose outcome is Connected. With call type 2 that is the agent's phone answering; with
  type 1 the prospect's. An Unknown call is a dial but not an answer, unless the agent recorded that it connected.
* Prospect connect: a dial whose disposition is one of `PROSPECT_CONNECT_DISPOSITIONS` (matched by
  `disposition_rules.disposition_key`, as everywhere: case, spaces and the kind of dash do not matter): only the
  disposition says that the prospect was reached.
* Call type 2 (the agent's phone first) and No answer: the agent did not pick up, so the prospect was never dialled.
  Such a call is still a dial (the request went out and a phone, the agent's, rang: it counts in dials, calling hours
  and dials per hour, and its callee hour's dials), never a first-leg answer, never a prospect connect (it has no
  disposition: `lists call-next` records none for it, and the session must not either). So it lowers the connect
  rate, as the agent's missed pickups do lower the rate of prospects reached per dial; the journal keeps its call
  type, so a count of them apart ("your phone not answered") can be added without a schema change.
* Connect rate: prospect connects / dials ("—" with no dials).
* Dials per hour: dials / calling hours, where a calling hour is an hour of the agent's clock (09:00-09:59, ...) in
  which at least one dial started. Breaks and a lunch hour do not dilute it; 3 dials at 09:05, 09:50 and 10:10 are
  2 calling hours, 1.5 dials per hour.
* Callbacks kept and missed: of the callbacks due in the period, kept = some dial to the callback's number started
  from `CALLBACK_EARLY` before to `CALLBACK_LATE` after the due time (from anywhere: a list, the contacts, the dial
  pad); missed = none did and that window is over; pending = the window is still open.
* Connect rate by the callee's local hour: each dial goes to the hour of day the callee's clock showed when it started;
  the callee's zone is the calling rules' zone of the number (`rules.hours.whereabouts`, from the number alone: the
  journal keeps no address). A number with no zone or with several candidate zones goes to "unknown".

Per list: `include` keeps only some calls (e.g. `calls_with_ids(...)` of a list's calls), and the caller passes that
list's callbacks; `day_figures` does both from the store: a list's calls are those placed from its items (the
`list_calls` table, kept with each call from schema 14), its callbacks those scheduled for its items. Callbacks come
from the callbacks table (core/calllists.py); a cancelled one (moved to another time, or the callee put on the
do-not-call list) is neither kept nor missed. Nothing here writes anything.
"""

from __future__ import annotations

import csv
import functools
import math
import os
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from c2c_desktop.core.disposition_rules import disposition_key
from c2c_desktop.core.fileutil import atomic_write, defuse_formula
from c2c_desktop.core.models import CallState, JournalEntry, Outcome

if TYPE_CHECKING:
    from c2c_desktop.core.calllists import CallList
    from c2c_desktop.core.store import Store

#: Dispositions that mean the prospect was reached (the disposition rules may own this set later).
PROSPECT_CONNECT_DISPOSITIONS: tuple[str, ...] = ("Connected – interested", "Not interested", "Call back later")

#: A dial to a callback's number this long before its due time, up to `CALLBACK_LATE` after, keeps it.
CALLBACK_EARLY = timedelta(minutes=5)
CALLBACK_LATE = timedelta(minutes=30)

#: Outcomes (known now) of a call whose request was sent or may have been.
_DIAL_OUTCOMES = frozenset({Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.UNKNOWN})

TODAY, THIS_WEEK, DATE_RANGE = "today", "week", "range"


# --- the journal rows the figures read ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FigureCall:
    """What the figures need of one journal row."""

    id: int
    started: datetime  # aware, UTC
    dialed: bool
    answered: bool  # first leg answered (Connected)
    disposition: str
    e164: str


def _is_dial(state: str, outcome: str | None) -> bool:
    if outcome is None:
        return state == CallState.PLACING.value  # still being placed: the request may be out
    return outcome in _DIAL_OUTCOMES


def _call(
    call_id: int, started_at: str, state: str, outcome: str | None, disposition: str | None, e164: str
) -> FigureCall:
    dialed = _is_dial(state, outcome)
    return FigureCall(
        id=call_id,
        started=datetime.fromisoformat(started_at).astimezone(UTC),
        dialed=dialed,
        answered=dialed and outcome == Outcome.CONNECTED.value,
        disposition=disposition or "",
        e164=e164 or "",
    )


def figure_call(entry: JournalEntry) -> FigureCall:
    """The figures' view of a journal row."""
    outcome = entry.reconciled_outcome or entry.outcome
    outcome_text = None if outcome is None else outcome.value
    return _call(entry.id, entry.started_at, entry.state.value, outcome_text, entry.disposition, entry.e164)


def _utc_text(moment: datetime) -> str:
    # The journal's own format (store.utc_now), so that text comparison is time order.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_calls(store: Store, since: datetime, until: datetime) -> list[FigureCall]:
    """The journal rows started in [since, until), oldest first. Only the columns the figures use are read (100,000
    rows in about a quarter of a second). Same thread as the store; raises StoreError."""
    with store.plain_errors():
        rows = store.connection.execute(
            "SELECT id, started_at, state, COALESCE(reconciled_outcome, outcome), disposition, e164 FROM calls "
            "WHERE started_at >= ? AND started_at < ? ORDER BY started_at, id",
            (_utc_text(since), _utc_text(until)),
        ).fetchall()
    return [_call(*row) for row in rows]


def calls_with_ids(call_ids: Collection[int]) -> Callable[[FigureCall], bool]:
    """An `include` that keeps the calls with these journal ids (e.g. the calls made from one list)."""
    wanted = frozenset(call_ids)
    return lambda call: call.id in wanted


# --- periods --------------------------------------------------------------------------------------------------------


def _day_start(day: date, zone: tzinfo | None) -> datetime:
    """The UTC instant local midnight starts `day`; `zone` None is the system's local zone (DST-aware)."""
    if zone is None:
        return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


@dataclass(frozen=True)
class Period:
    """Whole local days, `first` to `last` included."""

    first: date
    last: date
    kind: str = DATE_RANGE

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")

    def bounds(self, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants: local midnight of `first` to local midnight after `last`."""
        return _day_start(self.first, zone), _day_start(self.last + timedelta(days=1), zone)

    @property
    def words(self) -> str:
        """ "Today (2026-12-07)", "This week (2026-12-07 to 2026-12-09)", "2026-12-01 to 2026-12-03"."""
        days = str(self.first) if self.first == self.last else f"{self.first} to {self.last}"
        if self.kind == TODAY:
            return f"Today ({days})"
        if self.kind == THIS_WEEK:
            return f"This week ({days})"
        return days


def today_period(today: date) -> Period:
    return Period(today, today, TODAY)


def week_period(today: date) -> Period:
    """Monday of this week to today."""
    return Period(today - timedelta(days=today.weekday()), today, THIS_WEEK)


def local_today(zone: tzinfo | None = None, now: datetime | None = None) -> date:
    """The agent's local date now."""
    return _local(now or datetime.now(UTC), zone).date()


# --- callee zones ---------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=200_000)
def callee_zone(e164: str) -> str | None:
    """The callee's one IANA zone by the calling rules' lookup of the number, or None (no zone, several, no number)."""
    if not e164.startswith("+"):
        return None
    from c2c_desktop.core.phone import DialNumber
    from c2c_desktop.core.rules.hours import whereabouts

    try:
        zones = whereabouts(DialNumber(dial="", e164=e164, display="", region=None, extension="", warning=None)).zones
    except Exception:  # a number libphonenumber cannot parse (an old row): its zone is unknown, not an error
        return None
    return zones[0] if len(zones) == 1 else None


@functools.cache
def _zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# --- the figures ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    """A callback that was due: when (aware) and the number to call back (international form, "+13055550100")."""

    due: datetime
    e164: str


@dataclass(frozen=True)
class HourBar:
    """Dials and prospect connects in one hour of the callee's clock (`hour` None: callee's zone unknown)."""

    hour: int | None
    dials: int
    connects: int

    @property
    def rate(self) -> float:
        return self.connects / self.dials if self.dials else 0.0


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """The figures of one period (and one list, or overall)."""

    period: Period
    list_name: str  # "" for overall
    dials: int = 0
    first_leg_answers: int = 0
    prospect_connects: int = 0
    calling_hours: int = 0
    #: None when no callbacks were given (callbacks are not known to the caller).
    callbacks_kept: int | None = None
    callbacks_missed: int | None = None
    callbacks_pending: int | None = None
    #: Hours of the callee's clock with at least one dial, in order, the unknown zone last.
    by_callee_hour: tuple[HourBar, ...] = field(default_factory=tuple)

    @property
    def connect_rate(self) -> float | None:
        return _share(self.prospect_connects, self.dials)

    @property
    def answer_rate(self) -> float | None:
        return _share(self.first_leg_answers, self.dials)

    @property
    def dials_per_hour(self) -> float | None:
        return self.dials / self.calling_hours if self.calling_hours else None


def compute_figures(
    calls: Iterable[FigureCall],
    period: Period,
    *,
    zone: tzinfo | None = None,
    now: datetime | None = None,
    include: Callable[[FigureCall], bool] | None = None,
    callbacks: Sequence[Callback] | None = None,
    connect_dispositions: Iterable[str] = PROSPECT_CONNECT_DISPOSITIONS,
    list_name: str = "",
    zone_of: Callable[[str], str | None] = callee_zone,
) -> Figures:
    """The figures of `period` (local days in `zone`, None: the system's) from `calls` (any order; calls outside the
    period are ignored, but callbacks near its edges need the calls up to `CALLBACK_LATE` after it: see
    `figures_from_store`). `include`: only these calls count (a list's); callbacks are kept by any dial. `now`
    decides which callbacks are still pending (default: the clock)."""
    start, end = period.bounds(zone)
    connect_keys = {disposition_key(text) for text in connect_dispositions}
    dials = answers = connects = 0
    hours_with_dials: set[tuple[date, int, timedelta | None]] = set()
    by_hour: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    dial_times: dict[str, list[datetime]] = defaultdict(list)  # every dial by number, for callbacks
    for call in calls:
        if not call.dialed:
            continue
        dial_times[call.e164].append(call.started)
        if not start <= call.started < end or (include is not None and not include(call)):
            continue
        dials += 1
        answers += call.answered
        connected = disposition_key(call.disposition) in connect_keys
        connects += connected
        local = _local(call.started, zone)
        # The offset tells the two 01:00 hours of a fall-back night apart.
        hours_with_dials.add((local.date(), local.hour, local.utcoffset()))
        callee = zone_of(call.e164)
        hour = None if callee is None else call.started.astimezone(_zone_info(callee)).hour
        bar = by_hour[hour]
        bar[0] += 1
        bar[1] += connected
    bars = tuple(
        HourBar(hour, counts[0], counts[1])
        for hour, counts in sorted(by_hour.items(), key=lambda item: 24 if item[0] is None else item[0])
    )
    kept = missed = pending = None
    if callbacks is not None:
        kept, missed, pending = _callbacks(callbacks, dial_times, start, end, now or datetime.now(UTC))
    return Figures(period, list_name, dials, answers, connects, len(hours_with_dials), kept, missed, pending, bars)


def _callbacks(
    callbacks: Sequence[Callback], dial_times: dict[str, list[datetime]], start: datetime, end: datetime, now: datetime
) -> tuple[int, int, int]:
    kept = missed = pending = 0
    for callback in callbacks:
        due = callback.due.astimezone(UTC)
        if not start <= due < end:
            continue
        early, late = due - CALLBACK_EARLY, due + CALLBACK_LATE
        if any(early <= started <= late for started in dial_times.get(callback.e164, ())):
            kept += 1
        elif now > late:
            missed += 1
        else:
            pending += 1
    return kept, missed, pending


def figures_from_store(
    store: Store,
    period: Period,
    *,
    zone: tzinfo | None = None,
    now: datetime | None = None,
    include: Callable[[FigureCall], bool] | None = None,
    callbacks: Sequence[Callback] | None = None,
    connect_dispositions: Iterable[str] = PROSPECT_CONNECT_DISPOSITIONS,
    list_name: str = "",
) -> Figures:
    """`compute_figures` over the journal of `store` (the period's calls, and those around it that can keep one of
    its callbacks). Same thread as the store; raises StoreError."""
    start, end = period.bounds(zone)
    calls = read_calls(store, start - CALLBACK_EARLY, end + CALLBACK_LATE)
    return compute_figures(
        calls,
        period,
        zone=zone,
        now=now,
        include=include,
        callbacks=callbacks,
        connect_dispositions=connect_dispositions,
        list_name=list_name,
    )


def day_figures(
    store: Store,
    period: Period,
    *,
    call_list: CallList | None = None,
    zone: tzinfo | None = None,
    now: datetime | None = None,
    connect_dispositions: Iterable[str] = PROSPECT_CONNECT_DISPOSITIONS,
) -> Figures:
    """The figures the app shows: overall (`call_list` None) or of one call list (only the calls placed from its
    items, and its items' callbacks), with the callbacks due in the period from the callbacks table, cancelled ones
    left out. Same thread as the store; raises StoreError."""
    from c2c_desktop.core.calllists import CallbackState, StoreCallLists

    lists = StoreCallLists(store)
    start, end = period.bounds(zone)
    list_id = None if call_list is None else call_list.id
    callbacks = [
        Callback(callback.due_at, callback.e164)
        for callback in lists.callbacks_due(start, end, list_id=list_id)
        if callback.state is not CallbackState.CANCELLED
    ]
    return figures_from_store(
        store,
        period,
        zone=zone,
        now=now,
        include=None if call_list is None else calls_with_ids(lists.call_ids_of_list(call_list.id)),
        callbacks=callbacks,
        connect_dispositions=connect_dispositions,
        list_name="" if call_list is None else call_list.name,
    )


# --- showing and exporting ------------------------------------------------------------------------------------------

NO_VALUE = "—"


def percent_text(share: float | None) -> str:
    return NO_VALUE if share is None else f"{share:.0%}"


def _count_text(value: int | None) -> str:
    return NO_VALUE if value is None else f"{value:,}"


def hour_words(hour: int | None) -> str:
    """ "09:00" for 9; "unknown" for a callee whose zone is not known."""
    return "unknown" if hour is None else f"{hour:02d}:00"


def _one_decimal(value: float) -> str:
    # Half up, as by hand: 9 dials in 4 hours read 2.3 (format() would give the float's 2.2).
    return f"{math.floor(value * 10 + 0.5) / 10:,.1f}"


def figure_lines(figures: Figures) -> list[tuple[str, str]]:
    """(name, value as shown) of each figure, in the order the window and the terminal show them."""
    per_hour = figures.dials_per_hour
    return [
        ("Dials", _count_text(figures.dials)),
        ("First-leg answers", _count_text(figures.first_leg_answers)),
        ("Prospect connects", _count_text(figures.prospect_connects)),
        ("Connect rate", percent_text(figures.connect_rate)),
        ("Calling hours", _count_text(figures.calling_hours)),
        ("Dials per hour", NO_VALUE if per_hour is None else _one_decimal(per_hour)),
        ("Callbacks kept", _count_text(figures.callbacks_kept)),
        ("Callbacks missed", _count_text(figures.callbacks_missed)),
        ("Callbacks pending", _count_text(figures.callbacks_pending)),
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures_json(figures: Figures) -> dict[str, Any]:
    """The figures as JSON data (rates as fractions 0-1, None where there is nothing to divide by)."""
    return {
        "from": figures.period.first.isoformat(),
        "to": figures.period.last.isoformat(),
        "list": figures.list_name or None,
        "dials": figures.dials,
        "first_leg_answers": figures.first_leg_answers,
        "prospect_connects": figures.prospect_connects,
        "connect_rate": _rounded(figures.connect_rate),
        "calling_hours": figures.calling_hours,
        "dials_per_hour": _rounded(figures.dials_per_hour),
        "callbacks_kept": figures.callbacks_kept,
        "callbacks_missed": figures.callbacks_missed,
        "callbacks_pending": figures.callbacks_pending,
        "by_callee_hour": [
            {
                "hour": bar.hour,
                "dials": bar.dials,
                "prospect_connects": bar.connects,
                "connect_rate": round(bar.rate, 4),
            }
            for bar in figures.by_callee_hour
        ],
    }


FIGURES_CSV_COLUMNS: tuple[str, ...] = (
    "from",
    "to",
    "list",
    "figure",
    "value",
    "callee_local_hour",
    "dials",
    "prospect_connects",
)


def _csv_number(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def figures_csv_rows(figures: Figures) -> list[list[str]]:
    """The CSV rows (without header) of one `Figures`: one row per figure, then one per hour of the callee's clock
    (figure "connect_rate_by_callee_hour", value = that hour's connect rate)."""
    data = figures_json(figures)
    head = [data["from"], data["to"], defuse_formula(figures.list_name)]
    rows = [
        [*head, name, _csv_number(data[name]), "", "", ""]
        for name in (
            "dials",
            "first_leg_answers",
            "prospect_connects",
            "connect_rate",
            "calling_hours",
            "dials_per_hour",
            "callbacks_kept",
            "callbacks_missed",
            "callbacks_pending",
        )
    ]
    for bar in figures.by_callee_hour:
        hour = "unknown" if bar.hour is None else str(bar.hour)
        rows.append([*head, "connect_rate_by_callee_hour", f"{bar.rate:.4f}", hour, str(bar.dials), str(bar.connects)])
    return rows


def write_figures_csv(figures: Iterable[Figures], path: str | os.PathLike[str]) -> int:
    """Write the figures (overall and per list: one `Figures` each) as UTF-8 CSV with a header; return the number of
    rows written. Rates are fractions (0.25 = 25 %). Renamed into place when complete; raises OSError."""

    def write(temp: Path) -> int:
        count = 0
        with open(temp, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(FIGURES_CSV_COLUMNS)
            for one in figures:
                for row in figures_csv_rows(one):
                    writer.writerow(row)
                    count += 1
        return count

    return atomic_write(path, write)
