"""A number gets its country once, when it enters; the default region only decides how it is dialled from here.

Before, stored numbers were read again in the current region at every call: after Settings → region GB, a contact
imported as "(505) 555-0104" under US was sent as 05055550104, a UK number, and the agent's own phone too.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

from c2c_desktop.core import config
from c2c_desktop.core.contacts_io import contacts_json, export_contacts, import_file
from c2c_desktop.core.dialer import prepare_call
from c2c_desktop.core.importers import read_contacts_file
from c2c_desktop.core.models import Contact, Credentials, PhoneEntry
from c2c_desktop.core.phone import digits_to_dial, number_to_call, written_for
from c2c_desktop.core.store import Store, migrate
from tests.rules_support import business_guard

KEYS = Credentials("ak", "sk")


def _us_import(tmp_path: Path, store: Store) -> Contact:
    path = tmp_path / "leads.csv"
    path.write_text("Name,Phone\nAna Ruiz,(505) 555-0104 ext. 12\n", encoding="utf-8")
    import_file(store, path, region="US")
    (contact,) = store.list_contacts()
    return contact


def test_a_region_change_does_not_retarget_stored_contacts(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        contact = _us_import(tmp_path, store)
    phone = contact.phones[0]
    assert (phone.number, phone.e164) == ("(505) 555-0104 ext. 12", "+15055550104")

    settings = config.with_value(config.Settings(region="US"), "agent_number", "(555) 010-0100")
    settings = config.with_value(settings, "region", "GB")
    prepared = prepare_call(phone, settings, KEYS, contact=contact, guard=business_guard(settings))
    # From GB, the US number is dialled internationally (00 1 …), never as the UK number 05055550104.
    assert prepared.request.phone_to_call == "0015055550104"
    assert prepared.request.agent_number == "0015550100100"
    assert prepared.e164 == "+15055550104" and prepared.display_number == "+1 505-555-0104"
    assert "ask for extension 12" in " ".join(prepared.warnings)  # the extension survives the pinning


def test_the_window_the_cli_and_the_journal_read_the_same_digits(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        contact = _us_import(tmp_path, store)
    phone = contact.phones[0]
    for region in ("US", "GB", "DE", "CA"):
        settings = config.Settings(region=region, agent_number="+15550100100")
        sent = prepare_call(
            phone, settings, KEYS, contact=contact, guard=business_guard(settings)
        ).request.phone_to_call
        listed = contacts_json([contact], region)[0]["phones"]
        assert isinstance(listed, list)
        assert sent == digits_to_dial(phone, region) == number_to_call(phone, region).dial == listed[0]["dial"]


def test_typed_text_is_still_read_in_the_current_region() -> None:
    settings = config.Settings(region="GB", agent_number="+15550100100")
    assert (
        prepare_call("020 7946 0018", settings, KEYS, guard=business_guard(settings)).request.phone_to_call
        == "02079460018"
    )


def test_an_import_with_its_own_region_pins_to_that_country(tmp_path: Path) -> None:
    path = tmp_path / "fr.csv"
    path.write_text("Name,Phone\nRenée,01 42 68 53 00\n", encoding="utf-8")
    (contact,) = read_contacts_file(path, region="FR").contacts
    assert contact.phones[0].e164 == "+33142685300"
    assert digits_to_dial(contact.phones[0], "US") == "01133142685300"
    assert digits_to_dial(contact.phones[0], "FR") == "0142685300"


def test_settings_numbers_are_pinned_when_set_and_when_an_old_file_is_read(tmp_path: Path) -> None:
    settings = config.with_value(config.Settings(region="US"), "agent_number", "(555) 010-0100")
    assert settings.agent_number == "+15550100100"
    assert config.with_value(settings, "region", "GB").agent_number == "+15550100100"
    # A file written by an older version keeps numbers as typed: read in the file's own region, whatever the order.
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"second_callerid": "(505) 555-0199", "region": "US"}), encoding="utf-8")
    assert config.load_settings(path).second_callerid == "+15055550199"
    # A value that is no usable number is kept as typed: a call refuses it, naming the setting.
    assert config.with_value(settings, "first_callerid", "garbage").first_callerid == "garbage"


def test_the_upgrade_pins_stored_numbers_in_the_region_in_force(tmp_path: Path) -> None:
    path = tmp_path / "v6.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, target=6) == 6
        conn.execute("INSERT INTO contacts (id, name, sort_key) VALUES (1, 'Ana Ruiz', 'ana ruiz')")
        conn.execute(
            "INSERT INTO phones (contact_id, position, number, dial, is_primary) VALUES "
            "(1, 0, '(505) 555-0104', '5055550104', 1), (1, 1, '+44 20 7946 0018', '011442079460018', 0), "
            "(1, 2, 'call me maybe', '', 0)"
        )
        conn.execute(
            "INSERT INTO calls (ref, started_at, number, agent_number, call_type, state, outcome, message) "
            "VALUES ('old', '2026-01-02T03:04:05.006Z', '011442079460018', '5550100100', 2, 'done', 'connected', '')"
        )
    finally:
        conn.close()
    with Store(path, region="US") as store:
        contact = store.get_contact(1)
        assert contact is not None
        assert [phone.e164 for phone in contact.phones] == ["+15055550104", "+442079460018", ""]
        (call,) = store.list_calls()
        assert call.e164 == "+442079460018"
        assert [c.name for c in store.find_contacts_by_e164("+15055550104")] == ["Ana Ruiz"]


def test_export_after_a_region_change_writes_what_the_app_calls(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        _us_import(tmp_path, store)
        target = tmp_path / "out.csv"
        export_contacts(store, target, region="GB")
        text = target.read_text(encoding="utf-8")
        assert "+1 505-555-0104 ext. 12" in text and "(505) 555-0104" not in text
        # Read back in GB, the file means the same number.
        (again,) = read_contacts_file(target, region="GB").contacts
        assert again.phones[0].e164 == "+15055550104"
        export_contacts(store, target, region="US")
        assert "(505) 555-0104 ext. 12" in target.read_text(encoding="utf-8")  # at home: as entered


def test_written_for_keeps_the_text_where_it_reads_the_same() -> None:
    phone = PhoneEntry("(505) 555-0104", e164="+15055550104")
    assert written_for(phone, "US") == "(505) 555-0104"
    assert written_for(phone, "GB") == "+1 505-555-0104"
    assert written_for(dataclasses.replace(phone, e164=""), "GB") == "(505) 555-0104"  # unreadable: as entered
