"""Import into / export from a real SQLite Store: duplicates by number, merging, one transaction, round trips."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from c2c_desktop.core import contacts_io, importers
from c2c_desktop.core.contacts_io import (
    DuplicatePolicy,
    ImportPlan,
    apply_import,
    duplicates_of,
    export_contacts,
    export_format_for,
    import_file,
    merge_contacts,
    plan_import,
)
from c2c_desktop.core.importers import ContactFileError, read_contacts_bytes, read_contacts_file
from c2c_desktop.core.models import CallRequest, Contact, PhoneEntry
from c2c_desktop.core.store import NothingToUndoError, Store, UndoRefusedError

DATA = Path(__file__).resolve().parents[1] / "data" / "contacts"


def phone(number: str, dial: str, label: str = "", primary: bool = False) -> PhoneEntry:
    return PhoneEntry(number, label, dial, primary)


def csv_bytes(*rows: str) -> bytes:
    return ("Name,Company,Title,Work Phone,Mobile,Notes\n" + "\n".join(rows) + "\n").encode()


def plan_of(store: Store, *rows: str) -> ImportPlan:
    return plan_import(store, read_contacts_bytes(csv_bytes(*rows)))


def store_request(number: str) -> CallRequest:
    return CallRequest(agent_number="+15550100100", phone_to_call=number)


def owners(store: Store, dial: str) -> list[str]:
    return [contact.name for contact in store.find_contacts_by_e164(dial)]


def without_ids(contacts: list[Contact]) -> list[Contact]:
    return sorted(
        (Contact(None, c.name, c.company, c.title, c.phones, c.notes) for c in contacts),
        key=lambda c: (c.name, c.phones[0].e164 if c.phones else ""),
    )


# --- the real sample files ----------------------------------------------------------------------------------------

SAMPLES = {
    # file: (imported, merged, skipped, problems) into an empty address book
    "broken.csv": (5, 0, 4, 6),
    "generic_semicolon.csv": (3, 0, 0, 0),
    "google_current.csv": (4, 0, 0, 0),
    "google_legacy.csv": (4, 0, 0, 0),
    "outlook_cp1252.csv": (3, 0, 0, 0),
    "outlook_utf16.csv": (2, 0, 0, 0),
    "utf8_bom.csv": (3, 0, 0, 0),
    "vcard21.vcf": (3, 0, 1, 1),
    "vcard30_apple.vcf": (2, 0, 1, 1),
    "vcard40.vcf": (2, 0, 0, 1),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_file_imports_and_a_second_import_only_merges(store: Store, name: str) -> None:
    first = import_file(store, DATA / name)
    assert (first.imported, first.merged, first.skipped, len(first.problems)) == SAMPLES[name]
    assert store.contact_count() == first.imported
    before = store.list_contacts()
    again = import_file(store, DATA / name)
    # The same numbers again: everything merges into what is there, nothing is duplicated or changed.
    assert (again.imported, again.merged) == (0, first.imported)
    assert store.list_contacts() == before


@pytest.mark.parametrize("name", ["empty.csv", "no_phone.csv", "not_contacts.png", "does_not_exist.csv"])
def test_unreadable_file_changes_nothing(store: Store, name: str) -> None:
    import_file(store, DATA / "google_current.csv")
    before = store.list_contacts()
    with pytest.raises(ContactFileError):
        import_file(store, DATA / name)
    assert store.list_contacts() == before


# --- duplicates by number -------------------------------------------------------------------------------------------


def test_plan_finds_stored_and_in_file_duplicates_by_dial(store: Store) -> None:
    ada = store.add_contact(Contact(None, "Ada", phones=(phone("(212) 555-0142", "+12125550142", "Work", True),)))
    plan = plan_of(
        store,
        "ADA,AE Ltd,,+1 212.555.0142,,",  # the stored number, written differently (and the same name)
        "Bob,,,(646) 555-0134,,",
        "bob,,,,646-555-0134,",  # Bob's number again, later in the same file
        "Cy,,,(646) 555-0199,,",
    )
    assert [contact.name for contact in plan.new] == ["Bob", "Cy"]
    assert [(c.incoming.name, c.existing.name, c.existing.id, c.shared_e164s, c.location) for c in plan.duplicates] == [
        ("ADA", "Ada", ada.id, ("+12125550142",), "row 2"),
        ("bob", "Bob", None, ("+16465550134",), "row 4"),
    ]
    assert plan.shared == []


def test_the_plan_for_an_empty_address_book_follows_the_general_rules(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With nothing stored, plan_import takes a shorter path; forcing the general one (an owner for a number of
    # nobody in the file) must give the same plan, repeated numbers within one contact included.
    rng = random.Random(3)
    dials = [f"646555{index:04d}" for index in range(40)]
    names = ["Ann", "ANN", "Ben", "Cy", "cy"]
    contacts = [
        Contact(
            None, rng.choice(names), phones=tuple(phone(dial, dial) for dial in rng.choices(dials, k=rng.randint(1, 3)))
        )
        for index in range(300)
    ]
    read = importers.ImportResult(contacts, [], 0, importers.FORMAT_GENERIC)

    def described(plan: ImportPlan) -> list[object]:
        return [
            [c.name for c in plan.new],
            [(c.incoming.name, c.existing.name, c.shared_e164s) for c in plan.duplicates],
            [(c.incoming.name, c.existing.name, c.shared_e164s) for c in plan.shared],
        ]

    short = plan_import(store, read)
    monkeypatch.setattr(contacts_io, "_existing_owners", lambda store, contacts: {"nobody": [Contact(9, "Nobody")]})
    general = plan_import(store, read)
    assert described(short) == described(general)
    assert len(short.duplicates) > 50 and any(len(c.shared_e164s) > 1 for c in short.duplicates)
    assert len(short.shared) > 20


def test_merge_policy_folds_duplicates_and_never_duplicates_a_number(store: Store) -> None:
    store.add_contact(
        Contact(None, "Ada", phones=(phone("(212) 555-0142", "+12125550142", "", True),), notes="met at expo")
    )
    summary = apply_import(
        store,
        plan_of(
            store,
            "ada,Analytical Engines,CTO,212-555-0142,(212) 555-0143,call after 3",
            "Bob,,,(646) 555-0134,,",
            "BOB,Bob Corp,,646-555-0134,(646) 555-0135,second note",
        ),
    )
    assert (summary.imported, summary.merged, summary.skipped) == (1, 2, 0)
    ada, bob = store.list_contacts()
    assert (ada.name, ada.company, ada.title) == ("Ada", "Analytical Engines", "CTO")  # empty fields filled
    assert [(p.e164, p.label, p.primary) for p in ada.phones] == [
        ("+12125550142", "Work", True),  # the empty label is filled in; the primary stays
        ("+12125550143", "Mobile", False),
    ]
    assert ada.notes == "met at expo\ncall after 3"
    assert (bob.name, bob.company, [p.e164 for p in bob.phones]) == (
        "Bob",
        "Bob Corp",
        ["+16465550134", "+16465550135"],
    )
    assert bob.notes == "second note"
    for dial in ("+12125550142", "+12125550143", "+16465550134", "+16465550135"):
        assert len(owners(store, dial)) == 1


def test_skip_and_add_policies(store: Store, tmp_path: Path) -> None:
    store.add_contact(Contact(None, "Ada", phones=(phone("(212) 555-0142", "+12125550142", "", True),)))
    rows = ("Ada Again,,,212-555-0142,,", "Eve,,,(646) 555-0100,,", "Eve Again,,,(646) 555-0100,,")
    skipped = apply_import(store, plan_of(store, *rows), DuplicatePolicy.SKIP)
    assert (skipped.imported, skipped.merged, skipped.skipped) == (1, 0, 2)
    assert sorted(c.name for c in store.list_contacts()) == ["Ada", "Eve"]
    added = apply_import(store, plan_of(store, *rows), DuplicatePolicy.ADD)
    assert (added.imported, added.merged, added.skipped) == (3, 0, 0)
    assert owners(store, "+12125550142") == ["Ada", "Ada Again"]  # only because ADD was asked for


def test_chains_inside_a_file_merge_into_one_contact(store: Store) -> None:
    summary = apply_import(
        store,
        plan_of(
            store,
            "One,,,(646) 555-0101,,",
            "one,,,(646) 555-0101,(646) 555-0102,",
            " ONE ,,,(646) 555-0102,(646) 555-0103,",
        ),
    )
    assert (summary.imported, summary.merged) == (1, 2)
    (only,) = store.list_contacts()
    assert (only.name, [p.e164 for p in only.phones]) == ("One", ["+16465550101", "+16465550102", "+16465550103"])


def test_a_contact_matching_two_stored_ones_moves_no_number_between_them(store: Store) -> None:
    store.add_contact(Contact(None, "Ann", phones=(phone("(646) 555-0101", "+16465550101", "", True),)))
    store.add_contact(Contact(None, "Ben", phones=(phone("(646) 555-0102", "+16465550102", "", True),)))
    apply_import(store, plan_of(store, "Ann,,,(646) 555-0101,(646) 555-0102,"))
    assert owners(store, "+16465550101") == ["Ann"]
    assert owners(store, "+16465550102") == ["Ben"]
    assert store.contact_count() == 2


def test_a_failure_while_storing_rolls_back_everything(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.add_contact(Contact(None, "Ada", phones=(phone("(212) 555-0142", "+12125550142", "", True),)))
    before = store.list_contacts()
    rows = [f"P{index},,,(646) 555-{index:04d},," for index in range(12_000)]
    plan = plan_of(store, "Ada,Analytical Engines,,212-555-0142,,", *rows)
    indexes = store._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    real_add = store.add_contacts
    stored: list[int] = []

    def failing_add(contacts: list[Contact], *, progress: object = None) -> int:
        def fail_after_the_first_batch(done: int, total: int) -> None:
            stored.append(done)
            raise OSError("disk full")  # after one batch is in, and the stored contact was updated

        return real_add(contacts, progress=fail_after_the_first_batch)

    monkeypatch.setattr(store, "add_contacts", failing_add)
    with pytest.raises(OSError):
        apply_import(store, plan)
    assert 0 < stored[0] < 12_000
    assert store.list_contacts() == before
    assert store.integrity_check() == "ok"
    # The indexes dropped for the bulk insert came back with the rollback.
    assert store._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall() == (
        indexes
    )


def test_progress_keeps_one_total_and_ends_full(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes(*(f"P{index},,,(646) 555-{index:04d},," for index in range(7_500))))
    calls: list[tuple[int, int]] = []
    import_file(store, path, progress=lambda done, total: calls.append((done, total)))
    totals = {total for _, total in calls}
    assert totals == {15_000}
    dones = [done for done, _ in calls]
    assert dones == sorted(dones) and dones[-1] == 15_000
    assert any(7_500 < done < 15_000 for done in dones)  # storing reported while it goes on


# --- merge_contacts and duplicates_of -------------------------------------------------------------------------------


def test_merge_contacts_keeps_everything_of_the_existing_contact() -> None:
    existing = Contact(
        7,
        "Ada",
        "AE",
        "",
        (phone("212 555 0142", "+12125550142", "Work"), phone("212 555 0143", "+12125550143", "", True)),
        "note",
    )
    incoming = Contact(
        None,
        "Ada Lovelace",
        "Other Co",
        "CTO",
        (phone("+1 212 555 0143", "+12125550143", "Mobile", True), phone("646 555 0100", "+16465550100", "Home", True)),
        "note",
    )
    merged = merge_contacts(existing, incoming)
    assert (merged.id, merged.name, merged.company, merged.title, merged.notes) == (7, "Ada", "AE", "CTO", "note")
    assert merged.phones == (
        phone("212 555 0142", "+12125550142", "Work"),
        phone("212 555 0143", "+12125550143", "Mobile", True),
        phone("646 555 0100", "+16465550100", "Home"),
    )
    lonely = merge_contacts(Contact(3, "No Phones"), incoming)
    assert sum(p.primary for p in lonely.phones) == 1 and lonely.phones[0].primary


def test_duplicates_of_finds_other_contacts_sharing_a_number(store: Store) -> None:
    ada = store.add_contact(Contact(None, "Ada", phones=(phone("(212) 555-0142", "+12125550142", "", True),)))
    bob = store.add_contact(Contact(None, "Bob", phones=(phone("(646) 555-0134", "+16465550134", "", True),)))
    typed = Contact(None, "New", phones=(phone("212.555.0142", "+12125550142"), phone("646-555-0134", "+16465550134")))
    assert [c.name for c in duplicates_of(store, typed)] == ["Ada", "Bob"]
    assert duplicates_of(store, ada) == []  # a contact is not its own duplicate (editing it)
    assert duplicates_of(store, Contact(None, "X", phones=(phone("1", "5550000"),))) == []
    assert bob.id is not None


# --- export ----------------------------------------------------------------------------------------------------------

ROUND_TRIP = [
    Contact(
        None,
        "Ada King Lovelace",
        "Analytical Engines, Ltd.",
        "Mathematician; Countess",
        (
            phone("(212) 555-0142", "+12125550142", "Mobile"),
            phone("+44 20 7946 0018", "+442079460018", "Work", True),
            phone("212-555-0143 ext. 12", "+12125550143", "Lab direct line"),
            phone("(212) 555-0144", "+12125550144"),
        ),
        'Met at the expo\nline 2: "quotes", commas; semicolons \\ backslash ::: café 🙂',
    ),
    Contact(None, "Initech", "Initech", "", (phone("(512) 555-0199", "+15125550199", "Work", True),)),
    Contact(None, "(646) 555-0134", "", "", (phone("(646) 555-0134", "+16465550134", "Home Fax", True),)),
    Contact(
        None, "山田 太郎", "山田商事", "部長", (phone("+81 90-1234-5678", "+819012345678", "iPhone", True),), "日本語"
    ),
    Contact(None, "Zoë O’Brien", "", "", (phone("+353 1 234 5678", "+35312345678", "", True),)),
]


@pytest.mark.parametrize("suffix", [".csv", ".vcf"])
def test_export_then_import_into_an_empty_store_loses_nothing(store: Store, tmp_path: Path, suffix: str) -> None:
    for contact in ROUND_TRIP:
        store.add_contact(contact)
    path = tmp_path / f"export{suffix}"
    assert export_contacts(store, path) == len(ROUND_TRIP)
    with Store(tmp_path / "empty.sqlite3") as empty:
        summary = import_file(empty, path)
        assert (summary.imported, summary.merged, summary.skipped, summary.problems) == (len(ROUND_TRIP), 0, 0, ())
        assert without_ids(empty.list_contacts()) == without_ids(store.list_contacts())


def test_export_format_and_failures(store: Store, tmp_path: Path) -> None:
    store.add_contact(ROUND_TRIP[1])
    assert export_format_for("a.CSV") == "csv" and export_format_for("b.vcard") == "vcard"
    with pytest.raises(ValueError):
        export_contacts(store, tmp_path / "contacts.txt")
    assert export_contacts(store, tmp_path / "contacts.txt", "vcard") == 1
    assert read_contacts_file(tmp_path / "contacts.txt").format == "vcard"
    with pytest.raises(OSError):
        export_contacts(store, tmp_path / "missing-folder" / "x.csv")
    assert not list(tmp_path.glob("**/.contacts.*"))  # no temporary file left


def test_a_failed_export_keeps_the_old_file(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store.add_contact(ROUND_TRIP[1])
    target = tmp_path / "exports" / "contacts.csv"
    target.parent.mkdir()
    target.write_text("the previous export", encoding="utf-8")

    def failing_writer(contacts: object, path: Path) -> int:
        path.write_text("half a file", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(contacts_io, "write_csv", failing_writer)
    with pytest.raises(OSError, match="disk full"):
        export_contacts(store, target)
    assert target.read_text(encoding="utf-8") == "the previous export"
    assert sorted(path.name for path in target.parent.iterdir()) == ["contacts.csv"]


def test_two_exports_to_one_file_at_once_do_not_collide(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two windows exporting to the same file: the second finishes while the first has written but not renamed.
    for contact in ROUND_TRIP:
        store.add_contact(contact)
    target = tmp_path / "exports" / "contacts.csv"
    target.parent.mkdir()
    real_write_csv = importers.write_csv
    overlapped: list[int] = []
    writes = 0

    def write_then_let_another_export_finish(contacts: list[Contact], path: Path) -> int:
        nonlocal writes
        writes += 1
        count = real_write_csv(contacts, path)
        if writes == 1:
            overlapped.append(export_contacts(store, target))
        return count

    monkeypatch.setattr(contacts_io, "write_csv", write_then_let_another_export_finish)
    assert export_contacts(store, target) == len(ROUND_TRIP)
    assert overlapped == [len(ROUND_TRIP)]
    assert len(read_contacts_file(target).contacts) == len(ROUND_TRIP)
    assert sorted(path.name for path in target.parent.iterdir()) == ["contacts.csv"]


def test_a_file_of_another_country_is_dialled_from_here(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "paris.csv"
    path.write_text(
        "Full Name;Company;Phone\nRenée Façade;Café Crème;01 42 68 53 00\nHans Berlin;Acme;+49 30 1234567\n",
        encoding="utf-8",
    )
    summary = import_file(store, path, region="FR", dial_region="US")
    assert summary.imported == 2
    phones = {contact.name: contact.phones[0] for contact in store.list_contacts()}
    # Read as French, kept in international form, dialled from the US (not 0142685300, a US-looking number).
    assert (phones["Renée Façade"].number, phones["Renée Façade"].e164) == ("+33 1 42 68 53 00", "+33142685300")
    assert (phones["Hans Berlin"].number, phones["Hans Berlin"].e164) == ("+49 30 1234567", "+49301234567")


def test_a_file_of_the_home_country_keeps_its_numbers_as_written(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "home.csv"
    path.write_text("Full Name;Phone\nAda Home;(212) 555-0142\n", encoding="utf-8")
    import_file(store, path, region="US", dial_region="us")
    phone = store.list_contacts()[0].phones[0]
    assert (phone.number, phone.e164) == ("(212) 555-0142", "+12125550142")


# --- issue 9: merge only the same person; undo the last import -------------------------------------------------------


def test_a_different_person_sharing_a_number_is_kept_and_every_merge_is_listed(store: Store) -> None:
    # Issue 9, finding 3: Marco was merged into Leonel (and disappeared) because they share an office line.
    leonel = store.add_contact(Contact(None, "Leonel Salamanca", phones=(phone("(505) 555-0104", "+15055550104"),)))
    summary = apply_import(
        store,
        plan_of(
            store,
            "Marco Salamanca,,,(505) 555-0104,,",  # another person on the office line: kept, with the number
            "leonel  SALAMANCÁ,Cartel,,505-555-0104,(505) 555-0105,",  # the same person (case, accent, spacing)
            "Los Pollos,Los Pollos,,,(505) 555-0105,",  # no name of its own: the same contact as Leonel
            "Gus,,,(505) 555-0200,,",
            "Gustavo,,,(505) 555-0200,,",  # shares a number with a contact earlier in the file
        ),
    )
    assert (summary.imported, summary.merged, summary.skipped, summary.rows_read) == (3, 2, 0, 5)
    assert [str(note) for note in summary.notes] == [
        "row 2 Marco Salamanca shares (505) 555-0104 with Leonel Salamanca; kept both",
        "row 3 leonel SALAMANCÁ → merged into Leonel Salamanca",
        "row 4 Los Pollos → merged into Leonel Salamanca",
        "row 6 Gustavo shares (505) 555-0200 with Gus; kept both",
    ]
    assert owners(store, "+15055550104") == ["Leonel Salamanca", "Marco Salamanca"]
    assert owners(store, "+15055550105") == ["Leonel Salamanca"]
    assert owners(store, "+15055550200") == ["Gus", "Gustavo"]
    merged = store.get_contact(leonel.id or 0)
    assert merged is not None and (merged.name, merged.company) == ("Leonel Salamanca", "Cartel")


def test_same_person_compares_names_blind_to_case_accents_and_spacing() -> None:
    def named(name: str, company: str = "") -> Contact:
        return Contact(None, name, company, phones=(phone("(505) 555-0104", "+15055550104"),))

    assert contacts_io.same_person(named("José  Ruiz"), named("jose ruiz"))
    assert contacts_io.same_person(named("Acme", "Acme"), named("Leonel Salamanca"))  # named after its company
    assert contacts_io.same_person(named("(505) 555-0104"), named("Marco"))  # named after its number
    assert not contacts_io.same_person(named("Leonel Salamanca"), named("Marco Salamanca"))
    assert not contacts_io.same_person(named("Ada"), named("Ada Lovelace"))


def test_skip_and_add_list_what_they_did_with_shared_numbers(store: Store) -> None:
    store.add_contact(Contact(None, "Leonel Salamanca", phones=(phone("(505) 555-0104", "+15055550104"),)))
    rows = ("Marco Salamanca,,,(505) 555-0104,,", "Leonel Salamanca,,,(505) 555-0104,,")
    skipped = apply_import(store, plan_of(store, *rows), DuplicatePolicy.SKIP)
    assert (skipped.imported, skipped.merged, skipped.skipped) == (0, 0, 2)
    assert [str(note) for note in skipped.notes] == [
        "row 2 Marco Salamanca skipped: (505) 555-0104 is already Leonel Salamanca's",
        "row 3 Leonel Salamanca skipped: (505) 555-0104 is already Leonel Salamanca's",
    ]
    added = apply_import(store, plan_of(store, *rows), DuplicatePolicy.ADD)
    assert (added.imported, added.merged, added.skipped) == (2, 0, 0)
    assert str(added.notes[1]) == "row 3 Leonel Salamanca added although Leonel Salamanca has (505) 555-0104"


def test_undo_last_import_restores_the_contacts_exactly_and_never_touches_calls(store: Store, tmp_path: Path) -> None:
    leonel = store.add_contact(
        Contact(None, "Leonel Salamanca", phones=(phone("(505) 555-0104", "+15055550104", "Office", True),), notes="n")
    )
    store.update_contact(leonel)  # a revision of its own before the import
    first = tmp_path / "first.csv"
    first.write_bytes(csv_bytes("Ada,,,(212) 555-0142,,"))
    import_file(store, first)
    before = store.list_contacts()
    ada = store.find_contacts_by_e164("+12125550142")[0]
    call = store.begin_call(store_request("+12125550142"), contact_id=ada.id, contact_name=ada.name)
    second = tmp_path / "second.csv"
    second.write_bytes(
        csv_bytes(
            "Leonel Salamanca,Cartel,Boss,(505) 555-0104,(505) 555-0105,more",
            "Marco Salamanca,,,(505) 555-0104,,",
            "Bob,,,(646) 555-0134,,",
        )
    )
    summary = import_file(store, second)
    assert (summary.imported, summary.merged) == (2, 1)
    record = store.last_import()
    assert record is not None and (record.file_name, record.imported, record.merged) == ("second.csv", 2, 1)
    calls_before = store.list_calls()

    undone = store.undo_last_import()
    assert undone.record == record and undone.restored == 1
    assert store.list_contacts() == before
    assert store.list_calls() == calls_before and store.get_call(call.id) is not None
    # The import before it is next, and after that there is none.
    assert store.last_import() is not None and store.last_import().file_name == "first.csv"  # type: ignore[union-attr]
    store.undo_last_import()
    assert [c.name for c in store.list_contacts()] == ["Leonel Salamanca"]
    with pytest.raises(NothingToUndoError, match="There is no import to undo."):
        store.undo_last_import()


def test_undo_is_refused_when_a_contact_of_the_import_was_edited_since(store: Store, tmp_path: Path) -> None:
    leonel = store.add_contact(Contact(None, "Leonel Salamanca", phones=(phone("(505) 555-0104", "+15055550104"),)))
    path = tmp_path / "leads.csv"
    path.write_bytes(csv_bytes("Leonel Salamanca,Cartel,,(505) 555-0104,,", "Marco Salamanca,,,(505) 555-0104,,"))
    import_file(store, path)
    marco = store.find_contacts_by_e164("+15055550104")[1]
    store.update_contact(Contact(marco.id, "Marco S.", phones=marco.phones))
    edited = store.list_contacts()
    with pytest.raises(UndoRefusedError, match="leads.csv cannot be undone: Marco S., whom it added, was edited since"):
        store.undo_last_import()
    assert store.list_contacts() == edited  # nothing changed
    store.update_contact(Contact(marco.id, "Marco Salamanca", phones=marco.phones))  # edited back: still an edit
    with pytest.raises(UndoRefusedError):
        store.undo_last_import()
    store.delete_contact(marco.id or 0)  # a contact it added and that is gone since does not stand in the way
    current = store.get_contact(leonel.id or 0)
    assert current is not None
    store.update_contact(dataclasses.replace(current, notes="called"))
    with pytest.raises(UndoRefusedError, match="Leonel Salamanca, whom it merged into, was edited since"):
        store.undo_last_import()
    store.delete_contact(leonel.id or 0)
    with pytest.raises(UndoRefusedError, match="Leonel Salamanca, whom it merged into, was deleted since"):
        store.undo_last_import()


def test_an_import_that_only_merged_is_the_last_import_and_its_undo_goes_no_further(
    store: Store, tmp_path: Path
) -> None:
    # A new user's report: the same file imported twice (the second time everything merges and nothing changes),
    # then undo took back the FIRST import.
    leads = tmp_path / "leads.csv"
    leads.write_bytes(csv_bytes("Ada,,,(212) 555-0142,,", "Bob,,,(646) 555-0134,,", "Connor,,,(305) 555-0100,,"))
    import_file(store, leads)
    contacts = store.list_contacts()
    again = import_file(store, leads)
    assert (again.imported, again.merged) == (0, 3) and store.list_contacts() == contacts
    last = store.last_import()
    assert last is not None and (last.imported, last.merged) == (0, 3)

    undone = store.undo_last_import()
    assert undone.record == last and undone.restored == 0
    assert undone.merges_text == "3 merges undone (they had changed nothing)"
    assert store.list_contacts() == contacts  # the first import's contacts are still there
    first = store.last_import()
    assert first is not None and (first.imported, first.merged) == (3, 0)
    # An import that neither added nor merged anything (every row skipped) is not recorded: nothing to take back.
    skipped = import_file(store, leads, policy=DuplicatePolicy.SKIP)
    assert (skipped.imported, skipped.merged, skipped.skipped) == (0, 0, 3) and store.last_import() == first


def test_undoing_an_import_keeps_its_contacts_list_items_as_bare_numbers(store: Store, tmp_path: Path) -> None:
    from c2c_desktop.core.calllists import NewItem, StoreCallLists

    lists = StoreCallLists(store)
    leads = tmp_path / "leads.csv"
    leads.write_bytes(csv_bytes("Ada,,,(212) 555-0142,,", "Bob,,,(646) 555-0134,,", "Connor,,,(305) 555-0100,,"))
    import_file(store, leads)
    ada, bob, connor = store.list_contacts()
    monday, tuesday, gone = (lists.create_list(name) for name in ("Monday", "Tuesday", "Old"))
    lists.add_items(monday.id, [NewItem(c.phones[0].e164, c.id, c.name) for c in (ada, bob, connor)])
    # Bob's item first: a bare number added after it is another item (a number held by a live contact's item is not
    # a repeat of a bare number; the other way round it is, see add_items).
    lists.add_items(tuesday.id, [NewItem("+16465550134", bob.id, bob.name), NewItem("+16465550134")])
    lists.add_items(gone.id, [NewItem("+12125550142", ada.id, ada.name)])
    lists.delete_list(gone.id)
    (ada_item, *_) = lists.items(monday.id)
    lists.update_item(ada_item.id, attempts=2, last_disposition="No answer")
    store.delete_contact(connor.id or 0)  # deleted by the agent since: its item says so, as before

    undone = store.undo_last_import()
    assert undone.kept_as_numbers == (("Monday", 2), ("Tuesday", 1))  # the deleted list is not named
    assert undone.lists_text == (
        'Call lists keep the removed contacts\' items as bare numbers: "Monday" (2 items), "Tuesday" (1 item).'
    )
    assert store.contact_count() == 0
    items = lists.items(monday.id)
    assert [(i.name, i.e164, i.contact_id, i.contact_missing) for i in items] == [
        ("Ada", "+12125550142", None, False),
        ("Bob", "+16465550134", None, False),
        ("Connor", "+13055550100", connor.id, True),
    ]
    assert (items[0].attempts, items[0].last_disposition) == (2, "No answer")  # the list's work is kept
    # Tuesday held the number bare already: it stays there once, and Bob's item says its contact is gone.
    assert [(i.contact_id, i.contact_missing) for i in lists.items(tuesday.id)] == [(bob.id, True), (None, False)]
    lists.undo_delete("Old")  # a deleted list's items were kept as bare numbers too
    assert [(i.contact_id, i.contact_missing) for i in lists.items(gone.id)] == [(None, False)]
