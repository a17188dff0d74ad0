"""Filling team lists: the manager's `lists create NAME --from FILE --team` puts a contact file's people into the
team's contacts (c2c.contacts) and a new team list whose items point at them.

The file is read by the same importers as a local list's (so the numbers are the same E.164 as locally), and a person
already in the list is kept once and reported, as `CallListStore.add_items` does: the same person is the same number
with the same name (`contacts_io.same_person`). A person the team already has (same number, same name) is reused
rather than added again. Blocking: a worker thread or the command line.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from psycopg import errors as pg_errors

from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.team.server import Connection, TeamError, TeamRefused, plain_errors

if TYPE_CHECKING:
    from c2c_desktop.core.importers import ImportResult


@dataclass(frozen=True)
class Lead:
    """One person to put in a team list: the number to call (E.164) and who it is."""

    e164: str
    name: str = ""
    company: str = ""


@dataclass(frozen=True)
class TeamListReport:
    """What `create_team_list` did: the new list, its items, the repeats kept once, the team contacts added."""

    list_id: int
    name: str
    added: int
    duplicates: tuple[str, ...]
    new_contacts: int


def leads_from_contacts(contacts: Iterable[Contact]) -> list[Lead]:
    """Each contact's primary number that can be called, in order (a contact without one is left out, as locally)."""
    leads = []
    for contact in contacts:
        phone = contact.primary_phone
        if phone is not None and phone.e164:
            leads.append(Lead(phone.e164, contact.name, contact.company))
    return leads


def read_leads(
    path: str | os.PathLike[str], *, region: str, dial_region: str | None = None
) -> tuple[list[Lead], ImportResult]:
    """The people of a contact file (read as `lists create --from` reads it locally, nothing stored), and the file as
    read (its `skipped` count and `problems`: which rows, and why). Raises importers.ContactFileError for a file that
    cannot be read as contacts."""
    from c2c_desktop.core.contacts_io import dialled_from
    from c2c_desktop.core.importers import read_contacts_file

    read = read_contacts_file(Path(path), region=region)
    if dial_region is not None and dial_region.strip().upper() != region.strip().upper():
        read = dialled_from(read, region, dial_region)
    return leads_from_contacts(read.contacts), read


def _as_contact(lead: Lead) -> Contact:
    return Contact(None, lead.name, lead.company, phones=(PhoneEntry(lead.e164, "", lead.e164, True),))


def _same_person(one: Lead, other: Lead) -> bool:
    from c2c_desktop.core.contacts_io import same_person

    return one.e164 == other.e164 and same_person(_as_contact(one), _as_contact(other))


def can_manage_lists(connection: Connection) -> bool:
    """Whether the connected role may make team lists: a manager, the schema's owner, or a superuser."""
    with plain_errors():
        row = connection.execute(
            "SELECT r.rolsuper OR pg_has_role(current_user, 'c2c_manager', 'MEMBER') "
            "OR pg_has_role(current_user, 'c2c_owner', 'MEMBER') FROM pg_roles r WHERE r.rolname = current_user"
        ).fetchone()
    return bool(row and row[0])


def create_team_list(connection: Connection, name: str, leads: Sequence[Lead]) -> TeamListReport:
    """A new team list `name` with `leads` in order, in one transaction (nothing made on a failure). Each person is
    kept once in the list (the repeats are reported); the team's contacts gain the people it did not have yet.
    TeamRefused for an agent; TeamError when a live team list has that name already."""
    name = " ".join(name.split())
    if not name:
        raise TeamError("a team list needs a name")
    if not can_manage_lists(connection):
        raise TeamRefused(
            f"only a manager or the database's owner can make a team list, and {connection.info.user} is an agent "
            "(team add-agent NAME --manager makes a manager)"
        )
    try:
        with plain_errors(), connection.transaction():
            if connection.execute(
                "SELECT 1 FROM c2c.call_lists WHERE name = %s AND deleted_at IS NULL", (name,)
            ).fetchone():
                raise TeamError(f"there is already a team list named {name}: nothing was changed")
            kept, duplicates = _kept_once(leads)
            contact_ids, new_contacts = _team_contacts(connection, kept)
            row = connection.execute("INSERT INTO c2c.call_lists (name) VALUES (%s) RETURNING id", (name,)).fetchone()
            assert row is not None
            list_id = int(row[0])
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO c2c.list_items (list_id, position, e164, contact_id) VALUES (%s, %s, %s, %s)",
                    [
                        (list_id, position, lead.e164, contact_id)
                        for position, (lead, contact_id) in enumerate(zip(kept, contact_ids, strict=True), 1)
                    ],
                )
    except pg_errors.UniqueViolation:  # another manager made it meanwhile (plain_errors lets a TeamError through)
        raise TeamError(f"there is already a team list named {name}: nothing was changed") from None
    return TeamListReport(list_id, name, len(kept), tuple(duplicates), new_contacts)


def _kept_once(leads: Sequence[Lead]) -> tuple[list[Lead], list[str]]:
    """The leads with each person once (the first place kept), and the repeats' names (or numbers)."""
    kept: list[Lead] = []
    by_number: dict[str, list[Lead]] = {}
    duplicates: list[str] = []
    for lead in leads:
        same_number = by_number.setdefault(lead.e164, [])
        if any(_same_person(lead, earlier) for earlier in same_number):
            duplicates.append(lead.name or lead.e164)
            continue
        same_number.append(lead)
        kept.append(lead)
    return kept, duplicates


def _team_contacts(connection: Connection, leads: Sequence[Lead]) -> tuple[list[int], int]:
    """The team contact of each lead (one the team has with the same number and name, or a new one), and how many were
    added."""
    known: dict[str, list[tuple[int, Lead]]] = {}
    for contact_id, e164, contact_name, company in connection.execute(
        "SELECT id, e164, name, company FROM c2c.contacts WHERE deleted_at IS NULL AND e164 = ANY(%s) ORDER BY id",
        ([lead.e164 for lead in leads],),
    ):
        known.setdefault(str(e164), []).append((int(contact_id), Lead(str(e164), str(contact_name), str(company))))
    ids: list[int | None] = []
    missing: list[int] = []  # indexes into leads
    for index, lead in enumerate(leads):
        found = next((cid for cid, team_lead in known.get(lead.e164, []) if _same_person(lead, team_lead)), None)
        ids.append(found)
        if found is None:
            missing.append(index)
    if missing:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO c2c.contacts (name, company, e164) VALUES (%s, %s, %s) RETURNING id",
                [(leads[index].name, leads[index].company, leads[index].e164) for index in missing],
                returning=True,
            )
            for index in missing:
                row = cursor.fetchone()
                assert row is not None
                ids[index] = int(row[0])
                cursor.nextset()
    return [int(each) for each in ids if each is not None], len(missing)
