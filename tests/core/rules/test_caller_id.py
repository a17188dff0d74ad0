"""Local caller ID: the pool number closest to the prospect, on the leg the prospect sees, least used today."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from c2c_desktop.core.config import Settings, with_value
from c2c_desktop.core.dialer import (
    CallOverrides,
    PreparedCall,
    client_for,
    place_call_now,
    prepare_call,
    status_while_ringing,
)
from c2c_desktop.core.models import CallRequest, CallResult, CallType, Credentials, Outcome
from c2c_desktop.core.rules.areas import TABLE_PATH, state_of, state_of_description
from c2c_desktop.core.rules.caller_id import (
    CallerIdChoice,
    JournalCallerIdUsage,
    choose_caller_id,
    pick_from_pool,
    start_of_today,
)
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import Store
from tests.rules_support import guard_at

KEYS = Credentials("AK-caller-id", "SK-caller-id")
MIAMI, MIAMI_2, ORLANDO, MANHATTAN, CHICAGO, TORONTO, LONDON = (
    "+13055550100",
    "+13055550101",
    "+14075550100",
    "+12125550100",
    "+13125550100",
    "+14165550100",
    "+442079460000",
)
PHOENIX, DENVER = "+16025550100", "+13035550100"
POOL = (MIAMI, MIAMI_2, ORLANDO, MANHATTAN, CHICAGO, TORONTO, LONDON)
WINTER = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 7, 15, 0, tzinfo=UTC)


def prepare(target: str, settings: Settings, *args: Any, **kwargs: Any) -> PreparedCall:
    """prepare_call with the calling rules of a Wednesday afternoon (these numbers are all callable then)."""
    return prepare_call(target, settings, *args, guard=guard_at(settings), **kwargs)


@pytest.mark.parametrize(
    ("callee", "pool", "uses", "now", "expected"),
    [
        ("+13055559999", POOL, {}, WINTER, (MIAMI, "same area code")),
        ("+13055559999", POOL, {MIAMI: 2, MIAMI_2: 1}, WINTER, (MIAMI_2, "same area code")),  # least used today
        ("+13055559999", POOL, {MIAMI: 1, MIAMI_2: 1}, WINTER, (MIAMI, "same area code")),  # equal: the first
        ("+17865550100", POOL, {}, WINTER, (MIAMI, "same state (Florida)")),  # Miami's other area code
        ("+17865550100", POOL, {MIAMI: 3, MIAMI_2: 3, ORLANDO: 1}, WINTER, (ORLANDO, "same state (Florida)")),
        ("+15185550100", POOL, {}, WINTER, (MANHATTAN, "same state (New York)")),  # Albany
        ("+16135550100", POOL, {}, WINTER, (TORONTO, "same province (Ontario)")),  # Ottawa
        ("+16175550100", POOL, {MIAMI: 1}, WINTER, (MIAMI_2, "same time zone")),  # Boston: Eastern
        ("+15145550100", (CHICAGO, TORONTO), {}, WINTER, (TORONTO, "same time zone")),  # Montreal: Eastern too
        ("+15125550100", POOL, {}, WINTER, (CHICAGO, "same time zone")),  # Austin: Central
        ("+442071234567", POOL, {}, WINTER, (LONDON, "same area code")),
        ("+441612345678", POOL, {}, WINTER, (LONDON, "same time zone")),  # Manchester
        ("+16045550100", POOL, {}, WINTER, None),  # Vancouver: Pacific, nobody close
        ("+18005550100", POOL, {}, WINTER, None),  # toll-free: no place, no single time zone
        ("+33142685300", POOL, {}, WINTER, None),  # Paris: an hour from London
        ("+12085550100", (DENVER, "+14155550100"), {}, WINTER, None),  # Idaho's 208 spans two time zones
        # Arizona keeps standard time all year: Mountain time in winter, Pacific time's offset in summer.
        ("+16025559999", (DENVER, "+14155550100"), {}, WINTER, (DENVER, "same time zone")),
        ("+16025559999", (DENVER, "+14155550100"), {}, SUMMER, ("+14155550100", "same time zone")),
        ("+16025559999", (PHOENIX,), {}, SUMMER, (PHOENIX, "same area code")),
        ("+13055559999", (), {}, WINTER, None),
    ],
)
def test_the_closest_pool_number(
    callee: str, pool: tuple[str, ...], uses: dict[str, int], now: datetime, expected: tuple[str, str] | None
) -> None:
    assert pick_from_pool(callee, pool, uses_today=uses, now=now) == expected


@pytest.mark.parametrize(
    ("number", "description", "state"),
    [
        # What libphonenumber's geocoder says (English) for +1 numbers, and the state or province read from it.
        ("+13055550100", "Florida", "FL"),  # an exchange it has no town for: the area code's state
        ("+13053710000", "Miami, FL", "FL"),  # a known exchange: town and postal code
        ("+14163640000", "Toronto, ON", "ON"),
        ("+16135550100", "Ontario", "ON"),
        ("+12024560000", "Washington D.C.", "DC"),
        ("+12125550100", "New York, NY", "NY"),
        ("+18085550100", "Hawaii", "HI"),
        ("+19028530000", "Alberton, PE", "PE"),  # 902 serves Nova Scotia and Prince Edward Island
        ("+19024340000", "Dartmouth, NS", "NS"),
        ("+18005550100", "", None),  # toll-free: no place
        ("+17875550100", "Puerto Rico", None),  # not a state or province
    ],
)
def test_state_from_the_geocoder(number: str, description: str, state: str | None) -> None:
    assert state_of_description(description) == state
    assert state_of(number) == state


def test_the_shipped_area_code_table_matches_the_installed_geocoder() -> None:
    # In a child process: the geocoder takes ~100 MiB, which the app never loads (areas.py says why).
    root = Path(__file__).resolve().parents[3]
    code = (
        "import json, runpy\n"
        "from phonenumbers import geocoder, parse\n"
        f"tools = runpy.run_path({str(root / 'scripts' / 'make_nanp_states.py')!r})\n"
        "areas, exchanges = tools['area_code_states']()\n"
        "numbers = ['+13055550100', '+13053710000', '+14163640000', '+12024560000', '+18005550100', '+17875550100']\n"
        "said = [geocoder.description_for_number(parse(n), 'en') for n in numbers]\n"
        "print(json.dumps({'area_codes': areas, 'exchanges': exchanges, 'said': said}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True, cwd=root
    )
    made = json.loads(result.stdout)
    shipped = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert (shipped["area_codes"], shipped["exchanges"]) == (made["area_codes"], made["exchanges"])
    assert made["said"] == ["Florida", "Miami, FL", "Toronto, ON", "Washington D.C.", "", "Puerto Rico"]
    assert len(shipped["area_codes"]) > 400


def pooled(**changes: object) -> Settings:
    settings = with_value(Settings(agent_number="+15552010001"), "caller_id_pool", ",".join(POOL))
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def test_the_prospects_leg_and_what_wins() -> None:
    settings = pooled(first_callerid="+15552010002", second_callerid="+15552010003")
    callee = "+13055559999"
    agent_first, prospect_first = int(CallType.AGENT_FIRST), int(CallType.PROSPECT_FIRST)
    assert choose_caller_id(callee, settings, agent_first) == CallerIdChoice("second_callerid", MIAMI, "same area code")
    assert choose_caller_id(callee, settings, prospect_first) == CallerIdChoice(
        "first_callerid", MIAMI, "same area code"
    )
    chosen = choose_caller_id(callee, settings, agent_first, chosen=ORLANDO)
    assert chosen == CallerIdChoice("second_callerid", ORLANDO, "chosen for this call")
    given = choose_caller_id(callee, settings, agent_first, given="5552010009", chosen=ORLANDO)
    assert given == CallerIdChoice("second_callerid", "5552010009", "chosen for this call")
    assert choose_caller_id(callee, settings, agent_first, given="").number == ""  # given empty: none at all
    vancouver = "+16045550100"
    assert choose_caller_id(vancouver, settings, agent_first) == CallerIdChoice(
        "second_callerid", "+15552010003", "default"
    )
    assert choose_caller_id(vancouver, settings, prospect_first).number == "+15552010002"
    assert choose_caller_id(vancouver, pooled(), agent_first) == CallerIdChoice("second_callerid", "", "")
    no_pool = Settings(second_callerid="+15552010003")
    assert choose_caller_id(callee, no_pool, agent_first) == CallerIdChoice("second_callerid", "+15552010003", "")


def test_prepare_call_puts_the_pick_on_the_prospects_leg() -> None:
    settings = pooled(second_callerid="+15552010003")
    prepared = prepare("(305) 555-9999", settings, KEYS)
    assert prepared.request.second_callerid == "3055550100"
    assert prepared.request.first_callerid == "3055559999"  # the agent still sees who is coming
    assert (prepared.shown_caller_id, prepared.caller_id_reason) == ("(305) 555-0100", "same area code")
    assert prepared.caller_id_note == "shown as (305) 555-0100, same area code"
    assert status_while_ringing(prepared).endswith(" · shown as (305) 555-0100, same area code")
    prospect_first = prepare("(305) 555-9999", dataclasses.replace(settings, call_type=1), KEYS)
    assert (prospect_first.request.first_callerid, prospect_first.request.second_callerid) == (
        "3055550100",
        "5552010003",
    )
    overridden = prepare("(305) 555-9999", settings, KEYS, overrides=CallOverrides(second_callerid="555-201-0009"))
    assert overridden.request.second_callerid == "5552010009"
    assert overridden.caller_id_note == "shown as (555) 201-0009, chosen for this call"
    chosen = prepare("(305) 555-9999", settings, KEYS, caller_id_choice=ORLANDO)
    assert (chosen.request.second_callerid, chosen.caller_id_reason) == ("4075550100", "chosen for this call")
    # Without a pool nothing changes: the configured caller ID, and nothing to explain.
    plain = prepare("(305) 555-9999", Settings(agent_number="+15552010001", second_callerid="+15552010003"), KEYS)
    assert (plain.request.second_callerid, plain.caller_id_note) == ("5552010003", "")
    assert status_while_ringing(plain).endswith("ringing your phone (555) 201-0001")


def test_least_used_today_is_counted_from_the_journal(store: Store) -> None:
    settings = pooled()
    usage = JournalCallerIdUsage(store, settings.region)
    shown = []
    for outcome in (Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.NOT_SENT, Outcome.UNKNOWN):
        prepared = prepare("(305) 555-9999", settings, KEYS, caller_id_usage=usage)
        shown.append(prepared.request.second_callerid)
        entry = store.begin_call(prepared.request, e164=prepared.e164)
        assert entry.caller_id == prepared.request.second_callerid  # the journal keeps what the prospect saw
        store.finish_call(entry.id, CallResult(outcome, str(outcome)))
    # Alternates between the two Miami numbers; a call that was not sent showed nothing and is not counted.
    assert shown == ["3055550100", "3055550101", "3055550100", "3055550100"]
    assert usage.uses_since(POOL, start_of_today(datetime.now(UTC))) == {MIAMI: 2, MIAMI_2: 1}
    assert usage.uses_since(POOL, datetime.now(UTC) + timedelta(minutes=1)) == {}  # "today" starts at `since`


def test_the_journal_keeps_the_caller_id_of_the_prospects_leg(store: Store) -> None:
    agent_first = store.begin_call(CallRequest("5552010001", "3055559999", 2, None, None, "3055559999", "3055550100"))
    prospect_first = store.begin_call(
        CallRequest("5552010001", "3055559999", 1, None, None, "3055550101", "5552010001")
    )
    none = store.begin_call(CallRequest("5552010001", "3055559999", 2))
    assert (agent_first.caller_id, prospect_first.caller_id, none.caller_id) == ("3055550100", "3055550101", "")


def test_the_service_receives_the_picked_caller_id(tmp_path: Path) -> None:
    with StandInService(
        access_key=KEYS.access_key, secret_access_key=KEYS.secret_access_key, ring_seconds=0
    ) as service:
        settings = pooled(api_url=service.url, read_timeout=5)
        with Store(tmp_path / "j.sqlite3") as store, client_for(settings) as client:
            usage = JournalCallerIdUsage(store, settings.region)
            for number in ("(305) 555-9991", "(305) 555-9992", "(617) 555-0100"):
                prepared = prepare(number, settings, KEYS, caller_id_usage=usage)
                place_call_now(store, client, prepared, KEYS)
        sent = [request.params.get("second_callerid") for request in service.requests]
    assert sent == ["3055550100", "3055550101", "4075550100"]  # Boston: Eastern, least used of the Eastern ones
