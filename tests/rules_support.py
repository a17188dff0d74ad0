"""Real calling-rules guards for tests: the shipped rules file, a frozen clock, and small in-test implementations of
the do-not-call, attempt and audit interfaces, for tests about the guard's own logic (the stored implementations have
their own tests under tests/core/rules/)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from c2c_desktop.core.config import Settings
from c2c_desktop.core.rules.guard import CallGuard
from c2c_desktop.core.rules.hours import CallingRules, RulesFileError, rules_or_error
from c2c_desktop.core.rules.model import AuditEvent, DncListing

#: A Wednesday afternoon on the US East Coast (13:00 EDT): inside every US and Canadian window except Hawaii's morning.
WEDNESDAY_AFTERNOON = datetime(2026, 6, 3, 17, 0, tzinfo=UTC)


class ListedNumbers:
    """DncLookup over a dict: e164 -> listings."""

    def __init__(self, listed: dict[str, list[DncListing]] | None = None) -> None:
        self.listed = listed or {}
        self.stale: dict[str, DncListing] = {}

    def listings(self, e164: str) -> list[DncListing]:
        return list(self.listed.get(e164, []))

    def stale_block(self, e164: str) -> DncListing | None:
        return self.stale.get(e164)


class PastCalls:
    """AttemptLog over a list of (e164, started_at)."""

    def __init__(self, calls: list[tuple[str, datetime]] | None = None) -> None:
        self.calls = calls or []

    def attempts_since(self, e164: str, since: datetime) -> list[datetime]:
        return sorted(at for number, at in self.calls if number == e164 and at >= since)


class RecordedAudit:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)


def guard_at(
    settings: Settings,
    at: datetime = WEDNESDAY_AFTERNOON,
    *,
    dnc: ListedNumbers | None = None,
    attempts: PastCalls | None = None,
    audit: RecordedAudit | None = None,
    rules: CallingRules | RulesFileError | None = None,
) -> CallGuard:
    """A real guard over the shipped rules with the clock frozen at `at`."""
    return CallGuard(
        settings,
        rules_or_error() if rules is None else rules,
        lambda: at,
        dnc or ListedNumbers(),
        attempts or PastCalls(),
        audit or RecordedAudit(),
    )


def business_guard(settings: Settings) -> CallGuard:
    """For tests about something else: business mode with no company window lets every hour through (the fictional
    555 area code has no time zone, which consumer mode refuses)."""
    return guard_at(dataclasses.replace(settings, mode="business"))
