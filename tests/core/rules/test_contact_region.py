"""The contact's address region (schema 10): read from import files, stored, and mapped from area codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from c2c_desktop.core.contacts_io import merge_contacts
from c2c_desktop.core.importers import read_contacts_bytes
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import parse_number
from c2c_desktop.core.rules.hours import whereabouts
from c2c_desktop.core.rules.regions import (
    SUBDIVISION_ZONES,
    RegionError,
    normalise_region,
)
from c2c_desktop.core.store import MIGRATIONS, Store, migrate, schema_version


@pytest.mark.parametrize(
    ("state", "country", "expected"),
    [
        ("FL", "", "US-FL"),
        ("Florida", "United States", "US-FL"),
        (" florida ", "USA", "US-FL"),
        ("ON", "Canada", "CA-ON"),
        ("Québec", "", "CA-QC"),
        ("British Columbia", "CA", "CA-BC"),
        ("CA", "US", "US-CA"),
        ("", "DE", "DE"),
        ("Bayern", "DE", "DE"),
        ("", "", ""),
        ("us-wa", "", "US-WA"),
    ],
)
def test_an_address_region_is_read(state: str, country: str, expected: str) -> None:
    assert normalise_region(state, country) == expected


@pytest.mark.parametrize(
    ("state", "country", "says"),
    [
        ("Narnia", "", "unknown state or province 'Narnia'"),
        ("Ontario", "US", "is not in US"),
        ("", "Atlantis", "country"),
    ],
)
def test_an_unknown_region_is_refused_with_a_reason(state: str, country: str, says: str) -> None:
    with pytest.raises(RegionError, match=says):
        normalise_region(state, country)


def test_the_area_code_gives_the_state() -> None:
    sample = {
        "+13055550100": ("US-FL",),
        "+12125550100": ("US-NY",),
        "+12065550100": ("US-WA",),
        "+12025550100": ("US-DC",),
        "+18504325555": ("US-FL",),  # Pensacola: Central time, still Florida
        "+14165550100": ("CA-ON",),
        "+16135550100": ("CA-ON",),
        "+18005550100": (),  # toll-free: no place
        "+18765550100": (),  # Jamaica: another NANP country
    }
    for e164, expected in sample.items():
        assert whereabouts(parse_number(e164)).subdivisions == expected, e164
    assert all(zone for zones in SUBDIVISION_ZONES.values() for zone in zones)


GOOGLE = (
    "Name,Phone 1 - Type,Phone 1 - Value,Address 1 - Region,Address 1 - Country\n"
    "Ada,Mobile,+1 305 555 0100,FL,United States\n"
    "Bo,Mobile,+1 416 555 0100,Ontario,Canada\n"
    "Cy,Mobile,+1 212 555 0100,Narnia,\n"
    "Di,Mobile,+49 30 1234567,,Germany\n"
    "Eve,Mobile,+49 30 1234568,,Atlantis\n"
)
OUTLOOK = (
    "First Name,Last Name,Job Title,Mobile Phone,Business State,Business Country/Region\n"
    "Ed,Ng,Buyer,(206) 555-0100,WA,United States\n"
)
GENERIC = "name,phone,state\nFay,(601) 555-0100,Mississippi\nGus,(312) 555-0100,\n"


def test_importers_read_the_address_region_and_note_an_unknown_one() -> None:
    google = read_contacts_bytes(GOOGLE.encode(), filename_hint="google.csv")
    assert [c.region_code for c in google.contacts] == ["US-FL", "CA-ON", "", "DE", ""]
    reasons = [(p.location, p.reason, p.skipped) for p in google.problems]
    assert ("row 4", "unknown state or province 'Narnia'; the address region was left empty", False) in reasons
    assert any("unknown country 'Atlantis'" in reason for _, reason, _ in reasons)
    outlook = read_contacts_bytes(OUTLOOK.encode(), filename_hint="outlook.csv")
    assert [c.region_code for c in outlook.contacts] == ["US-WA"]
    generic = read_contacts_bytes(GENERIC.encode(), filename_hint="leads.csv")
    assert [c.region_code for c in generic.contacts] == ["US-MS", ""]
    assert generic.problems == []


def test_the_region_is_stored_updated_merged_and_kept_by_a_bulk_add(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite3") as store:
        added = store.add_contact(Contact(None, "Ada", phones=(PhoneEntry("+13055550100"),), region_code="US-FL"))
        assert store.get_contact(added.id or 0).region_code == "US-FL"  # type: ignore[union-attr]
        store.update_contact(Contact(added.id, "Ada", phones=added.phones, region_code="US-GA"))
        assert store.get_contact(added.id or 0).region_code == "US-GA"  # type: ignore[union-attr]
        many = [
            Contact(None, f"P{i}", phones=(PhoneEntry(f"+1312555{i:04d}"),), region_code="US-IL") for i in range(300)
        ]
        store.add_contacts(many)
        assert {c.region_code for c in store.list_contacts() if c.name.startswith("P")} == {"US-IL"}
    merged = merge_contacts(Contact(1, "Ada"), Contact(None, "Ada", region_code="US-FL"))
    assert merged.region_code == "US-FL"
    assert (
        merge_contacts(Contact(1, "Ada", region_code="US-GA"), Contact(None, "Ada", region_code="US-FL")).region_code
        == "US-GA"
    )


def test_migration_10_gives_existing_contacts_an_empty_region(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=len(MIGRATIONS) - 1)
    conn.execute("INSERT INTO contacts (id, name, sort_key) VALUES (1, 'Old', 'old')")
    conn.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS) and store.get_contact(1).region_code == ""  # type: ignore[union-attr]
    conn = sqlite3.connect(path)
    assert schema_version(conn) == len(MIGRATIONS)
    conn.close()
