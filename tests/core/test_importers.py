"""Contact import/export on real sample files (tests/data/contacts), broken files, round trips and arbitrary bytes."""

from __future__ import annotations

import csv
import io
import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c2c_desktop.core.importers import (
    FORMAT_GENERIC,
    FORMAT_GOOGLE,
    FORMAT_GOOGLE_LEGACY,
    FORMAT_OUTLOOK,
    FORMAT_VCARD,
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    ContactFileError,
    ImportProblem,
    ImportResult,
    _csv_records,
    _first_nonblank_line,
    _make_contact,
    _NumberCache,
    _phone_entries,
    _read_regular_file,
    _sniff_delimiter,
    detect_csv_headers,
    read_contacts_bytes,
    read_contacts_file,
    write_csv,
    write_vcard,
)
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import PhoneError, parse_number

DATA = Path(__file__).resolve().parents[1] / "data" / "contacts"


def read(name: str) -> ImportResult:
    return read_contacts_file(DATA / name)


def by_name(result: ImportResult) -> dict[str, Contact]:
    return {contact.name: contact for contact in result.contacts}


def phones(contact: Contact) -> list[tuple[str, str, str, bool]]:
    return [(phone.number, phone.label, phone.e164, phone.primary) for phone in contact.phones]


# --- real files in each format ----------------------------------------------------------------------------------


def test_google_legacy_csv() -> None:
    result = read("google_legacy.csv")
    assert result.format == FORMAT_GOOGLE_LEGACY
    assert (len(result.contacts), result.problems, result.skipped) == (4, [], 0)
    contacts = by_name(result)
    ada = contacts["Ada Lovelace"]
    assert (ada.company, ada.title) == ("Analytical Engines Ltd", "Mathematician")
    assert ada.notes == "Met at the expo, wants a demo\nCall after 3pm"
    # " ::: " joins two numbers under one label; "* Mobile" marks the primary one.
    assert phones(ada) == [
        ("+1 212-555-0143", "Work", "+12125550143", False),
        ("+44 20 7946 0018", "Work", "+442079460018", False),
        ("(212) 555-0142", "Mobile", "+12125550142", True),
    ]
    assert ada.primary_phone is not None and ada.primary_phone.e164 == "+12125550142"
    # One label per joined number when the label cell is joined too.
    assert phones(contacts["Grace Hopper"]) == [
        ("415-555-0100", "Home", "+14155550100", True),
        ("415-555-0101", "Work", "+14155550101", False),
    ]
    assert contacts["Initech"].company == "Initech"  # no name: the company is the name
    assert contacts["José Núñez"].phones[0].e164 == "+34612345678"


def test_google_current_csv() -> None:
    result = read("google_current.csv")
    assert result.format == FORMAT_GOOGLE
    assert (len(result.contacts), result.problems) == (4, [])
    contacts = by_name(result)
    alan = contacts["Alan Mathison Turing"]
    assert (alan.company, alan.title, alan.notes) == (
        "Bletchley Park",
        "Cryptanalyst",
        "Likes chess, running, and puzzles",
    )
    assert phones(alan) == [
        ("(617) 555-0123", "Mobile", "+16175550123", False),
        ("617-555-0124", "Work", "+16175550124", True),
    ]
    assert [phone.label for phone in contacts["Margaret Hamilton"].phones] == ["Mobile", "Home"]
    assert "Dr. Katherine Johnson" in contacts
    assert contacts["Bob"].phones[0].e164 == "+13035550150"  # only a nickname


def test_outlook_csv_in_windows_1252() -> None:
    result = read("outlook_cp1252.csv")
    assert result.format == FORMAT_OUTLOOK
    assert (len(result.contacts), result.problems) == (3, [])
    contacts = by_name(result)
    francois = contacts["Mr. François Müller"]
    assert (francois.company, francois.title) == ("Café Crème GmbH", "Einkäufer")
    assert francois.notes == "Prefers calls in the morning; speaks French – not German"
    # "Primary Phone" repeats the mobile: kept once, and that one is primary.
    assert phones(francois) == [
        ("(312) 555-0167", "Mobile", "+13125550167", True),
        ("(312) 555-0166", "Work", "+13125550166", False),
    ]
    assert [phone.label for phone in contacts["Zoë O’Brien"].phones] == ["Home", "Work Fax"]
    assert contacts["Acme Corp"].company == "Acme Corp"


def test_utf16_tab_separated_csv() -> None:
    result = read("outlook_utf16.csv")
    assert (result.format, len(result.contacts), result.problems) == (FORMAT_OUTLOOK, 2, [])
    yamada = by_name(result)["太郎 山田"]
    assert (yamada.company, yamada.title, yamada.notes) == ("山田商事", "部長", "日本語で話す")
    assert yamada.phones[0].e164 == "+819012345678"


def test_generic_semicolon_csv_with_cr_line_ends() -> None:
    result = read("generic_semicolon.csv")
    assert (result.format, len(result.contacts), result.problems) == (FORMAT_GENERIC, 3, [])
    contacts = by_name(result)
    jorg = contacts["Jörg Schmidt"]
    assert (jorg.company, jorg.title, jorg.notes) == ("Beispiel GmbH", "Vertrieb", "Rückruf erbeten")
    assert phones(jorg) == [
        ("+49 30 12345678", "", "+493012345678", True),
        ("+49 151 23456789", "Mobile", "+4915123456789", False),
    ]
    assert contacts["Pat Jones"].company == "Smith; Jones & Co"
    assert contacts["Nordwind AG"].company == "Nordwind AG"


def test_utf8_bom_csv() -> None:
    result = read("utf8_bom.csv")
    assert (result.format, len(result.contacts), result.problems) == (FORMAT_GENERIC, 3, [])
    contacts = by_name(result)
    assert contacts["Chloé Dubois"].notes == "Préfère le français 🙂"
    assert contacts["Chloé Dubois"].company == "Société Générale d'Exemple"
    assert [phone.label for phone in contacts["Chloé Dubois"].phones] == ["", "Mobile"]
    assert "Søren Kierkegaard" in contacts and "李小龙" in contacts


def test_vcard_21_quoted_printable() -> None:
    result = read("vcard21.vcf")
    assert (result.format, len(result.contacts), result.skipped) == (FORMAT_VCARD, 3, 1)
    assert result.problems == [ImportProblem("card 3", "the number 12 is too short", skipped=True)]
    contacts = by_name(result)
    jurgen = contacts["Jürgen Müller"]
    assert (jurgen.company, jurgen.title) == ("Bäckerei Müller", "Sales Manager")
    assert jurgen.notes == "Erster Kontakt auf der Messe.\nMöchte ein Angebot, bitte bis Freitag anrufen."
    assert phones(jurgen) == [
        ("(202) 555-0180", "Work", "+12025550180", False),
        ("(202) 555-0181", "Mobile", "+12025550181", True),
        ("+49 30 12345678", "Home", "+493012345678", False),
    ]
    assert [phone.label for phone in contacts["John Smith"].phones] == ["Work", "Fax"]  # name built from N
    assert "Renée Dupré" in contacts  # CHARSET=WINDOWS-1252 quoted-printable


def test_vcard_30_apple() -> None:
    result = read("vcard30_apple.vcf")
    assert (len(result.contacts), result.skipped) == (2, 1)
    assert result.problems == [ImportProblem("card 3", "no phone number", skipped=True)]
    marie = by_name(result)["Marie Skłodowska Curie"]
    assert (marie.company, marie.title) == ("Institut du Radium", "Director")
    assert marie.notes == "Discovered polonium, radium; two Nobel prizes.\nPrefers email first."  # escapes + folding
    assert phones(marie) == [
        ("+33 6 12 34 56 78", "Mobile", "+33612345678", True),
        ("(206) 555-0190", "Lab direct line", "+12065550190", False),
        ("(206) 555-0191", "Home Fax", "+12065550191", False),
        ("(206) 555-0192", "Work", "+12065550192", False),
    ]
    globex = by_name(result)["Globex Corporation"]
    assert phones(globex) == [("(206) 555-0193", "Main", "+12065550193", True)]


def test_vcard_40_uris_and_pref() -> None:
    result = read("vcard40.vcf")
    assert (len(result.contacts), result.skipped) == (2, 0)
    assert result.problems == [
        ImportProblem("card 2", "911 is an emergency number; this app never dials emergency services")
    ]
    rosalind = by_name(result)["Rosalind Franklin"]
    assert (rosalind.company, rosalind.notes) == ("King's College London", "Photo 51, X-ray diffraction.")
    assert phones(rosalind) == [
        ("+1-555-555-0100", "Mobile", "+15555550100", False),  # a fictional 555 number: accepted with a warning
        ("+1-555-555-0101 ext. 123", "Work", "+15555550101", True),  # PREF=1 wins over PREF=2
        ("+44-20-7946-0018", "Home", "+442079460018", False),
    ]
    assert len(by_name(result)["Barbara McClintock"].phones) == 1  # the bad number is dropped, the row kept


# --- broken files -------------------------------------------------------------------------------------------------


def test_broken_csv_reports_each_row_and_keeps_the_good_ones() -> None:
    result = read("broken.csv")
    assert [contact.name for contact in result.contacts] == [
        "Ada Lovelace",
        "Bad Number",
        "Multi Line",  # embedded newline in a quoted cell: one record, one spreadsheet row
        "Short Row",  # too few cells
        "Long Row",  # too many cells
    ]
    assert result.skipped == 4
    assert result.problems == [
        ImportProblem("row 3", "the number 12 is too short"),
        ImportProblem("row 4", "the number 555 is too short", skipped=True),
        ImportProblem("row 5", "no phone number", skipped=True),
        ImportProblem("row 8", "7 cells but 5 headers; the extra cells were ignored"),
        ImportProblem("row 10", "no phone number found in 'call me maybe'", skipped=True),
        ImportProblem("row 11", "911 is an emergency number; this app never dials emergency services", skipped=True),
    ]
    contacts = by_name(result)
    assert phones(contacts["Bad Number"]) == [("(212) 555-0150", "Mobile", "+12125550150", True)]
    assert contacts["Multi Line"].notes == "first line\nsecond line"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_contacts.png", "not a contacts file"),
        ("empty.csv", "empty"),
        ("no_phone.csv", "No phone number column"),
    ],
)
def test_unreadable_files_raise_contact_file_error(name: str, message: str) -> None:
    with pytest.raises(ContactFileError, match=message):
        read(name)


def test_missing_file_and_vcf_name_without_vcard() -> None:
    with pytest.raises(ContactFileError, match="Cannot read"):
        read_contacts_file(DATA / "does-not-exist.csv")
    with pytest.raises(ContactFileError, match="no vCard"):
        read_contacts_bytes(b"Name,Phone\nAda,2125550142\n", filename_hint="contacts.vcf")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX only")
def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)
    with pytest.raises(ContactFileError, match=r"^Cannot read contacts\.csv: not a regular file\.$"):
        read_contacts_file(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_instead_of_read_until_memory_runs_out() -> None:
    with pytest.raises(ContactFileError, match="not a regular file"):
        read_contacts_file("/dev/zero")


def test_a_folder_is_not_a_contacts_file(tmp_path: Path) -> None:
    with pytest.raises(ContactFileError, match=r"^Cannot read "):
        read_contacts_file(tmp_path)


def test_a_file_over_64_mib_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as stream:
        stream.write(b"Name,Phone\n")
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk space used
    assert MAX_FILE_BYTES == 64 * 1024 * 1024
    with pytest.raises(ContactFileError, match=r"^Cannot read huge\.csv: the file is larger than 64 MiB\.$"):
        read_contacts_file(huge)


def test_the_size_limit_admits_exactly_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_bytes(b"0123456789")
    assert _read_regular_file(path, limit=10) == b"0123456789"
    with pytest.raises(ContactFileError, match="larger than"):
        _read_regular_file(path, limit=9)


def test_whitespace_only_file_is_empty() -> None:
    with pytest.raises(ContactFileError, match="empty"):
        read_contacts_bytes(b" \r\n\t\n")


# --- encodings, sniffing, mapping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_line_ends_and_delimiters(line_end: str, delimiter: str) -> None:
    text = line_end.join(
        [
            delimiter.join(["Contact Name", "Account", "Tel", "Comments"]),
            delimiter.join(["Ada Lovelace", '"Engines, Ltd; Inc"', "(212) 555-0142", '"a\nb"']),
            "",
        ]
    )
    result = read_contacts_bytes(text.encode("utf-8"))
    assert [(c.name, c.company, c.notes, c.phones[0].e164) for c in result.contacts] == [
        ("Ada Lovelace", "Engines, Ltd; Inc", "a\nb", "+12125550142")
    ]


def test_windows_1252_fallback_and_utf16_without_bom() -> None:
    text = "Name,Phone\nRenée O’Neil,(212) 555-0142\n"
    assert read_contacts_bytes(text.encode("cp1252")).contacts[0].name == "Renée O’Neil"
    assert read_contacts_bytes(text.encode("utf-16-le")).contacts[0].name == "Renée O’Neil"
    assert read_contacts_bytes(text.encode("utf-16-be")).contacts[0].name == "Renée O’Neil"


def test_name_fallbacks_company_then_number() -> None:
    data = b"First,Last,Company,Phone\n,,Acme,(212) 555-0142\n,,,(212) 555-0143\nAda,Lovelace,,212.555.0144\n"
    result = read_contacts_bytes(data)
    assert [contact.name for contact in result.contacts] == ["Acme", "(212) 555-0143", "Ada Lovelace"]


def test_mapping_overrides_headers() -> None:
    data = b"Kunde;Firma;Rufnummer;Bemerkung\nAda;Engines;(212) 555-0142;hi\n"
    with pytest.raises(ContactFileError, match="No phone number column"):
        read_contacts_bytes(data)
    assert detect_csv_headers(data) == ["Kunde", "Firma", "Rufnummer", "Bemerkung"]
    mapping = {"kunde": "name", " FIRMA ": "company", "Rufnummer": "phone", "Bemerkung": "notes"}
    result = read_contacts_bytes(data, mapping=mapping)
    assert [(c.name, c.company, c.notes, c.phones[0].e164) for c in result.contacts] == [
        ("Ada", "Engines", "hi", "+12125550142")
    ]
    with pytest.raises(ContactFileError, match="'Fax' is not in this file"):
        read_contacts_bytes(data, mapping={"Fax": "phone"})
    with pytest.raises(ValueError, match="unknown field"):
        read_contacts_bytes(data, mapping={"Kunde": "surname"})


def test_detect_csv_headers_refuses_a_vcard() -> None:
    with pytest.raises(ContactFileError, match="vCard"):
        detect_csv_headers((DATA / "vcard40.vcf").read_bytes())


def test_duplicates_in_file_are_counted_not_merged() -> None:
    data = (
        b"Name,Phone,Mobile\nA,(212) 555-0142,\nB,212-555-0142,\nC,(212) 555-0150,+1 212 555 0142\nD,(212) 555-0199,\n"
    )
    result = read_contacts_bytes(data)
    assert (len(result.contacts), result.duplicates_in_file) == (4, 2)


def test_an_oversized_cell_is_one_problem_row_and_the_rest_of_the_file_is_read() -> None:
    # Issue 9, finding 4: the csv module's own limit (128 KiB) used to end the file at row 4 with its own message.
    data = (
        b"Name,Phone,Notes\nAda,(212) 555-0142,\nBob,(212) 555-0143,\n"
        + b"Cy,(212) 555-0145,"
        + b"x" * 200_000
        + b"\nDan,(212) 555-0144,\n\nEve,(212) 555-0146,"
        + b"y" * 150_000
        + b"\nFay,(212) 555-0147,"
        + b"z" * MAX_CELL_CHARS
        + b"\n"
    )
    result = read_contacts_bytes(data)
    assert [contact.name for contact in result.contacts] == ["Ada", "Bob", "Dan", "Fay"]  # a cell at the limit is fine
    assert result.locations == ["row 2", "row 3", "row 5", "row 8"]
    assert (result.skipped, result.rows_read) == (2, 6)
    assert result.problems == [
        ImportProblem("row 4", "a cell of 200,000 characters is longer than the limit of 100,000", skipped=True),
        ImportProblem("row 7", "a cell of 150,000 characters is longer than the limit of 100,000", skipped=True),
    ]


def test_an_unclosed_quote_says_so() -> None:
    data = b'Name,Phone\nAda,(212) 555-0142\nBob,(212) 555-0143\nCy,"' + b"x" * 200_000 + b"\nDan,(212) 555-0144\n"
    result = read_contacts_bytes(data)
    assert [contact.name for contact in result.contacts] == ["Ada", "Bob"]
    assert result.skipped == 1 and len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.location, problem.skipped) == ("row 4", True)
    assert problem.reason == (
        "a cell of 200,020 characters is longer than the limit of 100,000 (a quote that is never closed takes in "
        "the rest of the file)"
    )


def test_region_is_used_for_national_numbers() -> None:
    result = read_contacts_bytes(b"Name,Phone\nBen,020 7946 0018\n", region="GB")
    assert result.contacts[0].phones[0].e164 == "+442079460018"


def test_progress_is_reported_every_thousand_rows() -> None:
    rows = "".join(f"P{index},(212) 555-{index % 10000:04d}\n" for index in range(2500))
    calls: list[tuple[int, int]] = []
    result = read_contacts_bytes(
        f"Name,Phone\n{rows}".encode(), progress=lambda done, total: calls.append((done, total))
    )
    assert len(result.contacts) == 2500
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


# --- the number cache gives what parse_number gives ---------------------------------------------------------------


def _parse_directly(raw: str, region: str) -> tuple[str, str]:
    try:
        return parse_number(raw, region).e164, ""
    except PhoneError as exc:
        return "", str(exc)


def test_number_cache_agrees_with_parse_number() -> None:
    rng = random.Random(1234)
    styles = ["({a}) {e}-{n}", "{a}-{e}-{n}", "+1 {a} {e} {n}", "1-{a}-{e}-{n}", "{a}.{e}.{n}", "{a}{e}{n}"]
    raws = [
        rng.choice(styles).format(a=rng.choice([911, 212, 555, 800, 900, rng.randrange(200, 1000)]), e=e, n=n)
        for e, n in ((rng.randrange(200, 1000), f"{rng.randrange(10000):04d}") for _ in range(600))
    ]
    raws += [
        f"+{cc} {rng.randrange(10, 99)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
        for cc in (44, 49, 33, 39, 81, 353, 61, 7)
        for _ in range(25)
    ]
    raws += [f"+44 20 7946 {rng.randrange(10000):04d}" for _ in range(50)] + ["+39 06 6982 1234", "+39 06 6982 5678"]
    for region in ("US", "GB"):
        cache = _NumberCache(region)
        mismatches = [raw for raw in raws if cache.pinned(raw) != _parse_directly(raw, region)]
        assert mismatches == []


def test_number_cache_groups_north_american_numbers_by_area_code_whatever_their_shape() -> None:
    # Every written form the plain-number pattern accepts, mixed within the same area codes: the first number of
    # an area code decides for the others, so a shape-dependent verdict would show up as a mismatch here.
    rng = random.Random(99)
    prefixes = ["", "1", "+1", "1 ", "+1 ", "1-", "+1-", "1.", "+1."]
    areas = ["({a})", "{a}", "({a}", "{a})"]
    separators = ["", " ", ".", "-"]
    shapes = [
        p + a + s1 + "{e}" + s2 + "{n}" for p in prefixes for a in areas for s1 in separators for s2 in separators
    ]
    for region in ("US", "CA"):
        cache = _NumberCache(region)
        raws = [
            rng.choice(shapes).format(a=area, e=rng.randrange(200, 1000), n=f"{rng.randrange(10000):04d}")
            for area in (212, 911, 555, 800, 900, 311, 611, *rng.sample(range(200, 1000), 40))
            for _ in range(8)
        ]
        mismatches = [raw for raw in raws if cache.pinned(raw) != _parse_directly(raw, region)]
        assert mismatches == []


def test_fast_object_construction_equals_the_constructors() -> None:
    result = read_contacts_bytes(b"Name,Company,Phone,Mobile\nAda,AE,(212) 555-0142,(212) 555-0143\n")
    (ada,) = result.contacts
    rebuilt = Contact(
        None,
        ada.name,
        ada.company,
        ada.title,
        tuple(PhoneEntry(p.number, p.label, p.e164, p.primary) for p in ada.phones),
    )
    assert ada == rebuilt and hash(ada.phones) == hash(rebuilt.phones)
    assert vars(ada) == vars(rebuilt) and [vars(p) for p in ada.phones] == [vars(p) for p in rebuilt.phones]
    assert type(ada) is Contact and all(type(p) is PhoneEntry for p in ada.phones)


def _general_contact(
    candidates: list[tuple[str, str, bool]], numbers: _NumberCache, problems: list[ImportProblem]
) -> Contact | None:
    # What _make_contact gives for any number of candidates, through _phone_entries (its rules for every count).
    first = len(problems)
    phones = _phone_entries(candidates, numbers, "row 2", problems)
    if not phones:
        if len(problems) == first:
            problems.append(ImportProblem("row 2", "no phone number", skipped=True))
        problems[first:] = [ImportProblem(p.location, p.reason, skipped=True) for p in problems[first:]]
        return None
    return Contact(None, phones[0].number, "", "", phones, "")


def test_rows_of_one_or_two_numbers_follow_the_general_rules() -> None:
    # _make_contact has shortcuts for one and two numbers: duplicates, refused numbers and the preferred flag
    # must come out exactly as the general path has them.
    rng = random.Random(5)
    pool = [
        "(212) 555-0142",
        "212.555.0142",
        "+1 415 555 0100",
        "(415) 555-0100",
        "911",
        "555",
        "+44 20 7946 0018",
        "?",
    ]
    numbers = _NumberCache("US")
    for _ in range(600):
        count = rng.choice([1, 2, 2, 3])
        candidates = [(rng.choice(pool), rng.choice(["", "Work"]), rng.random() < 0.4) for _ in range(count)]
        fast_problems: list[ImportProblem] = []
        general_problems: list[ImportProblem] = []
        fast = _make_contact("", "", "", "", candidates, numbers, "row 2", fast_problems)
        general = _general_contact(candidates, numbers, general_problems)
        assert (fast, fast_problems) == (general, general_problems), candidates
        if fast is not None and general is not None:
            assert [vars(phone) for phone in fast.phones] == [vars(phone) for phone in general.phones]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(["", " ", "\t", "a,b", "x;y;z", "\r", "\n", "\r\n", "\x0c", "\u2028", "q\tr"]), max_size=12
    ),
    st.integers(min_value=1, max_value=12),
)
def test_the_first_nonblank_line_is_found_in_the_head_alone_when_it_is_there(pieces: list[str], head: int) -> None:
    text = "".join(pieces)
    expected = next((line for line in text.splitlines() if line.strip()), "")
    assert _first_nonblank_line(text, head_size=head) == expected
    assert _first_nonblank_line(text) == expected


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["a", ";", ",", '"', "\r", "\n", "\r\n", "\x0c", "\x1e", "\u2028", " "]), max_size=20))
def test_csv_records_are_the_records_of_a_stream_read_with_newline_off(pieces: list[str]) -> None:
    # _csv_records splits the lines itself when it can; csv must see the same lines as from io.StringIO.
    text = "".join(pieces)
    expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text)))
    assert _csv_records(text) == expected


# --- round trips ----------------------------------------------------------------------------------------------------

ROUND_TRIP_CONTACTS = [
    Contact(
        None,
        "Ada King Lovelace",
        company="Analytical Engines, Ltd.",
        title="Mathematician; Countess",
        phones=(
            PhoneEntry("(212) 555-0142", "Mobile", "+12125550142", primary=False),
            PhoneEntry("+44 20 7946 0018", "Work", "+442079460018", primary=True),
            PhoneEntry("212-555-0143 ext. 12", "Lab direct line", "+12125550143", primary=False),
            PhoneEntry("(212) 555-0144", "", "+12125550144", primary=False),
        ),
        notes='Met at the expo, wants a demo\nline 2: "quotes", commas; semicolons \\ backslash ::: café 🙂',
    ),
    Contact(None, "Initech", company="Initech", phones=(PhoneEntry("(512) 555-0199", "Work", "+15125550199", True),)),
    Contact(None, "(646) 555-0134", phones=(PhoneEntry("(646) 555-0134", "Home Fax", "+16465550134", True),)),
    Contact(
        None,
        "山田 太郎",
        company="山田商事",
        title="部長" * 30,  # long enough to fold
        phones=(PhoneEntry("+81 90-1234-5678", "iPhone", "+819012345678", True),),
        notes="日本語で話す\n" * 5,
    ),
]


@pytest.mark.parametrize(("writer", "suffix"), [(write_csv, ".csv"), (write_vcard, ".vcf")])
def test_export_then_import_loses_nothing(writer: object, suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"out{suffix}"
    assert callable(writer)
    assert writer(iter(ROUND_TRIP_CONTACTS), path) == len(ROUND_TRIP_CONTACTS)
    result = read_contacts_file(path)
    assert result.problems == []
    expected = [Contact(c.id, c.name, c.company, c.title, c.phones, c.notes.strip()) for c in ROUND_TRIP_CONTACTS]
    assert result.contacts == expected


def test_csv_export_uses_google_headers(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(ROUND_TRIP_CONTACTS, path)
    headers = detect_csv_headers(path.read_bytes())
    assert headers[:6] == ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title", "Notes"]
    assert headers[6:] == [f"Phone {i} - {kind}" for i in range(1, 5) for kind in ("Label", "Value")]
    assert read_contacts_file(path).format == FORMAT_GOOGLE


def test_csv_export_defuses_formulas_but_keeps_phone_numbers(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    hostile = Contact(
        None,
        '=HYPERLINK("http://x")',
        "@cmd",
        "-2+3",
        (PhoneEntry("+1 (555) 201-0003", label="=work", primary=True), PhoneEntry("+cmd|' /C calc'!A0")),
        "+note",
    )
    write_csv([hostile], path)
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    first, _middle, last, company, title, notes, label1, value1, _label2, value2 = rows[1]
    assert (first, last) == ('\'=HYPERLINK("http://x")', "")
    assert (company, title, notes, label1) == ("'@cmd", "'-2+3", "'+note", "'=work")
    assert value1 == "+1 (555) 201-0003"  # a plain number stays a number for the next address book
    assert value2 == "'+cmd|' /C calc'!A0"


def test_vcard_export_is_folded_crlf_30(tmp_path: Path) -> None:
    path = tmp_path / "out.vcf"
    write_vcard(ROUND_TRIP_CONTACTS, path)
    raw = path.read_bytes()
    lines = raw.split(b"\r\n")
    assert b"VERSION:3.0" in lines and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75


def test_empty_export(tmp_path: Path) -> None:
    assert write_csv([], tmp_path / "e.csv") == 0
    assert write_vcard([], tmp_path / "e.vcf") == 0
    assert read_contacts_file(tmp_path / "e.csv").contacts == []


# --- arbitrary bytes: ContactFileError or a result, nothing else --------------------------------------------------

PREFIXES = [
    b"",
    b"Name,Company,Phone,Notes\n",
    b"First Name,Last Name,Phone 1 - Label,Phone 1 - Value\n",
    b"Name;Tel;Mobile\r\n",
    b"BEGIN:VCARD\r\nVERSION:3.0\r\n",
    b'BEGIN:VCARD\nTEL;VALUE=uri;TYPE="a,b";PREF=',
    b"BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE;CHARSET=",
]

TOKENS = list('abc019+-() ,;:"\\=\n\r\t.*é€') + ["tel:", ":::", "END:VCARD", "\nBEGIN:VCARD\n", "(212) 555-0142"]
TEXTISH = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


def _check_read(data: bytes) -> None:
    try:
        result = read_contacts_bytes(data)
    except ContactFileError:
        return
    for contact in result.contacts:
        assert contact.phones and sum(phone.primary for phone in contact.phones) == 1
        assert all(re.fullmatch(r"\+[1-9][0-9]{1,14}", phone.e164, re.ASCII) for phone in contact.phones)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_only_raise_contact_file_error(data: bytes) -> None:
    _check_read(data)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PREFIXES), st.one_of(st.binary(max_size=300), TEXTISH.map(lambda text: text.encode("utf-8"))))
def test_valid_start_then_garbage_only_raises_contact_file_error(prefix: bytes, tail: bytes) -> None:
    _check_read(prefix + tail)


# --- issue 9: control and bidi characters, several numbers in one cell ---------------------------------------------


def test_control_and_bidi_characters_are_stripped_from_csv_and_vcard_alike() -> None:
    # Issue 9, finding 5: an ESC sequence in a company reached the terminal; U+202E reversed how a name looks.
    csv_data = (
        "Name,Company,Title,Phone,Notes\n"
        "Ad\u202ea\u2066 Okafor\u200f,Evil\x1b[2J\x1b]0;pwned\x07 Corp\x9b31m,C\x08TO,(212) 555-0142,"
        '"line one\tindented\nline two\x1b[31m"\n'
        "\u0646\u0627\u062f\u064a\u0629 \u05e9\u05dc\u05d5\u05dd,\u061cAcme,,(212) 555-0143,\n"
    ).encode()
    ada, rtl = read_contacts_bytes(csv_data).contacts
    assert (ada.name, ada.company, ada.title) == ("Ada Okafor", "Evil[2J]0;pwned Corp31m", "CTO")
    assert ada.notes == "line one\tindented\nline two[31m"  # tabs and line breaks of notes stay
    assert (rtl.name, rtl.company) == ("\u0646\u0627\u062f\u064a\u0629 \u05e9\u05dc\u05d5\u05dd", "Acme")  # RTL kept
    vcard = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Ad\u202ea\r\nORG;ENCODING=QUOTED-PRINTABLE:Evil=1B[2J Corp\r\n"
        "TITLE:Boss\x1b[5m\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=0D=0Ab=1B\r\nTEL:(212) 555-0142\r\nEND:VCARD\r\n"
    ).encode()
    (card,) = read_contacts_bytes(vcard).contacts
    assert (card.name, card.company, card.title, card.notes) == ("Ada", "Evil[2J Corp", "Boss[5m", "a\nb")


def test_a_phone_cell_with_numbers_separated_by_semicolons_gives_each_number() -> None:
    # Issue 9: Google's "(505) 555-0123;(505) 555-0124" kept only the first number, without a word.
    google = (
        b"First Name,Last Name,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n"
        b"Ada,Okafor,* Work,(505) 555-0123;(505) 555-0124,Mobile,(505) 555-0125 ::: (505) 555-0126;(505) 555-0127\n"
    )
    (ada,) = read_contacts_bytes(google).contacts
    assert [(p.e164, p.label, p.primary) for p in ada.phones] == [
        ("+15055550123", "Work", True),
        ("+15055550124", "Work", False),
        ("+15055550125", "Mobile", False),
        ("+15055550126", "Mobile", False),
        ("+15055550127", "Mobile", False),
    ]
    generic = read_contacts_bytes(b"Name,Phone\nBob,(505) 555-0123; (505) 555-0124;\n").contacts
    assert [p.e164 for p in generic[0].phones] == ["+15055550123", "+15055550124"]
    extension = read_contacts_bytes(b"Name,Phone\nCy,+1 505 555 0123;ext=22\n")
    assert [p.number for p in extension.contacts[0].phones] == ["+1 505 555 0123;ext=22"]


# --- French, German and Spanish headers ----------------------------------------------------------------------------
# Outlook's own exports in those languages (each with the encoding and separator it is written in), and files from
# other programs with those languages' usual headers. The phones keep the English labels (Mobile, Work, Home, ...).


def read_in(name: str, region: str) -> dict[str, Contact]:
    result = read_contacts_file(DATA / name, region=region)
    assert (result.format, result.problems, result.skipped) == (FORMAT_OUTLOOK, [], 0)
    return by_name(result)


def test_german_outlook_export_in_windows_1252_with_semicolons() -> None:
    contacts = read_in("outlook_de_cp1252_semicolon.csv", "DE")
    juergen = contacts["Dr. Jürgen Weiß"]
    assert (juergen.company, juergen.title, juergen.notes) == (
        "Müller & Söhne GmbH",
        "Einkäufer",
        "Ruft lieber vormittags an",
    )
    assert juergen.region_code == "DE"  # "Land/Region geschäftlich": Deutschland
    assert phones(juergen) == [
        ("+49 151 23456789", "Mobile", "+4915123456789", True),
        ("+49 30 1234567", "Work", "+49301234567", False),
        ("+49 30 7654321", "Home", "+49307654321", False),
    ]
    grete = contacts["Grete Schäfer"]
    assert grete.region_code == "US-NY"  # "Region geschäftlich" NY in "Vereinigte Staaten"
    assert phones(grete) == [("+1 212-555-0190", "Company Main", "+12125550190", True)]


def test_french_outlook_export_in_utf8_with_a_bom_and_two_titre_columns() -> None:
    contacts = read_in("outlook_fr_utf8_bom.csv", "FR")
    eric = contacts["M. Éric Lefèvre"]  # the first "Titre" is the courtesy title, the second the job title
    assert (eric.company, eric.title, eric.notes) == (
        "Crème Brûlée SARL",
        "Directeur commercial",
        "Préfère être appelé l'après-midi",
    )
    assert eric.region_code == "FR"
    assert phones(eric) == [
        ("+33 6 12 34 56 78", "Mobile", "+33612345678", True),
        ("+33 1 42 68 53 00", "Work", "+33142685300", False),
        ("+33 1 45 67 89 01", "Home", "+33145678901", False),
    ]
    zoe = contacts["Zoé Côté"]
    assert (zoe.region_code, phones(zoe)) == ("CA-QC", [("+1 514-555-0142", "Primary", "+15145550142", True)])


def test_spanish_outlook_export_in_utf8_without_a_bom() -> None:
    contacts = read_in("outlook_es_utf8.csv", "ES")
    maria = contacts["Sra. María José Núñez Peña"]
    assert (maria.company, maria.title, maria.notes) == (
        "Añil Telecomunicaciones",
        "Jefa de compras",
        "Llamar después de las 16:00",
    )
    assert phones(maria) == [
        ("+34 612 345 678", "Mobile", "+34612345678", True),
        ("+34 912 345 678", "Work", "+34912345678", False),
        ("+34 934 567 890", "Home", "+34934567890", False),
    ]


@pytest.mark.parametrize(
    ("name", "region", "expected"),
    [
        (
            "contacts_fr_cp1252_semicolon.csv",
            "FR",
            ("Hélène Dubois", "Boulangerie Générale", "Gérante", ["+33612345678", "+33142685300", "+33145678901"]),
        ),
        (
            "contacts_de_utf8_bom.csv",
            "DE",
            ("Björn Größer", "Straßenbau Süd GmbH", "Bauleiter", ["+4915123456789", "+49301234567", "+49307654321"]),
        ),
        (
            "contacts_es_utf8.csv",
            "ES",
            ("Íñigo Ibáñez", "Cigüeña Logística", "Director", ["+34612345678", "+34912345678", "+34934567890"]),
        ),
    ],
)
def test_other_programs_files_with_french_german_and_spanish_headers(
    name: str, region: str, expected: tuple[str, str, str, list[str]]
) -> None:
    """ "Prénom"/"Nom"/"Téléphone mobile", "Vorname"/"Nachname"/"Telefon (mobil)", "Nombre"/"Apellidos"/"Teléfono
    móvil", with company, title, work and home phone columns."""
    (contact,) = read_in(name, region).values()
    assert (contact.name, contact.company, contact.title, [phone.e164 for phone in contact.phones]) == expected
    assert [(phone.label, phone.primary) for phone in contact.phones] == [
        ("Mobile", True),
        ("Work", False),
        ("Home", False),
    ]


@pytest.mark.parametrize(
    ("header", "label"),
    [
        ("TÉLÉPHONE MOBILE", "Mobile"),  # case and accents do not count
        ("Telephone Mobile", "Mobile"),
        ("Telefon (mobil)", "Mobile"),
        ("Teléfono móvil", "Mobile"),
        ("Handy", "Mobile"),
        ("Téléphone professionnel", "Work"),
        ("Telefon geschäftlich", "Work"),
        ("Teléfono del trabajo", "Work"),
        ("Téléphone domicile", "Home"),
        ("Telefon privat", "Home"),
        ("Teléfono particular", "Home"),
    ],
)
def test_a_phone_header_in_french_german_or_spanish_keeps_its_english_label(header: str, label: str) -> None:
    """Also beside an English name column (no French, German or Spanish name header to tell the language)."""
    (contact,) = read_contacts_bytes(f"Name,{header}\nAda,+1 212 555 0142\n".encode()).contacts
    assert (contact.name, contact.phones[0].label) == ("Ada", label)


def test_a_fax_or_telex_column_in_french_or_german_is_not_a_phone() -> None:
    result = read_contacts_bytes("Prénom;Télécopie (bureau);Telex;Téléphone\nAda;0142685301;1234;0142685300\n".encode())
    (contact,) = result.contacts
    assert [phone.number for phone in contact.phones] == ["0142685300"]


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        # In a German file with a "Vorname" column, "Name" is the last name.
        ("Vorname;Name;Telefon\nHans;Müller;+49 30 1234567\n", "DE", ("Hans Müller", "", "")),
        ("Vollständiger Name;Telefon\nHans Müller;+49 30 1234567\n", "DE", ("Hans Müller", "", "")),
        # "Nom" without "Prénom", "Nom complet" and "Nombre completo" are the whole name.
        ("Nom;Téléphone\nJean Dupont;+33 1 42 68 53 00\n", "FR", ("Jean Dupont", "", "")),
        ("Nom complet;Téléphone\nJean Dupont;+33 1 42 68 53 00\n", "FR", ("Jean Dupont", "", "")),
        ("Nombre completo;Teléfono\nAna García;+34 612 345 678\n", "ES", ("Ana García", "", "")),
        # Company and job title words are read without a name header to tell the language.
        (
            "Name;Firma;Position;Telefon\nHans Müller;ACME GmbH;Leiter Vertrieb;+49 30 1234567\n",
            "DE",
            ("Hans Müller", "ACME GmbH", "Leiter Vertrieb"),
        ),
        (
            "Name;Société;Fonction;Téléphone\nJean Dupont;ACME;Directeur;+33 1 42 68 53 00\n",
            "FR",
            ("Jean Dupont", "ACME", "Directeur"),
        ),
        (
            "Name;Empresa;Puesto;Teléfono\nAna García;ACME;Gerente;+34 612 345 678\n",
            "ES",
            ("Ana García", "ACME", "Gerente"),
        ),
        # French Outlook: a single "Titre" before the name is the courtesy title, after it the job title.
        (
            "Titre;Prénom;Nom;Société;Téléphone mobile\nM.;Jean;Dupont;ACME;+33 6 12 34 56 78\n",
            "FR",
            ("M. Jean Dupont", "ACME", ""),
        ),
        (
            "Prénom;Nom;Société;Titre;Téléphone\nJean;Dupont;ACME;Directeur commercial;+33 1 42 68 53 00\n",
            "FR",
            ("Jean Dupont", "ACME", "Directeur commercial"),
        ),
        (
            "Titre;Prénom;Nom;Société;Titre;Téléphone mobile\nM.;Jean;Dupont;ACME;Directeur;+33 6 12 34 56 78\n",
            "FR",
            ("M. Jean Dupont", "ACME", "Directeur"),
        ),
        (
            "Prénom;Nom;Fonction;Titre;Téléphone\nJean;Dupont;Directeur;M.;+33 1 42 68 53 00\n",
            "FR",
            ("M. Jean Dupont", "", "Directeur"),
        ),
        # A "Name" column beside Outlook's phone headers is the name.
        ("Name,Job Title,Mobile Phone\nAda Okafor,CTO,+1 212 555 0142\n", "US", ("Ada Okafor", "", "CTO")),
    ],
)
def test_french_german_and_spanish_name_company_and_title_headers(
    text: str, region: str, expected: tuple[str, str, str]
) -> None:
    (contact,) = read_contacts_bytes(text.encode(), region=region).contacts
    assert (contact.name, contact.company, contact.title) == expected


@pytest.mark.parametrize(
    ("text", "region_code"),
    [
        ("Vorname;Nachname;Bundesland;Land;Telefon\nHans;Müller;Bayern;Deutschland;089 1234567\n", "DE"),
        ("Prénom;Nom;Pays;Téléphone\nJean;Dupont;France;01 42 68 53 00\n", "FR"),
        ("Nombre;Apellidos;Provincia;País;Teléfono\nAna;García;Madrid;España;+34 612 345 678\n", "ES"),
    ],
)
def test_german_french_and_spanish_state_and_country_headers(text: str, region_code: str) -> None:
    (contact,) = read_contacts_bytes(text.encode(), region="US").contacts
    assert contact.region_code.split("-")[0] == region_code
