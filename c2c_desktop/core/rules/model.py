"""Plain data shared by the calling-rules parts (hours, do-not-call lists, attempts, caller ID, audit log) and the
interfaces through which the guard reads them, so each part can be built and tested on its own."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


class Mode(enum.StrEnum):
    """Which rules apply: consumer calls (all of them) or business-to-business calls (company window and DNC only)."""

    CONSUMER = "consumer"
    BUSINESS = "business"


class Rule(enum.StrEnum):
    """What refused (or let through with an override) a call."""

    HOURS = "hours"  # the callee's local calling hours (legal or company window)
    DNC = "dnc"  # a do-not-call list (internal or imported)
    ATTEMPTS = "attempts"  # a cap on calls per number
    RULES_FILE = "rules-file"  # the rules data file cannot be used: fail closed


@dataclass(frozen=True)
class Refusal:
    """Why a call must not be sent. `reason` is the one line shown after "Not sent: " (plain text)."""

    rule: Rule
    reason: str
    #: Only an hours refusal of a manual dial may be overridden, with a typed reason; never DNC, never automatic dials.
    overridable: bool = False
    #: When the number can next be called (UTC), where that can be said (hours, attempt caps).
    opens_at: datetime | None = None
    #: The rules data version, or the DNC list's name and data date, for the audit log.
    data_version: str = ""


@dataclass(frozen=True)
class Clearance:
    """A call the rules allow, with what the agent should see ("Florida · 14:02", "no built-in rule for DE")."""

    zones: tuple[str, ...] = ()  # IANA zones the callee may be in
    summary: str = ""  # one short line for the status: place, local time, the window that applied
    notes: tuple[str, ...] = field(default=())  # e.g. "calling hours overridden: customer asked for a call now"


@dataclass(frozen=True)
class DncListing:
    """One do-not-call list that has a number."""

    list_name: str  # "Internal" for the internal list
    internal: bool
    data_date: date | None  # the date of the list's data (imported lists); None for the internal list
    stale: bool  # older than the 31 days the registry allows between refreshes
    reason: str = ""  # the reason typed when an internal entry was added


class DncLookup(Protocol):
    """The do-not-call lists as the guard reads them (implemented over the store and the imported list files)."""

    def listings(self, e164: str) -> list[DncListing]:
        """Every list that has the number (international form, "+13125550101"); [] when none has it."""
        ...

    def stale_block(self, e164: str) -> DncListing | None:
        """With the "refuse when a list is stale" setting on: the stale list covering the number's area code."""
        ...


class AttemptLog(Protocol):
    """Calls that may have rung a number (connected, no answer, unknown, still placing), from the journal."""

    def attempts_since(self, e164: str, since: datetime) -> list[datetime]:
        """Start times (UTC) of such calls to the number at or after `since` (UTC), oldest first."""
        ...


class AuditAction(enum.StrEnum):
    REFUSED = "refused"
    OVERRIDDEN = "overridden"
    DNC_ADDED = "dnc-added"
    DNC_REMOVED = "dnc-removed"
    DNC_IMPORTED = "dnc-imported"


@dataclass(frozen=True)
class AuditEvent:
    """One row of the append-only audit log. Never a key or a URL."""

    action: AuditAction
    at: datetime  # UTC
    agent_number: str = ""  # international form
    callee_number: str = ""  # international form
    rule: str = ""  # Rule value, or "" for list operations
    data_version: str = ""  # rules file version, or the DNC list's name and data date
    dnc_list: str = ""
    reason: str = ""  # the refusal's line, or the reason the agent typed (override, DNC add/remove)


class AuditLog(Protocol):
    def record(self, event: AuditEvent) -> None:
        """Append one event: inside the caller's open transaction if there is one (a DNC entry and its audit row
        commit together), else committed before this returns."""
        ...
