"""Local caller ID ("local presence"): which number the prospect is shown, picked from the agent's pool.

The prospect sees `second_callerid` when the agent is rung first (type 2) and `first_callerid` when the prospect is
(type 1); see the service notes. For each call, in this order:

1. a caller ID given for that leg with the call (`--first-callerid` / `--second-callerid`) always wins;
2. a number chosen for this call (the window's per-call choice) comes next;
3. from the pool (`caller_id_pool`): a number with the prospect's area code, else one in the prospect's state or
   province (+1 numbers; see areas.py), else one in the prospect's time zone (libphonenumber's zones for both
   numbers, compared by their UTC offset now: America/Toronto and America/New_York are one time zone); among equals
   the one shown least today (calls that may have rung since the agent's local midnight, from the journal), then the
   first in the pool;
4. else the configured caller ID of that leg (the "default"), which may be empty: the service then shows its own.

The result says why, for the status line: "shown as (305) 555-0100, same area code".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from c2c_desktop.core.config import Settings, caller_id_pool
from c2c_desktop.core.models import CallType
from c2c_desktop.core.rules.areas import PROVINCES, STATE_NAMES, state_of

if TYPE_CHECKING:
    import phonenumbers

    from c2c_desktop.core.store import Store

__all__ = [
    "CHOSEN_FOR_THIS_CALL",
    "DEFAULT",
    "SAME_AREA_CODE",
    "SAME_TIME_ZONE",
    "CallerIdChoice",
    "CallerIdUsage",
    "JournalCallerIdUsage",
    "choose_caller_id",
    "pick_from_pool",
    "prospect_leg",
    "start_of_today",
]

SAME_AREA_CODE = "same area code"
SAME_TIME_ZONE = "same time zone"
DEFAULT = "default"
CHOSEN_FOR_THIS_CALL = "chosen for this call"


def _same_state(code: str) -> str:
    return f"same {'province' if code in PROVINCES else 'state'} ({STATE_NAMES[code]})"


@dataclass(frozen=True)
class CallerIdChoice:
    """The caller ID for the prospect's leg of one call."""

    leg: str  # "first_callerid" or "second_callerid": the request parameter the prospect sees
    number: str  # the number as given (international form from the pool); "" for none (the service's own)
    #: Why ("same area code", "same state (Florida)", "same time zone", "default", "chosen for this call"); "" when
    #: no pool is set and nothing was chosen for the call (the configured caller ID, as always: nothing to explain).
    reason: str = ""


class CallerIdUsage(Protocol):
    def uses_since(self, numbers: Sequence[str], since: datetime) -> Mapping[str, int]:
        """How many calls that may have rung showed each of `numbers` (international form) to the prospect at or
        after `since` (UTC); a number never shown may be left out."""
        ...


def prospect_leg(call_type: int) -> str:
    """The request parameter whose caller ID the prospect sees."""
    return "first_callerid" if int(call_type) == int(CallType.PROSPECT_FIRST) else "second_callerid"


def start_of_today(now: datetime) -> datetime:
    """The agent's local midnight (this machine's time zone) of the day of `now`, in UTC."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def choose_caller_id(
    callee_e164: str,
    settings: Settings,
    call_type: int,
    *,
    given: str | None = None,
    chosen: str | None = None,
    usage: CallerIdUsage | None = None,
    now: datetime | None = None,
) -> CallerIdChoice:
    """The caller ID the prospect is shown on this call (see the module docstring for the order).

    `given`: the caller ID given for the prospect's leg with the call (a CLI option), None if none; `chosen`: the
    number chosen for this call in the window, None if none; `usage`: how often each pool number was shown today
    (None: not counted, the first of equals is used).
    """
    leg = prospect_leg(call_type)
    if given is not None:
        return CallerIdChoice(leg, given, CHOSEN_FOR_THIS_CALL if given.strip() else "")
    if chosen is not None and chosen.strip():
        return CallerIdChoice(leg, chosen, CHOSEN_FOR_THIS_CALL)
    default = settings.first_callerid if leg == "first_callerid" else settings.second_callerid
    pool = caller_id_pool(settings)
    if not pool:
        return CallerIdChoice(leg, default)
    now = now or datetime.now(UTC)
    uses = usage.uses_since(pool, start_of_today(now)) if usage is not None else {}
    picked = pick_from_pool(callee_e164, pool, uses_today=uses, now=now)
    if picked is None:
        return CallerIdChoice(leg, default, DEFAULT if default.strip() else "")
    return CallerIdChoice(leg, *picked)


def pick_from_pool(
    callee_e164: str, pool: Sequence[str], *, uses_today: Mapping[str, int] | None = None, now: datetime | None = None
) -> tuple[str, str] | None:
    """(number, reason) of the pool number closest to the callee: same area code, else same state or province, else
    same time zone; among equals the one used least today, then the first. None when none is close."""
    import phonenumbers

    uses = uses_today or {}
    now = now or datetime.now(UTC)
    try:
        callee = phonenumbers.parse(callee_e164)
    except phonenumbers.NumberParseException:
        return None
    parsed: list[tuple[str, phonenumbers.PhoneNumber]] = []
    for number in pool:
        try:
            parsed.append((number, phonenumbers.parse(number)))
        except phonenumbers.NumberParseException:
            continue  # checked when saved; a hand-edited file may still hold one that cannot be read
    matches = [number for number, candidate in parsed if _area_code(candidate) == (_area_code(callee) or "none")]
    reason = SAME_AREA_CODE
    state = state_of(callee_e164)
    if not matches and state is not None:
        matches = [number for number, _ in parsed if state_of(number) == state]
        reason = _same_state(state)
    offset = _offset_now(callee, now)
    if not matches and offset is not None:
        matches = [number for number, candidate in parsed if _offset_now(candidate, now) == offset]
        reason = SAME_TIME_ZONE
    if not matches:
        return None
    return min(matches, key=lambda number: uses.get(number, 0)), reason  # min keeps the first of equals


def _area_code(number: phonenumbers.PhoneNumber) -> str | None:
    """The country code and geographic area code ("1-305", "44-20"); None for a number without one (toll-free,
    mobile in many countries)."""
    import phonenumbers

    length = phonenumbers.length_of_geographical_area_code(number)
    if length <= 0:
        return None
    national = phonenumbers.national_significant_number(number)
    return f"{number.country_code}-{national[:length]}"


def _offset_now(number: phonenumbers.PhoneNumber, now: datetime) -> float | None:
    """The UTC offset (seconds) now of the number's time zone(s), when they all have the same one; None when the
    number has no zone or zones with different offsets now (toll-free, a country or area code spanning zones)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from phonenumbers import timezone

    offsets = set()
    for name in timezone.time_zones_for_number(number):
        try:
            offset = now.astimezone(ZoneInfo(name)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError):  # "Etc/Unknown", or a zone this system's database lacks
            return None
        if offset is None:
            return None
        offsets.add(offset.total_seconds())
    return offsets.pop() if len(offsets) == 1 else None


class JournalCallerIdUsage:
    """`CallerIdUsage` from the call journal: the journal keeps the digits sent as the prospect's caller ID
    (`calls.caller_id`), so each pool number is compared as dialled from `region`. Same thread as the store."""

    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def uses_since(self, numbers: Sequence[str], since: datetime) -> Mapping[str, int]:
        from c2c_desktop.core.phone import PhoneError, parse_number
        from c2c_desktop.core.rules.attempts import MAY_HAVE_RUNG
        from c2c_desktop.core.store import StoreError

        by_digits: dict[str, str] = {}
        for number in numbers:
            try:
                by_digits[parse_number(number, self._region).dial] = number
            except PhoneError:
                continue
        if not by_digits:
            return {}
        marks = ", ".join("?" * len(by_digits))
        aware = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        try:
            db = self._store.connection
            with self._store.plain_errors():
                rows = db.execute(
                    f"SELECT caller_id, COUNT(*) FROM calls WHERE started_at >= ? AND caller_id IN ({marks}) "
                    f"AND {MAY_HAVE_RUNG} GROUP BY caller_id",
                    (aware.isoformat(timespec="milliseconds").replace("+00:00", "Z"), *by_digits),
                ).fetchall()
        except StoreError:
            return {}  # only a tie-break between equally close numbers: the call does not depend on it
        return {by_digits[digits]: count for digits, count in rows}
