"""The shipped demo data: ~50 sample contacts whose numbers all parse, both stand-in outcomes represented."""

from __future__ import annotations

import configparser
import json
from importlib import resources
from pathlib import Path

from c2c_desktop.core.demo import demo_contacts_text, load_demo_contacts
from c2c_desktop.core.phone import digits_of, digits_to_dial, parse_number

NO_ANSWER_DIGITS = "789"  # the stand-in's rule: No Answer when phone_to_call ends in 7, 8 or 9


def test_about_fifty_contacts_with_primary_numbers() -> None:
    contacts = load_demo_contacts()
    assert 45 <= len(contacts) <= 60
    assert all(contact.id is None and contact.name and contact.company for contact in contacts)
    assert len({contact.name for contact in contacts}) == len(contacts)
    assert all(1 <= len(contact.phones) <= 3 for contact in contacts)
    assert all(contact.primary_phone is contact.phones[0] and contact.phones[0].primary for contact in contacts)
    assert sum(bool(contact.notes) for contact in contacts) >= 10


def test_every_number_parses_and_is_pinned() -> None:
    for contact in load_demo_contacts():
        for phone in contact.phones:
            assert phone.label
            assert phone.e164 == parse_number(phone.number).e164, phone
            dial = digits_to_dial(phone, "US")
            assert len(dial) == 10  # North American numbers, sent as their 10 digits
            assert dial[3:7] == "5550" and 100 <= int(dial[6:]) <= 199  # fictional 555-01xx only


def test_both_answer_rules_are_represented() -> None:
    primaries = [contact.primary_phone for contact in load_demo_contacts()]
    no_answer = sum(1 for phone in primaries if phone is not None and phone.e164[-1] in NO_ANSWER_DIGITS)
    share = no_answer / len(primaries)
    assert 0.25 <= share <= 0.42  # roughly a third do not answer


def test_numbers_come_in_various_formats() -> None:
    data = json.loads(demo_contacts_text())
    numbers = [phone["number"] for contact in data["contacts"] for phone in contact["phones"]]
    assert any(number.startswith("(") for number in numbers)
    assert any(number.startswith("+1") for number in numbers)
    assert any("." in number for number in numbers)
    assert any(number.count("-") == 2 and not number.startswith(("(", "+")) for number in numbers)
    assert any("ext." in number for number in numbers)
    assert len({digits_of(number)[-10:-7] for number in numbers}) >= 20  # many area codes


def test_numbers_are_pinned_to_north_america_and_dialled_from_the_region() -> None:
    phone = load_demo_contacts()[0].phones[0]
    assert phone.e164 == "+12125550142"
    assert digits_to_dial(phone, "GB") == "0012125550142"  # from GB, the US number is dialed internationally
    assert digits_to_dial(phone, "US") == "2125550142"


def test_desktop_entry_handles_tel_links() -> None:
    text = (resources.files("c2c_desktop") / "resources" / "c2c-desktop.desktop").read_text(encoding="utf-8")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    entry = parser["Desktop Entry"]
    assert entry["Exec"] == "c2c-desktop %u"
    assert entry["MimeType"] == "x-scheme-handler/tel;x-scheme-handler/callto;"
    assert entry["Type"] == "Application"
    assert (resources.files("c2c_desktop") / "resources" / "icons" / f"{entry['Icon']}.svg").is_file()


def test_the_demo_list_holds_sample_contacts_that_a_session_can_call(tmp_path: Path) -> None:
    from c2c_desktop.core.calllists import ItemState, StoreCallLists
    from c2c_desktop.core.demo import DEMO_LIST_NAME, DEMO_LIST_SIZE, add_demo_list
    from c2c_desktop.core.store import Store

    with Store(tmp_path / "demo.sqlite3") as store:
        store.add_contacts(load_demo_contacts())
        add_demo_list(store)
        lists = StoreCallLists(store)
        items = lists.items(lists.require_list(DEMO_LIST_NAME).id)
        by_id = {contact.id: contact for contact in store.list_contacts()}
    assert len(items) == DEMO_LIST_SIZE
    assert all(item.state is ItemState.READY for item in items)
    for item in items:
        contact = by_id[item.contact_id]
        assert contact.primary_phone is not None and item.e164 == contact.primary_phone.e164
