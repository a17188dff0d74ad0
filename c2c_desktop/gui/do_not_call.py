"""Putting numbers on the internal do-not-call list from the window, and taking them off: the "Do not call"
disposition (in the same store transaction as the disposition itself) and the contact actions. GUI thread only.

The guard reads the internal list straight from the store on every dial, so an entry made here refuses the very next
call: there is no cache to bring up to date. Every change is written to the audit log in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from c2c_desktop.core.models import Contact, JournalEntry
from c2c_desktop.core.store import Store

#: The disposition that puts the call's number on the internal do-not-call list (always offered by the strip).
DO_NOT_CALL = "Do not call"


def is_do_not_call(disposition: str | None) -> bool:
    """True for the "Do not call" disposition, however it was typed."""
    return disposition is not None and " ".join(disposition.split()).casefold() == DO_NOT_CALL.casefold()


def save_disposition(store: Store, entry: JournalEntry, disposition: str | None, note: str, agent_number: str) -> bool:
    """Write a call's disposition and note; for "Do not call" also put the call's number on the internal list, in the
    same transaction (both or neither). True when the number was newly put on the list.

    Raises StoreError (not written) or DncError (the call's number is not known in international form: not written).
    """
    if not is_do_not_call(disposition):
        store.set_disposition(entry.id, disposition, note)
        return False
    from c2c_desktop.core.rules import dnc
    from c2c_desktop.core.rules.audit import StoreAuditLog

    if not entry.e164:
        raise dnc.DncError("this call's number is not known in international form; add it with c2c-desktop dnc add")
    reason = note or f"disposition “{DO_NOT_CALL}” after the call of {entry.started_at[:16].replace('T', ' ')}"
    with store.transaction():
        store.set_disposition(entry.id, disposition, note)
        return dnc.add_internal(store, entry.e164, reason, agent_number=agent_number, audit=StoreAuditLog(store))


def contact_numbers(contact: Contact) -> list[str]:
    """The contact's numbers in international form, each once (numbers never read into that form are left out)."""
    return list(dict.fromkeys(phone.e164 for phone in contact.phones if phone.e164))


@dataclass(frozen=True)
class ListChange:
    changed: tuple[str, ...]  # numbers added (or removed)
    unchanged: tuple[str, ...]  # already on the list (or not on the internal list)


def mark_contact(store: Store, contact: Contact, reason: str, agent_number: str) -> ListChange:
    """Put every number of `contact` on the internal list, in one transaction (each addition audited)."""
    from c2c_desktop.core.rules import dnc
    from c2c_desktop.core.rules.audit import StoreAuditLog

    audit = StoreAuditLog(store)
    added: list[str] = []
    already: list[str] = []
    with store.transaction():
        for e164 in contact_numbers(contact):
            is_new = dnc.add_internal(store, e164, reason, agent_number=agent_number, audit=audit)
            (added if is_new else already).append(e164)
    return ListChange(tuple(added), tuple(already))


def internal_numbers_of(store: Store, contact: Contact) -> list[str]:
    """The numbers of `contact` that are on the internal list."""
    from c2c_desktop.core.rules import dnc

    registry = dnc.DncRegistry(store)
    return [e164 for e164 in contact_numbers(contact) if any(item.internal for item in registry.listings(e164))]


def on_the_team_list(store: Store, numbers: tuple[str, ...]) -> list[str]:
    """Those of `numbers` on the team's do-not-call list as last pulled (taken off there only by a team manager)."""
    from c2c_desktop.core.rules import dnc

    registry = dnc.DncRegistry(store)
    return [
        e164 for e164 in numbers if dnc.TEAM_LIST_NAME in [listing.list_name for listing in registry.listings(e164)]
    ]


def unmark_contact(store: Store, contact: Contact, reason: str, agent_number: str) -> ListChange:
    """Take the numbers of `contact` off the internal list, in one transaction (each removal audited). Numbers on an
    imported list stay there: those change only by importing a newer list."""
    from c2c_desktop.core.rules import dnc
    from c2c_desktop.core.rules.audit import StoreAuditLog

    audit = StoreAuditLog(store)
    listed = internal_numbers_of(store, contact)
    with store.transaction():
        for e164 in listed:
            dnc.remove_internal(store, e164, reason, agent_number=agent_number, audit=audit)
    others = tuple(e164 for e164 in contact_numbers(contact) if e164 not in listed)
    return ListChange(tuple(listed), others)
