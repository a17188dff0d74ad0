"""One call from intent to journal, shared by the CLI and the GUI.

The steps are separate so the GUI can run the network part on its worker thread:
  prepare_call()   -> validate and normalise everything (pure, fast; raises NotSentError)
  Store.begin_call -> the journal row, committed BEFORE anything is sent
  client.place_call -> exactly one HTTP attempt (never raises)
  Store.finish_call -> the outcome
`place_call_now()` runs all four in order for the CLI.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from c2c_desktop.core.api import ClickToCallClient, validate_request
from c2c_desktop.core.config import Settings
from c2c_desktop.core.models import (
    CallRequest,
    CallResult,
    CallType,
    Contact,
    Credentials,
    JournalEntry,
    Outcome,
    PhoneEntry,
)
from c2c_desktop.core.phone import DialNumber, PhoneError, display_number, number_to_call
from c2c_desktop.core.rules.caller_id import CallerIdUsage, choose_caller_id
from c2c_desktop.core.rules.guard import CallGuard
from c2c_desktop.core.rules.model import Clearance, Refusal
from c2c_desktop.core.store import Store


class NotSentError(Exception):
    """The call was refused before anything was sent; str() is the message for the agent."""


class CallRefused(NotSentError):
    """The calling rules refused the call (hours, do-not-call list, attempt cap, broken rules file)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"Not sent: {refusal.reason}")
        self.refusal = refusal


@dataclass(frozen=True)
class CallOverrides:
    """Per-call values that replace the configured ones (CLI options)."""

    agent_number: str | None = None
    call_type: int | None = None
    ref: str | None = None
    page: str | None = None
    first_callerid: str | None = None
    second_callerid: str | None = None


@dataclass(frozen=True)
class PreparedCall:
    request: CallRequest
    display_number: str
    agent_display: str
    e164: str = ""  # the number called in international form (kept in the journal for redials)
    contact_id: int | None = None
    contact_name: str = ""
    warnings: tuple[str, ...] = field(default=())
    #: The caller ID the prospect is shown, formatted ("(305) 555-0100"; "" for the service's own), and why (see
    #: core/rules/caller_id.py: "same area code", "default", …; "" when no pool is set and nothing chosen).
    shown_caller_id: str = ""
    caller_id_reason: str = ""
    #: What the calling rules said (local time, the window that applied, an override); None only when built by hand.
    clearance: Clearance | None = None

    @property
    def label(self) -> str:
        """Who is being called, for the status line."""
        return self.contact_name or self.display_number

    @property
    def caller_id_note(self) -> str:
        """ "shown as (305) 555-0100, same area code" for the status line; "" when there is nothing to explain."""
        if not self.caller_id_reason or not self.shown_caller_id:
            return ""
        return f"shown as {self.shown_caller_id}, {self.caller_id_reason}"


def _normalise(target: str | PhoneEntry, what: str, region: str) -> DialNumber:
    try:
        return number_to_call(target, region)
    except PhoneError as exc:
        raise NotSentError(f"Not sent: {what} — {exc}") from None


def prepare_call(
    target: str | PhoneEntry,
    settings: Settings,
    credentials: Credentials | None,
    *,
    contact: Contact | None = None,
    overrides: CallOverrides | None = None,
    guard: CallGuard,
    override_hours: str | None = None,
    automatic: bool = False,
    caller_id_choice: str | None = None,
    caller_id_usage: CallerIdUsage | None = None,
) -> PreparedCall:
    """Validate and normalise one call, and ask the calling rules; raises NotSentError with a plain message
    (CallRefused when the rules refuse). Touches no network; the guard reads the journal (attempt caps) and writes
    its audit log.

    `target`: a contact's number (called as the number it was pinned to) or text typed now (read in the region).
    `override_hours`: the agent's reason for calling outside the callee's hours (manual dials only).
    `caller_id_choice`: a caller ID chosen for this call (replaces the pool's pick; an override of the prospect's
    leg still wins); `caller_id_usage`: the journal's count of each pool number shown today (one indexed query).
    """
    overrides = overrides or CallOverrides()
    region = settings.region
    agent_text = overrides.agent_number if overrides.agent_number is not None else settings.agent_number
    if not agent_text.strip():
        raise NotSentError(
            "Not sent: your own phone number is not set (c2c-desktop config set agent_number NUMBER, or Settings)"
        )
    warnings: list[str] = []
    number = _normalise(target, "the number to call", region)
    dial, display = number.dial, number.display
    if number.warning:
        warnings.append(f"{display}: {number.warning}")
    if number.extension:  # the service has no way to dial one: say so, rather than let the agent wait for it
        warnings.append(f"the service rings the main number; ask for extension {number.extension}")
    # The agent's own number is checked (and any warning shown) where it is set, in Settings; not on every call.
    agent = _normalise(agent_text, "your own phone number", region)
    agent_dial, agent_display = agent.dial, agent.display

    call_type = overrides.call_type if overrides.call_type is not None else settings.call_type
    first_text = overrides.first_callerid if overrides.first_callerid is not None else settings.first_callerid
    second_text = overrides.second_callerid if overrides.second_callerid is not None else settings.second_callerid
    # Local caller ID: the prospect's leg from the pool (core/rules/caller_id.py).
    shown = choose_caller_id(
        number.e164,
        settings,
        call_type,
        given=getattr(overrides, "first_callerid" if call_type == CallType.PROSPECT_FIRST else "second_callerid"),
        chosen=caller_id_choice,
        usage=caller_id_usage,
    )
    if shown.leg == "first_callerid":
        first_text = shown.number
    else:
        second_text = shown.number
    first_callerid = _normalise(first_text, "first caller ID", region).dial if first_text.strip() else None
    second_callerid = _normalise(second_text, "second caller ID", region).dial if second_text.strip() else None
    if first_callerid is None and call_type == CallType.AGENT_FIRST:
        # Show the prospect's number on the agent's phone: the agent sees who is coming (allowed: a dialed number).
        first_callerid = dial
    page = overrides.page if overrides.page is not None else settings.page

    request = CallRequest(
        agent_number=agent_dial,
        phone_to_call=dial,
        call_type=call_type,
        ref=overrides.ref or None,
        page=page or None,
        first_callerid=first_callerid,
        second_callerid=second_callerid,
    )
    problems = validate_request(request, credentials, api_url=settings.api_url)
    if problems:
        raise NotSentError("Not sent: " + "; ".join(problems))
    # Last: a call that would be refused for another reason leaves no refusal in the audit log.
    verdict = guard.check(number, contact=contact, override_hours=override_hours, automatic=automatic)
    if isinstance(verdict, Refusal):
        raise CallRefused(verdict)
    return PreparedCall(
        request=request,
        display_number=display,
        agent_display=agent_display,
        e164=number.e164,
        contact_id=contact.id if contact else None,
        contact_name=contact.name if contact else "",
        warnings=tuple(warnings),
        shown_caller_id=display_number(shown.number, region) if shown.number.strip() else "",
        caller_id_reason=shown.reason,
        clearance=verdict,
    )


def client_for(settings: Settings) -> ClickToCallClient:
    return ClickToCallClient(
        settings.api_url,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        ca_bundle=settings.ca_bundle or None,
    )


def begin(store: Store, prepared: PreparedCall) -> tuple[JournalEntry, CallRequest]:
    """Write the journal row (committed) and return it with the request to send, which carries the row's ref."""
    entry = store.begin_call(
        prepared.request,
        display_number=prepared.display_number,
        contact_id=prepared.contact_id,
        contact_name=prepared.contact_name,
        e164=prepared.e164,
    )
    request = prepared.request
    if request.ref != entry.ref:
        request = dataclasses.replace(request, ref=entry.ref)
    return entry, request


def place_call_now(
    store: Store, client: ClickToCallClient, prepared: PreparedCall, credentials: Credentials
) -> tuple[JournalEntry, CallResult]:
    """Journal row first, then exactly one attempt, then the outcome. For callers without an event loop (the CLI)."""
    entry, request = begin(store, prepared)
    result = client.place_call(request, credentials)
    return store.finish_call(entry.id, result), result


def status_while_ringing(prepared: PreparedCall) -> str:
    """The words shown while the request is pending: whose phone is ringing depends on the call type."""
    note = f" · {prepared.caller_id_note}" if prepared.caller_id_note else ""
    if prepared.request.call_type == CallType.AGENT_FIRST:
        return f"Calling {prepared.label}… ringing your phone {prepared.agent_display}{note}"
    return f"Calling {prepared.label}… ringing {prepared.display_number}{note}"


def describe_outcome(result: CallResult, prepared: PreparedCall) -> str:
    """The agent-facing line for an outcome; the first-leg wording depends on the call type."""
    agent_first = prepared.request.call_type == CallType.AGENT_FIRST
    if result.outcome is Outcome.CONNECTED:
        if agent_first:
            return f"Connected — the service is now calling {prepared.label}"
        return f"Connected — {prepared.label} answered; the service is now calling your phone"
    if result.outcome is Outcome.NO_ANSWER:
        return "No answer on your phone" if agent_first else f"No answer from {prepared.label}"
    return result.message
