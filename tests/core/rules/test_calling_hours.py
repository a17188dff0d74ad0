"""The calling-hours table under a frozen clock, through prepare_call and the stand-in service: a refused number sends
nothing (0 requests, no journal row); an allowed one sends exactly one request."""

# ruff: noqa: E501  (the table reads one case per line)
from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from c2c_desktop.core.config import Settings
from c2c_desktop.core.dialer import CallRefused, client_for, place_call_now, prepare_call
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.rules.model import Clearance, Rule
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import Store
from tests.rules_support import guard_at
from tests.standin import ACCESS_KEY, AGENT_NUMBER, CANARY, CREDENTIALS


def local(zone: str, text: str, fold: int = 0) -> datetime:
    """The UTC instant of a wall-clock time in a zone."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NY, CHI, LA = "America/New_York", "America/Chicago", "America/Los_Angeles"

# (case id, number, instant, expected: None = allowed, else a fragment of the refusal; extra settings; address)
CASES: list[tuple[str, str, datetime, str | None, dict[str, object], str]] = [
    # US federal 08:00-21:00 (Chicago has no stricter state row)
    ("federal 07:59", "+13125550101", local(CHI, "2026-06-03 07:59"), "US federal law allows calls 08:00–21:00", {}, ""),
    ("federal 08:00", "+13125550101", local(CHI, "2026-06-03 08:00"), None, {}, ""),
    ("federal 20:59", "+13125550101", local(CHI, "2026-06-03 20:59"), None, {}, ""),
    ("federal 21:00", "+13125550101", local(CHI, "2026-06-03 21:00"), "it is 21:00 in Illinois (America/Chicago)", {}, ""),
    ("federal sunday", "+12125550142", local(NY, "2026-06-07 20:59:59"), None, {}, ""),
    # Florida 08:00-20:00
    ("florida 19:59", "+13055550100", local(NY, "2026-06-03 19:59"), None, {}, ""),
    ("florida 20:00", "+13055550100", local(NY, "2026-06-03 20:00"), "Florida allows calls 08:00–20:00", {}, ""),
    ("florida 20:14", "+13055550100", local(NY, "2026-06-03 20:14"), "it is 20:14 in Florida (America/New_York)", {}, ""),
    ("florida 07:59", "+13055550100", local(NY, "2026-06-03 07:59"), "Florida allows", {}, ""),
    ("pensacola 19:59 central", "+18504325555", local(CHI, "2026-06-03 19:59"), None, {}, ""),
    ("pensacola 20:00 central", "+18504325555", local(CHI, "2026-06-03 20:00"), "Florida allows", {}, ""),
    # Washington 08:00-20:00
    ("washington 19:59", "+12065550100", local(LA, "2026-06-03 19:59"), None, {}, ""),
    ("washington 20:00", "+12065550100", local(LA, "2026-06-03 20:00"), "Washington allows calls 08:00–20:00", {}, ""),
    # Mississippi 08:00-20:00 Central Standard Time, no Sunday
    ("mississippi winter 19:59", "+16015550100", local(CHI, "2026-01-14 19:59"), None, {}, ""),
    ("mississippi winter 20:00", "+16015550100", local(CHI, "2026-01-14 20:00"), "Mississippi allows", {}, ""),
    ("mississippi sunday", "+16015550100", local(CHI, "2026-06-07 12:00"), "allows no calls on Sunday", {}, ""),
    ("mississippi summer 08:30 CDT", "+16015550100", local(CHI, "2026-06-03 08:30"), "at UTC-06:00", {}, ""),
    ("mississippi summer 09:00 CDT", "+16015550100", local(CHI, "2026-06-03 09:00"), None, {}, ""),
    ("mississippi summer 19:59 CDT", "+16015550100", local(CHI, "2026-06-03 19:59"), None, {}, ""),
    # The contact's address state adds its rule and zones
    ("NY number, Florida address", "+12125550142", local(NY, "2026-06-03 20:30"), "Florida allows", {}, "US-FL"),
    ("NY number, California address", "+12125550142", local(LA, "2026-06-03 07:00"), "(America/Los_Angeles)", {}, "US-CA"),
    ("NY number, California address ok", "+12125550142", local(LA, "2026-06-03 10:00"), None, {}, "US-CA"),
    # 8 March 2026: Chicago springs forward at 02:00 CST (08:00 UTC)
    ("spring: 01:59 CST", "+13125550101", utc("2026-03-08 07:59"), "it is 01:59 in Illinois", {}, ""),
    ("spring: 07:59 CDT", "+13125550101", utc("2026-03-08 12:59"), "it is 07:59", {}, ""),
    ("spring: 08:00 CDT", "+13125550101", utc("2026-03-08 13:00"), None, {}, ""),
    # 1 November 2026: Chicago falls back at 02:00 CDT (07:00 UTC)
    ("fall: 07:59 CST", "+13125550101", utc("2026-11-01 13:59"), "it is 07:59", {}, ""),
    ("fall: 08:00 CST", "+13125550101", utc("2026-11-01 14:00"), None, {}, ""),
    # The repeated hour 01:00-01:59, judged by its wall-clock time both times (company window from 01:30)
    ("repeated hour, first 01:30", "+13125550101", local(CHI, "2026-11-01 01:30", 0), None, {"mode": "business", "company_hours": "01:30-23:00"}, ""),
    ("repeated hour, second 01:29", "+13125550101", local(CHI, "2026-11-01 01:29", 1), "it is 01:29", {"mode": "business", "company_hours": "01:30-23:00"}, ""),
    ("repeated hour, second 01:30", "+13125550101", local(CHI, "2026-11-01 01:30", 1), None, {"mode": "business", "company_hours": "01:30-23:00"}, ""),
    # Arizona keeps standard time all year
    ("arizona july 07:59", "+16025550100", utc("2026-07-01 14:59"), "it is 07:59 in Arizona (America/Phoenix)", {}, ""),
    ("arizona july 08:00", "+16025550100", utc("2026-07-01 15:00"), None, {}, ""),
    ("arizona january 08:00", "+16025550100", utc("2026-01-14 15:00"), None, {}, ""),
    # 208: Mountain and Pacific; every zone must allow
    ("208 both open", "+12085550100", utc("2026-06-03 15:00"), None, {}, ""),
    ("208 pacific early", "+12085550100", utc("2026-06-03 14:30"), "(America/Los_Angeles)", {}, ""),
    ("208 mountain late", "+12085550100", utc("2026-06-04 03:00"), "it is 21:00 in Idaho (America/Boise)", {}, ""),
    ("hawaii 07:00", "+18085550100", utc("2026-06-03 17:00"), "(Pacific/Honolulu)", {}, ""),
    ("hawaii 08:00", "+18085550100", utc("2026-06-03 18:00"), None, {}, ""),
    ("alaska adak 07:00", "+19075550100", utc("2026-06-03 16:00"), "(America/Adak)", {}, ""),
    ("alaska both open", "+19075550100", utc("2026-06-03 17:00"), None, {}, ""),
    # Canada (CRTC): weekdays 09:00-21:30, weekends 10:00-18:00
    ("canada weekday 08:59", "+14165550100", local("America/Toronto", "2026-06-03 08:59"), "Canada allows calls 09:00–21:30", {}, ""),
    ("canada weekday 21:29", "+14165550100", local("America/Toronto", "2026-06-03 21:29"), None, {}, ""),
    ("canada weekday 21:30", "+14165550100", local("America/Toronto", "2026-06-03 21:30"), "Canada allows", {}, ""),
    ("canada saturday 09:59", "+14165550100", local("America/Toronto", "2026-06-06 09:59"), "10:00–18:00 on Saturday", {}, ""),
    ("canada saturday 10:00", "+14165550100", local("America/Toronto", "2026-06-06 10:00"), None, {}, ""),
    ("canada sunday 18:00", "+14165550100", local("America/Toronto", "2026-06-07 18:00"), "on Sunday", {}, ""),
    # No zone: toll-free, the fictional 555 area code
    ("toll-free", "+18005550100", local(NY, "2026-06-03 13:00"), "time zone is unknown", {}, ""),
    ("no zone", "(555) 201-0003", local(NY, "2026-06-03 13:00"), "time zone is unknown", {}, ""),
    # Other countries: no built-in rule; the company window applies
    ("germany, no rule", "+49 30 1234567", local("Europe/Berlin", "2026-06-03 23:00"), None, {}, ""),
    ("germany, company window", "+49 30 1234567", local("Europe/Berlin", "2026-06-03 19:00"), "the company window is 09:00–18:00", {"company_hours": "09:00-18:00"}, ""),
    # Business mode: only the company window
    ("business florida 20:30", "+13055550100", local(NY, "2026-06-03 20:30"), None, {"mode": "business"}, ""),
    ("business toll-free", "+18005550100", local(NY, "2026-06-03 23:00"), None, {"mode": "business"}, ""),
    # The company window only narrows
    ("company 08:30 narrower", "+13125550101", local(CHI, "2026-06-03 08:30"), "the company window is 09:00–18:00 mon–fri", {"company_hours": "09:00-18:00", "company_days": "mon-fri"}, ""),
    ("company saturday", "+13125550101", local(CHI, "2026-06-06 12:00"), "company window", {"company_hours": "09:00-18:00", "company_days": "mon-fri"}, ""),
    ("company cannot widen", "+13125550101", local(CHI, "2026-06-03 21:30"), "US federal law", {"company_hours": "06:00-23:00"}, ""),
]  # fmt: skip


@pytest.fixture(scope="module")
def service() -> Iterator[StandInService]:
    with StandInService(access_key=ACCESS_KEY, secret_access_key=CANARY) as started:
        yield started


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "journal.sqlite3") as opened:
        yield opened


def settings_for(service: StandInService, **extra: object) -> Settings:
    return dataclasses.replace(Settings(agent_number=AGENT_NUMBER, api_url=service.url), **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("number", "at", "refused", "extra", "address"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_calling_hours_table(
    service: StandInService,
    store: Store,
    number: str,
    at: datetime,
    refused: str | None,
    extra: dict[str, object],
    address: str,
) -> None:
    service.reset()
    settings = settings_for(service, **extra)
    contact = Contact(7, "Pat Callee", phones=(PhoneEntry(number),), region_code=address) if address else None
    target: str | PhoneEntry = contact.phones[0] if contact else number
    if refused is None:
        prepared = prepare_call(target, settings, CREDENTIALS, contact=contact, guard=guard_at(settings, at))
        assert isinstance(prepared.clearance, Clearance)
        with client_for(settings) as client:
            place_call_now(store, client, prepared, CREDENTIALS)
        assert service.request_count == 1
        return
    with pytest.raises(CallRefused) as refusal:
        prepare_call(target, settings, CREDENTIALS, contact=contact, guard=guard_at(settings, at))
    assert refused in str(refusal.value)
    assert str(refusal.value).startswith("Not sent: ")
    assert refusal.value.refusal.rule is Rule.HOURS
    assert service.request_count == 0 and store.list_calls() == []


def test_the_table_has_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("number", "at", "opens"),
    [
        ("+13125550101", utc("2026-03-08 07:59"), utc("2026-03-08 13:00")),  # 08:00 CDT, after the spring change
        ("+13125550101", utc("2026-11-01 13:59"), utc("2026-11-01 14:00")),  # 08:00 CST, after the fall change
        ("+13055550100", local(NY, "2026-06-03 20:14"), local(NY, "2026-06-04 08:00")),
        ("+16015550100", local(CHI, "2026-06-06 20:30"), local(CHI, "2026-06-08 09:00")),  # Sunday skipped; CST 08:00
        ("+12085550100", utc("2026-06-03 14:30"), local(LA, "2026-06-03 08:00")),
        ("+14165550100", local("America/Toronto", "2026-06-05 21:45"), local("America/Toronto", "2026-06-06 10:00")),
    ],
)
def test_a_refusal_says_when_the_number_opens(
    service: StandInService, number: str, at: datetime, opens: datetime
) -> None:
    settings = settings_for(service)
    with pytest.raises(CallRefused) as refusal:
        prepare_call(number, settings, CREDENTIALS, guard=guard_at(settings, at))
    assert refusal.value.refusal.opens_at == opens


def test_a_window_opening_in_the_skipped_hour_opens_when_the_clocks_jump(service: StandInService) -> None:
    # 02:30 does not exist in Chicago on 8 March 2026: the first instant whose wall clock reads 02:30 or later is the
    # change itself, 03:00 CDT = 08:00 UTC.
    settings = settings_for(service, mode="business", company_hours="02:30-23:00")
    with pytest.raises(CallRefused) as refusal:
        prepare_call("+13125550101", settings, CREDENTIALS, guard=guard_at(settings, utc("2026-03-08 07:59")))
    assert refusal.value.refusal.opens_at == utc("2026-03-08 08:00")
    opened = guard_at(settings, utc("2026-03-08 08:00")).check(_dial("+13125550101"))
    assert isinstance(opened, Clearance)


def test_a_clearance_shows_the_place_and_local_time(service: StandInService) -> None:
    settings = settings_for(service)
    verdict = guard_at(settings, local(NY, "2026-06-03 14:02")).check(_dial("+13055550100"))
    assert isinstance(verdict, Clearance) and verdict.summary == "Florida · 14:02"
    verdict = guard_at(settings, local(NY, "2026-06-03 14:02")).check(_dial("+4930123456"))
    assert isinstance(verdict, Clearance)
    assert "no built-in calling-hours rule for DE" in " ".join(verdict.notes)
    idaho = guard_at(settings, utc("2026-06-03 20:02")).check(_dial("+12085550100"))
    assert isinstance(idaho, Clearance)
    assert idaho.summary == "Idaho · 14:02 (America/Boise), 13:02 (America/Los_Angeles)"


def _dial(text: str):  # type: ignore[no-untyped-def]
    from c2c_desktop.core.phone import parse_number

    return parse_number(text)


def test_judging_a_call_never_loads_the_geocoder() -> None:
    # libphonenumber's geocoder holds every country's places in every language: ~100 MiB and 0.4 s on first use.
    code = (
        "import sys\n"
        "from c2c_desktop.core.phone import parse_number\n"
        "from c2c_desktop.core.rules import hours\n"
        "hours.whereabouts(parse_number('+13055550100'), 'US-FL')\n"
        "hours.whereabouts(parse_number('+14165550100'))\n"
        "print('phonenumbers.geocoder' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
