"""Contact files in and out: CSV (Google, Outlook, any CSV with recognisable headers) and vCard 2.1/3.0/4.0.

The readers never touch the database: they return an `ImportResult` (contacts, per-row problems) and the caller
stores the contacts in one transaction. Every number goes through `phone.parse_number`, which fills
`PhoneEntry.e164` (the number in international form); a row keeps its good numbers and is skipped (and reported)
only when none is usable.

Speed: libphonenumber needs ~180 µs per number, too slow for 100k-row files. Results are therefore cached by raw text,
and plain 10-digit North American numbers (``(212) 555-0142``, ``+1 212.555.0142``) are cached per area code (other
plain-digit numbers per written shape and all but their last four digits): parse_number checks the first number of each
such group and the rest of the group reuses its verdict and the start of its international form. That is exact because
for these numbers parse_number's outcome depends only on the length and the leading digits (emergency prefixes), not on
how the separators are written — tests/core/test_importers.py checks it against parse_number on random numbers in every
written form the pattern accepts. The rest of the speed comes from building the model objects directly and pausing the
cyclic GC while reading (see below).
"""

from __future__ import annotations

import csv
import functools
import io
import operator
import os
import quopri
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote

import phonenumbers

from c2c_desktop.core.fileutil import defuse_formula, gc_paused
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import PhoneError, parse_number
from c2c_desktop.core.text import clean_text

ProgressCallback = Callable[[int, int], None]

FORMAT_GOOGLE = "google-csv"
FORMAT_GOOGLE_LEGACY = "google-csv-legacy"
FORMAT_OUTLOOK = "outlook-csv"
FORMAT_GENERIC = "generic-csv"
FORMAT_VCARD = "vcard"

#: Fields a `mapping` may assign a CSV header to ("ignore" or "" leaves the column out).
MAPPING_FIELDS = frozenset({"name", "first_name", "last_name", "company", "title", "phone", "notes"})

_PROGRESS_EVERY = 1000
# Regions that share country code 1 (their plain 10-digit numbers are grouped by area code).
_NANP_REGIONS = frozenset(phonenumbers.region_codes_for_country_code(1))
_GOOGLE_JOIN = ":::"
#: Several numbers in one phone cell: "(505) 555-0123;(505) 555-0124" (not before a tel: parameter such as ";ext=").
_NUMBERS_SEPARATOR = re.compile(r";(?!\s*(?:ext|isub|phone-context)\s*=)", re.IGNORECASE)
#: The largest contacts file read (far above any real address book; keeps /dev/zero or a huge file out of memory).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The longest CSV cell read; a row with a longer one is a problem row, and the rest of the file is still read.
MAX_CELL_CHARS = 100_000


class ContactFileError(Exception):
    """The file cannot be read as contacts at all; str() is a plain message for the agent."""


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong in one row or card. `skipped` is True when the row/card was left out because of it."""

    location: str  # "row 7" (a spreadsheet's row number: the header is row 1) or "card 3"
    reason: str
    skipped: bool = False


@dataclass
class ImportResult:
    """What a file held: its contacts in file order, the problems of its rows or cards, how many were skipped.

    `locations[i]` is where contacts[i] came from ("row 26", "card 3"); empty for results not read from a file.
    """

    contacts: list[Contact]
    problems: list[ImportProblem]
    skipped: int
    format: str
    locations: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Rows or cards read (blank rows not counted): each is a contact or was skipped."""
        return len(self.contacts) + self.skipped

    def location_of(self, index: int) -> str:
        """Where the contact at `index` came from ("row 26"), or "contact N" when the file's place is not known."""
        return self.locations[index] if index < len(self.locations) else f"contact {index + 1}"

    @functools.cached_property
    def duplicates_in_file(self) -> int:
        """How many contacts share a number with an earlier one in the file.

        Counted on first use: an import does not need it (plan_import finds the same duplicates).
        """
        return _count_duplicates(self.contacts)


# ---------------------------------------------------------------------------------------------------------------
# Public entry points


def read_contacts_file(
    path: str | Path,
    *,
    region: str = "US",
    mapping: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Read a CSV or vCard contacts file (format detected from its content). Raises ContactFileError only.

    Only a regular file of at most MAX_FILE_BYTES is read (a device or FIFO could never end).
    """
    file_path = Path(path)
    data = _read_regular_file(file_path)
    return read_contacts_bytes(data, filename_hint=file_path.name, region=region, mapping=mapping, progress=progress)


def _read_regular_file(file_path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    # The bytes of a regular file of at most `limit` bytes, or ContactFileError with a plain message.
    name = file_path.name
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # POSIX only: opening a FIFO would otherwise wait for a writer
    try:
        fd = os.open(file_path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise ContactFileError(f"Cannot read {name}: {exc.strerror or 'unreadable'}.") from None
    try:
        # fstat of the opened file, not a stat of the name: nothing can be swapped in between.
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ContactFileError(f"Cannot read {name}: not a regular file.")
        if nonblocking:
            os.set_blocking(fd, True)
        with open(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)  # one byte more tells "too large" from "exactly the limit"
    except OSError as exc:
        raise ContactFileError(f"Cannot read {name}: {exc.strerror or 'unreadable'}.") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ContactFileError(f"Cannot read {name}: the file is larger than {limit // (1024 * 1024)} MiB.")
    return data


def read_contacts_bytes(
    data: bytes,
    *,
    filename_hint: str = "",
    region: str = "US",
    mapping: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Read contacts from the bytes of a CSV or vCard file. Raises ContactFileError (only) if nothing is readable.

    `mapping` (CSV only) names the columns to read, header -> one of MAPPING_FIELDS; headers match ignoring case and
    spacing. A mapping naming an unknown field is a programming error (ValueError).
    """
    if mapping is not None:
        _check_mapping(mapping)
    # Controls and bidi formatting characters go before anything is read (tabs and line ends stay: the CSV needs
    # them); one scan of the text, which costs little next to reading it.
    text = clean_text(_decode(data))
    numbers = _NumberCache(region)
    with gc_paused():
        if _looks_like_vcard(text, filename_hint):
            return _read_vcard(text, numbers, progress)
        return _read_csv(text, numbers, mapping, progress)


def detect_csv_headers(data: bytes) -> list[str]:
    """The header names of a CSV file (first non-blank row), for a column-mapping step. Raises ContactFileError."""
    text = _decode(data)
    if _looks_like_vcard(text, ""):
        raise ContactFileError("This is a vCard file, not a CSV file.")
    records = _csv_records(text)
    header_index = _header_index(records)
    if header_index is None:
        raise ContactFileError("This file has no column headers.")
    return [cell.strip() for cell in records[header_index] if cell.strip()]


def write_csv(contacts: Iterable[Contact], path: str | Path) -> int:
    """Write contacts as a Google Contacts CSV (current layout; Outlook and Google import it). Returns the count."""
    rows = list(contacts)
    phone_columns = max((len(contact.phones) for contact in rows), default=1) or 1
    header = ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title", "Notes"]
    for index in range(1, phone_columns + 1):
        header += [f"Phone {index} - Label", f"Phone {index} - Value"]
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for contact in rows:
            first, last = _split_name(_name_to_write(contact))
            # A cell a spreadsheet would run as a formula gets a ' in front; plain phone numbers stay importable.
            row = list(map(defuse_formula, [first, "", last, contact.company, contact.title, contact.notes]))
            primary = _primary_index(contact.phones)
            for index, phone in enumerate(contact.phones):
                # "* " marks the primary number, as Google does; only needed when it is not the first one.
                label = f"* {phone.label}" if index == primary and index != 0 else phone.label
                row += [defuse_formula(label), defuse_formula(phone.number, keep_phone_numbers=True)]
            row += [""] * (len(header) - len(row))
            writer.writerow(row)
    return len(rows)


def write_vcard(contacts: Iterable[Contact], path: str | Path) -> int:
    """Write contacts as vCard 3.0 (CRLF, folded at 75 octets). Returns the count."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as stream:
        for contact in contacts:
            for line in _vcard_lines(contact):
                stream.write(_fold(line))
            count += 1
    return count


# ---------------------------------------------------------------------------------------------------------------
# Bytes to text


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ContactFileError("The file is empty.")
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif (utf16 := _utf16_without_bom(data)) is not None:
        text = data.decode(utf16, errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel and Outlook on Windows write the ANSI code page.
            text = data.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ContactFileError("This is not a contacts file (CSV or vCard).")
    if not text.strip():
        raise ContactFileError("The file is empty.")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the start of data looks like mostly-ASCII UTF-16 text."""
    sample = data[:2000]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zero > 0.9 * half and even_zero == 0:
        return "utf-16-le"
    if even_zero > 0.9 * half and odd_zero == 0:
        return "utf-16-be"
    return None


def _looks_like_vcard(text: str, filename_hint: str) -> bool:
    if text.lstrip()[:11].upper() == "BEGIN:VCARD":
        return True
    if filename_hint.lower().endswith((".vcf", ".vcard")):
        if "BEGIN:VCARD" in text.upper():
            return True
        raise ContactFileError("This file has a vCard name but holds no vCard (no BEGIN:VCARD).")
    return False


# ---------------------------------------------------------------------------------------------------------------
# Numbers


# A plain North American number, optionally with its country code: grouped by area code (module docstring).
_NANP_PLAIN = re.compile(r"(?:\+?1[ .-]?)?\(?([2-9]\d\d)\)?[ .-]?([2-9]\d\d)[ .-]?(\d{4})", re.ASCII)
# Any other number written with digits and separators only: grouped by shape and all but its last four digits.
_PLAIN_DIGITS = re.compile(r"\+?[\d .()-]+", re.ASCII)
_GROUPED_MIN_DIGITS = 9  # well above emergency and short service numbers, which depend on every digit
_DROP_SEPARATORS = str.maketrans("", "", "+ .()-")
_DIGIT_TO_D = str.maketrans("0123456789", "dddddddddd")
_GroupKey = TypeVar("_GroupKey", str, tuple[str, str])


class _NumberCache:
    """parse_number with memory: by raw text, and by group for numbers written as plain digits (module docstring).

    A group's first number goes through parse_number; the others reuse its verdict, and the start of its
    international form when that ends with the varying digits as written. Groups whose first number is refused are
    not shared.
    """

    def __init__(self, region: str) -> None:
        self.region = region
        self._nanp_home = region.strip().upper() in _NANP_REGIONS
        self._by_text: dict[str, tuple[str, str]] = {}  # raw -> (e164, "") or ("", error message)
        self._prefix_by_area: dict[str, str | None] = {}
        self._prefix_by_group: dict[tuple[str, str], str | None] = {}

    def pinned(self, raw: str) -> tuple[str, str]:
        """(the number in international form, "") for a usable number, ("", reason) otherwise."""
        # First, inline, a North American number of an area code already seen: nearly every number of a large
        # file at home in North America, each usually a different one (remembering it by text would not pay).
        if self._nanp_home and (match := _NANP_PLAIN.fullmatch(raw)) is not None:
            area, exchange, line = match.groups()
            # None: an area code not seen yet, or one whose numbers are not shared (both are handled below).
            if (prefix := self._prefix_by_area.get(area)) is not None:
                return prefix + area + exchange + line, ""
        known = self._by_text.get(raw)
        if known is None:
            known = self._by_group(raw) or self._parse(raw)
            self._by_text[raw] = known
        return known

    def _parse(self, raw: str) -> tuple[str, str]:
        try:
            return parse_number(raw, self.region).e164, ""
        except PhoneError as exc:  # its only exception, also for a bad region
            return "", str(exc) or f"unparseable number '{raw}'"

    def _by_group(self, raw: str) -> tuple[str, str] | None:
        if self._nanp_home and (match := _NANP_PLAIN.fullmatch(raw)) is not None:
            area, exchange, line = match.groups()
            by_area = self._prefix_by_area
            if area not in by_area:
                return self._first_of_group(raw, by_area, area, area + exchange + line)
            prefix = by_area[area]
            return None if prefix is None else (prefix + area + exchange + line, "")
        if _PLAIN_DIGITS.fullmatch(raw) is None:
            return None
        digits = raw.translate(_DROP_SEPARATORS)
        if len(digits) < _GROUPED_MIN_DIGITS:
            return None
        group = (raw.translate(_DIGIT_TO_D), digits[:-4])
        if group not in self._prefix_by_group:
            return self._first_of_group(raw, self._prefix_by_group, group, digits[-4:])
        prefix = self._prefix_by_group[group]
        return None if prefix is None else (prefix + digits[-4:], "")

    def _first_of_group(
        self, raw: str, prefixes: dict[_GroupKey, str | None], group: _GroupKey, varying: str
    ) -> tuple[str, str]:
        """Parse the group's first number; the start of its international form is shared if the rest is the varying
        digits."""
        e164, error = self._parse(raw)
        shared = not error and e164.endswith(varying)
        prefixes[group] = e164[: -len(varying)] if shared else None
        return e164, error


def _phone_entries(
    candidates: Sequence[tuple[str, str, bool]], numbers: _NumberCache, location: str, problems: list[ImportProblem]
) -> tuple[PhoneEntry, ...]:
    """Check (number, label, preferred) candidates; bad ones become problems. Exactly one entry is primary.

    A number repeated within one contact (Outlook's "Primary Phone" usually repeats another column) is kept once.
    """
    if len(candidates) == 1:  # the common case, without the bookkeeping below
        raw, label, _ = candidates[0]
        e164, error = numbers.pinned(raw)
        if error:
            problems.append(ImportProblem(location, error))
            return ()
        return (_new_phone(raw, label, e164, True),)
    kept: list[tuple[str, str, str]] = []
    e164s: dict[str, int] = {}
    primary = -1
    for raw, label, preferred in candidates:
        e164, error = numbers.pinned(raw)
        if error:
            problems.append(ImportProblem(location, error))
            continue
        if e164 in e164s:
            if preferred and primary < 0:
                primary = e164s[e164]
            continue
        e164s[e164] = len(kept)
        if preferred and primary < 0:
            primary = len(kept)
        kept.append((raw, label, e164))
    primary = max(primary, 0)
    return tuple([_new_phone(raw, label, e164, index == primary) for index, (raw, label, e164) in enumerate(kept)])


def _make_contact(
    name: str,
    company: str,
    title: str,
    notes: str,
    candidates: Sequence[tuple[str, str, bool]],
    numbers: _NumberCache,
    location: str,
    problems: list[ImportProblem],
    region_code: str = "",
) -> Contact | None:
    """The contact, or None (with its problems marked skipped) when no number is usable.

    `name`, `company` and `title` come already on one line (`_one_line`); a contact without a name is named after
    its company, else its first number. The numbers are checked as `_phone_entries` does.
    """
    # One or two good and different numbers: most rows of most files. The same result as _phone_entries gives
    # (tests/core/test_importers.py compares them), without its bookkeeping.
    if len(candidates) == 1:
        raw, label, _ = candidates[0]
        e164, error = numbers.pinned(raw)
        if not error:
            phone = _new_phone(raw, label, e164, True)
            return _new_contact(name or company or raw, company, title, (phone,), notes, region_code)
    elif len(candidates) == 2:
        (raw, label, preferred), (raw2, label2, preferred2) = candidates
        e164, error = numbers.pinned(raw)
        e164_2, error2 = numbers.pinned(raw2)
        if not error and not error2 and e164 != e164_2:
            second = preferred2 and not preferred  # the primary one: the first preferred, else the first
            pair = (_new_phone(raw, label, e164, not second), _new_phone(raw2, label2, e164_2, second))
            return _new_contact(name or company or raw, company, title, pair, notes, region_code)
    first_problem = len(problems)
    phones = _phone_entries(candidates, numbers, location, problems)
    if not phones:
        if len(problems) == first_problem:
            problems.append(ImportProblem(location, "no phone number", skipped=True))
        else:
            for index in range(first_problem, len(problems)):
                problems[index] = ImportProblem(location, problems[index].reason, skipped=True)
        return None
    return _new_contact(name or company or phones[0].number, company, title, phones, notes, region_code)


def _one_line(value: str) -> str:
    """Single-line fields: a newline typed into a spreadsheet cell becomes a space; runs of spaces become one."""
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value  # the common case, checked much faster than split and join
    return " ".join(value.split())


_E164_OF = operator.attrgetter("e164")


def _count_duplicates(contacts: Iterable[Contact]) -> int:
    seen: set[str] = set()
    add = seen.add
    duplicates = 0
    for contact in contacts:
        phones = contact.phones
        if len(phones) == 1:
            e164 = phones[0].e164
            if e164 in seen:
                duplicates += 1
            else:
                add(e164)
            continue
        e164s = set(map(_E164_OF, phones))
        if not e164s.isdisjoint(seen):
            duplicates += 1
        seen |= e164s
    return duplicates


# Frozen dataclasses set each field through object.__setattr__, which is a third of the cost of reading a 100k-row
# file. These build the same objects by filling __dict__ directly (models has no __post_init__, validation or
# __slots__; tests/core/test_importers.py checks that the results equal normally built ones).
_new_object = object.__new__


def _new_phone(number: str, label: str, e164: str, primary: bool) -> PhoneEntry:
    entry = _new_object(PhoneEntry)
    fields = entry.__dict__
    fields["number"] = number
    fields["label"] = label
    fields["e164"] = e164
    fields["primary"] = primary
    return entry


def _new_contact(
    name: str, company: str, title: str, phones: tuple[PhoneEntry, ...], notes: str, region_code: str = ""
) -> Contact:
    contact = _new_object(Contact)
    fields = contact.__dict__
    fields["id"] = None
    fields["name"] = name
    fields["company"] = company
    fields["title"] = title
    fields["phones"] = phones
    fields["notes"] = notes
    fields["region_code"] = region_code
    return contact


def _fast_construction_is_exact() -> bool:
    try:
        phone = _new_phone("1", "l", "1", True)
        contact = _new_contact("n", "c", "t", (phone,), "x", "US-FL")
    except (AttributeError, TypeError):  # e.g. __slots__: no __dict__
        return False
    return (
        not hasattr(PhoneEntry, "__post_init__")
        and not hasattr(Contact, "__post_init__")
        and phone == PhoneEntry("1", "l", "1", True)
        and contact == Contact(None, "n", "c", "t", (phone,), "x", "US-FL")
        and vars(contact) == vars(Contact(None, "n", "c", "t", (phone,), "x", "US-FL"))
        and vars(phone) == vars(PhoneEntry("1", "l", "1", True))
    )


if not _fast_construction_is_exact():  # models changed shape: fall back to the constructors
    _new_phone = PhoneEntry

    def _new_contact(
        name: str, company: str, title: str, phones: tuple[PhoneEntry, ...], notes: str, region_code: str = ""
    ) -> Contact:
        return Contact(None, name, company, title, phones, notes, region_code)


# ---------------------------------------------------------------------------------------------------------------
# CSV


@dataclass
class _PhoneColumn:
    value_index: int
    label: str = ""
    label_index: int | None = None  # Google's "Phone N - Type/Label" column
    preferred: bool = False  # Outlook's "Primary Phone"


@dataclass
class _CsvPlan:
    format: str
    full_name: list[int] = field(default_factory=list)
    name_parts: list[int] = field(default_factory=list)  # joined with spaces, in this order
    fallback_name: list[int] = field(default_factory=list)  # e.g. Google's "File As", before the company
    company: list[int] = field(default_factory=list)
    title: list[int] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    phones: list[_PhoneColumn] = field(default_factory=list)
    state: list[int] = field(default_factory=list)  # the address's state/province (first non-empty cell)
    country: list[int] = field(default_factory=list)
    split_multi: bool = False  # Google joins several values in one cell with " ::: "
    width: int = 0  # the header's cell count (short rows are padded to it)


def _header_key(header: str) -> str:
    """How header names are compared: case, accents and runs of spaces do not count ("Téléphone  mobile" is
    "telephone mobile")."""
    key = " ".join(header.replace("\ufeff", "").strip().strip('"').lower().split())
    if key.isascii():
        return key
    return "".join(char for char in unicodedata.normalize("NFKD", key) if not unicodedata.combining(char)).casefold()


def _sniff_delimiter(text: str) -> str:
    first_line = _first_nonblank_line(text)
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _first_nonblank_line(text: str, head_size: int = 65536) -> str:
    """The first line of text that is not blank (as in text.splitlines()), or "".

    Only the head of the text is split when the line is there: splitting all of a large file costs ~30 ms.
    """
    head = text[:head_size]
    lines = head.splitlines()
    whole = len(head) == len(text)
    for line in lines if whole else lines[:-1]:  # the head's last line may be cut short
        if line.strip():
            return line
    if whole:
        return ""
    return next((line for line in text.splitlines() if line.strip()), "")


#: Line breaks of str.splitlines() that csv (reading with newline="") does not break lines at.
_OTHER_LINE_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _csv_records(text: str) -> list[list[str]]:
    """All records; a record the csv module cannot read is a mark (_UNREADABLE_MARK) and reading goes on after it."""
    # csv's own cell limit (128 KiB by default) would end the reading at the first longer cell; no cell can be longer
    # than the file, so with the file's limit csv reads every row and _read_csv reports a long cell as one problem.
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)
    # Lines as io.StringIO(text, newline="") gives them; splitlines gives the same lines unless the text holds one of
    # the other line breaks, and it does not copy the text at four bytes a character as StringIO does.
    plain = not any(char in text for char in _OTHER_LINE_BREAKS)
    lines: Iterable[str] = text.splitlines(keepends=True) if plain else io.StringIO(text, newline="")
    reader = csv.reader(lines, delimiter=_sniff_delimiter(text))
    records: list[list[str]] = []
    while True:
        try:
            records.extend(reader)  # on an error, what was read before stays in the list
        except csv.Error:
            # The reader starts afresh at the next line; the message is csv's, not one for the agent.
            records.append([_UNREADABLE_MARK])
            continue
        return records


_UNREADABLE_MARK = "\x00unreadable"  # cannot occur in decoded text: NUL is refused


def _header_index(records: list[list[str]]) -> int | None:
    for index, record in enumerate(records):
        if record and record[0] == _UNREADABLE_MARK:
            return None
        if any(cell.strip() for cell in record):
            return index
    return None


def _read_csv(
    text: str, numbers: _NumberCache, mapping: dict[str, str] | None, progress: ProgressCallback | None
) -> ImportResult:
    records = _csv_records(text)
    header_index = _header_index(records)
    if header_index is None:
        raise ContactFileError("This file is not a contacts file (CSV or vCard): no column headers were found.")
    header = records[header_index]
    plan = _mapped_plan(header, mapping) if mapping is not None else _detect_plan(header)
    plan.width = len(header)
    if not plan.phones:
        shown = ", ".join(cell.strip() for cell in header if cell.strip())[:200]
        raise ContactFileError(f"No phone number column found in this file (columns: {shown}).")

    contacts: list[Contact] = []
    locations: list[str] = []
    problems: list[ImportProblem] = []
    skipped = 0
    total = len(records) - header_index - 1
    width = len(header)
    read_row = _csv_row_reader(plan, numbers, problems)
    # A spreadsheet's row number: the header is row header_index + 1.
    for done, record in enumerate(records[header_index + 1 :], start=1):
        if progress is not None and done % _PROGRESS_EVERY == 0:
            progress(done, total)
        joined = "".join(record)
        if not joined.strip():
            continue  # a blank row
        location = f"row {header_index + 1 + done}"
        if record[0] == _UNREADABLE_MARK:
            problems.append(ImportProblem(location, "this row is not readable as CSV", True))
            skipped += 1
            continue
        if len(joined) > MAX_CELL_CHARS and (longest := max(map(len, record))) > MAX_CELL_CHARS:
            problems.append(ImportProblem(location, _too_long(longest, record, last=done == total), True))
            skipped += 1
            continue
        if len(record) != width:
            if len(record) > width and "".join(record[width:]).strip():
                problems.append(
                    ImportProblem(location, f"{len(record)} cells but {width} headers; the extra cells were ignored")
                )
            elif len(record) < width:
                record = record + [""] * (width - len(record))
        contact = read_row(record, location)
        if contact is None:
            skipped += 1
        else:
            contacts.append(contact)
            locations.append(location)
    if progress is not None:
        progress(total, total)
    return ImportResult(contacts, problems, skipped, plan.format, locations)


def _too_long(length: int, record: list[str], *, last: bool) -> str:
    reason = f"a cell of {length:,} characters is longer than the limit of {MAX_CELL_CHARS:,}"
    if last and any(len(cell) == length and "\n" in cell for cell in record):  # it ran to the end of the file
        reason += " (a quote that is never closed takes in the rest of the file)"
    return reason


def _first_of(record: list[str], indexes: list[int], split_multi: bool) -> str:
    for index in indexes:
        value = record[index].strip()
        if value:
            return _first_value(value) if split_multi and _GOOGLE_JOIN in value else value
    return ""


def _cells(indexes: list[int]) -> Callable[[list[str]], Sequence[str]]:
    """A function giving the cells of a record at `indexes`, always as a sequence (itemgetter, when it can)."""
    if len(indexes) > 1:
        return operator.itemgetter(*indexes)
    if indexes:
        index = indexes[0]
        return lambda record: (record[index],)
    return lambda record: ()


def _csv_row_reader(
    plan: _CsvPlan, numbers: _NumberCache, problems: list[ImportProblem]
) -> Callable[[list[str], str], Contact | None]:
    """The function reading one row (at least as wide as the header) as a contact, None when no number is usable.

    Which cells hold what depends on the header only, so it is worked out here, once per file.
    """
    split_multi = plan.split_multi
    phone_columns = [(column.value_index, column.label, column.label_index, column.preferred) for column in plan.phones]
    full_name, fallback_name, company, title = plan.full_name, plan.fallback_name, plan.company, plan.title
    name_parts = _cells(plan.name_parts)
    notes_columns = plan.notes
    state_columns, country_columns = plan.state, plan.country
    single_notes = notes_columns[0] if len(notes_columns) == 1 else None

    def read_row(record: list[str], location: str) -> Contact | None:
        candidates: list[tuple[str, str, bool]] = []
        for value_index, column_label, label_index, preferred in phone_columns:
            value = record[value_index].strip()
            if not value:
                continue
            label = column_label if label_index is None else record[label_index].strip()
            if split_multi and (_GOOGLE_JOIN in value or label.startswith("*") or ";" in value):
                candidates += _google_phones(value, label)
            elif ";" in value:
                candidates += [(number, label, preferred) for number in _numbers_of_cell(value)]
            else:
                candidates.append((value, label, preferred))
        name = _one_line(_first_of(record, full_name, split_multi)) if full_name else ""
        if not name:
            # Joined, then split: drops empty parts and collapses the spaces around them (so: one line already).
            name = " ".join(" ".join(name_parts(record)).split())
            name = name or _one_line(_first_of(record, fallback_name, split_multi))
        if single_notes is not None:
            notes = record[single_notes].strip()
        else:
            notes = "\n".join([note for index in notes_columns if (note := record[index].strip())])
        company_text = _first_of(record, company, split_multi)
        title_text = _first_of(record, title, split_multi) if title else ""
        region_code = ""
        if state_columns or country_columns:
            state_text = _first_of(record, state_columns, split_multi)
            country_text = _first_of(record, country_columns, split_multi)
            if state_text or country_text:
                region_code, region_problem = _address_region(state_text, country_text)
                if region_problem:
                    problems.append(ImportProblem(location, f"{region_problem}; the address region was left empty"))
        return _make_contact(
            name,
            _one_line(company_text) if company_text else "",
            _one_line(title_text) if title_text else "",
            notes,
            candidates,
            numbers,
            location,
            problems,
            region_code,
        )

    return read_row


@functools.lru_cache(maxsize=1024)
def _address_region(state: str, country: str) -> tuple[str, str]:
    """(region code, "") or ("", why it cannot be read) for an address's state and country cells."""
    from c2c_desktop.core.rules.regions import RegionError, normalise_region

    try:
        return normalise_region(state, country), ""
    except RegionError as exc:
        return "", str(exc)


def _first_value(cell_text: str) -> str:
    return cell_text.split(_GOOGLE_JOIN, 1)[0].strip()


def _numbers_of_cell(cell_text: str) -> list[str]:
    """The numbers of one phone cell: several separated by ';' (Google, and some exports, join them so)."""
    return [number for part in _NUMBERS_SEPARATOR.split(cell_text) if (number := part.strip())]


def _google_phones(values_text: str, labels_text: str) -> list[tuple[str, str, bool]]:
    """Google's cells: 'a ::: b' numbers, a label per number or one for all, '* ' marking the primary one.

    A value holding several numbers separated by ';' gives each of them, with that value's label.
    """
    values = [value.strip() for value in values_text.split(_GOOGLE_JOIN)]
    labels = [label.strip() for label in labels_text.split(_GOOGLE_JOIN)]
    if len(labels) != len(values):
        labels = [labels_text.strip()] * len(values)
    phones: list[tuple[str, str, bool]] = []
    for value, label in zip(values, labels, strict=True):
        preferred = label.startswith("*")
        if preferred:
            label = label[1:].strip()
        if ";" in value:
            phones += [(number, label, preferred) for number in _numbers_of_cell(value)]
        elif value:
            phones.append((value, label, preferred))
    return phones


_GOOGLE_PHONE = re.compile(r"phone (\d+) - (type|label|value)")

# Outlook's phone columns in the order their numbers are listed, with the label each gets. Telex is not a phone.
_OUTLOOK_PHONES: dict[str, str] = {
    "mobile phone": "Mobile",
    "business phone": "Work",
    "business phone 2": "Work 2",
    "home phone": "Home",
    "home phone 2": "Home 2",
    "company main phone": "Company Main",
    "other phone": "Other",
    "assistant's phone": "Assistant",
    "car phone": "Car",
    "callback": "Callback",
    "pager": "Pager",
    "radio phone": "Radio",
    "isdn": "ISDN",
    "tty/tdd phone": "TTY/TDD",
    "business fax": "Work Fax",
    "home fax": "Home Fax",
    "other fax": "Other Fax",
    "primary phone": "Primary",
    "mobile phone 2": "Mobile 2",  # only in German exports ("Mobiltelefon 2")
}

# Outlook's exports in French, German and Spanish, and the usual headers of files written in those languages: each
# header (compared as _header_key gives it) and the English header it stands for, so that the rest of the reading
# (Outlook's plan, the generic one, the phones' labels) is the same as for an English file. Sources: Outlook's
# exported headers as other importers list them (Open-Xchange, BBDB's lookout.el, converters for French and German
# Outlook); the Spanish names are the field names of Outlook's Spanish interface.
_LOCALISED_HEADERS: dict[str, dict[str, str]] = {
    "de": {
        "anrede": "courtesy title",
        "vorname": "first name",
        "vollstandiger name": "name",
        "weitere vornamen": "middle name",
        "zweiter vorname": "middle name",
        "nachname": "last name",
        "namenszusatz": "suffix",
        "firma": "company",
        "unternehmen": "company",
        "abteilung": "department",
        "position": "job title",
        "notizen": "notes",
        "bundesland": "state",
        "land": "country",
        "region geschaftlich": "business state",
        "land/region geschaftlich": "business country/region",
        "bundesland/kanton privat": "home state",
        "land/region privat": "home country/region",
        "weiteres/r bundesland/kanton": "other state",
        "weiteres/e land/region": "other country/region",
        "mobiltelefon": "mobile phone",
        "mobiltelefonnummer": "mobile phone",
        "telefon (mobil)": "mobile phone",
        "telefon mobil": "mobile phone",
        "handy": "mobile phone",
        "mobiltelefon 2": "mobile phone 2",
        "telefon geschaftlich": "business phone",
        "telefon (geschaftlich)": "business phone",
        "telefon geschaftlich 2": "business phone 2",
        "telefon (geschaftlich 2)": "business phone 2",
        "telefon privat": "home phone",
        "telefon (privat)": "home phone",
        "telefon privat 2": "home phone 2",
        "telefon (privat 2)": "home phone 2",
        "telefon firma": "company main phone",
        "telefon (zentrale)": "company main phone",
        "weiteres telefon": "other phone",
        "telefon (weiteres)": "other phone",
        "telefon assistent": "assistant's phone",
        "autotelefon": "car phone",
        "ruckmeldung": "callback",
        "haupttelefon": "primary phone",
        "telefon fur horbehinderte": "tty/tdd phone",
        "fax geschaftlich": "business fax",
        "fax (geschaftlich)": "business fax",
        "fax privat": "home fax",
        "fax (privat)": "home fax",
        "weiteres fax": "other fax",
        "fax (weiteres)": "other fax",
    },
    "fr": {
        "titre": "courtesy title",  # or the job title: see _english_keys
        "prenom": "first name",
        "nom complet": "name",
        "deuxieme prenom": "middle name",
        "nom": "last name",
        "suffixe": "suffix",
        "societe": "company",
        "entreprise": "company",
        "service": "department",
        "fonction": "job title",
        "pays": "country",
        "dep/region (bureau)": "business state",
        "pays/region (bureau)": "business country/region",
        "pays (bureau)": "business country/region",
        "dep/region (domicile)": "home state",
        "pays/region (domicile)": "home country/region",
        "pays (domicile)": "home country/region",
        "dep/region (autre)": "other state",
        "pays/region (autre)": "other country/region",
        "pays (autre)": "other country/region",
        "tel. mobile": "mobile phone",
        "telephone mobile": "mobile phone",
        "telephone portable": "mobile phone",
        "portable": "mobile phone",
        "telephone (bureau)": "business phone",
        "telephone bureau": "business phone",
        "telephone professionnel": "business phone",
        "telephone travail": "business phone",
        "telephone 2 (bureau)": "business phone 2",
        "telephone (domicile)": "home phone",
        "telephone domicile": "home phone",
        "telephone 2 (domicile)": "home phone 2",
        "telephone societe": "company main phone",
        "telephone (autre)": "other phone",
        "autre telephone": "other phone",
        "telephone de l'assistant(e)": "assistant's phone",
        "telephone (voiture)": "car phone",
        "rappel": "callback",
        "recepteur de radiomessagerie": "pager",
        "telephone principal": "primary phone",
        "radio telephone": "radio phone",
        "rnis": "isdn",
        "telephone tdd/tty": "tty/tdd phone",
        "telecopie (bureau)": "business fax",
        "telecopie (domicile)": "home fax",
        "telecopie (autre)": "other fax",
    },
    "es": {
        "tratamiento": "courtesy title",
        "nombre": "first name",
        "nombre completo": "name",
        "segundo nombre": "middle name",
        "apellidos": "last name",
        "apellido": "last name",
        "sufijo": "suffix",
        "organizacion": "company",
        "empresa": "company",
        "compania": "company",
        "departamento": "department",
        "puesto": "job title",
        "cargo": "job title",
        "notas": "notes",
        "provincia": "state",
        "pais": "country",
        "telefono movil": "mobile phone",
        "movil": "mobile phone",
        "telefono del trabajo": "business phone",
        "telefono del trabajo 2": "business phone 2",
        "telefono particular": "home phone",
        "telefono particular 2": "home phone 2",
        "otro telefono": "other phone",
        "telefono principal": "primary phone",
        "telefono de la compania": "company main phone",
        "telefono del asistente": "assistant's phone",
        "telefono del automovil": "car phone",
        "devolucion de llamada": "callback",
        "buscapersonas": "pager",
        "localizador": "pager",
        "radiotelefono": "radio phone",
        "rdsi": "isdn",
        "fax del trabajo": "business fax",
        "fax particular": "home fax",
        "otro fax": "other fax",
    },
}
# A file is read as one of these languages only when it has one of that language's name headers: "Position",
# "Service" or "Notes" alone say nothing about the language.
_LANGUAGE_SIGNS: dict[str, frozenset[str]] = {
    "de": frozenset({"vorname", "nachname", "vollstandiger name"}),
    "fr": frozenset({"prenom", "deuxieme prenom", "nom", "nom complet"}),
    "es": frozenset({"nombre", "apellidos", "apellido", "nombre completo"}),
}
# Headers that mean one thing in whichever of these languages a file is written and nothing else in English: read so
# without a name header telling the language too ("Name;Firma;Position;Telefon"). The phone words ("Telefon",
# "Téléphone", "Teléfono") are phone headers in any file already (_PHONE_WORDS).
_UNMISTAKABLE_HEADERS: dict[str, str] = {
    "firma": "company",
    "unternehmen": "company",
    "societe": "company",
    "entreprise": "company",
    "empresa": "company",
    "compania": "company",
    "organizacion": "company",
    "fonction": "job title",
    "puesto": "job title",
    "cargo": "job title",
    "notizen": "notes",
    "notas": "notes",
    "bundesland": "state",
    "provincia": "state",
    "pays": "country",
    "pais": "country",
}


def _english_keys(keys: list[str]) -> list[str]:
    """The header keys with a French, German or Spanish file's headers put in English (others left as they are)."""
    present = set(keys)
    signed = [language for language, signs in _LANGUAGE_SIGNS.items() if present & signs]
    if not signed:
        return [_UNMISTAKABLE_HEADERS.get(key, key) for key in keys]
    language = max(signed, key=lambda language: len(present & _LOCALISED_HEADERS[language].keys()))
    table = _LOCALISED_HEADERS[language]
    english = [table.get(key) or _UNMISTAKABLE_HEADERS.get(key, key) for key in keys]
    if language == "de" and "vorname" in present and "nachname" not in present and "name" in present:
        english[keys.index("name")] = "last name"  # "Vorname;Name": the first name, then the last name
    if language == "fr":
        if "nom" in present and "prenom" not in present:
            english[keys.index("nom")] = "name"  # "Nom" alone is the whole name
        titles = [index for index, key in enumerate(keys) if key == "titre"]
        if len(titles) >= 2:
            english[titles[1]] = "job title"  # Outlook writes the courtesy title, then the job title
        elif titles and "fonction" not in present:
            # One "Titre": before the name it is the courtesy title ("M.;Jean;Dupont"), after it the job title.
            name_columns = [index for index, key in enumerate(keys) if key in ("prenom", "nom", "nom complet")]
            if not name_columns or titles[0] > name_columns[0]:
                english[titles[0]] = "job title"
    return english


_GENERIC_NAME = {"name", "full name", "fullname", "contact", "contact name", "display name", "person"}
_GENERIC_FIRST = {"first", "first name", "firstname", "given name", "given", "forename"}
_GENERIC_MIDDLE = {"middle", "middle name", "additional name"}
_GENERIC_LAST = {"last", "last name", "lastname", "surname", "family name", "family"}
_GENERIC_COMPANY = {
    "company",
    "company name",
    "organisation",
    "organization",
    "organisation name",
    "organization name",
    "account",
    "account name",
    "business",
    "org",
    "firm",
    "employer",
}
_GENERIC_TITLE = {"title", "job title", "position", "role", "job"}
_GENERIC_NOTES = {"notes", "note", "comments", "comment", "remarks", "description"}
_GENERIC_STATE = {"state", "province", "region", "state/province", "state or province"}
_GENERIC_COUNTRY = {"country", "country/region"}
# Header words (as _header_key gives them), English first, then French, German and Spanish.
_PHONE_WORDS = {"phone", "telephone", "tel", "tel.", "mobile", "cell", "cellphone", "cellular", "mobile/cell"} | {
    "telefon",
    "telefono",
    "telefonnummer",
    "mobiltelefon",
    "mobil",
    "handy",
    "movil",
    "celular",
    "portable",
}
_NUMBER_HEADERS = {"number", "phone number", "contact number", "mobile number", "cell number", "direct", "direct dial"}
_NOT_A_NUMBER_WORDS = {"type", "label", "ext", "ext.", "extension", "country", "code", "prefix", "fax", "id"} | {
    "telecopie",
    "telex",
    "typ",
    "tipo",
}
_LABEL_NOISE = {"phone", "telephone", "tel", "tel.", "number", "no", "no.", "nr", "#"} | {
    "telefon",
    "telefono",
    "nummer",
    "numero",
    "de",
    "del",
    "du",
    "des",
}
_MOBILE_WORDS = {"mobile", "cell", "cellphone", "cellular", "mobile/cell"} | {
    "mobil",
    "mobiltelefon",
    "handy",
    "movil",
    "celular",
    "portable",
}
_WORK_WORDS = {"work", "business", "office", "bureau", "professionnel", "travail", "geschaftlich", "buro", "trabajo"}
_HOME_WORDS = {"home", "domicile", "privat", "prive", "particular", "casa"}


def _detect_plan(header: list[str]) -> _CsvPlan:
    keys = _english_keys([_header_key(cell) for cell in header])
    where: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        where.setdefault(key, []).append(index)

    def columns(*names: str) -> list[int]:
        return [index for name in names for index in where.get(name, [])]

    google_phones = [(index, _GOOGLE_PHONE.fullmatch(key)) for index, key in enumerate(keys)]
    if any(match for _, match in google_phones) or "given name" in where or "organization name" in where:
        legacy = (
            "given name" in where
            or "organization 1 - name" in where
            or any(match and match.group(2) == "type" for _, match in google_phones)
        )
        plan = _CsvPlan(FORMAT_GOOGLE_LEGACY if legacy else FORMAT_GOOGLE, split_multi=True)
        plan.full_name = columns("name")
        plan.name_parts = columns(
            "name prefix", "first name", "given name", "middle name", "additional name", "last name", "family name"
        ) + columns("name suffix")
        plan.fallback_name = columns("file as", "nickname")
        plan.company = columns("organization name", "organization 1 - name")
        plan.title = columns("organization title", "organization 1 - title")
        plan.notes = columns("notes")
        plan.state = columns("address 1 - region")
        plan.country = columns("address 1 - country")
        label_columns: dict[str, int] = {}
        for index, match in google_phones:
            if match and match.group(2) != "value":
                label_columns.setdefault(match.group(1), index)
        for index, match in google_phones:
            if match and match.group(2) == "value":
                plan.phones.append(_PhoneColumn(index, label_index=label_columns.get(match.group(1))))
        return plan

    if "job title" in where and any(name in where for name in _OUTLOOK_PHONES):
        plan = _CsvPlan(FORMAT_OUTLOOK)
        # Outlook's "Title" is the courtesy title (Mr., Dr.); "Job Title" is the title.
        plan.full_name = columns("name")  # not Outlook's, but a file with Outlook's phone headers may have it
        plan.name_parts = columns("title", "courtesy title", "first name", "middle name", "last name", "suffix")
        plan.company = columns("company")
        plan.title = columns("job title")
        plan.notes = columns("notes")
        plan.state = columns("business state", "home state", "other state", "state")
        plan.country = columns("business country/region", "home country/region", "other country/region", "country")
        for name, label in _OUTLOOK_PHONES.items():
            plan.phones += [
                _PhoneColumn(index, label=label, preferred=name == "primary phone") for index in where.get(name, [])
            ]
        return plan

    plan = _CsvPlan(FORMAT_GENERIC)
    courtesy, first, middle, last = [], [], [], []
    for index, key in enumerate(keys):
        if key in _GENERIC_NAME:
            plan.full_name.append(index)
        elif key == "courtesy title":  # only a French, German or Spanish header gives it: "Titre", "Anrede"
            courtesy.append(index)
        elif key in _GENERIC_FIRST:
            first.append(index)
        elif key in _GENERIC_MIDDLE:
            middle.append(index)
        elif key in _GENERIC_LAST:
            last.append(index)
        elif key in _GENERIC_COMPANY:
            plan.company.append(index)
        elif key in _GENERIC_TITLE:
            plan.title.append(index)
        elif key in _GENERIC_NOTES:
            plan.notes.append(index)
        elif key in _GENERIC_STATE:
            plan.state.append(index)
        elif key in _GENERIC_COUNTRY:
            plan.country.append(index)
        elif _is_phone_header(key):
            plan.phones.append(_PhoneColumn(index, label=_label_from_header(key)))
    plan.name_parts = courtesy + first + middle + last
    return plan


def _header_words(key: str) -> list[str]:
    return key.replace("_", " ").replace("-", " ").replace("(", " ").replace(")", " ").split()


def _is_phone_header(key: str) -> bool:
    words = set(_header_words(key))
    if words & _NOT_A_NUMBER_WORDS:
        return False
    return bool(words & _PHONE_WORDS) or key in _NUMBER_HEADERS


def _label_from_header(key: str) -> str:
    words = [word for word in _header_words(key) if word not in _LABEL_NOISE]
    words = [word for word in words if not word.isdigit()]
    if not words:
        return ""
    if words[0] in _MOBILE_WORDS:
        return "Mobile"
    if words[0] in _WORK_WORDS:
        return "Work"
    if words[0] in _HOME_WORDS:
        return "Home"
    return " ".join(word.capitalize() for word in words)


def _check_mapping(mapping: dict[str, str]) -> None:
    for header, target in mapping.items():
        if target not in MAPPING_FIELDS and target not in ("", "ignore"):
            raise ValueError(f"unknown field {target!r} for column {header!r}; use one of {sorted(MAPPING_FIELDS)}")


def _mapped_plan(header: list[str], mapping: dict[str, str]) -> _CsvPlan:
    keys = [_header_key(cell) for cell in header]
    plan = _CsvPlan(FORMAT_GENERIC)
    first: list[int] = []
    last: list[int] = []
    targets = {_header_key(name): target for name, target in mapping.items()}
    missing = [
        name for name, target in mapping.items() if target not in ("", "ignore") and _header_key(name) not in keys
    ]
    if missing:
        raise ContactFileError(f"The column {missing[0]!r} is not in this file.")
    for index, key in enumerate(keys):
        target = targets.get(key, "")
        if target == "name":
            plan.full_name.append(index)
        elif target == "first_name":
            first.append(index)
        elif target == "last_name":
            last.append(index)
        elif target == "company":
            plan.company.append(index)
        elif target == "title":
            plan.title.append(index)
        elif target == "notes":
            plan.notes.append(index)
        elif target == "phone":
            plan.phones.append(_PhoneColumn(index, label=_label_from_header(key)))
    plan.name_parts = first + last
    return plan


# ---------------------------------------------------------------------------------------------------------------
# vCard reading


@dataclass
class _Property:
    group: str
    name: str
    params: dict[str, list[str]]
    value: str


_VCARD_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}
_SKIPPED_ENCODINGS = {"B", "BASE64"}
_BARE_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"}


def _read_vcard(text: str, numbers: _NumberCache, progress: ProgressCallback | None) -> ImportResult:
    cards = _split_cards(text)
    contacts: list[Contact] = []
    locations: list[str] = []
    problems: list[ImportProblem] = []
    skipped = 0
    total = len(cards)
    for done, card in enumerate(cards, start=1):
        if progress is not None and done % _PROGRESS_EVERY == 0:
            progress(done, total)
        location = f"card {done}"
        contact = _vcard_contact(card, numbers, location, problems)
        if contact is None:
            skipped += 1
        else:
            contacts.append(contact)
            locations.append(location)
    if progress is not None:
        progress(total, total)
    return ImportResult(contacts, problems, skipped, FORMAT_VCARD, locations)


def _split_cards(text: str) -> list[list[_Property]]:
    """The cards of a file as lists of properties (lines unfolded, QP soft breaks joined)."""
    cards: list[list[_Property]] = []
    current: list[_Property] | None = None
    for line in _logical_lines(text):
        prop = _parse_property(line)
        if prop is None:
            continue
        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            if current is not None:  # a card without END: close it
                cards.append(current)
            current = []
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
            if current is not None:
                cards.append(current)
            current = None
        elif current is not None:
            current.append(prop)
    if current is not None:
        cards.append(current)
    return cards


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    quoted_printable_open = False
    for physical in _VCARD_LINE_BREAK.split(text):
        if quoted_printable_open and lines:
            lines[-1] = lines[-1][:-1] + physical  # a soft line break: "=" at the end of the line
        elif physical[:1] in (" ", "\t") and lines:
            lines[-1] += physical[1:]
        else:
            lines.append(physical)
            if not physical.strip():
                continue
        last = lines[-1]
        quoted_printable_open = last.endswith("=") and "QUOTED-PRINTABLE" in last.split(":", 1)[0].upper()
    return lines


def _split_outside_quotes(text: str, separator: str, limit: int = -1) -> list[str]:
    parts: list[str] = []
    start = 0
    in_quotes = False
    for index, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif char == separator and not in_quotes and limit != 0:
            parts.append(text[start:index])
            start = index + 1
            limit -= 1
    parts.append(text[start:])
    return parts


def _parse_property(line: str) -> _Property | None:
    if ":" not in line:
        return None
    parts = _split_outside_quotes(line, ":", limit=1) if '"' in line else line.split(":", 1)
    if len(parts) != 2:
        return None
    head, value = parts
    pieces = _split_outside_quotes(head, ";")
    group, _, name = pieces[0].strip().rpartition(".")
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        key, equals, raw_value = piece.partition("=")
        if not equals:  # vCard 2.1 bare parameter: TEL;WORK;VOICE or ;QUOTED-PRINTABLE
            key, raw_value = ("ENCODING" if key.strip().upper() in _BARE_ENCODINGS else "TYPE"), key
        values = [item.strip() for item in raw_value.strip().strip('"').split(",")]  # TYPE="voice,cell" is a list
        params.setdefault(key.strip().upper(), []).extend(item for item in values if item)
    return _Property(group.lower(), name.upper(), params, value)


def _param(prop: _Property, key: str) -> str:
    values = prop.params.get(key)
    return values[0] if values else ""


def _raw_value(prop: _Property) -> str | None:
    """The value with any transfer encoding undone; None for binary (base64) values."""
    encoding = _param(prop, "ENCODING").upper()
    if encoding in _SKIPPED_ENCODINGS:
        return None
    if encoding != "QUOTED-PRINTABLE":
        return prop.value
    raw = quopri.decodestring(prop.value.encode("utf-8"))
    charset = _param(prop, "CHARSET") or "utf-8"
    try:
        decoded = raw.decode(charset)
    except (LookupError, ValueError):  # unknown or unsuitable charset, bytes not in it
        decoded = raw.decode("cp1252", errors="replace")
    return clean_text(decoded)  # =1B is an ESC again once decoded


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda match: _UNESCAPED.get(match.group(1), match.group(0)), value)


def _text(prop: _Property) -> str:
    raw = _raw_value(prop)
    return "" if raw is None else _unescape(raw).replace("\r\n", "\n").strip()


def _components(prop: _Property) -> list[str]:
    """The parts of a structured value (N, ORG): split on unescaped ';'."""
    raw = _raw_value(prop) or ""
    parts = re.split(r"(?<!\\);", raw)
    return [_unescape(part).strip() for part in parts]


_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")
_APPLE_LABELS = {"HomeFAX": "Home Fax", "WorkFAX": "Work Fax", "OtherFAX": "Other Fax"}
_TYPE_LABELS: dict[frozenset[str], str] = {
    frozenset({"cell"}): "Mobile",
    frozenset({"work"}): "Work",
    frozenset({"home"}): "Home",
    frozenset({"main"}): "Main",
    frozenset({"other"}): "Other",
    frozenset({"pager"}): "Pager",
    frozenset({"fax"}): "Fax",
    frozenset({"work", "fax"}): "Work Fax",
    frozenset({"home", "fax"}): "Home Fax",
    frozenset({"iphone"}): "iPhone",
    frozenset({"work", "cell"}): "Work Mobile",
    frozenset({"home", "cell"}): "Mobile",
}
_IGNORED_TYPES = {"voice", "pref", "internet", "x400", "msg", "bbs", "modem"}


def _label_from_types(types: list[str]) -> str:
    kinds = {kind.lower() for kind in types} - _IGNORED_TYPES
    kinds = {kind for kind in kinds if not kind.startswith("x-")}
    if not kinds:
        return ""
    return _TYPE_LABELS.get(frozenset(kinds)) or " ".join(sorted(kind.capitalize() for kind in kinds))


def _tel_number(prop: _Property) -> str:
    raw = _raw_value(prop) or ""
    is_uri = _param(prop, "VALUE").lower() == "uri" or raw.strip().lower().startswith("tel:")
    if not is_uri:
        return _unescape(raw).strip()
    body = unquote(raw.strip())
    if body.lower().startswith("tel:"):
        body = body[4:]
    number, *uri_params = body.split(";")
    extension = ""
    for uri_param in uri_params:
        key, _, value = uri_param.partition("=")
        if key.strip().lower() == "ext":
            extension = value.strip()
    return f"{number.strip()} ext. {extension}" if extension else number.strip()


def _preference(prop: _Property) -> int | None:
    """Lower is more preferred (vCard 4.0 PREF=1..100); TYPE=pref counts as 1."""
    if any(kind.lower() == "pref" for kind in prop.params.get("TYPE", [])):
        return 1
    pref = _param(prop, "PREF")
    return int(pref) if pref.isascii() and pref.isdigit() and len(pref) <= 6 else None


def _vcard_contact(
    card: list[_Property], numbers: _NumberCache, location: str, problems: list[ImportProblem]
) -> Contact | None:
    group_labels: dict[str, str] = {}
    for prop in card:
        if prop.name == "X-ABLABEL" and prop.group:
            label = _text(prop)
            apple = _APPLE_LABEL.fullmatch(label)
            if apple:
                label = _APPLE_LABELS.get(apple.group(1), apple.group(1))
            group_labels[prop.group] = label

    full_name = ""
    name_parts: list[str] = []
    company = ""
    title = ""
    notes: list[str] = []
    tels: list[tuple[str, str, int | None]] = []
    for prop in card:
        if prop.name == "FN" and not full_name:
            full_name = _text(prop)
        elif prop.name == "N" and not name_parts:
            family, given, additional, prefix, suffix = (_components(prop) + [""] * 5)[:5]
            name_parts = [prefix, given, additional, family, suffix]
        elif prop.name == "ORG" and not company:
            company = _components(prop)[0]
        elif prop.name == "TITLE" and not title:
            title = _text(prop)
        elif prop.name == "NOTE":
            note = _text(prop)
            if note:
                notes.append(note)
        elif prop.name == "TEL":
            number = _tel_number(prop)
            if number:
                grouped_label = group_labels.get(prop.group) if prop.group else None
                label = _label_from_types(prop.params.get("TYPE", [])) if grouped_label is None else grouped_label
                tels.append((number, label, _preference(prop)))

    preferences = [pref for _, _, pref in tels if pref is not None]
    best = min(preferences) if preferences else None
    candidates = [(number, label, best is not None and pref == best) for number, label, pref in tels]
    name = _one_line(full_name or " ".join(part for part in name_parts if part))
    notes_text = "\n".join(notes)
    return _make_contact(
        name, _one_line(company), _one_line(title), notes_text, candidates, numbers, location, problems
    )


# ---------------------------------------------------------------------------------------------------------------
# Writing


def _primary_index(phones: Sequence[PhoneEntry]) -> int:
    return next((index for index, phone in enumerate(phones) if phone.primary), 0)


def _name_to_write(contact: Contact) -> str:
    """The name, or "" when the reader would make the same name up anyway (company, else the first number)."""
    if contact.company and contact.name == contact.company:
        return ""
    if not contact.company and contact.phones and contact.name == contact.phones[0].number:
        return ""
    return contact.name


def _split_name(name: str) -> tuple[str, str]:
    words = name.split()
    if len(words) <= 1:
        return name.strip(), ""
    return " ".join(words[:-1]), words[-1]


def _escape(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


_LABEL_TYPES = {label: ",".join(sorted(kind.upper() for kind in kinds)) for kinds, label in _TYPE_LABELS.items()}
_LABEL_TYPES["Mobile"] = "CELL"  # both CELL and HOME,CELL read as "Mobile"; write the plain one


def _vcard_lines(contact: Contact) -> list[str]:
    first, last = _split_name(contact.name)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"N:{_escape(last)};{_escape(first)};;;", f"FN:{_escape(contact.name)}"]
    if contact.company:
        lines.append(f"ORG:{_escape(contact.company)}")
    if contact.title:
        lines.append(f"TITLE:{_escape(contact.title)}")
    primary = _primary_index(contact.phones)
    item = 0
    for index, phone in enumerate(contact.phones):
        pref = ",PREF" if index == primary else ""
        number = _escape(phone.number)
        if phone.label in _LABEL_TYPES:
            lines.append(f"TEL;TYPE={_LABEL_TYPES[phone.label]}{pref}:{number}")
        elif not phone.label:
            lines.append(f"TEL;TYPE=VOICE{pref}:{number}")
        else:
            item += 1  # Apple's grouping carries a free-text label
            lines.append(f"item{item}.TEL;TYPE=VOICE{pref}:{number}")
            lines.append(f"item{item}.X-ABLabel:{_escape(phone.label)}")
    if contact.notes:
        lines.append(f"NOTE:{_escape(contact.notes)}")
    lines.append("END:VCARD")
    return lines


def _fold(line: str) -> str:
    """One content line folded at 75 octets (never inside a UTF-8 character), CRLF-terminated."""
    if len(line.encode("utf-8")) <= 75:
        return line + "\r\n"
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces) + "\r\n"
