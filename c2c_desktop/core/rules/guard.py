"""The one check every dial goes through (dialer.prepare_call): rules file, do-not-call lists, attempt caps, hours.

Order: a broken rules file refuses everything; then the do-not-call lists (never overridable), then the attempt caps,
then the callee's local hours (overridable with a typed reason on a manual dial only). Every refusal and every
override is written to the audit log. `check` never raises: a failure of any part is a refusal (fail closed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from c2c_desktop.core.models import Contact
from c2c_desktop.core.phone import DialNumber
from c2c_desktop.core.rules import hours
from c2c_desktop.core.rules.hours import CallingRules, HoursVerdict, RulesFileError
from c2c_desktop.core.rules.model import (
    AttemptLog,
    AuditAction,
    AuditEvent,
    AuditLog,
    Clearance,
    DncLookup,
    Mode,
    Refusal,
    Rule,
)

if TYPE_CHECKING:
    from c2c_desktop.core.config import Settings
    from c2c_desktop.core.store import Store

ATTEMPT_WINDOW = timedelta(hours=24)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RulesReport:
    """What `c2c-desktop rules NUMBER` shows: the verdict and how it was reached."""

    verdict: Clearance | Refusal
    zones: tuple[str, ...]
    local_times: tuple[tuple[str, str], ...]  # (zone, "2026-06-01 14:02 EDT")
    applied: tuple[str, ...]
    attempts_24h: int
    mode: str
    rules_version: str
    summary: str = ""  # the callee's place and local time ("Florida · 20:14"), when the hours were judged
    closes_at: datetime | None = None  # callable now: when the calling window ends (UTC), if it does today
    checked_at: datetime | None = None  # the instant judged (UTC, from the guard's clock)


class CallGuard:
    """Constructed once per settings; `check` is called for every dial. It keeps no state of its own, but its parts
    read the store (lists, attempts, audit log): use it on the store's thread (the GUI thread, the CLI's thread)."""

    def __init__(
        self,
        settings: Settings,
        rules: CallingRules | RulesFileError,
        clock: Callable[[], datetime],
        dnc: DncLookup,
        attempts: AttemptLog,
        audit: AuditLog,
    ) -> None:
        self._settings = settings
        self._rules = rules
        self._clock = clock
        self._dnc = dnc
        self._attempts = attempts
        self._audit = audit

    def check(
        self,
        number: DialNumber,
        *,
        contact: Contact | None = None,
        override_hours: str | None = None,
        automatic: bool = False,
    ) -> Clearance | Refusal:
        """Clearance or Refusal for calling `number` now; never raises."""
        try:
            return self.report(number, contact=contact, override_hours=override_hours, automatic=automatic).verdict
        except Exception as exc:  # fail closed: a bug here must not let a call through
            log.exception("calling rules check failed")
            refusal = Refusal(Rule.RULES_FILE, f"the calling rules could not be checked: {_one_line(exc)}")
            try:
                self._record(AuditAction.REFUSED, number, refusal.rule, refusal.reason, "")
            except Exception:
                log.exception("audit log write failed")
            return refusal

    def report(
        self,
        number: DialNumber,
        *,
        contact: Contact | None = None,
        override_hours: str | None = None,
        automatic: bool = False,
        record: bool = True,
    ) -> RulesReport:
        """The verdict with what led to it; `record=False` (the `rules` command) writes nothing to the audit log.
        May raise on a failing part: `check` turns that into a refusal."""
        now = self._clock()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        mode_text = self._settings.mode or Mode.CONSUMER
        rules = self._rules
        version = rules.version if isinstance(rules, CallingRules) else ""

        def done(verdict: Clearance | Refusal, judged: HoursVerdict | None = None, attempts: int = 0) -> RulesReport:
            if record and isinstance(verdict, Refusal):
                self._record(AuditAction.REFUSED, number, verdict.rule, verdict.reason, verdict.data_version)
            zones = judged.zones if judged else ()
            return RulesReport(
                verdict,
                zones,
                tuple((zone, f"{local:%Y-%m-%d %H:%M %Z}") for zone, local in hours.local_times(zones, now)),
                judged.applied if judged else (),
                attempts,
                mode_text,
                version,
                judged.summary if judged else "",
                judged.closes_at if judged else None,
                now,
            )

        if isinstance(rules, RulesFileError):
            return done(Refusal(Rule.RULES_FILE, f"the calling rules file is broken: {rules}"))
        try:
            mode = Mode(mode_text)
            company = hours.company_window(self._settings)
        except ValueError as exc:
            return done(Refusal(Rule.RULES_FILE, f"the calling rules settings cannot be read: {_one_line(exc)}"))

        e164 = number.e164
        shown = number.display or e164
        for listing in self._dnc.listings(e164):
            stale = " (the list is stale: refresh it)" if listing.stale else ""
            dated = f" {listing.data_date.isoformat()}" if listing.data_date else ""
            reason = f'{shown} is on the do-not-call list "{listing.list_name}"{stale}'
            return done(Refusal(Rule.DNC, reason, data_version=f"{listing.list_name}{dated}"))
        blocking = self._dnc.stale_block(e164)
        if blocking is not None:
            dated = f" {blocking.data_date.isoformat()}" if blocking.data_date else ""
            reason = (
                f'the do-not-call list "{blocking.list_name}" is stale (data{dated or " undated"}, older than 31 days) '
                "and stale lists refuse calls to its area codes"
            )
            return done(Refusal(Rule.DNC, reason, data_version=f"{blocking.list_name}{dated}"))

        address = contact.region_code if contact is not None else ""
        judged = hours.judge(number, now, rules, mode=mode, company=company, address_region=address)
        caps = list(judged.caps)
        company_cap = self._settings.max_attempts_per_day
        if company_cap > 0:
            caps.append(("the company", company_cap))
        made = self._attempts.attempts_since(e164, now - ATTEMPT_WINDOW) if caps else []
        over = [(name, cap) for name, cap in caps if len(made) >= cap]
        if over:
            frees_at = max(made[-cap] + ATTEMPT_WINDOW for _, cap in over)
            later = hours.judge(number, frees_at, rules, mode=mode, company=company, address_region=address)
            opens = frees_at if later.allowed or later.opens_at is None else later.opens_at
            name, cap = min(over, key=lambda item: item[1])
            reason = (
                f"{len(made)} calls to {shown} in the last 24 hours; {name} allows {cap} per 24 hours "
                f"(next possible {_when(opens, judged.zones)})"
            )
            return done(Refusal(Rule.ATTEMPTS, reason, opens_at=opens, data_version=version), judged, len(made))

        if judged.allowed:
            return done(Clearance(judged.zones, judged.summary, judged.notes), judged, len(made))
        refusal = Refusal(
            Rule.HOURS, judged.reason, overridable=not automatic, opens_at=judged.opens_at, data_version=version
        )
        if override_hours is None:
            return done(refusal, judged, len(made))
        if automatic:
            automatic_refusal = Refusal(
                Rule.HOURS,
                f"{judged.reason} (calling hours are never overridden on an automatic dial)",
                opens_at=judged.opens_at,
                data_version=version,
            )
            return done(automatic_refusal, judged, len(made))
        typed = " ".join(override_hours.split())
        if not typed:
            empty = Refusal(
                Rule.HOURS,
                f"{judged.reason} (an override needs a reason)",
                overridable=True,
                opens_at=judged.opens_at,
                data_version=version,
            )
            return done(empty, judged, len(made))
        if record:
            self._record(AuditAction.OVERRIDDEN, number, Rule.HOURS, typed, version, refused=judged.reason)
        notes = (f"calling hours overridden: {typed}", f"refused without it: {judged.reason}", *judged.notes)
        return done(Clearance(judged.zones, judged.summary, notes), judged, len(made))

    def hours_at(self, number: DialNumber, at: datetime, *, contact: Contact | None = None) -> HoursVerdict:
        """The calling-hours part of the verdict at the instant `at` (not now): what a callback slot is checked
        against when it is scheduled. Writes nothing. Raises RulesFileError or ValueError when the rules or their
        settings cannot be used (a dial would be refused then)."""
        rules = self._rules
        if isinstance(rules, RulesFileError):
            raise rules
        mode = Mode(self._settings.mode or Mode.CONSUMER)
        company = hours.company_window(self._settings)
        address = contact.region_code if contact is not None else ""
        return hours.judge(number, _utc(at), rules, mode=mode, company=company, address_region=address)

    def _record(
        self, action: AuditAction, number: DialNumber, rule: str, reason: str, version: str, *, refused: str = ""
    ) -> None:
        text = f"{reason} (refused: {refused})" if refused else reason
        self._audit.record(
            AuditEvent(
                action=action,
                at=_utc(self._clock()),
                agent_number=self._settings.agent_number,
                callee_number=number.e164,
                rule=str(rule),
                data_version=version,
                reason=text,
            )
        )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _when(moment: datetime, zones: tuple[str, ...]) -> str:
    if zones:
        local = hours.local_times(zones[:1], moment)[0][1]
        return f"{local:%a %H:%M} their time ({zones[0]})"
    return f"{moment:%a %H:%M} UTC"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# --- production wiring ----------------------------------------------------------------------------------------------


def system_clock() -> datetime:
    """The current time, in UTC (the clock the app runs on; tests pass their own)."""
    return datetime.now(UTC)


def build_guard(settings: Settings, store: Store, clock: Callable[[], datetime] = system_clock) -> CallGuard:
    """The guard the app uses: the shipped rules file, and the do-not-call lists, the attempts and the audit log kept
    in `store` (use it on the store's thread)."""
    from c2c_desktop.core.rules.attempts import JournalAttemptLog
    from c2c_desktop.core.rules.audit import StoreAuditLog
    from c2c_desktop.core.rules.dnc import DncRegistry

    return CallGuard(
        settings,
        hours.rules_or_error(),
        clock,
        DncRegistry(store, clock=clock, stale_refuses=settings.dnc_stale_refuses),
        JournalAttemptLog(store),
        StoreAuditLog(store),
    )
