"""CallGuard: the order of the checks, attempt caps, overrides, the audit log, a broken rules file, never raising."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c2c_desktop.core.config import Settings
from c2c_desktop.core.models import CallRequest, CallResult, Outcome
from c2c_desktop.core.phone import PhoneError, number_to_call, parse_number
from c2c_desktop.core.rules.attempts import JournalAttemptLog
from c2c_desktop.core.rules.guard import CallGuard
from c2c_desktop.core.rules.hours import RULES_PATH, RulesFileError, load_rules, parse_rules, rules_or_error
from c2c_desktop.core.rules.model import AuditAction, Clearance, DncListing, Refusal, Rule
from c2c_desktop.core.store import Store
from tests.rules_support import ListedNumbers, PastCalls, RecordedAudit, guard_at

SETTINGS = Settings(agent_number="+13125550100")
MIAMI = parse_number("+13055550100")
EVENING_IN_MIAMI = datetime(2026, 6, 3, 20, 30, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
NOON_IN_MIAMI = datetime(2026, 6, 3, 12, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
INTERNAL = DncListing("Internal", True, None, False, "asked not to be called")


def test_a_dnc_refusal_wins_over_hours_and_is_never_overridable() -> None:
    audit = RecordedAudit()
    guard = guard_at(SETTINGS, EVENING_IN_MIAMI, dnc=ListedNumbers({MIAMI.e164: [INTERNAL]}), audit=audit)
    verdict = guard.check(MIAMI, override_hours="customer asked for an evening call")
    assert isinstance(verdict, Refusal) and verdict.rule is Rule.DNC and not verdict.overridable
    assert verdict.reason == '(305) 555-0100 is on the do-not-call list "Internal"'
    assert [event.action for event in audit.events] == [AuditAction.REFUSED]
    assert audit.events[0].callee_number == "+13055550100" and audit.events[0].rule == "dnc"


def test_a_stale_list_covering_the_area_code_refuses() -> None:
    lists = ListedNumbers()
    lists.stale[MIAMI.e164] = DncListing("National DNC (FL) 2026-09-01", False, date(2026, 9, 1), True)
    verdict = guard_at(SETTINGS, NOON_IN_MIAMI, dnc=lists).check(MIAMI)
    assert isinstance(verdict, Refusal) and verdict.rule is Rule.DNC and "is stale" in verdict.reason


def test_florida_allows_three_calls_in_24_hours_and_says_when_the_next_one_may_go() -> None:
    past = [(MIAMI.e164, NOON_IN_MIAMI - timedelta(hours=hours)) for hours in (20, 5, 1)]
    verdict = guard_at(SETTINGS, NOON_IN_MIAMI, attempts=PastCalls(past)).check(MIAMI)
    assert isinstance(verdict, Refusal) and verdict.rule is Rule.ATTEMPTS
    assert "3 calls to (305) 555-0100 in the last 24 hours; Florida allows 3 per 24 hours" in verdict.reason
    # The oldest drops out of the 24 hours at 08:00 tomorrow, Miami time, inside Florida's window.
    assert verdict.opens_at == NOON_IN_MIAMI + timedelta(hours=4)
    two = PastCalls(past[1:])
    assert isinstance(guard_at(SETTINGS, NOON_IN_MIAMI, attempts=two).check(MIAMI), Clearance)


def test_an_attempt_cap_that_frees_up_at_night_opens_at_the_next_window() -> None:
    past = [(MIAMI.e164, EVENING_IN_MIAMI - timedelta(hours=23, minutes=50 - i)) for i in range(3)]
    at = EVENING_IN_MIAMI - timedelta(hours=2)  # 18:30: hours allow it, the cap does not until 20:40
    verdict = guard_at(SETTINGS, at, attempts=PastCalls(past)).check(MIAMI)
    assert isinstance(verdict, Refusal) and verdict.rule is Rule.ATTEMPTS
    assert verdict.opens_at == datetime(2026, 6, 4, 8, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def test_the_company_cap_applies_to_any_number() -> None:
    chicago = parse_number("+13125550101")
    capped = Settings(agent_number="+13125550100", max_attempts_per_day=1)
    verdict = guard_at(capped, NOON_IN_MIAMI, attempts=PastCalls([(chicago.e164, NOON_IN_MIAMI)])).check(chicago)
    assert isinstance(verdict, Refusal) and "the company allows 1 per 24 hours" in verdict.reason


def test_the_attempt_log_counts_calls_that_may_have_rung_from_the_journal(tmp_path: Path) -> None:
    with Store(tmp_path / "j.sqlite3") as store:
        for outcome in (Outcome.CONNECTED, Outcome.NOT_SENT, Outcome.NO_ANSWER, Outcome.REJECTED, None):
            entry = store.begin_call(CallRequest("3125550100", "3055550100"), e164=MIAMI.e164)
            if outcome is not None:
                store.finish_call(entry.id, CallResult(outcome, "x"))
        counted = JournalAttemptLog(store).attempts_since(MIAMI.e164, datetime.now(UTC) - timedelta(hours=1))
        assert len(counted) == 3  # connected, no answer, still placing
        assert JournalAttemptLog(store).attempts_since(MIAMI.e164, datetime.now(UTC) + timedelta(seconds=5)) == []


def test_an_hours_override_needs_a_reason_and_is_audited() -> None:
    audit = RecordedAudit()
    guard = guard_at(SETTINGS, EVENING_IN_MIAMI, audit=audit)
    refused = guard.check(MIAMI)
    assert isinstance(refused, Refusal) and refused.overridable and refused.rule is Rule.HOURS
    empty = guard.check(MIAMI, override_hours="   ")
    assert isinstance(empty, Refusal) and "an override needs a reason" in empty.reason
    allowed = guard.check(MIAMI, override_hours="customer asked for a call at 20:30")
    assert isinstance(allowed, Clearance)
    assert allowed.notes[0] == "calling hours overridden: customer asked for a call at 20:30"
    assert [event.action for event in audit.events] == [
        AuditAction.REFUSED,
        AuditAction.REFUSED,
        AuditAction.OVERRIDDEN,
    ]
    override = audit.events[-1]
    assert override.reason.startswith("customer asked for a call at 20:30 (refused: it is 20:30 in Florida")
    assert override.agent_number == "+13125550100" and override.data_version == load_rules().version


def test_never_an_override_on_an_automatic_dial() -> None:
    guard = guard_at(SETTINGS, EVENING_IN_MIAMI)
    verdict = guard.check(MIAMI, override_hours="a good reason", automatic=True)
    assert isinstance(verdict, Refusal) and not verdict.overridable and "never overridden" in verdict.reason
    assert not guard.check(MIAMI, automatic=True).overridable  # type: ignore[union-attr]


def _broken_copy(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "calling_rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["jurisdictions"][1]["windows"].update({"mon-sun": "08:00-25:00"}), "'25:00' is not a time of day"),
        (lambda d: d["jurisdictions"][1]["windows"].update({"funday": "08:00-20:00"}), "'funday' is not a day"),
        (lambda d: d["jurisdictions"][0].pop("source"), "has no 'source'"),
        (lambda d: d["jurisdictions"][2]["windows"].update({"mon-sun": "20:00-08:00"}), "ends before it starts"),
        (lambda d: d["jurisdictions"][1].update(max_calls_per_24h=-3), "must be a whole number"),
        (lambda d: d.pop("jurisdictions"), "no 'jurisdictions'"),
        (lambda d: d["jurisdictions"][3].update(clocks=["Central Standard Time"]), "unknown clock"),
    ],
)
def test_a_broken_rules_file_refuses_every_call(tmp_path: Path, change, says: str) -> None:  # type: ignore[no-untyped-def]
    path = _broken_copy(tmp_path, change)
    rules = rules_or_error(path)
    assert isinstance(rules, RulesFileError) and says in str(rules)
    audit = RecordedAudit()
    for number in (MIAMI, parse_number("+4930123456")):
        verdict = guard_at(SETTINGS, NOON_IN_MIAMI, rules=rules, audit=audit).check(number, override_hours="please")
        assert isinstance(verdict, Refusal) and verdict.rule is Rule.RULES_FILE and not verdict.overridable
        assert verdict.reason.startswith("the calling rules file is broken: ")
    assert len(audit.events) == 2


def test_a_rules_file_that_is_not_json_is_broken(tmp_path: Path) -> None:
    path = tmp_path / "calling_rules.json"
    path.write_text('{"format": 1, "version": ', encoding="utf-8")
    assert "not valid JSON" in str(rules_or_error(path))
    with pytest.raises(RulesFileError, match="cannot read"):
        load_rules(tmp_path / "missing.json")
    with pytest.raises(RulesFileError, match="unknown format"):
        parse_rules('{"format": 2}')


def test_the_shipped_rules_file_loads_with_its_sources() -> None:
    rules = load_rules()
    assert set(rules.jurisdictions) == {"US", "US-FL", "US-WA", "US-MS", "CA"}
    for row in rules.jurisdictions.values():
        assert row.url.startswith("https://") and row.source and date.fromisoformat(row.checked)
    assert rules.jurisdictions["US-FL"].max_calls_per_24h == 3 and rules.jurisdictions["US-FL"].area_code_presumption


class _FailingLists:
    def listings(self, e164: str) -> list[DncListing]:
        raise OSError("disk gone")

    def stale_block(self, e164: str) -> DncListing | None:
        return None


def test_a_failing_part_is_a_refusal_not_an_exception() -> None:
    audit = RecordedAudit()
    guard = CallGuard(SETTINGS, load_rules(), lambda: NOON_IN_MIAMI, _FailingLists(), PastCalls(), audit)
    verdict = guard.check(MIAMI)
    assert isinstance(verdict, Refusal) and verdict.rule is Rule.RULES_FILE
    assert verdict.reason == "the calling rules could not be checked: disk gone"
    assert audit.events[0].action is AuditAction.REFUSED


def test_an_unreadable_company_window_refuses() -> None:
    odd = Settings(agent_number="+13125550100").__class__(agent_number="+13125550100", company_hours="9 to 5")
    verdict = guard_at(odd, NOON_IN_MIAMI).check(MIAMI)
    assert isinstance(verdict, Refusal) and "settings cannot be read" in verdict.reason


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(st.text(max_size=30), st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)),
    at=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
    mode=st.sampled_from(["consumer", "business", "nonsense"]),
    override=st.one_of(st.none(), st.text(max_size=10)),
    automatic=st.booleans(),
)
def test_the_guard_never_raises(text: str, at: datetime, mode: str, override: str | None, automatic: bool) -> None:
    try:
        number = number_to_call(text, "US")
    except PhoneError:
        return
    configured = Settings(agent_number="+13125550100", mode=mode, company_hours="09:00-18:00")
    verdict = guard_at(configured, at).check(number, override_hours=override, automatic=automatic)
    assert isinstance(verdict, Clearance | Refusal)
    if isinstance(verdict, Refusal):
        assert verdict.reason and "\n" not in verdict.reason
