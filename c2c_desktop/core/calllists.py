"""Call lists: named, ordered sets of contacts or numbers worked one call at a time, their items' states, callbacks
and numbers flagged as wrong.

The rest of the app talks to the `CallListStore` interface (as the calling rules talk to `DncLookup`), never to SQL,
so a shared server can keep the same lists later; `StoreCallLists` keeps them in the local database (schemas 13 and 14).
Times are aware UTC datetimes in this interface and ISO UTC text in the database. Same thread as the store.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from c2c_desktop.core.store import RowNotFoundError, Store, StoreError


class ListError(StoreError):
    """A list operation that cannot be done as asked; str() is one plain line."""


class ItemState(enum.StrEnum):
    READY = "ready"
    DUE_LATER = "due later"  # a retry at `due_at`
    CALLBACK = "callback"  # a callback at `due_at`
    DONE = "done"
    SKIPPED = "skipped"
    DO_NOT_CALL = "do not call"


@dataclass(frozen=True)
class CallList:
    id: int
    name: str
    created_at: str
    items: int = 0
    team_list_id: int | None = None  # the server's id of a team list mirrored here (core/team/sync.py); None: local


@dataclass(frozen=True)
class NewItem:
    """A contact (with the number to call) or a bare number to put in a list."""

    e164: str
    contact_id: int | None = None
    name: str = ""

    @property
    def key(self) -> str:
        return f"contact:{self.contact_id}" if self.contact_id is not None else self.e164


@dataclass(frozen=True)
class ListItem:
    id: int
    list_id: int
    position: int
    contact_id: int | None
    e164: str
    name: str
    state: ItemState
    due_at: datetime | None
    attempts: int
    last_outcome: str | None  # an Outcome value, or "placing" while its call is being placed
    last_disposition: str | None
    last_call_id: int | None
    contact_missing: bool = False  # the contact was deleted since it was put in the list
    region_code: str = ""  # the contact's address region (the calling rules read it)
    team_item_id: int | None = None  # the server's id of a team list's item; None for a local list's

    @property
    def label(self) -> str:
        return self.name or self.e164


@dataclass(frozen=True)
class AddReport:
    """What adding items did: how many were added, and those already in the list (kept once)."""

    added: int
    duplicates: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())


class CallbackState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"  # called (kept)
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Callback:
    id: int
    e164: str
    contact_id: int | None
    name: str
    due_at: datetime  # UTC
    zone: str  # the callee's IANA zone ("" when unknown)
    list_item_id: int | None
    note: str
    state: CallbackState
    created_at: str

    @property
    def label(self) -> str:
        return self.name or self.e164


@dataclass(frozen=True)
class Flag:
    """A number flagged as wrong: `reason` is the disposition, `where` the list it was given in ("" when unknown)."""

    e164: str
    reason: str
    where: str
    flagged_at: datetime


@dataclass(frozen=True)
class RecentCall:
    """The latest call to a number that may have rung a phone (from any list, the contacts or the dial pad)."""

    call_id: int
    e164: str
    started_at: datetime
    outcome: str | None  # None while it is being placed
    list_name: str  # the list it was placed from; "" when dialled by hand


#: A flag's stored reason: the disposition, then the list it was given in (`FLAG_SEPARATOR` between them).
FLAG_SEPARATOR = " · "


class CallListStore(Protocol):
    """The call-list operations the app uses; any database implementation provides these."""

    def create_list(self, name: str) -> CallList: ...
    def find_list(self, name: str) -> CallList | None: ...
    def list_exists(self, list_id: int) -> bool: ...
    def require_list(self, name: str) -> CallList: ...
    def all_lists(self) -> list[CallList]: ...
    def rename_list(self, list_id: int, name: str) -> None: ...
    def delete_list(self, list_id: int) -> None: ...
    def undo_delete(self, name: str) -> CallList: ...
    def add_items(self, list_id: int, items: Iterable[NewItem]) -> AddReport: ...
    def items(self, list_id: int) -> list[ListItem]: ...
    def changed_items(self, list_id: int, since: datetime) -> list[ListItem]: ...
    def item_count(self, list_id: int) -> int: ...
    def item(self, item_id: int) -> ListItem | None: ...
    def move_item(self, item_id: int, index: int) -> None: ...
    def remove_item(self, item_id: int) -> None: ...
    def update_item(self, item_id: int, **changes: Any) -> ListItem: ...
    def add_callback(
        self,
        e164: str,
        due_at: datetime,
        zone: str,
        *,
        contact_id: int | None,
        name: str,
        item_id: int | None,
        note: str,
    ) -> Callback: ...
    def callbacks(self, *, state: CallbackState | None = CallbackState.PENDING) -> list[Callback]: ...
    def close_callbacks_of_item(self, item_id: int, state: CallbackState) -> int: ...
    def cancel_callback(self, callback_id: int) -> Callback | None: ...
    def close_called_callbacks(self, early: timedelta) -> int: ...
    def callbacks_due(self, since: datetime, until: datetime, *, list_id: int | None = None) -> list[Callback]: ...
    def flag_number(self, e164: str, reason: str) -> None: ...
    def is_flagged(self, e164: str) -> bool: ...
    def flags(self) -> dict[str, Flag]: ...
    def recent_calls(self, since: datetime, until: datetime) -> dict[str, RecentCall]: ...
    def link_call(self, list_id: int, item_id: int, call_id: int) -> None: ...
    def call_ids_of_list(self, list_id: int) -> frozenset[int]: ...
    def transaction(self) -> AbstractContextManager[None]: ...


def utc_text(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def _now_text() -> str:
    return utc_text(datetime.now(UTC))


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ListError("a list needs a name")
    if len(cleaned) > 100:
        raise ListError("a list name may be 100 characters at most")
    return cleaned


_ITEM_COLUMNS = (
    "i.id, i.list_id, i.position, i.contact_id, i.e164, i.name, i.state, i.due_at, i.attempts, i.last_outcome, "
    "i.last_disposition, i.last_call_id, i.contact_id IS NOT NULL AND c.id IS NULL, COALESCE(c.region_code, ''), "
    "COALESCE(c.name, i.name), i.team_item_id"
)
_ITEM_FROM = "FROM list_items i LEFT JOIN contacts c ON c.id = i.contact_id"
_UPDATABLE = {"state", "due_at", "attempts", "last_outcome", "last_disposition", "last_call_id"}
#: A journal row (alias c) whose request may have rung a phone: sent or being sent, not refused, and with call type 2
#: not a No answer (the agent's own phone; the prospect was never dialled).
_REACHED_A_PHONE = (
    "COALESCE(c.reconciled_outcome, c.outcome, '') NOT IN ('not_sent', 'rejected') "
    "AND NOT (COALESCE(c.reconciled_outcome, c.outcome, '') = 'no_answer' AND c.call_type = 2)"
)
_CALLBACK_COLUMNS = "id, e164, contact_id, name, due_at, zone, list_item_id, note, state, created_at"


def _item(row: Sequence[Any]) -> ListItem:
    return ListItem(
        id=row[0],
        list_id=row[1],
        position=row[2],
        contact_id=row[3],
        e164=row[4],
        name=row[14] or "",
        state=ItemState(row[6]),
        due_at=_moment(row[7]),
        attempts=row[8],
        last_outcome=row[9],
        last_disposition=row[10],
        last_call_id=row[11],
        contact_missing=bool(row[12]),
        region_code=row[13],
        team_item_id=row[15],
    )


def _callback(row: Sequence[Any]) -> Callback:
    due = _moment(row[4])
    assert due is not None
    return Callback(row[0], row[1], row[2], row[3], due, row[5], row[6], row[7], CallbackState(row[8]), row[9])


class StoreCallLists:
    """The `CallListStore` in the local database. Statements join the store's open transaction, if any."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def transaction(self) -> AbstractContextManager[None]:
        return self._store.transaction()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._store.plain_errors():
            return self._store.connection.execute(sql, params)

    # --- lists ---------------------------------------------------------------------------------------------------

    def create_list(self, name: str) -> CallList:
        name = _clean_name(name)
        if self.find_list(name) is not None:
            raise ListError(f'there is already a list named "{name}"')
        created = _now_text()
        cursor = self._run(
            "INSERT INTO call_lists (name, name_key, created_at) VALUES (?, ?, ?)", (name, name.casefold(), created)
        )
        return CallList(int(cursor.lastrowid), name, created)

    def find_list(self, name: str) -> CallList | None:
        row = self._run(
            "SELECT l.id, l.name, l.created_at, (SELECT COUNT(*) FROM list_items i WHERE i.list_id = l.id), "
            "l.team_list_id "
            "FROM call_lists l WHERE l.name_key = ? AND l.deleted_at IS NULL ORDER BY l.team_list_id IS NOT NULL, l.id "
            "LIMIT 1",
            (" ".join(name.split()).casefold(),),
        ).fetchone()
        return None if row is None else CallList(*row)

    def list_exists(self, list_id: int) -> bool:
        """Whether the list is there (not deleted): one indexed read, cheap enough to ask before every dial (a list
        deleted in the list manager or by `lists delete` while a session works it must not be dialled on)."""
        row = self._run("SELECT 1 FROM call_lists WHERE id = ? AND deleted_at IS NULL", (list_id,)).fetchone()
        return row is not None

    def require_list(self, name: str) -> CallList:
        found = self.find_list(name)
        if found is None:
            names = ", ".join(f'"{each.name}"' for each in self.all_lists()[:10]) or "none yet"
            raise ListError(f'no list named "{" ".join(name.split())}" (lists: {names})')
        return found

    def all_lists(self) -> list[CallList]:
        rows = self._run(
            "SELECT l.id, l.name, l.created_at, (SELECT COUNT(*) FROM list_items i WHERE i.list_id = l.id), "
            "l.team_list_id "
            "FROM call_lists l WHERE l.deleted_at IS NULL ORDER BY l.name_key"
        ).fetchall()
        return [CallList(*row) for row in rows]

    def _refuse_team_list(self, list_id: int, doing: str) -> None:
        """A team list's mirror changes only by pulling from the team server: ListError for a local edit."""
        row = self._run("SELECT name, team_list_id FROM call_lists WHERE id = ?", (list_id,)).fetchone()
        if row is not None and row[1] is not None:
            raise ListError(f'"{row[0]}" is a team list: only a manager can {doing} it, on the team server')

    def rename_list(self, list_id: int, name: str) -> None:
        self._refuse_team_list(list_id, "rename")
        name = _clean_name(name)
        other = self.find_list(name)
        if other is not None and other.id != list_id:
            raise ListError(f'there is already a list named "{name}"')
        self._run("UPDATE call_lists SET name = ?, name_key = ? WHERE id = ?", (name, name.casefold(), list_id))

    def delete_list(self, list_id: int) -> None:
        """Delete a list; it is kept (invisible) so that `undo_delete` can bring it back with its items' states."""
        self._refuse_team_list(list_id, "delete")
        self._run("UPDATE call_lists SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", (_now_text(), list_id))

    def undo_delete(self, name: str) -> CallList:
        """Bring back the most recently deleted list of this name."""
        key = " ".join(name.split()).casefold()
        row = self._run(
            "SELECT id FROM call_lists WHERE name_key = ? AND deleted_at IS NOT NULL ORDER BY deleted_at DESC LIMIT 1",
            (key,),
        ).fetchone()
        if row is None:
            raise ListError(f'no deleted list named "{" ".join(name.split())}" to bring back')
        if self.find_list(name) is not None:
            raise ListError(f'a list named "{" ".join(name.split())}" exists again: rename it first')
        self._run("UPDATE call_lists SET deleted_at = NULL WHERE id = ?", (row[0],))
        return self.require_list(name)

    # --- items ---------------------------------------------------------------------------------------------------

    def add_items(self, list_id: int, items: Iterable[NewItem]) -> AddReport:
        """Append items in order; one already in the list (the same contact, or the same bare number) is kept once
        and reported. A number held by an item without a live contact (a bare number, or a deleted contact's) counts
        as the same: re-importing a file after `contacts undo-import` does not list those numbers twice."""
        self._refuse_team_list(list_id, "add to")
        db = self._store.connection
        added = 0
        duplicates: list[str] = []
        now = _now_text()
        with self._store.transaction(), self._store.plain_errors():
            rows_known = db.execute(
                f"SELECT i.item_key, CASE WHEN c.id IS NULL THEN i.e164 END {_ITEM_FROM} WHERE i.list_id = ?",
                (list_id,),
            )
            known = {key for row in rows_known for key in row if key}
            last = db.execute("SELECT COALESCE(MAX(position), -1) FROM list_items WHERE list_id = ?", (list_id,))
            position = int(last.fetchone()[0])
            rows = []
            for item in items:
                if item.key in known or item.e164 in known:
                    duplicates.append(item.name or item.e164)
                    continue
                known.add(item.key)
                position += 1
                rows.append((list_id, position, item.key, item.contact_id, item.e164, item.name, now))
            db.executemany(
                "INSERT INTO list_items (list_id, position, item_key, contact_id, e164, name, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            added = len(rows)
        return AddReport(added, tuple(duplicates))

    def items(self, list_id: int) -> list[ListItem]:
        """The list's items in order; none while the list is deleted (they come back with `undo_delete`). `item()`
        still finds one by id, so that a call in flight when its list was deleted still records its outcome."""
        rows = self._run(
            f"SELECT {_ITEM_COLUMNS} {_ITEM_FROM} WHERE i.list_id = ? AND i.list_id IN "
            "(SELECT id FROM call_lists WHERE deleted_at IS NULL) ORDER BY i.position",
            (list_id,),
        ).fetchall()
        return [_item(row) for row in rows]

    def changed_items(self, list_id: int, since: datetime) -> list[ListItem]:
        """The list's items changed (or added, or moved) at `since` or later, in list order: what a reader that read
        the list before `since` needs to read again. Removed items are not in it (`item_count` tells)."""
        rows = self._run(
            f"SELECT {_ITEM_COLUMNS} {_ITEM_FROM} WHERE i.list_id = ? AND i.updated_at >= ? ORDER BY i.position",
            (list_id, utc_text(since)),
        ).fetchall()
        return [_item(row) for row in rows]

    def item_count(self, list_id: int) -> int:
        return int(self._run("SELECT COUNT(*) FROM list_items WHERE list_id = ?", (list_id,)).fetchone()[0])

    def item(self, item_id: int) -> ListItem | None:
        row = self._run(f"SELECT {_ITEM_COLUMNS} {_ITEM_FROM} WHERE i.id = ?", (item_id,)).fetchone()
        return None if row is None else _item(row)

    def _require_item(self, item_id: int) -> ListItem:
        found = self.item(item_id)
        if found is None:
            raise RowNotFoundError(f"No list item with id {item_id}.")
        return found

    def move_item(self, item_id: int, index: int) -> None:
        """Put an item at `index` (0-based, clamped) of its list; the others keep their order."""
        moved = self._require_item(item_id)
        with self._store.transaction():
            ids = [
                row[0]
                for row in self._run(
                    "SELECT id FROM list_items WHERE list_id = ? ORDER BY position", (moved.list_id,)
                ).fetchall()
            ]
            ids.remove(item_id)
            ids.insert(max(0, min(index, len(ids))), item_id)
            with self._store.plain_errors():
                moved_at = _now_text()  # a reader that keeps the list (the calling session) reads moved items again
                self._store.connection.executemany(
                    "UPDATE list_items SET position = ?, updated_at = ? WHERE id = ? AND position != ?",
                    [(position, moved_at, each, position) for position, each in enumerate(ids)],
                )

    def remove_item(self, item_id: int) -> None:
        row = self._run("SELECT list_id FROM list_items WHERE id = ?", (item_id,)).fetchone()
        if row is not None:
            self._refuse_team_list(int(row[0]), "remove items from")
        with self._store.transaction():
            self._run("UPDATE callbacks SET list_item_id = NULL WHERE list_item_id = ?", (item_id,))
            self._run("DELETE FROM list_items WHERE id = ?", (item_id,))

    def update_item(self, item_id: int, **changes: Any) -> ListItem:
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} of a list item")
        values = []
        for value in changes.values():
            if isinstance(value, datetime):
                value = utc_text(value)
            elif isinstance(value, enum.Enum):
                value = value.value
            values.append(value)
        assignments = ", ".join(f"{name} = ?" for name in changes)
        cursor = self._run(
            f"UPDATE list_items SET {assignments}, updated_at = ? WHERE id = ?", (*values, _now_text(), item_id)
        )
        if cursor.rowcount == 0:
            raise RowNotFoundError(f"No list item with id {item_id}.")
        return self._require_item(item_id)

    # --- callbacks ---------------------------------------------------------------------------------------------------

    def add_callback(
        self,
        e164: str,
        due_at: datetime,
        zone: str,
        *,
        contact_id: int | None,
        name: str,
        item_id: int | None,
        note: str,
    ) -> Callback:
        created = _now_text()
        cursor = self._run(
            "INSERT INTO callbacks (e164, contact_id, name, due_at, zone, list_item_id, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (e164, contact_id, name, utc_text(due_at), zone, item_id, note, created),
        )
        row = self._run(f"SELECT {_CALLBACK_COLUMNS} FROM callbacks WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return _callback(row)

    def callbacks(self, *, state: CallbackState | None = CallbackState.PENDING) -> list[Callback]:
        """Callbacks soonest first (of one state, or all), leaving out those of items whose list is deleted: they
        neither remind nor show while it is (and come back with `undo_delete`). Callbacks of no list always show."""
        sql = (
            f"SELECT {_CALLBACK_COLUMNS} FROM callbacks WHERE (list_item_id IS NULL OR list_item_id NOT IN "
            "(SELECT i.id FROM list_items i JOIN call_lists l ON l.id = i.list_id WHERE l.deleted_at IS NOT NULL))"
        )
        params: tuple[str, ...] = ()
        if state is not None:
            sql += " AND state = ?"
            params = (state.value,)
        return [_callback(row) for row in self._run(sql + " ORDER BY due_at, id", params).fetchall()]

    def close_callbacks_of_item(self, item_id: int, state: CallbackState) -> int:
        cursor = self._run(
            "UPDATE callbacks SET state = ?, closed_at = ? WHERE list_item_id = ? AND state = ?",
            (state.value, _now_text(), item_id, CallbackState.PENDING.value),
        )
        return int(cursor.rowcount)

    def cancel_callback(self, callback_id: int) -> Callback | None:
        """Cancel a pending callback (`callbacks cancel`, the Callbacks window's Cancel); None when there is no
        pending callback of that id. Its list item, if it still waits for this callback, becomes skipped: the
        agent said it is not to be called back (it can be put back in a list)."""
        row = self._run(f"SELECT {_CALLBACK_COLUMNS} FROM callbacks WHERE id = ?", (callback_id,)).fetchone()
        if row is None or row[8] != CallbackState.PENDING.value:
            return None
        callback = _callback(row)
        with self._store.transaction():
            self._run(
                "UPDATE callbacks SET state = ?, closed_at = ? WHERE id = ?",
                (CallbackState.CANCELLED.value, _now_text(), callback_id),
            )
            if callback.list_item_id is not None:
                self._run(
                    "UPDATE list_items SET state = ?, due_at = NULL, updated_at = ? WHERE id = ? AND state = ?",
                    (ItemState.SKIPPED.value, _now_text(), callback.list_item_id, ItemState.CALLBACK.value),
                )
        return callback

    def close_called_callbacks(self, early: timedelta) -> int:
        """Close as done (kept) every pending callback whose number was dialled since it was scheduled and no earlier
        than `early` before its time, from anywhere (a list, the contacts, the dial pad, the command line, another
        window). A call that reached nobody (not sent, rejected, or with call type 2 the agent's own phone not
        answered) does not count. One statement over the pending callbacks (indexed); returns how many closed."""
        margin = f"-{int(early.total_seconds())} seconds"
        cursor = self._run(
            "UPDATE callbacks SET state = ?, closed_at = ? WHERE state = ? AND EXISTS (SELECT 1 FROM calls c "
            "WHERE c.e164 = callbacks.e164 AND c.started_at >= callbacks.created_at "
            "AND c.started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', callbacks.due_at, ?) "
            f"AND {_REACHED_A_PHONE})",
            (CallbackState.DONE.value, _now_text(), CallbackState.PENDING.value, margin),
        )
        return int(cursor.rowcount)

    def callbacks_due(self, since: datetime, until: datetime, *, list_id: int | None = None) -> list[Callback]:
        """Callbacks due in [since, until), whatever their state (of one list's items, or all), soonest first."""
        sql = f"SELECT {_CALLBACK_COLUMNS} FROM callbacks WHERE due_at >= ? AND due_at < ?"
        params: list[Any] = [utc_text(since), utc_text(until)]
        if list_id is not None:
            sql += " AND list_item_id IN (SELECT id FROM list_items WHERE list_id = ?)"
            params.append(list_id)
        return [_callback(row) for row in self._run(sql + " ORDER BY due_at, id", params).fetchall()]

    # --- the calls placed from a list ----------------------------------------------------------------------------

    def link_call(self, list_id: int, item_id: int, call_id: int) -> None:
        """Record that journal row `call_id` was placed from this item (once per call)."""
        self._run("INSERT INTO list_calls (call_id, list_id, item_id) VALUES (?, ?, ?)", (call_id, list_id, item_id))

    def call_ids_of_list(self, list_id: int) -> frozenset[int]:
        """The journal ids of every call placed from the list (its removed items' too)."""
        rows = self._run("SELECT call_id FROM list_calls WHERE list_id = ?", (list_id,)).fetchall()
        return frozenset(call_id for (call_id,) in rows)

    # --- flags ---------------------------------------------------------------------------------------------------

    def flag_number(self, e164: str, reason: str) -> None:
        self._run(
            "INSERT OR REPLACE INTO flagged_numbers (e164, reason, flagged_at) VALUES (?, ?, ?)",
            (e164, reason, _now_text()),
        )

    def is_flagged(self, e164: str) -> bool:
        return self._run("SELECT 1 FROM flagged_numbers WHERE e164 = ?", (e164,)).fetchone() is not None

    def flags(self) -> dict[str, Flag]:
        """Every flagged number (a short table: read whole, once per "callable now" judgement)."""
        found: dict[str, Flag] = {}
        for e164, reason, flagged_at in self._run("SELECT e164, reason, flagged_at FROM flagged_numbers").fetchall():
            what, _sep, where = str(reason).removeprefix("disposition: ").partition(FLAG_SEPARATOR)
            at = _moment(flagged_at)
            assert at is not None
            found[e164] = Flag(e164, what, where, at)
        return found

    def recent_calls(self, since: datetime, until: datetime) -> dict[str, RecentCall]:
        """The latest call per number started in [since, until] that may have rung a phone, by E.164 number: one
        query over the journal's start-time index, whatever the size of the lists that ask."""
        rows = self._run(
            "SELECT c.e164, MAX(c.started_at), c.id, COALESCE(c.reconciled_outcome, c.outcome), "
            "COALESCE((SELECT l.name FROM list_calls lc JOIN call_lists l ON l.id = lc.list_id "
            "WHERE lc.call_id = c.id), '') "
            f"FROM calls c WHERE c.started_at >= ? AND c.started_at <= ? AND c.e164 != '' AND {_REACHED_A_PHONE} "
            "GROUP BY c.e164",
            (utc_text(since), utc_text(until)),
        ).fetchall()
        found: dict[str, RecentCall] = {}
        for e164, started, call_id, outcome, list_name in rows:
            at = _moment(started)
            assert at is not None
            found[e164] = RecentCall(call_id, e164, at, outcome, list_name)
        return found


def _satisfies_interface(lists: StoreCallLists) -> CallListStore:
    # Never called: makes mypy prove that StoreCallLists implements the interface.
    return lists
