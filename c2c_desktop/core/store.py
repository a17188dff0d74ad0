"""The local database: contacts and the call journal, in one SQLite file.

The rest of the app talks to the `ContactStore` and `CallJournal` interfaces below, never to SQL: a shared
PostgreSQL implementation can replace `Store` later. Everything SQLite-specific (pragmas, `user_version`,
explicit rowids in bulk inserts, LIKE's case folding) stays in this module.

Threading: a `Store` owns one connection and must be used from the thread that opened it (the GUI thread or the
CLI's main thread). sqlite3 enforces this and raises `ProgrammingError` on use from another thread.

Timestamps are ISO 8601 UTC text with milliseconds and a "Z" suffix (e.g. "2026-11-30T10:11:12.345Z"), so they
sort as text and read the same in any database. The journal stores only what it is given: never a URL or a key.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import platformdirs

from c2c_desktop import APP_NAME
from c2c_desktop.core.fileutil import gc_paused
from c2c_desktop.core.models import (
    CallRequest,
    CallResult,
    CallState,
    CallType,
    Contact,
    JournalEntry,
    Outcome,
    PhoneEntry,
)
from c2c_desktop.core.phone import DEFAULT_REGION

DB_FILE_NAME = "c2c-desktop.sqlite3"
MAX_REF_LENGTH = 32  # the service's limit for `ref`
INTERRUPTED_MESSAGE = "The app stopped before the outcome was known; the call may have been placed."
BUSY_TIMEOUT_MS = 5000
#: A call resolves within the client's hard deadline (minutes at most): a row still `placing` after this long is
#: abandoned whoever owns it (a renamed host, a reused pid, a hung process).
ABANDONED_AFTER = timedelta(hours=1)


class StoreError(Exception):
    """A database problem worth showing to the user; str() is one plain line."""


class StoreBusyError(StoreError):
    """Another connection held the write lock for longer than the busy timeout: trying again later may succeed."""


class NothingToUndoError(StoreError):
    """There is no import to undo."""


class UndoRefusedError(StoreError):
    """The last import cannot be undone exactly (a contact it touched was edited since); str() says which."""


class RowNotFoundError(StoreError, LookupError):
    """The contact or journal row asked for does not exist."""


def default_db_path() -> Path:
    """The database file in the platform's user data folder (XDG_DATA_HOME moves it on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DB_FILE_NAME


def utc_now() -> str:
    """The current time as ISO 8601 UTC text with milliseconds, e.g. "2026-11-30T10:11:12.345Z"."""
    return _utc_text(datetime.now(UTC))


def _utc_text(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def prospect_caller_id(request: CallRequest) -> str:
    """The caller ID the prospect sees (digits as sent; "" when none is sent): `second_callerid` when the agent is rung
    first (type 2), `first_callerid` when the prospect is (type 1)."""
    if int(request.call_type) == int(CallType.PROSPECT_FIRST):
        return request.first_callerid or ""
    return request.second_callerid or ""


def new_ref() -> str:
    """A unique, readable call reference of 32 characters: "c2c-YYYYMMDD-HHMMSS-" + 12 random hex digits."""
    # os.urandom is what secrets.token_hex reads; the secrets module would load OpenSSL's hashing (~7 ms) at startup.
    return f"c2c-{datetime.now(UTC):%Y%m%d-%H%M%S}-{os.urandom(6).hex()}"


def new_client_uuid() -> str:
    """A random (version 4) UUID as text: a journal row's key on a team server."""
    raw = bytearray(os.urandom(16))  # as new_ref: the uuid module is not worth its import here
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


#: Separates the numbers of one contact in `ContactRows.numbers`.
NUMBERS_SEPARATOR = "\x01"


@dataclass(frozen=True, slots=True)
class ContactRows:
    """Contacts as parallel columns (row i of every list is one contact): what a contact list shows and searches.

    Far smaller than `Contact` objects (no per-contact object, no PhoneEntry): fetch the full `Contact` by id when
    one is needed (to call it, or to show its other numbers).
    """

    ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    #: The primary phone's number in international form (as entered when it could not be read): what is called and
    #: shown; "" for a contact without phones.
    primary_numbers: list[str] = field(default_factory=list)
    #: Every number of the contact as entered, joined by NUMBERS_SEPARATOR; "" for a contact without phones.
    numbers: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


def contact_rows_of(contacts: Iterable[Contact]) -> ContactRows:
    """The `ContactRows` of contacts already in memory, in the given order (a contact without id gets id 0)."""
    rows = ContactRows()
    for contact in contacts:
        primary = contact.primary_phone
        rows.ids.append(contact.id or 0)
        rows.names.append(contact.name)
        rows.companies.append(contact.company)
        rows.titles.append(contact.title)
        rows.primary_numbers.append(primary.pinned if primary else "")
        rows.numbers.append(NUMBERS_SEPARATOR.join(phone.number for phone in contact.phones))
    return rows


@dataclass(frozen=True)
class ImportRecord:
    """One import that changed the contacts, as kept so that it can be undone (`Store.undo_last_import`)."""

    id: int
    imported_at: str  # ISO 8601 UTC
    file_name: str
    format: str
    imported: int
    merged: int
    skipped: int


_IMPORT_COLUMNS = "id, imported_at, file_name, format, imported, merged, skipped"


@dataclass(frozen=True)
class UndoneImport:
    """What `Store.undo_last_import` did: the import it took back, how many contacts it merged into were given back
    as they were (a merge that changed nothing has nothing to give back), and per call list (by name, lists not
    deleted) how many of its items held a contact it removed: those items now hold the number alone."""

    record: ImportRecord
    restored: int
    kept_as_numbers: tuple[tuple[str, int], ...] = ()

    @property
    def merges_text(self) -> str:
        """e.g. "3 merges undone", or "3 merges undone (they had changed nothing)"."""
        merged = self.record.merged
        text = f"{merged:,} merge{'s' if merged != 1 else ''} undone"
        return f"{text} (they had changed nothing)" if merged and not self.restored else text

    @property
    def lists_text(self) -> str:
        """One sentence on the call-list items kept as bare numbers, or "" when no list held a removed contact."""
        if not self.kept_as_numbers:
            return ""
        lists = ", ".join(
            f'"{name}" ({count:,} item{"s" if count != 1 else ""})' for name, count in self.kept_as_numbers
        )
        return f"Call lists keep the removed contacts' items as bare numbers: {lists}."


def _contact_json(contact: Contact, revision: int) -> str:
    """A stored contact as it is, for restoring it exactly (phones as lists: independent of PhoneEntry's names)."""
    phones = [[phone.number, phone.label, phone.e164, phone.primary] for phone in contact.phones]
    fields = [contact.name, contact.company, contact.title, contact.notes]
    data = {"contact": fields, "phones": phones, "revision": revision, "region_code": contact.region_code}
    return json.dumps(data, ensure_ascii=False)


def _contact_from_json(contact_id: int, text: str) -> tuple[Contact, int]:
    data = json.loads(text)
    name, company, title, notes = data["contact"]
    phones = tuple(PhoneEntry(number, label, e164, bool(primary)) for number, label, e164, primary in data["phones"])
    region_code = str(data.get("region_code", ""))  # absent in rows kept before schema 10
    return Contact(contact_id, name, company, title, phones, notes, region_code), int(data["revision"])


class ContactStore(Protocol):
    """The contact operations the app uses; any database implementation provides these."""

    def add_contact(self, contact: Contact) -> Contact: ...
    def add_contacts(
        self, contacts: Iterable[Contact], *, progress: Callable[[int, int], None] | None = None
    ) -> int: ...
    def update_contact(self, contact: Contact) -> None: ...
    def delete_contact(self, contact_id: int) -> Contact | None: ...
    def get_contact(self, contact_id: int) -> Contact | None: ...
    def list_contacts(self) -> list[Contact]: ...
    def contact_rows(self, offset: int = 0, limit: int | None = None) -> ContactRows: ...
    def contact_count(self) -> int: ...
    def find_contacts_by_e164(self, e164: str) -> list[Contact]: ...
    def transaction(self) -> AbstractContextManager[None]: ...


class CallJournal(Protocol):
    """The call journal operations the app uses; any database implementation provides these."""

    def begin_call(
        self,
        request: CallRequest,
        *,
        display_number: str = "",
        contact_id: int | None = None,
        contact_name: str = "",
        e164: str = "",
    ) -> JournalEntry: ...
    def finish_call(self, call_id: int, result: CallResult) -> JournalEntry: ...
    def recover_interrupted(self) -> int: ...
    def call_owner(self, call_id: int) -> CallOwner | None: ...
    def list_calls(
        self,
        limit: int | None = None,
        *,
        outcome: Outcome | None = None,
        text: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[JournalEntry]: ...
    def get_call(self, call_id: int) -> JournalEntry | None: ...
    def last_call_that_may_have_rung(self, dials: Iterable[str]) -> JournalEntry | None: ...
    def set_disposition(self, call_id: int, disposition: str | None, note: str = "") -> None: ...
    def reconcile(self, call_id: int, outcome: Outcome) -> None: ...


# --- schema migrations: append only; never edit one that has shipped ---------------------------------------------


def _migration_1_tables(conn: sqlite3.Connection) -> None:
    """Contacts, their phones, and the call journal."""
    # AUTOINCREMENT: a deleted contact's id is never handed to a new one, so a journal row's contact_id cannot come
    # to point at somebody else (PostgreSQL sequences behave the same).
    conn.execute(
        """CREATE TABLE contacts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            company TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT ''
        )"""
    )
    # "primary" is reserved in SQL (PostgreSQL too), hence is_primary. WITHOUT ROWID keeps the rows clustered by
    # (contact_id, position), so loading every contact's phones in order is a plain table scan.
    conn.execute(
        """CREATE TABLE phones (
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            number TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            dial TEXT NOT NULL DEFAULT '',
            is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
            PRIMARY KEY (contact_id, position)
        ) WITHOUT ROWID"""
    )
    # contact_id is a soft reference (no foreign key): deleting a contact must never change the journal, and
    # re-adding a deleted contact with its old id (undo) links its calls again.
    conn.execute(
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            ref TEXT NOT NULL,
            started_at TEXT NOT NULL,
            number TEXT NOT NULL,
            display_number TEXT NOT NULL DEFAULT '',
            agent_number TEXT NOT NULL,
            call_type INTEGER NOT NULL,
            state TEXT NOT NULL,
            outcome TEXT,
            message TEXT NOT NULL DEFAULT '',
            contact_id INTEGER,
            contact_name TEXT NOT NULL DEFAULT '',
            page TEXT,
            finished_at TEXT,
            resolution_s REAL,
            http_status INTEGER,
            excerpt TEXT,
            disposition TEXT,
            note TEXT NOT NULL DEFAULT '',
            reconciled_outcome TEXT
        )"""
    )
    conn.execute("CREATE UNIQUE INDEX calls_ref ON calls(ref)")


def _migration_2_lookup_indexes(conn: sqlite3.Connection) -> None:
    """Indexes for finding a contact by number, redial/"called before?" checks and the history's date filters."""
    conn.execute("CREATE INDEX phones_dial ON phones(dial)")
    conn.execute("CREATE INDEX calls_number ON calls(number, id)")
    conn.execute("CREATE INDEX calls_started_at ON calls(started_at)")
    conn.execute("CREATE INDEX calls_state ON calls(state)")


def _sort_text(name: str) -> str:
    """The stored sort key of a contact name: list order is (sort_key, id), the order of `list_contacts`."""
    return name.casefold()


def _migration_3_contact_sort_key(conn: sqlite3.Connection) -> None:
    """A stored, indexed name sort key, so that the contact list streams out of the database already in order.

    SQLite's NOCASE folds ASCII only; the key is Python's casefold, compared as plain text (code point order).
    """
    conn.execute("ALTER TABLE contacts ADD COLUMN sort_key TEXT NOT NULL DEFAULT ''")
    rows = conn.execute("SELECT id, name FROM contacts").fetchall()
    conn.executemany("UPDATE contacts SET sort_key = ? WHERE id = ?", [(_sort_text(name), id_) for id_, name in rows])
    conn.execute("CREATE INDEX contacts_sort_key ON contacts(sort_key, id)")


def _migration_4_call_owner(conn: sqlite3.Connection) -> None:
    """Which process placed a call, so that a still-`placing` row of a live process is not taken for a crashed one.

    Rows from older versions have no owner and are recovered as before.
    """
    conn.execute("ALTER TABLE calls ADD COLUMN owner_host TEXT")
    conn.execute("ALTER TABLE calls ADD COLUMN owner_pid INTEGER")
    conn.execute("ALTER TABLE calls ADD COLUMN owner_token TEXT")


def _migration_5_ref_not_unique(conn: sqlite3.Connection) -> None:
    """A given ref (e.g. a CRM id) may be used for more than one call; generated refs are unique by construction."""
    conn.execute("DROP INDEX calls_ref")
    conn.execute("CREATE INDEX calls_ref ON calls(ref)")


def _migration_6_call_e164(conn: sqlite3.Connection) -> None:
    """The number called in international form, so that a redial means the same number after a region change."""
    conn.execute("ALTER TABLE calls ADD COLUMN e164 TEXT NOT NULL DEFAULT ''")


def _migration_7_pinned_numbers(conn: sqlite3.Connection, region: str) -> None:
    """Every contact number gets its country once: the phones' digits-to-dial column becomes `e164`.

    Before, a number was stored as entered and read again in the current default region at every call, so a change
    of region made "(505) 555-0104" a UK number. Each stored number is now read once, in `region` (the default region
    in force when the database is upgraded: the region it was imported under is not recorded), and kept in
    international form. A number that cannot be read keeps "" and is refused at call time, as before. Journal rows
    from before migration 6 get their `e164` the same way from the digits they sent.
    """
    from c2c_desktop.core.phone import PhoneError, parse_number

    def pinned(text: str) -> str:
        try:
            return parse_number(text, region).e164
        except PhoneError:
            return ""

    conn.execute("DROP INDEX phones_dial")
    conn.execute("ALTER TABLE phones RENAME COLUMN dial TO e164")
    rows = conn.execute("SELECT contact_id, position, number, e164 FROM phones").fetchall()
    known: dict[str, str] = {}
    updates = []
    for contact_id, position, number, dial in rows:
        text = number or dial
        e164 = known.get(text)
        if e164 is None:
            e164 = known[text] = pinned(text)
        updates.append((e164, contact_id, position))
    conn.executemany("UPDATE phones SET e164 = ? WHERE contact_id = ? AND position = ?", updates)
    conn.execute("CREATE INDEX phones_e164 ON phones(e164)")
    calls = conn.execute("SELECT id, number FROM calls WHERE e164 = ''").fetchall()
    conn.executemany("UPDATE calls SET e164 = ? WHERE id = ?", [(pinned(number), id_) for id_, number in calls])


def _migration_8_import_journal(conn: sqlite3.Connection) -> None:
    """Each import, so that the last one can be undone whole, and a revision per contact to tell an edit since.

    `imports`: one row per import that changed something; the contacts it added are the ids first_added_id ..
    first_added_id + added - 1 (add_contacts hands out consecutive ids under the write lock, and ids are never
    reused). `import_merges`: each contact it merged into, as it was before (JSON) and its revision right after.
    `contacts.revision` goes up by one on each update, so "edited since" is a different revision.
    """
    conn.execute("ALTER TABLE contacts ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
    conn.execute(
        """CREATE TABLE imports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            imported_at TEXT NOT NULL,
            file_name TEXT NOT NULL DEFAULT '',
            format TEXT NOT NULL DEFAULT '',
            imported INTEGER NOT NULL DEFAULT 0,
            merged INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            first_added_id INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0
        )"""
    )
    conn.execute(
        """CREATE TABLE import_merges (
            import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
            contact_id INTEGER NOT NULL,
            before_json TEXT NOT NULL,
            revision_after INTEGER NOT NULL,
            PRIMARY KEY (import_id, contact_id)
        ) WITHOUT ROWID"""
    )


def _migration_9_call_owner_started(conn: sqlite3.Connection) -> None:
    """When the owner process started (see `_process_start`), so that a reused pid is not taken for the owner.

    Rows from older versions have none and are judged by their pid alone, as before.
    """
    conn.execute("ALTER TABLE calls ADD COLUMN owner_started TEXT")


def _migration_10_contact_region(conn: sqlite3.Connection) -> None:
    """The contact's address state/province ("US-FL", "CA-ON") or country ("DE"): the calling rules read it."""
    conn.execute("ALTER TABLE contacts ADD COLUMN region_code TEXT NOT NULL DEFAULT ''")


def _migration_11_dnc(conn: sqlite3.Connection) -> None:
    """The do-not-call lists (core/rules/dnc.py): the internal list, and the metadata of the imported lists.

    `dnc_internal`: one row per number an agent marked "do not call" (international form). `dnc_lists`: one row per
    imported list; its numbers are in a table of their own, `dnc_numbers_<id>` (created at import, one 64-bit integer
    per number: the international number's digits), so that replacing a list is dropping a table. A row with
    ready = 0 is a list being built (invisible to lookups); `dnc_list_coverage`: the area codes ("+1212") or country
    codes ("+44") a list covers, for the stale-list rule.
    """
    conn.execute(
        """CREATE TABLE dnc_internal (
            e164 TEXT PRIMARY KEY,
            reason TEXT NOT NULL DEFAULT '',
            agent_number TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL
        ) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE dnc_lists (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            source_file TEXT NOT NULL DEFAULT '',
            format TEXT NOT NULL DEFAULT '',
            rows INTEGER NOT NULL DEFAULT 0,
            data_date TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            ready INTEGER NOT NULL DEFAULT 0 CHECK (ready IN (0, 1))
        )"""
    )
    conn.execute("CREATE UNIQUE INDEX dnc_lists_name ON dnc_lists(name) WHERE ready = 1")
    conn.execute(
        """CREATE TABLE dnc_list_coverage (
            prefix TEXT NOT NULL,
            list_id INTEGER NOT NULL REFERENCES dnc_lists(id) ON DELETE CASCADE,
            PRIMARY KEY (prefix, list_id)
        ) WITHOUT ROWID"""
    )
    conn.execute("CREATE INDEX dnc_list_coverage_list ON dnc_list_coverage(list_id)")


def _migration_12_audit_attempts_caller_id(conn: sqlite3.Connection) -> None:
    """The audit log of the calling rules, the caller ID each call showed, and an index for counting attempts.

    `audit` is append-only from the app's side: triggers refuse every UPDATE and DELETE, and an INSERT that would
    replace a row (core/rules/audit.py writes it). `calls.caller_id`: the digits sent as the caller ID the prospect
    sees ("" when none was sent: the service's own), counted by the local caller ID pool's "least used today".
    `calls_e164_started`: the attempts to one number in a period (core/rules/attempts.py) without reading the whole
    journal.
    """
    conn.execute(
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            agent_number TEXT NOT NULL DEFAULT '',
            callee_number TEXT NOT NULL DEFAULT '',
            rule TEXT NOT NULL DEFAULT '',
            data_version TEXT NOT NULL DEFAULT '',
            dnc_list TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT ''
        )"""
    )
    conn.execute("CREATE INDEX audit_at ON audit(at)")
    for statement in ("UPDATE", "DELETE"):
        conn.execute(
            f"CREATE TRIGGER audit_no_{statement.lower()} BEFORE {statement} ON audit "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
    # INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers (recursive_triggers is off).
    conn.execute(
        "CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit "
        "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit WHERE id = NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    conn.execute("ALTER TABLE calls ADD COLUMN caller_id TEXT NOT NULL DEFAULT ''")
    conn.execute("CREATE INDEX calls_e164_started ON calls(e164, started_at)")


def _migration_13_call_lists(conn: sqlite3.Connection) -> None:
    """Call lists, their items and callbacks (core/calllists.py), and numbers flagged as wrong.

    `call_lists`: a deleted list keeps its rows with `deleted_at` set until it is purged, so a delete can be undone;
    names are unique (case-insensitively, `name_key`) among the lists not deleted. `list_items`: one row per contact
    or number in a list, in `position` order; `item_key` ("contact:12" or "+13055550100") keeps a contact or number
    once per list; `contact_id` is a soft reference (a deleted contact leaves the item, which then says so);
    `due_at`: the retry or callback time (ISO UTC text). `callbacks`: a time agreed with a callee, stored in UTC with
    the callee's IANA zone. `flagged_numbers`: numbers an agent marked "wrong number".
    """
    conn.execute(
        """CREATE TABLE call_lists (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            deleted_at TEXT
        )"""
    )
    conn.execute("CREATE UNIQUE INDEX call_lists_name ON call_lists(name_key) WHERE deleted_at IS NULL")
    conn.execute(
        """CREATE TABLE list_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            list_id INTEGER NOT NULL REFERENCES call_lists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            item_key TEXT NOT NULL,
            contact_id INTEGER,
            e164 TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'ready',
            due_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_outcome TEXT,
            last_disposition TEXT,
            last_call_id INTEGER,
            updated_at TEXT NOT NULL
        )"""
    )
    conn.execute("CREATE UNIQUE INDEX list_items_key ON list_items(list_id, item_key)")
    conn.execute("CREATE INDEX list_items_position ON list_items(list_id, position)")
    conn.execute("CREATE INDEX list_items_contact ON list_items(contact_id)")
    conn.execute(
        """CREATE TABLE callbacks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            e164 TEXT NOT NULL,
            contact_id INTEGER,
            name TEXT NOT NULL DEFAULT '',
            due_at TEXT NOT NULL,
            zone TEXT NOT NULL,
            list_item_id INTEGER REFERENCES list_items(id) ON DELETE SET NULL,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            closed_at TEXT
        )"""
    )
    conn.execute("CREATE INDEX callbacks_due ON callbacks(state, due_at)")
    conn.execute("CREATE INDEX callbacks_item ON callbacks(list_item_id)")
    conn.execute(
        """CREATE TABLE flagged_numbers (
            e164 TEXT PRIMARY KEY,
            reason TEXT NOT NULL DEFAULT '',
            flagged_at TEXT NOT NULL
        ) WITHOUT ROWID"""
    )


def _migration_14_list_calls(conn: sqlite3.Connection) -> None:
    """Every call placed from a list item, so that a list's figures count its calls (core/figures.py).

    `list_calls`: one row per call (a call is placed from one item at most), written in the same transaction as the
    item's update (list_work.call_started). It outlives the item's removal from its list: the call was still made
    from that list. Calls made before this version are known only as each item's last call
    (`list_items.last_call_id`): those are filled in; an item's earlier attempts were not recorded anywhere.
    """
    conn.execute(
        """CREATE TABLE list_calls (
            call_id INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
            list_id INTEGER NOT NULL REFERENCES call_lists(id) ON DELETE CASCADE,
            item_id INTEGER NOT NULL
        )"""
    )
    conn.execute("CREATE INDEX list_calls_list ON list_calls(list_id, call_id)")
    conn.execute(
        "INSERT OR IGNORE INTO list_calls (call_id, list_id, item_id) "
        "SELECT i.last_call_id, i.list_id, i.id FROM list_items i JOIN calls c ON c.id = i.last_call_id"
    )


#: A version-4 UUID made in SQL (the backfill of migration 15, and rows inserted without one).
_SQL_UUID4 = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) "
    "|| '-' || substr('89ab', 1 + abs(random()) % 4, 1) || substr(lower(hex(randomblob(2))), 2) || '-' "
    "|| lower(hex(randomblob(6)))"
)
#: The journal columns a team server receives (core/team/sync.py): changing one makes the row wait to be pushed.
SYNCED_CALL_COLUMNS = (
    "state",
    "outcome",
    "reconciled_outcome",
    "disposition",
    "note",
    "finished_at",
    "e164",
    "team_guarded",
)


def _migration_15_team_sync(conn: sqlite3.Connection) -> None:
    """The team workspace's local side (core/team/sync.py): journal rows to push, mirrors of the team's data.

    `calls.client_uuid`: the row's key on the team server (a replayed push updates, never duplicates); filled for old
    rows, and by a trigger for a row inserted without one. `calls.team_guarded`: NULL when the call was not made in
    team mode, 1 when the number was claimed on the server, 0 when it was dialled offline. `sync_change` /
    `sync_pushed`: a counter bumped by a trigger in the same transaction as any change to a pushed column, and the
    value the server has; the row waits while change > pushed, so a change made during a push is pushed again.
    `call_lists.team_list_id` / `list_items.team_item_id`: the server's ids of a team list mirrored into the local
    tables (NULL for local lists); team list names may repeat a local one. `team_contacts`, `team_dnc`: mirrors of
    the team's contacts and do-not-call list (the local guard refuses the latter's numbers, offline too).
    `team_sync_state`: the account the mirrors belong to and the first journal row after it was set up;
    `team_cursors`: per pulled table, the (transaction id, sequence) of the last change mirrored.
    """
    conn.execute("ALTER TABLE calls ADD COLUMN client_uuid TEXT")
    conn.execute(f"UPDATE calls SET client_uuid = {_SQL_UUID4}")
    conn.execute("CREATE UNIQUE INDEX calls_client_uuid ON calls(client_uuid)")
    conn.execute(
        "CREATE TRIGGER calls_client_uuid_given AFTER INSERT ON calls WHEN NEW.client_uuid IS NULL "
        f"BEGIN UPDATE calls SET client_uuid = {_SQL_UUID4} WHERE id = NEW.id; END"
    )
    conn.execute("ALTER TABLE calls ADD COLUMN team_guarded INTEGER CHECK (team_guarded IN (0, 1))")
    conn.execute("ALTER TABLE calls ADD COLUMN sync_change INTEGER NOT NULL DEFAULT 1")
    # Rows journaled before this version are not waiting for a server.
    conn.execute("ALTER TABLE calls ADD COLUMN sync_pushed INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE calls SET sync_pushed = sync_change")
    conn.execute("CREATE INDEX calls_unsynced ON calls(id) WHERE sync_change > sync_pushed")
    conn.execute(
        f"CREATE TRIGGER calls_sync_change AFTER UPDATE OF {', '.join(SYNCED_CALL_COLUMNS)} ON calls "
        "WHEN NEW.sync_change = OLD.sync_change "
        "BEGIN UPDATE calls SET sync_change = OLD.sync_change + 1 WHERE id = NEW.id; END"
    )
    conn.execute("ALTER TABLE call_lists ADD COLUMN team_list_id INTEGER")
    conn.execute("CREATE UNIQUE INDEX call_lists_team ON call_lists(team_list_id)")
    conn.execute("DROP INDEX call_lists_name")
    conn.execute(
        "CREATE UNIQUE INDEX call_lists_name ON call_lists(name_key) WHERE deleted_at IS NULL AND team_list_id IS NULL"
    )
    conn.execute("ALTER TABLE list_items ADD COLUMN team_item_id INTEGER")
    conn.execute("CREATE UNIQUE INDEX list_items_team ON list_items(team_item_id)")
    conn.execute(
        """CREATE TABLE team_contacts (
            team_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            company TEXT NOT NULL DEFAULT '',
            e164 TEXT NOT NULL
        )"""
    )
    conn.execute("CREATE INDEX team_contacts_e164 ON team_contacts(e164)")
    conn.execute(
        """CREATE TABLE team_dnc (
            e164 TEXT PRIMARY KEY,
            reason TEXT NOT NULL DEFAULT '',
            added_by TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL
        ) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE team_sync_state (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            account TEXT NOT NULL,
            baseline_call_id INTEGER NOT NULL,
            set_up_at TEXT NOT NULL,
            cool_off_s REAL,
            lease_s REAL
        )"""
    )
    conn.execute(
        """CREATE TABLE team_cursors (
            table_name TEXT PRIMARY KEY,
            txid INTEGER NOT NULL,
            seq INTEGER NOT NULL
        ) WITHOUT ROWID"""
    )


def _migration_16_team_account(conn: sqlite3.Connection) -> None:
    """Team-mode journal rows remember their account, so only that account pushes them (core/team/sync.py).

    `calls.team_account`: user@host:port/database of the team account a call made in team mode belongs to (NULL:
    marked before this version, or with no account known; such a row goes up with whichever account pushes).
    `team_current`: the account the profile's team_url names now (written by whoever reads the setting), given to
    the rows marked without an account of their own.
    """
    conn.execute("ALTER TABLE calls ADD COLUMN team_account TEXT")
    conn.execute(
        "CREATE TABLE team_current (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), account TEXT NOT NULL)"
    )


def _migration_17_team_item_updates(conn: sqlite3.Connection) -> None:
    """What a calling session on a team list still has to tell the team server (core/team/session_steps.py).

    One row per team list item whose end (done, open again from a time, a callback, the claim given back) the server
    has not recorded yet: written in the same local transaction as the outcome or disposition that decided it, and
    removed once the server has it (TeamSync.send_item_updates), so an update is never lost to a server that did not
    answer. `account`: the team account whose item it is (team_sync_state.account when written); only that account
    sends it. A later update of the same item replaces the earlier one (its `id` changes, so a send of the earlier
    one that finishes meanwhile does not remove it).
    """
    conn.execute(
        """CREATE TABLE team_item_updates (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            team_item_id INTEGER NOT NULL UNIQUE,
            account TEXT,
            step TEXT NOT NULL CHECK (step IN ('release', 'finish', 'callback')),
            done INTEGER NOT NULL DEFAULT 0,
            at TEXT,
            outcome TEXT,
            disposition TEXT,
            called INTEGER NOT NULL DEFAULT 1,
            kept_at TEXT NOT NULL
        )"""
    )


def _migration_18_team_dnc_marks(conn: sqlite3.Connection) -> None:
    """Numbers marked "do not call" in team mode, until the team server has them (TeamSync.send_dnc_marks).

    A trigger fills `team_dnc_marks` from `dnc_internal` in the same transaction as the mark, while a team account is
    current (`team_current`), so a mark made offline is never lost; taking the number off the internal list before it
    went up takes it out of the queue. Marks made before team mode stay local.
    """
    conn.execute(
        """CREATE TABLE team_dnc_marks (
            account TEXT NOT NULL,
            e164 TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            marked_at TEXT NOT NULL,
            PRIMARY KEY (account, e164)
        ) WITHOUT ROWID"""
    )
    conn.execute(
        "CREATE TRIGGER team_dnc_marked AFTER INSERT ON dnc_internal "
        "WHEN EXISTS (SELECT 1 FROM team_current) BEGIN "
        "INSERT OR REPLACE INTO team_dnc_marks (account, e164, reason, marked_at) "
        "SELECT account, NEW.e164, NEW.reason, NEW.added_at FROM team_current; END"
    )
    conn.execute(
        "CREATE TRIGGER team_dnc_unmarked AFTER DELETE ON dnc_internal BEGIN "
        "DELETE FROM team_dnc_marks WHERE e164 = OLD.e164; END"
    )


#: Migration n (1-based) brings the schema from version n-1 to n; PRAGMA user_version holds the version. A migration
#: that reads phone numbers takes the default region in force as a second argument (see `migrate`).
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migration_1_tables,
    _migration_2_lookup_indexes,
    _migration_3_contact_sort_key,
    _migration_4_call_owner,
    _migration_5_ref_not_unique,
    _migration_6_call_e164,
    functools.partial(_migration_7_pinned_numbers, region=DEFAULT_REGION),
    _migration_8_import_journal,
    _migration_9_call_owner_started,
    _migration_10_contact_region,
    _migration_11_dnc,
    _migration_12_audit_attempts_caller_id,
    _migration_13_call_lists,
    _migration_14_list_calls,
    _migration_15_team_sync,
    _migration_16_team_account,
    _migration_17_team_item_updates,
    _migration_18_team_dnc_marks,
]


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database file."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int | None = None, *, region: str = DEFAULT_REGION) -> int:
    """Apply the pending migrations up to `target` (default: all), each in its own transaction; return the version.

    `conn` must be in autocommit mode (isolation_level=None). A failing migration is rolled back whole and the
    version stays at the last one that succeeded. `region`: the default region in force, for a migration that reads
    stored numbers written without a country code.
    """
    latest = len(MIGRATIONS) if target is None else target
    version = schema_version(conn)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"The database was written by a newer version of {APP_NAME} (schema {version}, this version knows "
            f"{len(MIGRATIONS)}). Update the app."
        )
    for number in range(version + 1, latest + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            step = MIGRATIONS[number - 1]
            if isinstance(step, functools.partial) and "region" in step.keywords:
                step = functools.partial(step, region=region)
            step(conn)
            # user_version is part of the database header, so it commits or rolls back with the migration.
            conn.execute(f"PRAGMA user_version = {number:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return schema_version(conn)


# --- plain errors -------------------------------------------------------------------------------------------------

_P = ParamSpec("_P")
_R = TypeVar("_R")

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26


def _plain_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """The StoreError to show for an sqlite3 error: one plain line saying what the user can do."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = -1 if code is None else code & 0xFF
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreBusyError("The database is busy (another program holds it); try again.")
    if primary in (_SQLITE_READONLY, _SQLITE_PERM):
        return StoreError(f"The database is read-only: {path} (check the permissions of the file and its folder).")
    if primary == _SQLITE_FULL:
        return StoreError(f"The disk is full: free some space for the database {path} and try again.")
    if primary == _SQLITE_CANTOPEN:
        return StoreError(f"Cannot open the database {path}: {exc}")
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StoreError(f"Cannot use the database {path}: it is damaged or not a database ({exc}).")
    if primary == _SQLITE_IOERR:
        return StoreError(f"Cannot read or write the database {path}: {exc}")
    return StoreError(f"Cannot use the database {path}: {exc}")


@contextmanager
def _plain_errors(path: Path) -> Iterator[None]:
    """Turn sqlite3 errors raised inside the block into StoreError; ProgrammingError (a bug) passes unchanged."""
    try:
        yield
    except sqlite3.ProgrammingError:
        raise
    except sqlite3.Error as exc:
        raise _plain_error(exc, path) from exc


def _with_plain_errors(method: Callable[Concatenate[Store, _P], _R]) -> Callable[Concatenate[Store, _P], _R]:
    """Decorates a public `Store` method: sqlite3 errors leave it as StoreError (see `_plain_errors`)."""

    @functools.wraps(method)
    def wrapper(self: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _plain_errors(self.path):
            return method(self, *args, **kwargs)

    return wrapper


# --- who owns a placing row ----------------------------------------------------------------------------------------

# A `placing` row belongs to the process that began it until that process ends; only then is it "interrupted".
# (host, pid, start) names the process: the start (see `_process_start`) tells it from a later process that was given
# the same pid; the token tells this process from an earlier one that had the same pid (containers restart with the
# same pid and host name). These fields are portable but only mean something to processes on one machine; a journal
# shared by several machines (PostgreSQL) would use a lease instead: an owner plus an expiry that the caller renews
# while the call is in flight, and recovery of rows whose lease has run out.
_OWNER_TOKEN = os.urandom(8).hex()
_PROC = Path("/proc")


def _this_host() -> str:
    return socket.gethostname()


class OwnerState(StrEnum):
    """Who is placing a `placing` row, as far as this process can tell."""

    THIS_PROCESS = "this process"  # this process began it (its call is in flight, or its outcome not yet written)
    OTHER_PROCESS = "other process"  # another live process on this machine
    OTHER_MACHINE = "other machine"  # a process on another machine: it cannot be checked from here
    GONE = "gone"  # its process has ended: the row is interrupted (`recover_interrupted` marks it UNKNOWN)


@dataclass(frozen=True, slots=True)
class CallOwner:
    """The owner of a `placing` row: its state, and the process id and host it recorded (None for old rows)."""

    state: OwnerState
    pid: int | None = None
    host: str | None = None


def _owner_state(host: str | None, pid: int | None, token: str | None, started: str | None) -> OwnerState:
    """Whether the process that began a placing row is this one, another live one, or gone (or the row predates
    owners: gone)."""
    if host is None or pid is None:
        return OwnerState.GONE  # written by a version that did not record owners
    if host != _this_host():
        return OwnerState.OTHER_MACHINE
    if pid == os.getpid():
        return OwnerState.THIS_PROCESS if token == _OWNER_TOKEN else OwnerState.GONE
    return OwnerState.OTHER_PROCESS if _process_is_alive(pid, started) else OwnerState.GONE


def _owner_is_gone(host: str | None, pid: int | None, token: str | None, started: str | None) -> bool:
    """True if the process that began a placing row has ended (or the row predates owners)."""
    return _owner_state(host, pid, token, started) is OwnerState.GONE


def _process_is_alive(pid: int, started: str | None = None) -> bool:
    """Whether the process with this id that started at `started` (a `_process_start` value) still runs here.

    On Linux /proc tells: a zombie (killed, not yet reaped by its parent) is dead, and a process whose start differs
    from `started` is another one that was given the same pid. Elsewhere (macOS, Windows) only the pid is checked: a
    zombie counts as alive until reaped, and a reused pid as the owner, until ABANDONED_AFTER.
    """
    if pid <= 0:
        return False  # never a process of ours: os.kill(0 or -n) would signal a whole process group
    if sys.platform == "win32":
        return _windows_process_is_alive(pid)
    try:
        state, start = _proc_stat(pid)
    except FileNotFoundError:
        return False  # no such process (this process's own entry was there: /proc is mounted)
    except (OSError, ValueError, IndexError):
        pass  # no /proc (macOS), or it hides other users' processes: the pid alone must do
    else:
        if state in ("Z", "X"):  # zombie, or dead
            return False
        return started is None or start is None or started == start
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists but belongs to another user
    return True


def _proc_stat(pid: int) -> tuple[str, str | None]:
    """The state letter ("R", "S", "Z", …) of a process and its start (see `_process_start`), from /proc/PID/stat.

    Raises FileNotFoundError when there is no such process, another OSError (or ValueError) when /proc cannot tell.
    """
    if not _proc_is_mounted():
        raise OSError("no /proc")
    text = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    # "pid (comm) state ppid …": comm may hold spaces and parentheses, so the fields start after the last ")".
    fields = text.rpartition(")")[2].split()
    state, start_ticks = fields[0], int(fields[19])  # fields 3 and 22 of proc(5)
    boot = _boot_id()
    return state, None if boot is None else f"{boot}/{start_ticks}"


@functools.cache
def _proc_is_mounted() -> bool:
    return sys.platform.startswith("linux") and (_PROC / "self" / "stat").exists()


@functools.cache
def _boot_id() -> str | None:
    # Start times count clock ticks since boot: the boot id tells this boot's from an earlier one's.
    try:
        return (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text(encoding="ascii").strip() or None
    except OSError:
        return None


@functools.cache
def _process_start(pid: int) -> str | None:
    """When process `pid` started, as "BOOT_ID/TICKS" (Linux: the boot id and field 22 of /proc/PID/stat); None where
    that cannot be read (other systems). Cached: only ever asked for this process (whose pid changes on fork)."""
    try:
        return _proc_stat(pid)[1]
    except (OSError, ValueError, IndexError):
        return None


if sys.platform == "win32":

    def _windows_process_is_alive(pid: int) -> bool:
        # os.kill(pid, 0) on Windows would send CTRL_C_EVENT, so ask the kernel instead.
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        process_query_limited_information, still_active, error_access_denied = 0x1000, 259, 5
        handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
        if not handle:
            return bool(ctypes.get_last_error() == error_access_denied)
        try:
            exit_code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(exit_code)):
                return True
            return bool(exit_code.value == still_active)
        finally:
            kernel32.CloseHandle(handle)


# --- row <-> dataclass ----------------------------------------------------------------------------------------------

_CALL_COLUMNS = (
    "id, ref, started_at, number, display_number, agent_number, call_type, state, outcome, message, contact_id, "
    "contact_name, page, finished_at, resolution_s, http_status, excerpt, disposition, note, reconciled_outcome, e164, "
    "caller_id"
)


def _entry_from_row(row: tuple[Any, ...]) -> JournalEntry:
    return JournalEntry(
        id=row[0],
        ref=row[1],
        started_at=row[2],
        number=row[3],
        display_number=row[4],
        agent_number=row[5],
        call_type=row[6],
        state=CallState(row[7]),
        outcome=None if row[8] is None else Outcome(row[8]),
        message=row[9],
        contact_id=row[10],
        contact_name=row[11],
        page=row[12],
        finished_at=row[13],
        resolution_s=row[14],
        http_status=row[15],
        excerpt=row[16],
        disposition=row[17],
        note=row[18],
        reconciled_outcome=None if row[19] is None else Outcome(row[19]),
        e164=row[20] or "",
        caller_id=row[21] or "",
    )


def _phone_rows(contact_id: int, phones: Iterable[PhoneEntry]) -> Iterator[tuple[int, int, str, str, str, int]]:
    for position, phone in enumerate(phones):
        yield (contact_id, position, phone.number, phone.label, phone.e164, int(phone.primary))


@functools.cache
def _multi_row_insert(insert: str, rows: int, columns: int) -> str:
    one_row = "(" + ", ".join("?" * columns) + ")"
    return insert + ", ".join([one_row] * rows)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sort_key(contact: Contact) -> tuple[str, int]:
    return (contact.name.casefold(), contact.id or 0)


_CONTACT_COLUMNS = 7  # in _INSERT_CONTACT
_PHONE_COLUMNS = 6  # in _INSERT_PHONE
_INSERT_CONTACTS = "INSERT INTO contacts (id, name, company, title, notes, sort_key, region_code) VALUES "
_INSERT_PHONES = "INSERT INTO phones (contact_id, position, number, label, e164, is_primary) VALUES "
_INSERT_CONTACT = _multi_row_insert(_INSERT_CONTACTS, 1, _CONTACT_COLUMNS)
_INSERT_PHONE = _multi_row_insert(_INSERT_PHONES, 1, _PHONE_COLUMNS)
#: Values per INSERT statement in add_contacts (one statement per row, executemany, costs twice as much in SQLite):
#: under 999 parameters, the limit of SQLite builds older than 3.32.
_MAX_PARAMETERS = 999
#: Contacts written between two progress reports of add_contacts.
_ADD_BATCH = 30 * (_MAX_PARAMETERS // _PHONE_COLUMNS)
#: add_contacts rebuilds the contact and phone indexes (instead of updating them row by row) for at least this many
#: contacts, when they are also at least a quarter of those stored: sorting all keys once is then cheaper (measured
#: with 100k stored: adding 25k takes 0.7 s instead of 0.9 s, 50k 0.7 s instead of 1.5 s; 10k is a little slower).
_REBUILD_INDEXES_MIN = 5000
_IDS_PER_QUERY = 500  # ids per "IN (...)" list: under the 999 parameters of older SQLite builds
_REBUILD_INDEXES_FRACTION = 4
_SELECT_PHONES = "SELECT contact_id, number, label, e164, is_primary FROM phones"
# The primary phone is the first one marked primary, else the first one (as Contact.primary_phone); each subquery is
# a primary-key lookup. group_concat's order does not matter here: the numbers are only searched.
_PHONE_TEXT = "CASE WHEN p.e164 <> '' THEN p.e164 ELSE p.number END"
_SELECT_CONTACT_ROWS = f"""SELECT c.id, c.name, c.company, c.title,
    COALESCE(
        (SELECT {_PHONE_TEXT} FROM phones p WHERE p.contact_id = c.id AND p.is_primary = 1 ORDER BY p.position LIMIT 1),
        (SELECT {_PHONE_TEXT} FROM phones p WHERE p.contact_id = c.id ORDER BY p.position LIMIT 1),
        ''),
    COALESCE((SELECT group_concat(p.number, char(1)) FROM phones p WHERE p.contact_id = c.id), '')
    FROM contacts c ORDER BY c.sort_key, c.id LIMIT ? OFFSET ?"""


class Store:
    """Contacts and the call journal in one SQLite file. Use from one thread only (see the module docstring)."""

    def __init__(
        self, path: str | os.PathLike[str], *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, region: str = DEFAULT_REGION
    ) -> None:
        """Open (or create, with parent folders) the database at `path` and bring its schema up to date.

        `busy_timeout_ms`: how long a statement waits for another connection's write lock before StoreError "busy".
        `region`: the default region in force, used only by an upgrade that pins stored numbers to their country.
        Every public method raises StoreError (with a plain message) for database problems.
        """
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: this class issues BEGIN/COMMIT itself, so "committed" means committed.
            conn = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the database {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a journal row written before a call is sent must survive a power cut, not just a crash.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, region=region)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _plain_error(exc, self.path) from None
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn
        self._tx_depth = 0  # nesting level of transaction()

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("The database is closed.")
        return self._conn

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        with _plain_errors(self.path):
            return schema_version(self._db)

    @_with_plain_errors
    def integrity_check(self) -> str:
        """SQLite's own consistency check: "ok" when the file is sound, otherwise the problems found."""
        rows = self._db.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(row[0]) for row in rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: everything inside commits together, or nothing changes if the block raises.

        Nests: an inner block is a savepoint, so an inner failure that the caller catches undoes only that block.
        """
        db = self._db
        depth = self._tx_depth
        with _plain_errors(self.path):
            db.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT sp{depth:d}")
        self._tx_depth += 1
        try:
            yield
            with _plain_errors(self.path):
                db.execute("COMMIT" if depth == 0 else f"RELEASE sp{depth:d}")
        except BaseException:
            self._undo(depth)
            raise
        finally:
            self._tx_depth -= 1

    def _undo(self, depth: int) -> None:
        db = self._db
        # On some errors (a full disk, for one) SQLite has already rolled the whole transaction back: there is
        # nothing left to undo, and a ROLLBACK would fail and hide the error that matters.
        if not db.in_transaction:
            return
        with _plain_errors(self.path):
            if depth == 0:
                db.execute("ROLLBACK")
            else:
                db.execute(f"ROLLBACK TO sp{depth:d}")
                db.execute(f"RELEASE sp{depth:d}")

    @property
    def in_transaction(self) -> bool:
        """True inside a `transaction()` block."""
        return self._tx_depth > 0

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection, for the small repositories kept over this store (core/rules: the do-not-call lists,
        the audit log, the attempt log): their statements join the open `transaction()` if any, and they turn sqlite3
        errors into StoreError with `plain_errors()`. Same thread only, as every method."""
        return self._db

    def plain_errors(self) -> AbstractContextManager[None]:
        """A block in which sqlite3 errors become StoreError with a plain message (as in this class's methods)."""
        return _plain_errors(self.path)

    # --- journal ---------------------------------------------------------------------------------------------

    @_with_plain_errors
    def begin_call(
        self,
        request: CallRequest,
        *,
        display_number: str = "",
        contact_id: int | None = None,
        contact_name: str = "",
        e164: str = "",
    ) -> JournalEntry:
        """Record a call as `placing` and commit, BEFORE the request is sent.

        If `request.ref` is None a new ref is generated; send the request with `entry.ref` so the service's report
        and the journal share it. A given ref may repeat (e.g. a CRM id called twice). The row records this process
        as its owner (see `recover_interrupted`), and the caller ID the prospect is shown (`prospect_caller_id`). Not
        allowed inside `transaction()`: the row must be durable before returning.
        """
        if self.in_transaction:
            raise StoreError("begin_call must not run inside a transaction: the row must be committed first.")
        if request.ref is not None and len(request.ref) > MAX_REF_LENGTH:
            raise ValueError(f"ref is longer than {MAX_REF_LENGTH} characters")
        cursor = self._db.execute(
            "INSERT INTO calls (ref, started_at, number, display_number, agent_number, call_type, state, message, "
            "contact_id, contact_name, page, owner_host, owner_pid, owner_token, owner_started, e164, caller_id, "
            "client_uuid) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request.ref if request.ref is not None else new_ref(),
                utc_now(),
                request.phone_to_call,
                display_number,
                request.agent_number,
                int(request.call_type),
                CallState.PLACING.value,
                contact_id,
                contact_name,
                request.page,
                _this_host(),
                os.getpid(),
                _OWNER_TOKEN,
                _process_start(os.getpid()),
                e164,
                prospect_caller_id(request),
                new_client_uuid(),
            ),
        )
        return self._require_call(int(cursor.lastrowid or 0))

    @_with_plain_errors
    def finish_call(self, call_id: int, result: CallResult) -> JournalEntry:
        """Record the outcome of a call begun with `begin_call` (state becomes done) and commit."""
        cursor = self._db.execute(
            "UPDATE calls SET state = ?, outcome = ?, message = ?, excerpt = ?, http_status = ?, resolution_s = ?, "
            "finished_at = ? WHERE id = ?",
            (
                CallState.DONE.value,
                result.outcome.value,
                result.message,
                result.excerpt,
                result.http_status,
                result.elapsed_s,
                utc_now(),
                call_id,
            ),
        )
        if cursor.rowcount == 0:
            raise RowNotFoundError(f"No call with id {call_id} in the journal.")
        return self._require_call(call_id)

    @_with_plain_errors
    def recover_interrupted(self) -> int:
        """Mark rows left `placing` by a crash or kill as done/UNKNOWN (finished_at stays empty); return how many.

        Only rows whose owner process has ended are touched (and rows without an owner, from older versions): a call
        that another running process (or this one) is still placing stays `placing`. Rows owned by a process on
        another machine are left alone, unless older than ABANDONED_AFTER (then any owner is presumed gone).
        """
        # Read first, outside a transaction: the usual case (nothing to recover) then needs no write lock.
        placing = self._db.execute(
            "SELECT id, started_at, owner_host, owner_pid, owner_token, owner_started FROM calls WHERE state = ?",
            (CallState.PLACING.value,),
        ).fetchall()
        abandoned_before = _utc_text(datetime.now(UTC) - ABANDONED_AFTER)
        interrupted = [
            call_id
            for call_id, started_at, host, pid, token, started in placing
            if started_at < abandoned_before or _owner_is_gone(host, pid, token, started)
        ]
        if not interrupted:
            return 0
        with self.transaction():
            # "AND state": another process may have recovered some of these meanwhile; count only ours.
            cursor = self._db.executemany(
                "UPDATE calls SET state = ?, outcome = ?, message = ? WHERE id = ? AND state = ?",
                [
                    (CallState.DONE.value, Outcome.UNKNOWN.value, INTERRUPTED_MESSAGE, call_id, CallState.PLACING.value)
                    for call_id in interrupted
                ],
            )
        return cursor.rowcount

    @_with_plain_errors
    def call_owner(self, call_id: int) -> CallOwner | None:
        """Who is placing a call that is still `placing` (by the rules of `recover_interrupted`); None when the call is
        done or not in the journal."""
        row = self._db.execute(
            "SELECT started_at, owner_host, owner_pid, owner_token, owner_started FROM calls "
            "WHERE id = ? AND state = ?",
            (call_id, CallState.PLACING.value),
        ).fetchone()
        if row is None:
            return None
        started_at, host, pid, token, started = row
        if started_at < _utc_text(datetime.now(UTC) - ABANDONED_AFTER):
            return CallOwner(OwnerState.GONE, pid, host)
        return CallOwner(_owner_state(host, pid, token, started), pid, host)

    @_with_plain_errors
    def list_calls(
        self,
        limit: int | None = None,
        *,
        outcome: Outcome | None = None,
        text: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[JournalEntry]:
        """Journal rows, newest first.

        outcome: the effective outcome (the reconciled one if set, else the original).
        text: case-insensitive substring of contact name, number, displayed number, ref, disposition or note.
        since/until: ISO 8601 UTC text, a date ("2026-11-30") or a full timestamp; since inclusive, until exclusive,
        compared with started_at.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if outcome is not None:
            clauses.append("COALESCE(reconciled_outcome, outcome) = ?")
            params.append(Outcome(outcome).value)
        if text:
            pattern = _like_pattern(text)
            columns = ("contact_name", "number", "display_number", "ref", "disposition", "note")
            clauses.append("(" + " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in columns) + ")")
            params.extend([pattern] * len(columns))
        if since:
            clauses.append("started_at >= ?")
            params.append(since)
        if until:
            clauses.append("started_at < ?")
            params.append(until)
        sql = f"SELECT {_CALL_COLUMNS} FROM calls"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        return [_entry_from_row(row) for row in self._db.execute(sql, params)]

    @_with_plain_errors
    def get_call(self, call_id: int) -> JournalEntry | None:
        """One journal row, or None."""
        row = self._db.execute(f"SELECT {_CALL_COLUMNS} FROM calls WHERE id = ?", (call_id,)).fetchone()
        return None if row is None else _entry_from_row(row)

    @_with_plain_errors
    def last_call_that_may_have_rung(self, dials: Iterable[str]) -> JournalEntry | None:
        """The most recent journal row that called one of `dials` (unformatted numbers) and may have rung a phone, or
        None. Calls that were not sent or that the service rejected dialled nobody, so they are passed over: an
        unknown call followed by a failed retry may still be ringing."""
        wanted = sorted(set(dials))
        if not wanted:
            return None
        row = self._db.execute(
            f"SELECT {_CALL_COLUMNS} FROM calls WHERE number IN ({', '.join('?' * len(wanted))})"
            " AND (state = ? OR COALESCE(reconciled_outcome, outcome) NOT IN (?, ?)) ORDER BY id DESC LIMIT 1",
            (*wanted, CallState.PLACING.value, Outcome.NOT_SENT.value, Outcome.REJECTED.value),
        ).fetchone()
        return None if row is None else _entry_from_row(row)

    @_with_plain_errors
    def set_disposition(self, call_id: int, disposition: str | None, note: str = "") -> None:
        """Set the agent's disposition (None clears it) and note for a call."""
        cursor = self._db.execute(
            "UPDATE calls SET disposition = ?, note = ? WHERE id = ?", (disposition, note, call_id)
        )
        if cursor.rowcount == 0:
            raise RowNotFoundError(f"No call with id {call_id} in the journal.")

    @_with_plain_errors
    def reconcile(self, call_id: int, outcome: Outcome) -> None:
        """Record what really happened (e.g. an UNKNOWN that did connect); the original outcome is kept."""
        cursor = self._db.execute(
            "UPDATE calls SET reconciled_outcome = ? WHERE id = ?", (Outcome(outcome).value, call_id)
        )
        if cursor.rowcount == 0:
            raise RowNotFoundError(f"No call with id {call_id} in the journal.")

    def _require_call(self, call_id: int) -> JournalEntry:
        entry = self.get_call(call_id)
        if entry is None:
            raise RowNotFoundError(f"No call with id {call_id} in the journal.")
        return entry

    # --- contacts --------------------------------------------------------------------------------------------

    @_with_plain_errors
    def add_contact(self, contact: Contact) -> Contact:
        """Insert one contact with its phones; return it with its id.

        If `contact.id` is set (undo of a delete) that id is reused, which relinks its journal rows.
        """
        with self.transaction():
            try:
                cursor = self._db.execute(
                    _INSERT_CONTACT,
                    (
                        contact.id,
                        contact.name,
                        contact.company,
                        contact.title,
                        contact.notes,
                        _sort_text(contact.name),
                        contact.region_code,
                    ),
                )
            except sqlite3.IntegrityError:
                raise StoreError(f"A contact with id {contact.id} already exists.") from None
            contact_id = int(cursor.lastrowid or 0)
            self._db.executemany(_INSERT_PHONE, _phone_rows(contact_id, contact.phones))
        return Contact(
            id=contact_id,
            name=contact.name,
            company=contact.company,
            title=contact.title,
            phones=tuple(contact.phones),
            notes=contact.notes,
            region_code=contact.region_code,
        )

    @_with_plain_errors
    def add_contacts(self, contacts: Iterable[Contact], *, progress: Callable[[int, int], None] | None = None) -> int:
        """Insert many contacts in one transaction (new ids; any given id is ignored); return how many.

        `progress(stored, total)` is called on this thread after each batch of contacts is written. A large addition
        (at least _REBUILD_INDEXES_MIN contacts, and a quarter of those stored) drops the indexes of the contact
        tables and builds them again at the end, inside the same transaction: everything, indexes included, commits
        together or not at all.
        """
        batch = contacts if isinstance(contacts, list) else list(contacts)
        total = len(batch)
        with self.transaction(), gc_paused():
            # The write lock is held from here, so ids after the current maximum are ours to hand out; this lets
            # both tables be filled with multi-row INSERTs instead of one INSERT per contact.
            first_id = self._last_contact_id() + 1
            rebuild = total >= _REBUILD_INDEXES_MIN and total * _REBUILD_INDEXES_FRACTION >= self.contact_count()
            with self._indexes_rebuilt_after("contacts", "phones") if rebuild else nullcontext():
                for start in range(0, total, _ADD_BATCH):
                    self._insert_contacts(batch[start : start + _ADD_BATCH], first_id + start)
                    if progress is not None:
                        progress(min(start + _ADD_BATCH, total), total)
        return total

    def _insert_contacts(self, contacts: list[Contact], first_id: int) -> None:
        # Rows flattened into one parameter list per table, as _insert_rows wants them.
        contact_values: list[object] = []
        phone_values: list[object] = []
        for contact_id, contact in enumerate(contacts, first_id):
            name = contact.name
            contact_values += (
                contact_id,
                name,
                contact.company,
                contact.title,
                contact.notes,
                _sort_text(name),
                contact.region_code,
            )
            position = 0
            for phone in contact.phones:
                phone_values += (contact_id, position, phone.number, phone.label, phone.e164, int(phone.primary))
                position += 1
        self._insert_rows(_INSERT_CONTACTS, contact_values, _CONTACT_COLUMNS)
        self._insert_rows(_INSERT_PHONES, phone_values, _PHONE_COLUMNS)

    def _insert_rows(self, insert: str, values: list[object], columns: int) -> None:
        """Run `insert` ("INSERT ... VALUES ") for rows of `columns` values flattened into `values`."""
        db = self._db
        rows_per_insert = _MAX_PARAMETERS // columns
        step = rows_per_insert * columns
        whole = len(values) - len(values) % step
        if whole:
            sql = _multi_row_insert(insert, rows_per_insert, columns)
            for start in range(0, whole, step):
                db.execute(sql, values[start : start + step])
        if whole < len(values):
            db.execute(_multi_row_insert(insert, (len(values) - whole) // columns, columns), values[whole:])

    @contextmanager
    def _indexes_rebuilt_after(self, *tables: str) -> Iterator[None]:
        """Drop the indexes of `tables` for the block and create them again (the same SQL) after it.

        Only inside a transaction: if the block fails, the rollback brings the indexes back with the old rows.
        """
        if not self.in_transaction:
            raise StoreError("indexes may only be rebuilt inside a transaction")
        db = self._db
        marks = ", ".join("?" * len(tables))
        # sql IS NULL: the automatic indexes of UNIQUE and PRIMARY KEY constraints, which cannot be dropped.
        indexes = db.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tables,
        ).fetchall()
        for name, _ in indexes:
            db.execute('DROP INDEX "{}"'.format(name.replace('"', '""')))
        yield
        for _, sql in indexes:
            db.execute(sql)

    def _last_contact_id(self) -> int:
        # The highest id ever used (AUTOINCREMENT's record), or the highest present if that is larger.
        row = self._db.execute(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'contacts'), 0), "
            "COALESCE((SELECT MAX(id) FROM contacts), 0))"
        ).fetchone()
        return int(row[0])

    @_with_plain_errors
    def update_contact(self, contact: Contact) -> None:
        """Replace a stored contact's fields and phones with those of `contact` (matched by id)."""
        if contact.id is None:
            raise ValueError("update_contact needs a contact with an id")
        with self.transaction():
            # The revision tells an undo of an import whether the contact was edited since (undo_last_import).
            cursor = self._db.execute(
                "UPDATE contacts SET name = ?, company = ?, title = ?, notes = ?, sort_key = ?, region_code = ?,"
                " revision = revision + 1 WHERE id = ?",
                (
                    contact.name,
                    contact.company,
                    contact.title,
                    contact.notes,
                    _sort_text(contact.name),
                    contact.region_code,
                    contact.id,
                ),
            )
            if cursor.rowcount == 0:
                raise RowNotFoundError(f"No contact with id {contact.id}.")
            self._db.execute("DELETE FROM phones WHERE contact_id = ?", (contact.id,))
            self._db.executemany(_INSERT_PHONE, _phone_rows(contact.id, contact.phones))

    # --- imports and their undo ------------------------------------------------------------------------------

    @_with_plain_errors
    def store_import(
        self,
        added: list[Contact],
        merged_into: list[Contact],
        *,
        file_name: str,
        format: str,  # noqa: A002 (the import's format, as ImportSummary names it)
        counts: tuple[int, int, int],
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportRecord | None:
        """Write one import in ONE transaction and record it for `undo_last_import`.

        `merged_into`: stored contacts (by id) with what was merged into them; `added`: new contacts (their ids are
        handed out here). `counts`: (imported, merged, skipped) of the import's summary. Each contact merged into is
        kept as it was just before, read inside this transaction. Returns the record, or None when it neither added
        nor merged anything (nothing is recorded then). An import that only merged is recorded even if its merges
        changed nothing: it is still the last import, the one an undo takes back. `progress` as for `add_contacts`.
        """
        with self.transaction(), gc_paused():
            ids = [contact.id for contact in merged_into if contact.id is not None]
            before = {contact.id or 0: contact for contact in self._contacts_by_ids(ids)}
            revisions = self._revisions(ids)
            for contact in merged_into:
                self.update_contact(contact)
            first_added_id = self._last_contact_id() + 1
            self.add_contacts(added, progress=progress)
            imported, merged, skipped = counts
            if not (added or merged_into or merged):
                return None
            imported_at = utc_now()
            cursor = self._db.execute(
                "INSERT INTO imports (imported_at, file_name, format, imported, merged, skipped, first_added_id, added)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (imported_at, file_name, format, imported, merged, skipped, first_added_id, len(added)),
            )
            import_id = int(cursor.lastrowid or 0)
            after = self._revisions(ids)
            self._db.executemany(
                "INSERT INTO import_merges (import_id, contact_id, before_json, revision_after) VALUES (?, ?, ?, ?)",
                [
                    (import_id, contact_id, _contact_json(contact, revisions[contact_id]), after[contact_id])
                    for contact_id, contact in before.items()
                ],
            )
        return ImportRecord(import_id, imported_at, file_name, format, imported, merged, skipped)

    @_with_plain_errors
    def last_import(self) -> ImportRecord | None:
        """The import `undo_last_import` would undo, or None."""
        row = self._db.execute(f"SELECT {_IMPORT_COLUMNS} FROM imports ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else ImportRecord(*row)

    @_with_plain_errors
    def undo_last_import(self) -> UndoneImport:
        """Undo the last recorded import as a whole, in one transaction; return what was undone.

        Its added contacts are deleted (any deleted since stay deleted) and the contacts it merged into get back
        exactly what they were before it. Refused (UndoRefusedError, nothing changed) if a contact it added or merged
        into was edited since, or one it merged into was deleted since; NothingToUndoError when no import is left.
        The journal is never touched: a call to an added contact keeps its row (and its name). A call-list item of a
        contact it removes keeps its place, state, attempts and name and holds the number alone from then on (it
        stays callable, and the list keeps the number once), rather than turning into a deleted contact's item.
        """
        db = self._db
        with self.transaction():
            row = db.execute(
                f"SELECT {_IMPORT_COLUMNS}, first_added_id, added FROM imports ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise NothingToUndoError("There is no import to undo.")
            record = ImportRecord(*row[:7])
            first, last = row[7], row[7] + row[8] - 1
            refused = f"The import of {record.file_name} cannot be undone"
            merges = db.execute(
                "SELECT contact_id, before_json, revision_after FROM import_merges WHERE import_id = ?", (record.id,)
            ).fetchall()
            current = self._revisions([contact_id for contact_id, _, _ in merges])
            for contact_id, before_json, revision_after in merges:
                if current.get(contact_id) != revision_after:
                    name = _contact_from_json(contact_id, before_json)[0].name
                    how = "edited" if contact_id in current else "deleted"
                    raise UndoRefusedError(f"{refused}: {name}, whom it merged into, was {how} since. Nothing changed.")
            edited = db.execute(
                "SELECT name FROM contacts WHERE id BETWEEN ? AND ? AND revision <> 0 ORDER BY id LIMIT 1",
                (first, last),
            ).fetchone()
            if edited is not None:
                raise UndoRefusedError(f"{refused}: {edited[0]}, whom it added, was edited since. Nothing changed.")
            kept_as_numbers = self._keep_list_items_as_numbers(first, last)
            db.execute("DELETE FROM phones WHERE contact_id BETWEEN ? AND ?", (first, last))
            db.execute("DELETE FROM contacts WHERE id BETWEEN ? AND ?", (first, last))
            for contact_id, before_json, _ in merges:
                contact, revision = _contact_from_json(contact_id, before_json)
                self.update_contact(contact)
                db.execute("UPDATE contacts SET revision = ? WHERE id = ?", (revision, contact_id))
            db.execute("DELETE FROM imports WHERE id = ?", (record.id,))  # its import_merges rows go by cascade
        return UndoneImport(record, len(merges), kept_as_numbers)

    def _keep_list_items_as_numbers(self, first: int, last: int) -> tuple[tuple[str, int], ...]:
        """Make the list items of the stored contacts with ids first..last bare numbers (the items' key becomes the
        number, as `calllists.NewItem.key` makes it); return (list name, items) per list not deleted."""
        present = "SELECT id FROM contacts WHERE id BETWEEN ? AND ?"
        kept = self._db.execute(
            "SELECT l.name, COUNT(*) FROM list_items i JOIN call_lists l ON l.id = i.list_id "
            f"WHERE l.deleted_at IS NULL AND i.contact_id IN ({present}) GROUP BY l.id ORDER BY l.name_key",
            (first, last),
        ).fetchall()
        # OR IGNORE: where the list holds that number as a bare item already, the number stays in it once (that item)
        # and this one stays the deleted contact's item, which says so.
        self._db.execute(
            f"UPDATE OR IGNORE list_items SET contact_id = NULL, item_key = e164, updated_at = ? "
            f"WHERE contact_id IN ({present})",
            (utc_now(), first, last),
        )
        return tuple((str(name), int(count)) for name, count in kept)

    def _contacts_by_ids(self, ids: list[int]) -> list[Contact]:
        found: list[Contact] = []
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            found += self._load_contacts(f"WHERE id IN ({', '.join('?' * len(chunk))})", tuple(chunk))
        return found

    def _revisions(self, ids: list[int]) -> dict[int, int]:
        revisions: dict[int, int] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            revisions.update(self._db.execute(f"SELECT id, revision FROM contacts WHERE id IN ({marks})", chunk))
        return revisions

    @_with_plain_errors
    def delete_contact(self, contact_id: int) -> Contact | None:
        """Delete a contact and its phones; return what was deleted (re-add it to undo), or None if absent."""
        with self.transaction():
            contact = self.get_contact(contact_id)
            if contact is not None:
                self._db.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))  # phones go by cascade
        return contact

    @_with_plain_errors
    def get_contact(self, contact_id: int) -> Contact | None:
        """One contact with its phones, or None."""
        found = self._load_contacts("WHERE id = ?", (contact_id,))
        return found[0] if found else None

    @_with_plain_errors
    def list_contacts(self) -> list[Contact]:
        """Every contact with its phones, ordered by name (case-insensitive), then id."""
        with gc_paused():
            contacts = self._load_contacts("", ())
            contacts.sort(key=_sort_key)
        return contacts

    @_with_plain_errors
    def contact_rows(self, offset: int = 0, limit: int | None = None) -> ContactRows:
        """Contacts in list order (that of `list_contacts`) as compact columns; `offset`/`limit` give one page.

        About three times faster than `list_contacts` and a fraction of its memory. Pages are separate queries, so
        nothing stays open between them (an open read would hold back the commit of a journal row).
        """
        rows = ContactRows()
        columns: tuple[list[Any], ...] = (
            rows.ids,
            rows.names,
            rows.companies,
            rows.titles,
            rows.primary_numbers,
            rows.numbers,
        )
        cursor = self._db.execute(_SELECT_CONTACT_ROWS, (-1 if limit is None else max(0, limit), max(0, offset)))
        with gc_paused():
            while chunk := cursor.fetchmany(4096):
                for column, values in zip(columns, zip(*chunk, strict=True), strict=True):
                    column.extend(values)
        return rows

    @_with_plain_errors
    def set_busy_timeout(self, milliseconds: int) -> int:
        """How long a write waits for another connection's write lock before StoreBusyError (from now on); returns
        the previous value."""
        previous = int(self._db.execute("PRAGMA busy_timeout").fetchone()[0])
        self._db.execute(f"PRAGMA busy_timeout = {max(0, int(milliseconds)):d}")
        return previous

    @_with_plain_errors
    def data_version(self) -> int:
        """A number that changes when another connection (another process, or another Store on this file) has
        committed since the last call; this connection's own commits leave it as it is. Cheap (no table is read)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    @_with_plain_errors
    def contact_count(self) -> int:
        """How many contacts are stored."""
        return int(self._db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0])

    @_with_plain_errors
    def find_contacts_by_e164(self, e164: str) -> list[Contact]:
        """Contacts having the number `e164` (international form, "+15055550104"), ordered by name."""
        if not e164:
            return []
        contacts = self._load_contacts("WHERE id IN (SELECT contact_id FROM phones WHERE e164 = ?)", (e164,))
        contacts.sort(key=_sort_key)
        return contacts

    def _load_contacts(self, where: str, params: tuple[Any, ...]) -> list[Contact]:
        # Two queries (contacts, then their phones) grouped in Python: far faster than one query per contact.
        db = self._db
        rows = db.execute(
            f"SELECT id, name, company, title, notes, region_code FROM contacts {where}", params
        ).fetchall()
        if not rows:
            return []
        phones_by_contact: dict[int, list[PhoneEntry]] = {}
        if where:
            phone_sql = f"{_SELECT_PHONES} WHERE contact_id IN (SELECT id FROM contacts {where})"
        else:
            phone_sql = _SELECT_PHONES
        phone_rows = db.execute(phone_sql + " ORDER BY contact_id, position", params).fetchall()
        for contact_id, number, label, e164, is_primary in phone_rows:
            # Positional arguments: measurably faster than keywords over 100k+ rows.
            entry = PhoneEntry(number, label, e164, is_primary == 1)
            phones = phones_by_contact.get(contact_id)
            if phones is None:
                phones_by_contact[contact_id] = [entry]
            else:
                phones.append(entry)
        return [
            Contact(contact_id, name, company, title, tuple(phones_by_contact.get(contact_id, ())), notes, region)
            for contact_id, name, company, title, notes, region in rows
        ]


def _satisfies_interfaces(store: Store) -> tuple[ContactStore, CallJournal]:
    # Never called: makes mypy prove that Store implements both interfaces.
    return store, store
