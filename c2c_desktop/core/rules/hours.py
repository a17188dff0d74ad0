"""The callee's local time and the calling-hours windows (legal and company).

Zones: libphonenumber's time-zone data for the number (split area codes are resolved by exchange) plus, when the
contact has a stored address state or province, every zone of that state. With several candidate zones the call is
allowed only when every one of them allows it. A number with no zone ("Etc/Unknown"), with the country-wide fallback
(more than MAX_CANDIDATE_ZONES zones, e.g. all 42 NANP zones for a toll-free number), or of a non-geographic type
(toll-free, premium, personal, shared cost, UAN, pager, voicemail) has an unknown zone.

Time: the window is judged on the callee's actual local wall-clock time of the instant (zoneinfo, which applies each
zone's daylight-saving changes). An instant never falls in a local hour that does not exist (02:00-02:59 on the
spring-forward day); a repeated local hour (01:00-01:59 on the fall-back day) is judged by its wall-clock time both
times it happens. A window is [start, end): 08:00 is inside, 21:00 is not.

Jurisdictions: the rules data file (resources/calling_rules.json) has one row per country or state. The rows applied
to a call are the country row of the number's region (and of the contact's address country), and the rows of every
state the number's area code belongs to (areas.py) and of the contact's address state.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from c2c_desktop.core.phone import DialNumber
from c2c_desktop.core.rules import areas, regions
from c2c_desktop.core.rules.model import Mode

if TYPE_CHECKING:
    from c2c_desktop.core.config import Settings

RULES_PATH = Path(__file__).resolve().parent.parent.parent / "resources" / "calling_rules.json"

#: More zones than this for one number is libphonenumber's country-wide fallback: the zone is unknown.
MAX_CANDIDATE_ZONES = 8
#: How far ahead `opens_at` is searched.
SEARCH_DAYS = 9

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CALLEE_CLOCK = "callee"
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_OFFSET = re.compile(r"UTC([+-])([0-9]{2}):([0-9]{2})")
_UNKNOWN_TYPES = frozenset({"TOLL_FREE", "PREMIUM_RATE", "SHARED_COST", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL"})


class RulesFileError(ValueError):
    """The rules data file cannot be used; str() says what is wrong (one line). Every call is then refused."""


class WindowError(ValueError):
    """A window or day list in a setting or the rules file that cannot be read."""


@dataclass(frozen=True)
class Window:
    """[start, end) in minutes after local midnight."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"


@dataclass(frozen=True)
class Jurisdiction:
    id: str  # "US", "US-FL", "CA"
    name: str
    windows: tuple[tuple[Window, ...], ...]  # per weekday, Monday first; () = no calls that day
    clocks: tuple[str, ...] = (CALLEE_CLOCK,)  # "callee" or a fixed offset "UTC-06:00": each must allow the call
    max_calls_per_24h: int | None = None
    area_code_presumption: bool = False
    applies_to: tuple[str, ...] = ()  # regions whose numbers this country row covers (its own id by default)
    source: str = ""
    url: str = ""
    checked: str = ""

    def describe(self, weekday: int) -> str:
        """'Florida allows calls 08:00–20:00' (with the day when the days differ)."""
        today = self.windows[weekday]
        if not today:
            return f"{self.name} allows no calls on {DAY_NAMES[weekday]}"
        hours = ", ".join(str(window) for window in today)
        if all(day == today for day in self.windows):
            return f"{self.name} allows calls {hours}"
        return f"{self.name} allows calls {hours} on {DAY_NAMES[weekday]}"


@dataclass(frozen=True)
class CallingRules:
    version: str
    checked: str
    jurisdictions: Mapping[str, Jurisdiction]

    def country_row(self, region: str) -> Jurisdiction | None:
        for row in self.jurisdictions.values():
            if "-" not in row.id and region in (row.applies_to or (row.id,)):
                return row
        return None


@dataclass(frozen=True)
class CompanyWindow:
    window: Window | None  # None: any hour
    days: frozenset[int]  # weekdays allowed

    def describe(self) -> str:
        hours = str(self.window) if self.window else "any hour"
        return f"the company window is {hours} {_days_text(self.days)}"


@dataclass(frozen=True)
class Check:
    """One window to meet on one clock."""

    owner: str  # "Florida", "the company window"
    zone: str  # IANA zone or fixed-offset clock name, as shown
    tz: tzinfo
    windows: tuple[tuple[Window, ...], ...]
    describe: Any  # Callable[[int], str]


@dataclass(frozen=True)
class HoursVerdict:
    allowed: bool
    zones: tuple[str, ...]
    unknown_zone: bool
    reason: str = ""  # why not (no "Not sent: ")
    opens_at: datetime | None = None
    summary: str = ""
    notes: tuple[str, ...] = ()
    applied: tuple[str, ...] = ()  # "Florida 08:00–20:00 (Fla. Stat. 501.616(6))" ...
    caps: tuple[tuple[str, int], ...] = ()  # (jurisdiction name, max calls per 24 h)
    closes_at: datetime | None = None  # allowed now: when the first window that allows it ends (UTC); None: not today


# --- parsing ------------------------------------------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise WindowError(f"'{text.strip()[:20]}' is not a time (HH:MM)")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise WindowError(f"'{text.strip()}' is not a time of day")
    return hours * 60 + minutes


def parse_window(text: str) -> Window:
    """'09:00-18:00' (also with an en dash) -> Window; WindowError when it is not a window within one day."""
    start_text, sep, end_text = text.replace("–", "-").partition("-")
    if not sep:
        raise WindowError(f"'{text.strip()[:30]}' is not a window such as 09:00-18:00")
    start, end = _minutes(start_text), _minutes(end_text)
    if start >= end:
        raise WindowError(f"the window '{text.strip()[:30]}' ends before it starts (windows cannot cross midnight)")
    return Window(start, end)


def parse_days(text: str) -> frozenset[int]:
    """'mon-fri', 'mon,wed,fri', 'sat-sun', 'mon-sun' -> weekdays (Monday = 0); WindowError on anything else."""
    days: set[int] = set()
    parts = [part.strip().lower() for part in text.split(",")]
    if not any(parts):
        raise WindowError("no days given (e.g. mon-fri)")
    for part in parts:
        first, sep, last = part.partition("-")
        if first not in WEEKDAYS or (sep and last not in WEEKDAYS):
            raise WindowError(f"'{part[:20]}' is not a day or range of days (mon, tue, ... sun; e.g. mon-fri)")
        start = WEEKDAYS.index(first)
        end = WEEKDAYS.index(last) if sep else start
        if end < start:
            raise WindowError(f"'{part}' runs backwards (write e.g. sat-sun, or mon,sun)")
        days.update(range(start, end + 1))
    return frozenset(days)


def _days_text(days: frozenset[int]) -> str:
    if days == frozenset(range(7)):
        return "every day"
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return f"{WEEKDAYS[ordered[0]]}–{WEEKDAYS[ordered[-1]]}"
    return ",".join(WEEKDAYS[day] for day in ordered)


def company_window(settings: Settings) -> CompanyWindow | None:
    """The company window from the settings (`company_hours`, `company_days`, read by core.config, which checked them
    when they were set); None when neither is set."""
    from c2c_desktop.core import config

    if not settings.company_hours and not settings.company_days:
        return None
    hours_of_day = config.company_window(settings)
    window = None
    if hours_of_day is not None:
        start, end = hours_of_day
        end_minutes = 24 * 60 if end == time.max else end.hour * 60 + end.minute
        window = Window(start.hour * 60 + start.minute, end_minutes)
    return CompanyWindow(window, config.company_weekdays(settings))


def _fixed_clock(name: str) -> tzinfo:
    match = _OFFSET.fullmatch(name)
    if match is None:
        raise RulesFileError(f'unknown clock \'{name[:30]}\' (use "callee" or e.g. "UTC-06:00")')
    sign = -1 if match.group(1) == "-" else 1
    offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    if offset >= timedelta(hours=15):
        raise RulesFileError(f"the clock '{name}' is not a time-zone offset")
    return timezone(sign * offset, name)


def _row(data: Any, index: int) -> Jurisdiction:
    if not isinstance(data, dict):
        raise RulesFileError(f"jurisdiction {index + 1} is not an object")
    where = f"jurisdiction {data.get('id', index + 1)!s:.20}"
    for key in ("id", "name", "windows", "source", "url", "checked"):
        if key not in data:
            raise RulesFileError(f"{where} has no '{key}'")
    row_id, name, source, url, checked = (data[k] for k in ("id", "name", "source", "url", "checked"))
    if not all(isinstance(v, str) and v.strip() for v in (row_id, name, source, url, checked)):
        raise RulesFileError(f"{where}: id, name, source, url and checked must be non-empty text")
    if not (regions.is_region_code(row_id) and row_id):
        raise RulesFileError(f"{where}: '{row_id[:20]}' is not a country (US) or state code (US-FL)")
    _date(checked, where)
    windows_data = data["windows"]
    if not isinstance(windows_data, dict) or not windows_data:
        raise RulesFileError(f'{where}: \'windows\' must map days (e.g. "mon-fri") to windows ("08:00-21:00")')
    per_day: list[list[Window]] = [[] for _ in WEEKDAYS]
    try:
        for days_text, windows_text in windows_data.items():
            texts = windows_text if isinstance(windows_text, list) else [windows_text]
            if not all(isinstance(text, str) for text in texts):
                raise WindowError(f"the windows for '{days_text[:20]}' must be text such as \"08:00-21:00\"")
            parsed = [parse_window(text) for text in texts]
            for day in parse_days(days_text):
                per_day[day].extend(parsed)
    except WindowError as exc:
        raise RulesFileError(f"{where}: {exc}") from None
    clocks = data.get("clocks", [CALLEE_CLOCK])
    if not isinstance(clocks, list) or not clocks or not all(isinstance(c, str) for c in clocks):
        raise RulesFileError(f"{where}: 'clocks' must be a list such as [\"callee\"]")
    for clock in clocks:
        if clock != CALLEE_CLOCK:
            _fixed_clock(clock)
    cap = data.get("max_calls_per_24h")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise RulesFileError(f"{where}: 'max_calls_per_24h' must be a whole number of 1 or more")
    presumption = data.get("area_code_presumption", False)
    applies_to = data.get("applies_to", [])
    if not isinstance(presumption, bool) or not isinstance(applies_to, list):
        raise RulesFileError(f"{where}: 'area_code_presumption' must be true/false and 'applies_to' a list")
    if not all(isinstance(r, str) and regions.is_region_code(r) and "-" not in r for r in applies_to):
        raise RulesFileError(f"{where}: 'applies_to' must list country codes such as \"US\"")
    return Jurisdiction(
        id=row_id,
        name=name,
        windows=tuple(tuple(sorted(day, key=lambda w: w.start)) for day in per_day),
        clocks=tuple(clocks),
        max_calls_per_24h=cap,
        area_code_presumption=presumption,
        applies_to=tuple(applies_to),
        source=source,
        url=url,
        checked=checked,
    )


def _date(text: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise RulesFileError(f"{where}: '{str(text)[:20]}' is not a date (YYYY-MM-DD)") from None


def parse_rules(text: str) -> CallingRules:
    """The rules from the data file's text; RulesFileError on anything missing, unknown or out of range."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise RulesFileError(f"not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise RulesFileError("not a JSON object")
    if data.get("format") != 1:
        raise RulesFileError("unknown format (this version reads format 1)")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RulesFileError("no 'version'")
    _date(data.get("checked"), "the file's 'checked'")
    rows = data.get("jurisdictions")
    if not isinstance(rows, list) or not rows:
        raise RulesFileError("no 'jurisdictions'")
    table: dict[str, Jurisdiction] = {}
    for index, row_data in enumerate(rows):
        row = _row(row_data, index)
        if row.id in table:
            raise RulesFileError(f"jurisdiction {row.id} appears twice")
        table[row.id] = row
    return CallingRules(version=version, checked=str(data["checked"]), jurisdictions=table)


def load_rules(path: Path | None = None) -> CallingRules:
    """Read and check the rules file (default: the one shipped with the app); raises RulesFileError."""
    path = path or RULES_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesFileError(f"cannot read {path.name} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise RulesFileError(f"{path.name} is not UTF-8 text") from None
    return parse_rules(text)


@functools.cache
def rules_or_error(path: Path | None = None) -> CallingRules | RulesFileError:
    """The rules, loaded once per process and path, or the reason they cannot be used (fail closed)."""
    try:
        return load_rules(path)
    except RulesFileError as exc:
        return exc


# --- where the callee is --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Whereabouts:
    zones: tuple[str, ...]  # candidate IANA zones; () when unknown
    region: str  # the number's region ("US")
    subdivisions: tuple[str, ...]  # states/provinces: area code's and address's ("US-FL")
    place: str  # the state or province ("Florida"), "" when unknown
    address_region: str = ""


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def whereabouts(number: DialNumber, address_region: str = "") -> Whereabouts:
    """The callee's candidate zones and states, from the number and the contact's stored address region."""
    import phonenumbers
    from phonenumbers import timezone as pn_timezone

    parsed = phonenumbers.parse(number.e164)
    region = number.region or phonenumbers.region_code_for_number(parsed) or ""
    zones: tuple[str, ...] = tuple(pn_timezone.time_zones_for_number(parsed))
    kind = phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(parsed))
    if "Etc/Unknown" in zones or len(zones) > MAX_CANDIDATE_ZONES or kind in _UNKNOWN_TYPES:
        zones = ()
    # The area code's state from the shipped table (areas.py), not libphonenumber's geocoder: that one holds every
    # country's places in every language (~100 MiB, 0.4 s to load on the first call).
    state = areas.state_of(number.e164) if zones and region in ("US", "CA") else None
    subdivisions = [f"{'CA' if state in areas.PROVINCES else 'US'}-{state}"] if state else []
    place = regions.subdivision_name(subdivisions[0]) if subdivisions else ""
    address = address_region if regions.is_region_code(address_region) else ""
    if address and "-" in address:
        if address not in subdivisions:
            subdivisions.append(address)
        zones = tuple(dict.fromkeys(zones + regions.SUBDIVISION_ZONES[address]))
        place = place or regions.subdivision_name(address)
    return Whereabouts(zones, region, tuple(subdivisions), place, address)


def applicable_rows(rules: CallingRules, where: Whereabouts) -> list[Jurisdiction]:
    """The rules rows for the callee: country rows of the number and of the address, and every state's row."""
    rows: list[Jurisdiction] = []
    # States first: when both refuse, the refusal names the state's (stricter) rule.
    for sub in where.subdivisions:
        sub_row = rules.jurisdictions.get(sub)
        if sub_row is not None and sub_row not in rows:
            rows.append(sub_row)
    countries = [where.region]
    if where.address_region:
        countries.append(where.address_region.partition("-")[0])
    countries += [sub.partition("-")[0] for sub in where.subdivisions]
    for country in dict.fromkeys(countries):
        row = rules.country_row(country)
        if row is not None and row not in rows:
            rows.append(row)
    return rows


# --- judging an instant ---------------------------------------------------------------------------------------------


def _checks(rows: Iterable[Jurisdiction], company: CompanyWindow | None, zones: tuple[str, ...]) -> list[Check]:
    checks: list[Check] = []
    for zone in zones:
        tz = _zone(zone)
        for row in rows:
            for clock in row.clocks:
                if clock == CALLEE_CLOCK:
                    checks.append(Check(row.name, zone, tz, row.windows, row.describe))
                else:
                    fixed = _fixed_clock(clock)
                    checks.append(Check(row.name, clock, fixed, row.windows, row.describe))
        if company is not None:
            company_windows = tuple(
                ((company.window or Window(0, 1440)),) if day in company.days else () for day in range(7)
            )
            checks.append(Check("the company window", zone, tz, company_windows, lambda _day: company.describe()))
    return list(dict.fromkeys(checks))  # a fixed clock is the same for every zone


def _fails(check: Check, instant: datetime) -> bool:
    local = instant.astimezone(check.tz)
    minute = local.hour * 60 + local.minute + local.second / 60
    return not any(w.start <= minute < w.end for w in check.windows[local.weekday()])


def _refusal_text(check: Check, instant: datetime, place: str) -> str:
    local = instant.astimezone(check.tz)
    day = local.weekday()
    when = f"{DAY_NAMES[day]} {local:%H:%M}" if not check.windows[day] else f"{local:%H:%M}"
    if check.zone.startswith("UTC"):
        return f"it is {when} at {check.zone}; {check.describe(day)} at {check.zone} as well as local time"
    where = f"in {place} ({check.zone})" if place else f"in {check.zone}"
    return f"it is {when} {where}; {check.describe(day)}"


def _candidates(checks: list[Check], after: datetime) -> list[datetime]:
    """Instants after `after` at which some window opens, on each check's clock (exact across DST changes)."""
    found: set[datetime] = set()
    for check in checks:
        first_day = after.astimezone(check.tz).date()
        for offset in range(SEARCH_DAYS):
            day = first_day + timedelta(days=offset)
            for window in check.windows[day.weekday()]:
                wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=window.start)
                early = wall.replace(tzinfo=check.tz, fold=0).astimezone(UTC)
                late = wall.replace(tzinfo=check.tz, fold=1).astimezone(UTC)
                found.update((early, late))
                if early.astimezone(check.tz).replace(tzinfo=None) != wall:  # the start falls in a skipped hour
                    found.add(_transition(check.tz, min(early, late), max(early, late)))
    return sorted(moment for moment in found if moment > after)


def _transition(tz: tzinfo, low: datetime, high: datetime) -> datetime:
    """The instant in (low, high] where the zone's offset changes, to the second."""
    offset = low.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def next_open(checks: list[Check], after: datetime) -> datetime | None:
    """The first instant after `after` at which every check allows a call."""
    for moment in _candidates(checks, after):
        if not any(_fails(check, moment) for check in checks):
            return moment
    return None


def closes_at(checks: list[Check], at: datetime) -> datetime | None:
    """The first instant after `at` (allowed by every check) at which one of the windows now open ends; None when
    none ends before local midnight (a window open all day)."""
    ends: list[datetime] = []
    for check in checks:
        local = at.astimezone(check.tz)
        minute = local.hour * 60 + local.minute + local.second / 60
        for window in check.windows[local.weekday()]:
            if window.start <= minute < window.end < 24 * 60:
                wall = datetime.combine(local.date(), datetime.min.time()) + timedelta(minutes=window.end)
                ends.append(wall.replace(tzinfo=check.tz).astimezone(UTC))
    return min(ends) if ends else None


def judge(
    number: DialNumber,
    at: datetime,
    rules: CallingRules,
    *,
    mode: Mode = Mode.CONSUMER,
    company: CompanyWindow | None = None,
    address_region: str = "",
) -> HoursVerdict:
    """Whether the callee's local time allows a call at `at` (UTC), and if not, when it next does."""
    where = whereabouts(number, address_region)
    rows = applicable_rows(rules, where) if mode is Mode.CONSUMER else []
    caps = tuple((row.name, row.max_calls_per_24h) for row in rows if row.max_calls_per_24h)
    applied = tuple(f"{row.name} {_week_text(row)} ({row.source.split(':')[0]})" for row in rows)
    if company is not None:
        applied += (company.describe().removeprefix("the company window is ").join(("company window ", "")),)
    notes: list[str] = []
    country = where.address_region.partition("-")[0] or where.region
    if mode is Mode.CONSUMER and not rows:
        tail = "the company window applies" if company else "no company window is set"
        notes.append(f"no built-in calling-hours rule for {country or 'this number'}; {tail}")
    elif mode is Mode.BUSINESS:
        notes.append("business mode: only the company window and the do-not-call lists apply")
    if not where.zones:
        if mode is Mode.CONSUMER or company is not None:
            return HoursVerdict(
                False,
                (),
                True,
                reason="the callee's time zone is unknown (toll-free, non-geographic or unknown number), so the "
                "calling hours cannot be checked",
                notes=tuple(notes),
                applied=applied,
                caps=caps,
            )
        return HoursVerdict(True, (), True, summary="local time unknown", notes=tuple(notes), applied=applied)
    checks = _checks(rows, company, where.zones)
    failing = [check for check in checks if _fails(check, at)]
    summary = _summary(where, at)
    if not failing:
        return HoursVerdict(
            True,
            where.zones,
            False,
            summary=summary,
            notes=tuple(notes),
            applied=applied,
            caps=caps,
            closes_at=closes_at(checks, at),
        )
    opens = next_open(checks, at)
    return HoursVerdict(
        False,
        where.zones,
        False,
        reason=_refusal_text(failing[0], at, where.place),
        opens_at=opens,
        summary=summary,
        notes=tuple(notes),
        applied=applied,
        caps=caps,
    )


def _week_text(row: Jurisdiction) -> str:
    """'mon-sun 08:00–20:00' or 'mon-fri 09:00–21:30; sat-sun 10:00–18:00'."""
    groups: list[tuple[int, int, str]] = []
    for day, windows in enumerate(row.windows):
        text = ", ".join(str(w) for w in windows) or "no calls"
        if groups and groups[-1][2] == text:
            groups[-1] = (groups[-1][0], day, text)
        else:
            groups.append((day, day, text))
    return "; ".join(
        f"{WEEKDAYS[first]}{'-' + WEEKDAYS[last] if last > first else ''} {text}" for first, last, text in groups
    )


def _summary(where: Whereabouts, at: datetime) -> str:
    """'Florida · 14:02', or 'Idaho · 13:02 (America/Boise), 12:02 (America/Los_Angeles)'."""
    times = [(zone, at.astimezone(_zone(zone))) for zone in where.zones]
    if len({local.strftime("%H:%M") for _, local in times}) == 1 and where.place:
        return f"{where.place} · {times[0][1]:%H:%M}"
    shown = ", ".join(f"{local:%H:%M} ({zone})" for zone, local in times)
    return f"{where.place} · {shown}" if where.place else shown


def local_times(zones: Iterable[str], at: datetime) -> list[tuple[str, datetime]]:
    """Each zone with the local time of `at` in it."""
    return [(zone, at.astimezone(_zone(zone))) for zone in zones]


__all__ = [
    "CallingRules",
    "CompanyWindow",
    "HoursVerdict",
    "Jurisdiction",
    "RulesFileError",
    "Window",
    "WindowError",
    "company_window",
    "judge",
    "load_rules",
    "parse_days",
    "parse_rules",
    "parse_window",
    "rules_or_error",
    "whereabouts",
]
