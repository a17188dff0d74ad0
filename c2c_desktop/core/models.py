"""Plain data shared by the core modules, the CLI and the GUI. No behaviour beyond formatting."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Outcome(enum.StrEnum):
    """The five honest outcomes of one call attempt."""

    CONNECTED = "connected"  # body was exactly "Call Connected"
    NO_ANSWER = "no_answer"  # body was exactly "No Answer"
    NOT_SENT = "not_sent"  # the request never left (validation, keys, DNS, refused, connect timeout, TLS)
    REJECTED = "rejected"  # the service answered with an error (401/403/400/404/429, known error body)
    UNKNOWN = "unknown"  # the request may have gone out; the phone may be ringing


class CallState(enum.StrEnum):
    """Lifecycle of a journal row."""

    PLACING = "placing"  # written before the request is sent
    DONE = "done"  # the outcome is known to the app (which may be Outcome.UNKNOWN)


#: The exit code of `c2c-desktop call` for each outcome.
EXIT_CODES: dict[Outcome, int] = {
    Outcome.CONNECTED: 0,
    Outcome.NO_ANSWER: 1,
    Outcome.NOT_SENT: 2,
    Outcome.UNKNOWN: 3,
    Outcome.REJECTED: 4,
}


class CallType(enum.IntEnum):
    """The service's `type` parameter: who is rung first."""

    PROSPECT_FIRST = 1  # call phone_to_call first
    AGENT_FIRST = 2  # call id (the agent's own phone) first


@dataclass(frozen=True)
class Credentials:
    """The access key pair. The secret never shows in repr()."""

    access_key: str
    secret_access_key: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(access_key={self.access_key!r}, secret_access_key=<hidden>)"


@dataclass(frozen=True)
class CallRequest:
    """One click-to-call, with every number already in the unformatted form the service wants."""

    agent_number: str  # the service's `id`
    phone_to_call: str
    call_type: int = int(CallType.AGENT_FIRST)
    ref: str | None = None
    page: str | None = None
    first_callerid: str | None = None
    second_callerid: str | None = None


@dataclass(frozen=True)
class CallResult:
    """What one attempt produced. `message` is short, plain and safe to show; `excerpt` is a redacted bit of body."""

    outcome: Outcome
    message: str
    excerpt: str | None = None
    http_status: int | None = None
    elapsed_s: float = 0.0  # from sending the request to the first-leg resolution (or failure)


@dataclass(frozen=True)
class PhoneEntry:
    """One labelled number of a contact.

    `number` is the text as entered (kept for search and export). `e164` is the number in international form
    ("+15055550104"), fixed once when the number entered the app, read in the region in force then: what is dialled
    and shown is worked out from it, so a later change of the default region never makes it another number. "" when
    the number could not be read (it is then read from `number` at call time, and refused there).
    """

    number: str
    label: str = ""
    e164: str = ""
    primary: bool = False

    @property
    def pinned(self) -> str:
        """The text to read to call or show this number: its international form where known, else as entered."""
        return self.e164 or self.number


@dataclass(frozen=True)
class Contact:
    id: int | None
    name: str
    company: str = ""
    title: str = ""
    phones: tuple[PhoneEntry, ...] = ()
    notes: str = ""
    #: The address's state or province as ISO 3166-2 ("US-FL", "CA-ON"), or its country ("DE"); "" when unknown.
    #: The calling rules read it (core/rules): the callee's time zones and the state rules that apply.
    region_code: str = ""

    @property
    def primary_phone(self) -> PhoneEntry | None:
        for phone in self.phones:
            if phone.primary:
                return phone
        return self.phones[0] if self.phones else None


@dataclass(frozen=True)
class JournalEntry:
    """One row of the call journal."""

    id: int
    ref: str
    started_at: str  # ISO 8601 UTC, when the row was written (just before sending)
    number: str  # the unformatted number sent as phone_to_call
    display_number: str
    agent_number: str
    call_type: int
    state: CallState
    outcome: Outcome | None
    message: str
    contact_id: int | None = None
    contact_name: str = ""
    page: str | None = None
    finished_at: str | None = None
    resolution_s: float | None = None  # time to first-leg resolution
    http_status: int | None = None
    excerpt: str | None = None
    disposition: str | None = None
    note: str = ""
    reconciled_outcome: Outcome | None = None
    #: The number called in international form ("+12125550142"), so that a redial reads the same number whatever the
    #: default region is by then; "" for rows from before this was kept.
    e164: str = ""
    #: The caller ID the prospect was shown, as the digits sent ("" when none was sent: the service's own).
    caller_id: str = ""

    @property
    def may_still_be_ringing(self) -> bool:
        """Still placing, or ended unknown and not settled by the agent since: calling again may ring twice."""
        return self.state is CallState.PLACING or (self.reconciled_outcome or self.outcome) is Outcome.UNKNOWN
