"""The sample contacts of demo mode, shipped as c2c_desktop/resources/demo_contacts.json.

All numbers are fictional (the reserved 555-01xx range). The stand-in service answers "No Answer" when the last digit
of the number is 7, 8 or 9, so about a third of the primary numbers end in those digits and both outcomes are seen.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import PhoneError, parse_number

if TYPE_CHECKING:
    from c2c_desktop.core.store import Store

DEMO_CONTACTS_RESOURCE = "demo_contacts.json"
#: The sample numbers are North American, written as people there write them (mostly without +1).
DEMO_NUMBERS_REGION = "US"
#: The call list the demo starts with, so that a calling session (Ctrl+Shift+L) can be tried at once.
DEMO_LIST_NAME = "Demo prospects"
DEMO_LIST_SIZE = 20


def _phone_entry(raw: dict[str, Any], primary: bool) -> PhoneEntry:
    number = str(raw["number"])
    try:
        e164 = parse_number(number, DEMO_NUMBERS_REGION).e164  # read where the numbers were written
    except PhoneError:
        e164 = ""  # kept visible; calling it explains what is wrong
    return PhoneEntry(number=number, label=str(raw.get("label", "")), e164=e164, primary=primary)


def _contact(raw: dict[str, Any]) -> Contact:
    phones = tuple(_phone_entry(phone, index == 0) for index, phone in enumerate(raw.get("phones", ())))
    return Contact(
        id=None,
        name=str(raw["name"]),
        company=str(raw.get("company", "")),
        title=str(raw.get("title", "")),
        phones=phones,
        notes=str(raw.get("notes", "")),
    )


def demo_contacts_text() -> str:
    """The raw JSON of the shipped sample contacts."""
    resource = resources.files("c2c_desktop") / "resources" / DEMO_CONTACTS_RESOURCE
    return resource.read_text(encoding="utf-8")


def load_demo_contacts() -> list[Contact]:
    """The ~50 sample contacts (id None, first number primary), their numbers pinned to North America."""
    data = json.loads(demo_contacts_text())
    return [_contact(raw) for raw in data["contacts"]]


def add_demo_list(store: Store) -> None:
    """The demo's call list: the first `DEMO_LIST_SIZE` sample contacts (stored already), by name, each with its first
    number."""
    from c2c_desktop.core.calllists import NewItem, StoreCallLists

    lists = StoreCallLists(store)
    made = lists.create_list(DEMO_LIST_NAME)
    items = [
        NewItem(contact.primary_phone.e164, contact.id, contact.name)
        for contact in store.list_contacts()[:DEMO_LIST_SIZE]
        if contact.primary_phone is not None and contact.primary_phone.e164
    ]
    lists.add_items(made.id, items)
