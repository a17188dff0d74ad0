"""Contact import and export against the Store: duplicate detection by number, merging, one transaction per file.

An import is three steps, so a window can show what will happen before anything is written:
  read_contacts_file() -> ImportResult     the file's contacts and per-row problems (importers.py; no database)
  plan_import()        -> ImportPlan       which contacts are new and which share a number with one already known
  apply_import()       -> ImportSummary    writes everything in ONE transaction: all of it is stored, or nothing
`import_file()` runs the three in order (the CLI, and the window's worker thread with its own Store).

Duplicates are found by the number in international form (`PhoneEntry.e164`), so "(212) 555-0142" and "+1 212.555.0142"
are the same number, and the name (`same_person`): a contact sharing a number with one of the same name (or with no name
of its own) is merged into it; one sharing it with somebody else (an office line) is kept beside them. A contact sharing
a number with an earlier contact of the same file is treated the same way. Each import is recorded so that the last one
can be undone (`Store.undo_last_import`).
"""

from __future__ import annotations

import dataclasses
import enum
import os
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from c2c_desktop.core.fileutil import atomic_write, gc_paused
from c2c_desktop.core.importers import ImportProblem, ImportResult, read_contacts_file, write_csv, write_vcard
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import DEFAULT_REGION, digits_to_dial, written_for
from c2c_desktop.core.store import Store

ProgressCallback = Callable[[int, int], None]

#: Below this many distinct numbers in a file, existing owners are looked up number by number; above it, the whole
#: address book is loaded once (one indexed query per number costs more than one scan beyond this).
_LOOKUP_ONE_BY_ONE_MAX = 2000


class DuplicatePolicy(enum.StrEnum):
    """What to do with an imported contact that shares a number with a known one."""

    MERGE = "merge"  # fold it into the known contact (see merge_contacts)
    SKIP = "skip"  # leave it out
    ADD = "add"  # store it as a separate contact anyway (an explicit choice only: it duplicates numbers)


@dataclass(frozen=True)
class MergeCandidate:
    """An imported contact sharing numbers with a known one.

    `existing` is a stored contact (it has an id) or, when the number first appeared earlier in the same file, that
    earlier imported contact (id None). `shared_e164s` are the incoming numbers (international form) already known, in
    the address book or earlier in the file; a shared number that `existing` does not have belongs to another contact.
    """

    incoming: Contact
    existing: Contact
    shared_e164s: tuple[str, ...]
    location: str = ""  # where `incoming` is in the file ("row 26")


@dataclass
class ImportPlan:
    """What an import would do, each list in file order: `new` contacts (no number known), `duplicates` (the same
    person as a contact having one of its numbers) and `shared` (another person having one of its numbers)."""

    new: list[Contact]
    duplicates: list[MergeCandidate]
    read: ImportResult
    shared: list[MergeCandidate] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class ImportNote:
    """A row that shares a number with another contact, and what the import did with it (`outcome`: "merged",
    "kept both", "skipped" or "add")."""

    location: str
    name: str
    other: str  # the contact it shares a number with (merged into, or kept beside)
    number: str  # the shared number as the row wrote it
    outcome: str

    def __str__(self) -> str:
        if self.outcome == "merged":
            return f"{self.location} {self.name} → merged into {self.other}"
        if self.outcome == "kept both":
            return f"{self.location} {self.name} shares {self.number} with {self.other}; kept both"
        if self.outcome == "skipped":
            return f"{self.location} {self.name} skipped: {self.number} is already {self.other}'s"
        return f"{self.location} {self.name} added although {self.other} has {self.number}"


@dataclass(frozen=True)
class ImportSummary:
    """The outcome of an import. `skipped` counts rows/cards left out for problems plus duplicates left out by SKIP;
    imported + merged + skipped == rows_read (blank rows are not counted). `notes`: each row that shared a number
    with another contact and what became of it (merged into it, or kept beside it)."""

    imported: int
    merged: int
    skipped: int
    problems: tuple[ImportProblem, ...]
    format: str
    rows_read: int = 0
    notes: tuple[ImportNote, ...] = ()


# ---------------------------------------------------------------------------------------------------------------
# Import


def import_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    region: str = "US",
    policy: DuplicatePolicy = DuplicatePolicy.MERGE,
    mapping: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
    dial_region: str | None = None,
) -> ImportSummary:
    """Read, plan and apply one file. Raises ContactFileError (changing nothing) when the file cannot be read at all.

    `region`: the country of the file's numbers written without a country code; each number is pinned to its country
    as of `region` (`PhoneEntry.e164`). `dial_region`: the region calls are made from (the settings' default region;
    None: the same as `region`). When they differ, a number's text is also rewritten in international form, so that
    it reads as the same number wherever it is shown or exported: "01 42 68 53 00" from a French file becomes
    "+33 1 42 68 53 00", dialled 01133142685300 from the US, not 0142685300.

    `progress(done, total)`: `total` stays the same for the whole import; reading the file is its first half and
    storing the contacts the second. It is called on the calling thread.
    """
    with gc_paused():  # once for all three steps: re-enabling it in between would rescan every contact read
        return _import_file(store, Path(path), region, policy, mapping, progress, dial_region)


def _import_file(
    store: Store,
    path: Path,
    region: str,
    policy: DuplicatePolicy,
    mapping: dict[str, str] | None,
    progress: ProgressCallback | None,
    dial_region: str | None = None,
) -> ImportSummary:
    read_progress = store_progress = None
    if progress is not None:
        report = progress
        half = 1  # the reader's row or card count, once it has said

        def read_progress(done: int, total: int) -> None:
            nonlocal half
            half = max(1, total)
            report(done, 2 * half)

        def store_progress(stored: int, total: int) -> None:
            report(half + half * stored // max(1, total), 2 * half)

    read = read_contacts_file(path, region=region, mapping=mapping, progress=read_progress)
    if dial_region is not None and dial_region.strip().upper() != region.strip().upper():
        read = dialled_from(read, region, dial_region)
    return apply_import(store, plan_import(store, read), policy, progress=store_progress, file_name=path.name)


def dialled_from(read: ImportResult, file_region: str, dial_region: str) -> ImportResult:
    """`read` (numbers read as of `file_region`) with every number's text in international form as written from
    `dial_region`. A number already written with "+" keeps its text."""
    from c2c_desktop.core.phone import PhoneError, parse_number

    converted: dict[str, tuple[str, str]] = {}

    def convert(phone: PhoneEntry) -> PhoneEntry:
        known = converted.get(phone.number)
        if known is None:
            try:
                number = parse_number(phone.number, file_region)
                home = parse_number(number.e164, dial_region)
            except PhoneError:  # the reader accepted it as of file_region: keep it as read
                known = (phone.number, phone.e164)
            else:
                if phone.number.lstrip().startswith("+"):
                    text = phone.number  # already international
                else:
                    text = home.display + (f" ext. {number.extension}" if number.extension else "")
                known = (text, number.e164)
            converted[phone.number] = known
        return dataclasses.replace(phone, number=known[0], e164=known[1])

    contacts = [dataclasses.replace(contact, phones=tuple(map(convert, contact.phones))) for contact in read.contacts]
    return dataclasses.replace(read, contacts=contacts)


def plan_import(store: Store, read: ImportResult) -> ImportPlan:
    """Sort the file's contacts into new ones, duplicates of the same person, and other people sharing a number.

    A contact whose number is already known (stored, or earlier in the file) is a duplicate when one of the contacts
    having that number is the same person (`same_person`); otherwise it is a different person sharing the number
    (an office line) and goes to `shared`, to be kept beside the others.
    """
    with gc_paused():
        existing_by_e164 = _existing_owners(store, read.contacts)
        new: list[Contact] = []
        duplicates: list[MergeCandidate] = []
        shared: list[MergeCandidate] = []
        first_in_file: dict[str, Contact] = {}  # e164 -> the first contact of the file having it (or its target)
        others_in_file: dict[str, list[Contact]] = {}  # e164 -> later contacts of the file kept beside the first
        for index, contact in enumerate(read.contacts):
            phones = contact.phones
            if not existing_by_e164 and len(phones) == 1:  # the common case, with less bookkeeping
                e164 = phones[0].e164
                if e164 not in first_in_file:
                    first_in_file[e164] = contact
                    new.append(contact)
                    continue
            known: list[Contact] = []  # the contacts having any of its numbers, stored ones first
            shared_e164s: list[str] = []
            for phone in phones:
                e164 = phone.e164
                owners = existing_by_e164.get(e164)
                earlier = first_in_file.get(e164)
                if owners or earlier is not None:
                    if e164 not in shared_e164s:
                        shared_e164s.append(e164)
                    if owners:
                        known += owners
                    if earlier is not None:
                        known.append(earlier)
                        known += others_in_file.get(e164, ())
            if not known:
                for phone in phones:
                    first_in_file.setdefault(phone.e164, contact)
                new.append(contact)
                continue
            location = read.location_of(index)
            match = next((other for other in known if same_person(contact, other)), None)
            if match is not None:
                duplicates.append(MergeCandidate(contact, match, tuple(shared_e164s), location))
                for phone in phones:  # its other numbers lead later rows to what it is merged into
                    first_in_file.setdefault(phone.e164, match)
                continue
            shared.append(MergeCandidate(contact, known[0], tuple(shared_e164s), location))
            for phone in phones:
                if phone.e164 in shared_e164s:
                    others_in_file.setdefault(phone.e164, []).append(contact)
                else:
                    first_in_file.setdefault(phone.e164, contact)
    return ImportPlan(new, duplicates, read, shared)


def _name_key(contact: Contact) -> str:
    """The contact's name compared case-, accent- and spacing-blind; "" when it has none of its own (the reader
    names a contact without a name after its company or its first number)."""
    name = contact.name
    if not name or name == contact.company or (contact.phones and name == contact.phones[0].number):
        return ""
    if name.isascii():
        return " ".join(name.casefold().split())
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).casefold().split())


def same_person(one: Contact, other: Contact) -> bool:
    """Whether two contacts sharing a number are the same person: equal names ignoring case, accents and spacing
    ("José  Ruiz" and "jose ruiz"), or one of them without a name of its own. "Leonel Salamanca" and "Marco
    Salamanca" are two people (the contact files this app reads hold no e-mail addresses to tell them apart)."""
    mine, theirs = _name_key(one), _name_key(other)
    return not mine or not theirs or mine == theirs


def apply_import(
    store: Store,
    plan: ImportPlan,
    policy: DuplicatePolicy = DuplicatePolicy.MERGE,
    *,
    progress: ProgressCallback | None = None,
    file_name: str = "",
) -> ImportSummary:
    """Store the plan in ONE transaction: if anything fails, nothing of this import is written.

    MERGE folds each duplicate into the contact it matched (stored contacts are updated; duplicates inside the file
    are merged with each other) and keeps a different person sharing a number as a contact of their own; SKIP
    leaves both out; ADD stores both as separate contacts. The import is recorded (as `file_name`) so that
    `Store.undo_last_import` can undo it. `progress(stored, total)` follows the writing of the new contacts.
    """
    policy = DuplicatePolicy(policy)
    read = plan.read
    skipped = read.skipped
    updates: list[Contact] = []
    kept_beside = [candidate.incoming for candidate in plan.shared]
    if policy is DuplicatePolicy.ADD:
        to_add = plan.new + kept_beside + [candidate.incoming for candidate in plan.duplicates]
        merged = 0
    elif policy is DuplicatePolicy.SKIP:
        to_add = list(plan.new)
        skipped += len(plan.duplicates) + len(plan.shared)
        merged = 0
    else:
        to_add, updates = _merge_duplicates(plan)
        merged = len(plan.duplicates)
    store.store_import(
        to_add,
        updates,
        file_name=file_name,
        format=read.format,
        counts=(len(to_add), merged, skipped),
        progress=progress,
    )
    if progress is not None:
        progress(len(to_add), len(to_add))
    return ImportSummary(
        imported=len(to_add),
        merged=merged,
        skipped=skipped,
        problems=tuple(read.problems),
        format=read.format,
        rows_read=read.rows_read,
        notes=tuple(_notes(plan, policy)),
    )


def _notes(plan: ImportPlan, policy: DuplicatePolicy) -> list[ImportNote]:
    """What happened to each row sharing a number with another contact, in file order."""
    outcomes = {DuplicatePolicy.MERGE: ("merged", "kept both"), DuplicatePolicy.SKIP: ("skipped", "skipped")}
    duplicate, shared = outcomes.get(policy, ("add", "add"))
    notes = [(candidate, duplicate) for candidate in plan.duplicates]
    notes += [(candidate, shared) for candidate in plan.shared]
    if not notes:
        return []
    order = {id(contact): index for index, contact in enumerate(plan.read.contacts)}
    notes.sort(key=lambda note: order.get(id(note[0].incoming), 0))
    return [
        ImportNote(
            candidate.location,
            candidate.incoming.name,
            candidate.existing.name,
            _number_text(candidate.incoming, candidate.shared_e164s[0]) if candidate.shared_e164s else "",
            outcome,
        )
        for candidate, outcome in notes
    ]


def _number_text(contact: Contact, e164: str) -> str:
    return next((phone.number for phone in contact.phones if phone.e164 == e164), e164)


def _merge_duplicates(plan: ImportPlan) -> tuple[list[Contact], list[Contact]]:
    """MERGE: (contacts to add, stored contacts to update), merging each duplicate into what it matched, in order."""
    pending = plan.new + [candidate.incoming for candidate in plan.shared]
    if not plan.duplicates:
        return pending, []
    stored: dict[int, Contact] = {}
    with gc_paused():
        # Where each contact of the file ended up: its index in `pending`, or -id of the stored contact (ids >= 1).
        target_of = dict(zip(map(id, pending), range(len(pending)), strict=True))
        for candidate in plan.duplicates:
            existing = candidate.existing
            target = -existing.id if existing.id is not None else target_of[id(existing)]
            if target >= 0:
                pending[target] = merge_contacts(
                    pending[target], _without_numbers_of_others(candidate, pending[target])
                )
            else:
                base = stored.get(-target, existing)
                stored[-target] = merge_contacts(base, _without_numbers_of_others(candidate, base))
            target_of[id(candidate.incoming)] = target
    originals = {candidate.existing.id: candidate.existing for candidate in plan.duplicates}
    updates = [contact for contact_id, contact in stored.items() if contact != originals[contact_id]]
    return pending, updates


def _without_numbers_of_others(candidate: MergeCandidate, base: Contact) -> Contact:
    """The incoming contact minus the known numbers `base` lacks: those live on another contact already."""
    own = {phone.e164 for phone in base.phones}
    foreign = {e164 for e164 in candidate.shared_e164s if e164 not in own}
    if not foreign:
        return candidate.incoming
    incoming = candidate.incoming
    return Contact(
        incoming.id,
        incoming.name,
        incoming.company,
        incoming.title,
        tuple(phone for phone in incoming.phones if phone.e164 not in foreign),
        incoming.notes,
        incoming.region_code,
    )


def _existing_owners(store: Store, contacts: Sequence[Contact]) -> dict[str, list[Contact]]:
    """Stored contacts by the numbers (international form) of `contacts` they have (each list ordered by name)."""
    if not contacts or store.contact_count() == 0:
        return {}
    e164s = {phone.e164 for contact in contacts for phone in contact.phones}
    owners: dict[str, list[Contact]] = {}
    if len(e164s) <= _LOOKUP_ONE_BY_ONE_MAX:
        for e164 in e164s:
            found = store.find_contacts_by_e164(e164)
            if found:
                owners[e164] = found
        return owners
    for contact in store.list_contacts():  # ordered by name, like find_contacts_by_e164
        for e164 in {phone.e164 for phone in contact.phones}:
            if e164 in e164s:
                owners.setdefault(e164, []).append(contact)
    return owners


# ---------------------------------------------------------------------------------------------------------------
# Merging and duplicates


def merge_contacts(existing: Contact, incoming: Contact) -> Contact:
    """`existing` completed by `incoming`; keeps existing.id and never drops anything of `existing`.

    Numbers: the union by international form (existing ones first, its primary stays primary; an empty label is
    filled in).
    Name, company, title: filled in when empty (a name that is only the company or the number, as the reader gives
    a contact without one, counts as empty). Notes: incoming notes not already there are appended on a new line.
    Address region: filled in when empty.
    """
    phones = list(existing.phones)
    index_of = {phone.e164: index for index, phone in enumerate(phones)}
    for phone in incoming.phones:
        index = index_of.get(phone.e164)
        if index is None:
            index_of[phone.e164] = len(phones)
            # A primary number stays primary only for a contact that had none.
            phones.append(PhoneEntry(phone.number, phone.label, phone.e164, phone.primary and not existing.phones))
        elif not phones[index].label and phone.label:
            known = phones[index]
            phones[index] = PhoneEntry(known.number, phone.label, known.e164, known.primary)
    notes = existing.notes
    extra = incoming.notes.strip()
    if extra and extra not in notes:
        notes = f"{notes.rstrip()}\n{extra}" if notes.strip() else extra
    name = incoming.name if incoming.name and not _name_key(existing) and _name_key(incoming) else existing.name
    return Contact(
        existing.id,
        name or incoming.name,
        existing.company or incoming.company,
        existing.title or incoming.title,
        _one_primary(phones),
        notes,
        existing.region_code or incoming.region_code,
    )


def _one_primary(phones: list[PhoneEntry]) -> tuple[PhoneEntry, ...]:
    if not phones or sum(phone.primary for phone in phones) == 1:
        return tuple(phones)
    first = next((index for index, phone in enumerate(phones) if phone.primary), 0)
    return tuple(
        PhoneEntry(phone.number, phone.label, phone.e164, index == first) for index, phone in enumerate(phones)
    )


def duplicates_of(store: Store, contact: Contact) -> list[Contact]:
    """Stored contacts (other than `contact` itself) sharing any of its numbers, ordered by name: for add/edit."""
    found: dict[int, Contact] = {}
    for e164 in dict.fromkeys(phone.e164 for phone in contact.phones if phone.e164):
        for other in store.find_contacts_by_e164(e164):
            if other.id is not None and other.id != contact.id:
                found.setdefault(other.id, other)
    return sorted(found.values(), key=lambda other: (other.name.casefold(), other.id or 0))


# ---------------------------------------------------------------------------------------------------------------
# Export

ExportFormat = Literal["csv", "vcard"]
_FORMAT_BY_SUFFIX: dict[str, ExportFormat] = {".csv": "csv", ".vcf": "vcard", ".vcard": "vcard"}


def export_format_for(path: str | os.PathLike[str]) -> ExportFormat:
    """The export format a file name asks for (.csv, .vcf/.vcard); ValueError for any other name."""
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMAT_BY_SUFFIX:
        raise ValueError(f"cannot tell the format from the name {Path(path).name!r}: use .csv or .vcf (or a format)")
    return _FORMAT_BY_SUFFIX[suffix]


def export_contacts(
    store: Store, path: str | os.PathLike[str], fmt: ExportFormat | None = None, *, region: str = DEFAULT_REGION
) -> int:
    """Write every contact to `path` as Google-compatible CSV or vCard 3.0 (by extension if `fmt` is None).

    Numbers are written as entered where they read as the same number in `region` (the default region), else in
    international form (`phone.written_for`), so that the file, read in `region`, means the numbers the app calls.

    The file is written next to its destination, flushed and renamed into place (`atomic_write`), so a failed export
    leaves no half file (and an existing file stays as it was); a new file is private to the user. Returns how many
    contacts were written. Raises OSError or ValueError.
    """
    target = Path(path)
    chosen = fmt if fmt is not None else export_format_for(target)
    if chosen not in ("csv", "vcard"):
        raise ValueError(f"unknown export format {chosen!r}; use csv or vcard")
    writer = write_csv if chosen == "csv" else write_vcard
    contacts = [_written_for(contact, region) for contact in store.list_contacts()]
    return atomic_write(target, lambda temp: writer(contacts, temp))


def _written_for(contact: Contact, region: str) -> Contact:
    phones = tuple(dataclasses.replace(phone, number=written_for(phone, region)) for phone in contact.phones)
    return dataclasses.replace(contact, phones=phones)


def contacts_json(contacts: Iterable[Contact], region: str) -> list[dict[str, object]]:
    """Contacts as plain JSON-ready dicts (for `contacts list --json`); "dial" is what is sent when called from
    `region` ("" for a number that cannot be called)."""
    return [
        {
            "id": contact.id,
            "name": contact.name,
            "company": contact.company,
            "title": contact.title,
            "notes": contact.notes,
            "region_code": contact.region_code,
            "phones": [
                {
                    "number": phone.number,
                    "label": phone.label,
                    "e164": phone.e164,
                    "dial": digits_to_dial(phone, region),
                    "primary": phone.primary,
                }
                for phone in contact.phones
            ],
        }
        for contact in contacts
    ]
