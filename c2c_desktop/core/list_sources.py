"""Where a call list's items come from: a search, a selection of contacts, a contact file, the call journal, numbers
typed by hand. Each gives `NewItem`s in order; `CallListStore.add_items` keeps each contact or number once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from c2c_desktop.core.calllists import AddReport, CallList, CallListStore, ListError, NewItem
from c2c_desktop.core.contacts_io import DuplicatePolicy, ImportSummary, apply_import, plan_import, same_person
from c2c_desktop.core.models import Contact, JournalEntry
from c2c_desktop.core.phone import PhoneError, parse_number
from c2c_desktop.core.store import Store


def item_of(contact: Contact) -> NewItem | None:
    """A contact as an item: its primary number (None when it has no number that can be called)."""
    phone = contact.primary_phone
    if phone is None or not phone.e164:
        return None
    return NewItem(phone.e164, contact.id, contact.name)


def from_contact_ids(store: Store, ids: Iterable[int]) -> tuple[list[NewItem], list[str]]:
    """Items for the contacts `ids` in that order, and a line for each that cannot be added."""
    items: list[NewItem] = []
    problems: list[str] = []
    for contact_id in ids:
        contact = store.get_contact(contact_id)
        if contact is None:
            problems.append(f"no contact with id {contact_id}")
            continue
        item = item_of(contact)
        if item is None:
            problems.append(f"{contact.name} has no number that can be called")
        else:
            items.append(item)
    return items, problems


def from_search(store: Store, text: str) -> tuple[list[NewItem], list[str]]:
    """Items for the contacts the contact list's search finds for `text`, in the list's order."""
    from c2c_desktop.core.search import ContactIndex

    rows = store.contact_rows()
    positions = ContactIndex(rows).search(text)
    return from_contact_ids(store, [rows.ids[position] for position in positions])


def from_numbers(store: Store, texts: Iterable[str], region: str) -> tuple[list[NewItem], list[str]]:
    """Items for numbers typed by hand: a number a contact has becomes that contact (the first by name)."""
    items: list[NewItem] = []
    problems: list[str] = []
    for text in texts:
        try:
            e164 = parse_number(text, region).e164
        except PhoneError as exc:
            problems.append(f"{text}: {exc}")
            continue
        owners = store.find_contacts_by_e164(e164)
        items.append(NewItem(e164, owners[0].id, owners[0].name) if owners else NewItem(e164))
    return items, problems


def from_calls(entries: Iterable[JournalEntry]) -> list[NewItem]:
    """Items for the calls of a History filter (e.g. yesterday's No answer calls), newest first as given."""
    return [NewItem(entry.e164, entry.contact_id, entry.contact_name) for entry in entries if entry.e164]


def into_list(
    store: Store,
    lists: CallListStore,
    name: str,
    items: Iterable[NewItem],
    *,
    list_id: int | None = None,
    existing_ok: bool = False,
) -> tuple[CallList, AddReport]:
    """Make list `name` and put `items` in it, in one transaction (nothing made on a failure); or add them to list
    `list_id`, or to the list of that name when it exists and `existing_ok`. Each contact or number is kept once:
    the repeats are in the report."""
    with store.transaction():
        if list_id is not None:
            made = next((each for each in lists.all_lists() if each.id == list_id), None)
            if made is None:
                raise ListError("that list was deleted meanwhile")
        else:
            found = lists.find_list(name) if existing_ok else None
            made = found if found is not None else lists.create_list(name)
        report = lists.add_items(made.id, items)
    return made, report


def from_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    region: str,
    dial_region: str | None = None,
    policy: DuplicatePolicy = DuplicatePolicy.MERGE,
) -> tuple[list[NewItem], ImportSummary]:
    """Import a contact file (as `contacts import`; `policy`: what to do with known people) and give its contacts as
    items, in file order. Raises ContactFileError (nothing imported) for a file that cannot be read, e.g. one without
    a phone column."""
    from c2c_desktop.core.contacts_io import dialled_from
    from c2c_desktop.core.importers import read_contacts_file

    read = read_contacts_file(Path(path), region=region)
    if dial_region is not None and dial_region.strip().upper() != region.strip().upper():
        read = dialled_from(read, region, dial_region)
    summary = apply_import(store, plan_import(store, read), policy, file_name=Path(path).name)
    items: list[NewItem] = []
    for contact in read.contacts:
        phone = contact.primary_phone
        if phone is None or not phone.e164:
            continue
        owners = store.find_contacts_by_e164(phone.e164)
        stored = next((owner for owner in owners if same_person(contact, owner)), owners[0] if owners else None)
        items.append(NewItem(phone.e164, stored.id, stored.name) if stored else NewItem(phone.e164, None, contact.name))
    return items, summary
