"""Whether a number can be called now, in one short line for the window ("Florida · 20:14 · opens 08:00 Tue").

Read from the guard's own report (`CallGuard.report(..., record=False)`), so what the window shows before a call is
what a dial would decide; nothing is written to the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from c2c_desktop.core.rules import hours
from c2c_desktop.core.rules.model import Refusal, Rule

if TYPE_CHECKING:
    from c2c_desktop.core.models import Contact
    from c2c_desktop.core.phone import DialNumber
    from c2c_desktop.core.rules.guard import CallGuard


@dataclass(frozen=True)
class Glance:
    """What the window shows about calling a number now."""

    callable_now: bool
    text: str  # one short line: "Illinois · 14:02 · callable until 21:00", "on the do-not-call list"
    reason: str = ""  # not callable: the refusal's whole line, as a dial would show it after "Not sent: "
    rule: Rule | None = None  # not callable: which rule refuses
    notes: tuple[str, ...] = ()  # what else the rules say ("no built-in calling-hours rule for GB; ...")


def glance(guard: CallGuard, number: DialNumber, contact: Contact | None = None) -> Glance:
    """The guard's verdict on calling `number` now, as one line; never raises (a failure reads as not callable)."""
    try:
        report = guard.report(number, contact=contact, record=False)
    except Exception as exc:  # as CallGuard.check: a failing part refuses
        reason = f"the calling rules could not be checked: {' '.join(str(exc).split())[:200] or type(exc).__name__}"
        return Glance(False, "not callable: the calling rules could not be checked", reason, Rule.RULES_FILE)
    verdict = report.verdict
    place = report.summary or "local time unknown"
    if not isinstance(verdict, Refusal):
        unruled = _unruled_country(verdict.notes)  # "callable now" alone would read as "the law allows it"
        if report.closes_at is not None:
            until = _local(report.closes_at, report.zones, report.checked_at)
            return Glance(True, f"{place} · callable until {until}{unruled}", notes=verdict.notes)
        return Glance(True, f"{place} · callable now{unruled}", notes=verdict.notes)
    if verdict.rule is Rule.DNC:
        stale = "" if " is on the do-not-call list " in verdict.reason else " (a stale list blocks its area code)"
        return Glance(False, f"on the do-not-call list{stale}", verdict.reason, verdict.rule)
    if verdict.rule is Rule.RULES_FILE:
        return Glance(False, "not callable: the calling rules cannot be used", verdict.reason, verdict.rule)
    if verdict.opens_at is None:
        return Glance(False, f"{place} · not callable now", verdict.reason, verdict.rule)
    opens = _local(verdict.opens_at, report.zones, report.checked_at)
    why = " (call limit)" if verdict.rule is Rule.ATTEMPTS else ""
    return Glance(False, f"{place} · not callable now: opens {opens}{why}", verdict.reason, verdict.rule)


def _unruled_country(notes: tuple[str, ...]) -> str:
    """The words " · no built-in hours rule for DE" when the rules have no calling-hours rule for the callee's country
    (consumer mode outside the US and Canada): the agent must know the local law themselves. "" otherwise."""
    for note in notes:
        found = re.match(r"no built-in calling-hours rule for (.+?);", note)
        if found:
            return f" · no built-in hours rule for {found.group(1)}"
    return ""


def _local(moment: datetime, zones: tuple[str, ...], now: datetime | None) -> str:
    """`moment` on the callee's clock: "21:00", with the weekday when it is not today there ("08:00 Tue"), and the
    zone when the callee may be in several."""
    if not zones:
        return f"{moment:%a %H:%M} UTC"
    (zone, local), *_ = hours.local_times(zones[:1], moment)
    _zone, today = hours.local_times(zones[:1], now or moment)[0]
    text = f"{local:%H:%M}" if local.date() == today.date() else f"{local:%H:%M %a}"
    return f"{text} ({zone})" if len(zones) > 1 else text
