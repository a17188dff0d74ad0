"""Keeping the local store and the team database in step (TEAM.md §3–4): push the agent's journal up, pull the team's
data down into local mirrors, and a listener that says when to pull.

Push: journal rows changed since they were last pushed (`calls.sync_change > sync_pushed`, bumped by a trigger in the
same local transaction as the change) go up in batches, each batch one server transaction of upserts keyed by
(agent, client_uuid): a replay updates the same row, and the server keeps a finished call finished. A row is marked
pushed only after the server committed, and only up to the change that was read, so a change made during a push goes
up next time. Only calls made since this account was set up for team mode (the baseline), or marked by
`set_team_guarded`, are pushed: an agent's journal from before is not uploaded. A marked row remembers its account
(`calls.team_account`) and only that account pushes it: after a change of team_url or user, the other account's rows
wait until it signs in again. The note of a call goes up as a
c2c.notes row whose key is derived from the call's.

Pull: one REPEATABLE READ server transaction reads, per table, the rows whose change stamp (txid, seq) is past the
local cursor and whose txid is below the snapshot's xmin, ordered by the stamp, in batches; each batch is written with
its cursor in one local transaction. Rows committed out of order are never skipped: the xmin holds back everything
after a transaction still open. Soft deletes remove mirror rows; a list the agent no longer sees (unassigned) leaves
the mirror. Team lists are mirrored into the local call_lists / list_items (team_list_id / team_item_id set), so the
list views and sessions show them; the team's contacts and do-not-call list into team_contacts / team_dnc.

TeamSync is blocking and not thread-safe: the thread that owns the TeamSession and the Store uses it. The Listener is a
thread of its own, with its own connection.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from c2c_desktop.core.calllists import ItemState, utc_text
from c2c_desktop.core.store import Store
from c2c_desktop.core.team.migrations import CHANGES_CHANNEL
from c2c_desktop.core.team.server import Connection, TeamError, TeamSession, connect, plain_errors

log = logging.getLogger(__name__)

#: Journal rows sent per server transaction.
PUSH_BATCH = 200
#: Rows read per query (and written per local transaction) when pulling.
PULL_BATCH = 2000
#: The mirrored tables, in the order a pull reads them (contacts before the items that name them).
PULLED_TABLES = ("team_settings", "contacts", "dnc", "call_lists", "list_items")
#: A call's note is a c2c.notes row keyed by uuid5(NOTE_NAMESPACE, the call's client_uuid): a replay finds it again.
NOTE_NAMESPACE = uuid.UUID("6f1d3c2e-4a8b-4e0f-9c5d-2b7a1e3f4c60")
#: The Listener's waits between connection attempts, in seconds (the last one repeats).
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0)
LISTENER_CONNECT_TIMEOUT_S = 4.0
#: Notifications arriving this soon after one are answered by the same on_change().
BURST_S = 0.05

_NO_CURSOR = (0, 0)


@dataclass(frozen=True)
class PullReport:
    """What a pull changed: rows mirrored (or removed) per table; `full` when it read everything (a first pull)."""

    changed: dict[str, int]
    full: bool

    @property
    def total(self) -> int:
        return sum(self.changed.values())

    @property
    def lists_changed(self) -> bool:
        """The mirrored lists or their items changed (the list views should read them again)."""
        return bool(self.changed.get("call_lists") or self.changed.get("list_items"))


def account_of(session: TeamSession) -> str:
    """user@host:port/database of the session: the mirrors and the baseline belong to one account."""
    info = session.connection.info
    return f"{info.user}@{info.host}:{info.port}/{info.dbname}"


def _baseline_clause() -> str:
    # Rows of this account's time in team mode, or marked as team calls (set_team_guarded) whatever their age; a
    # marked row only by its own account (one marked with none known: by whichever account pushes). One parameter:
    # the account pushing (NULL: any).
    return (
        "(c.team_guarded IS NOT NULL OR c.id > COALESCE((SELECT baseline_call_id FROM team_sync_state), "
        "9223372036854775807)) AND (c.team_account IS NULL OR c.team_account = COALESCE(?, c.team_account))"
    )


def current_account(store: Store) -> str | None:
    """The account the profile's team_url names, as last recorded by `set_current_account` (None: not recorded)."""
    with store.plain_errors():
        row = store.connection.execute("SELECT account FROM team_current").fetchone()
    return None if row is None else str(row[0])


def set_current_account(store: Store, account: str | None) -> None:
    """Record the account the team_url setting names now (None: team mode off): rows `set_team_guarded` marks without
    an account of their own belong to it, and `pending_count` counts its rows."""
    with store.plain_errors():
        if account is None:
            store.connection.execute("DELETE FROM team_current")
        else:
            store.connection.execute(
                "INSERT INTO team_current (singleton, account) VALUES (1, ?) "
                "ON CONFLICT (singleton) DO UPDATE SET account = excluded.account",
                (account,),
            )


def pending_count(store: Store, account: str | None = None) -> int:
    """Journal rows (with their notes) waiting to be pushed by `account` (default: the current one, see
    `set_current_account`): the status bar's "12 calls waiting to sync". Another account's rows are not counted:
    they wait for that account."""
    if account is None:
        account = current_account(store)
    with store.plain_errors():
        row = store.connection.execute(
            f"SELECT COUNT(*) FROM calls c WHERE c.sync_change > c.sync_pushed AND {_baseline_clause()}", (account,)
        ).fetchone()
    return int(row[0])


def set_team_guarded(store: Store, call_id: int, guarded: bool, account: str | None = None) -> None:
    """Mark a call as made in team mode by `account` (default: the current one, see `set_current_account`): claimed
    on the server (True) or dialled without a claim, offline (False). The call is then pushed by that account,
    whenever it was made."""
    with store.plain_errors():
        store.connection.execute(
            "UPDATE calls SET team_guarded = ?, team_account = COALESCE(?, (SELECT account FROM team_current)) "
            "WHERE id = ?",
            (int(guarded), account, call_id),
        )


def team_cool_off(store: Store) -> timedelta | None:
    """The team's cool-off as last pulled (None before the first pull)."""
    with store.plain_errors():
        row = store.connection.execute("SELECT cool_off_s FROM team_sync_state").fetchone()
    return timedelta(seconds=row[0]) if row is not None and row[0] is not None else None


@dataclass(frozen=True)
class _PushRow:
    call_id: int
    client_uuid: str
    e164: str
    state: str
    outcome: str | None
    disposition: str | None
    note: str
    started_at: str
    finished_at: str | None
    team_guarded: bool
    team_item_id: int | None
    change: int


_CALLS_UPSERT = """
INSERT INTO c2c.calls AS c (client_uuid, e164, list_item_id, state, outcome, disposition, started_at, finished_at,
                            team_guarded)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (agent, client_uuid) DO UPDATE
   SET e164 = excluded.e164, list_item_id = excluded.list_item_id, state = excluded.state,
       outcome = excluded.outcome, disposition = excluded.disposition, finished_at = excluded.finished_at,
       team_guarded = excluded.team_guarded
 WHERE c.state <> 'done' OR excluded.state = 'done'
"""

_NOTES_UPSERT = """
INSERT INTO c2c.notes AS n (client_uuid, e164, call_uuid, body) VALUES (%s, %s, %s, %s)
ON CONFLICT (agent, client_uuid) DO UPDATE SET body = excluded.body, e164 = excluded.e164, deleted_at = NULL
 WHERE n.body IS DISTINCT FROM excluded.body OR n.deleted_at IS NOT NULL
"""

_NOTES_CLEARED = (
    "UPDATE c2c.notes SET deleted_at = now() WHERE agent = current_user AND client_uuid = %s AND deleted_at IS NULL"
)

#: Per pulled table: the columns read (the change stamp is added after them).
_PULL_COLUMNS = {
    "team_settings": "extract(epoch FROM t.cool_off)::float8, extract(epoch FROM t.lease)::float8",
    "contacts": "t.id, t.name, t.company, t.e164, t.deleted_at IS NOT NULL",
    "dnc": "t.e164, t.reason, t.added_by, t.added_at, t.deleted_at IS NOT NULL",
    "call_lists": "t.id, t.name, t.created_at, t.deleted_at IS NOT NULL",
    "list_items": (
        "t.id, t.list_id, t.position, t.e164, t.state, t.attempts, t.not_before, t.callback_at, t.callback_by, "
        "t.last_outcome, t.last_disposition, coalesce(t.lease_until > now(), false), t.claimed_by = current_user, "
        "t.deleted_at IS NOT NULL, (SELECT c.name FROM c2c.contacts c WHERE c.id = t.contact_id)"
    ),
}


def _when(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)


class TeamSync:
    """Push and pull for one agent's store and team session (one thread owns both)."""

    def __init__(self, store: Store, session: TeamSession, *, account: str | None = None) -> None:
        """`account`: whose marked journal rows are pushed (server.url_account of the team_url; default: the
        session's, account_of)."""
        self._store = store
        self._session = session
        self._agent = session.agent
        self._account = account or account_of(session)
        self._visible: set[int] = set()  # the lists the agent sees, during a pull
        self._ensure_account(account_of(session))

    # --- the account -----------------------------------------------------------------------------------------------

    def _ensure_account(self, account: str) -> None:
        """Record the account and the baseline (the last journal row before team mode) the first time; another
        account's mirrors and cursors are dropped."""
        db = self._store.connection
        with self._store.plain_errors():
            row = db.execute("SELECT account FROM team_sync_state").fetchone()
            if row is not None and row[0] == account:
                return
            with self._store.transaction():
                if row is not None:
                    for table in ("team_contacts", "team_dnc", "team_cursors"):
                        db.execute(f"DELETE FROM {table}")
                    db.execute("DELETE FROM call_lists WHERE team_list_id IS NOT NULL")
                baseline = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM calls").fetchone()[0])
                db.execute(
                    "INSERT OR REPLACE INTO team_sync_state (singleton, account, baseline_call_id, set_up_at) "
                    "VALUES (1, ?, ?, ?)",
                    (account, baseline, utc_text(datetime.now(UTC))),
                )
                # The journal from before stays local: those rows need not sit in the waiting index.
                db.execute(
                    "UPDATE calls SET sync_pushed = sync_change "
                    "WHERE id <= ? AND team_guarded IS NULL AND sync_change > sync_pushed",
                    (baseline,),
                )

    # --- push -----------------------------------------------------------------------------------------------------

    def push(self, *, batch: int = PUSH_BATCH) -> int:
        """Send every journal row waiting to be pushed; how many were sent. Safe to replay: the server upserts by the
        row's UUID and never moves a finished call back to placing. TeamError (nothing lost) when the server fails."""
        sent = 0
        while True:
            rows = self._waiting_rows(batch)
            if not rows:
                return sent
            self._send(rows)
            self._mark_pushed(rows)
            sent += len(rows)
            if len(rows) < batch:
                return sent

    def _waiting_rows(self, limit: int) -> list[_PushRow]:
        with self._store.plain_errors():
            rows = self._store.connection.execute(
                "SELECT c.id, c.client_uuid, CASE WHEN c.e164 != '' THEN c.e164 ELSE c.number END, c.state, "
                "COALESCE(c.reconciled_outcome, c.outcome), c.disposition, c.note, c.started_at, c.finished_at, "
                "c.team_guarded, i.team_item_id, c.sync_change "
                "FROM calls c LEFT JOIN list_calls lc ON lc.call_id = c.id LEFT JOIN list_items i ON i.id = lc.item_id "
                f"WHERE c.sync_change > c.sync_pushed AND {_baseline_clause()} ORDER BY c.id LIMIT ?",
                (self._account, limit),
            ).fetchall()
        return [
            _PushRow(
                call_id=row[0],
                client_uuid=row[1],
                e164=row[2],
                state=row[3],
                outcome=row[4],
                disposition=row[5],
                note=row[6] or "",
                started_at=row[7],
                finished_at=row[8],
                team_guarded=row[9] == 1,
                team_item_id=row[10],
                change=row[11],
            )
            for row in rows
        ]

    def _send(self, rows: Sequence[_PushRow]) -> None:
        """One server transaction for the batch: all of it is on the server after this returns, or none of it."""
        connection = self._session.connection
        with plain_errors(), connection.transaction(), connection.cursor() as cursor:
            self._upsert_calls(cursor, rows)
            self._upsert_notes(cursor, rows)

    def _upsert_calls(self, cursor: psycopg.Cursor[Any], rows: Sequence[_PushRow]) -> None:
        cursor.executemany(
            _CALLS_UPSERT,
            [
                (
                    row.client_uuid,
                    row.e164,
                    row.team_item_id,
                    row.state,
                    row.outcome,
                    row.disposition,
                    row.started_at,
                    row.finished_at,
                    row.team_guarded,
                )
                for row in rows
            ],
        )

    def _upsert_notes(self, cursor: psycopg.Cursor[Any], rows: Sequence[_PushRow]) -> None:
        written = [row for row in rows if row.note.strip()]
        if written:
            cursor.executemany(
                _NOTES_UPSERT,
                [(note_uuid(row.client_uuid), row.e164, row.client_uuid, row.note) for row in written],
            )
        cleared = [(note_uuid(row.client_uuid),) for row in rows if not row.note.strip()]
        if cleared:
            cursor.executemany(_NOTES_CLEARED, cleared)

    def _mark_pushed(self, rows: Sequence[_PushRow]) -> None:
        """After the server's commit: each row is pushed up to the change that was read (a later change waits)."""
        with self._store.plain_errors(), self._store.transaction():
            self._store.connection.executemany(
                "UPDATE calls SET sync_pushed = ? WHERE id = ? AND sync_pushed < ?",
                [(row.change, row.call_id, row.change) for row in rows],
            )

    # --- pull -----------------------------------------------------------------------------------------------------

    def pull(self, *, batch: int = PULL_BATCH) -> PullReport:
        """Mirror what changed on the server since the last pull; TeamError when the server fails (what was mirrored
        before the failure stays, with its cursor)."""
        db = self._store.connection
        with self._store.plain_errors():
            cursors = {str(name): (int(txid), int(seq)) for name, txid, seq in db.execute("SELECT * FROM team_cursors")}
        full = not cursors
        changed: dict[str, int] = {}
        connection = self._session.connection
        with plain_errors(), connection.transaction():
            # One snapshot for every table: items never arrive before the list they belong to.
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = connection.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()
            assert row is not None
            xmin = str(row[0])
            self._visible = {
                int(list_id)
                for (list_id,) in connection.execute("SELECT id FROM c2c.call_lists WHERE deleted_at IS NULL")
            }
            for table in PULLED_TABLES:
                changed[table] = self._pull_table(connection, table, cursors.get(table, _NO_CURSOR), xmin, batch)
        changed["call_lists"] += self._drop_lists_not_visible(self._visible)
        return PullReport(changed, full)

    def _pull_table(self, connection: Connection, table: str, cursor: tuple[int, int], xmin: str, batch: int) -> int:
        query = (
            f"SELECT {_PULL_COLUMNS[table]}, t.txid::text, t.seq FROM c2c.{table} t "
            "WHERE (t.txid, t.seq) > (%s::text::xid8, %s) AND t.txid < %s::text::xid8 "
            "ORDER BY t.txid, t.seq LIMIT %s"
        )
        apply: Callable[[Sequence[Any]], bool] = getattr(self, f"_mirror_{table}")
        pulled = 0
        while True:
            rows = connection.execute(query, (str(cursor[0]), cursor[1], xmin, batch)).fetchall()
            if not rows:
                return pulled
            applied = 0
            with self._store.plain_errors(), self._store.transaction():
                for row in rows:
                    if not apply(row[:-2]):
                        break  # not yet: the cursor stays before this row
                    cursor = (int(row[-2]), int(row[-1]))
                    applied += 1
                self._store.connection.execute(
                    "INSERT OR REPLACE INTO team_cursors (table_name, txid, seq) VALUES (?, ?, ?)", (table, *cursor)
                )
            pulled += applied
            if applied < len(rows) or len(rows) < batch:
                return pulled

    def _mirror_team_settings(self, row: Sequence[Any]) -> bool:
        self._store.connection.execute("UPDATE team_sync_state SET cool_off_s = ?, lease_s = ?", (row[0], row[1]))
        return True

    def _mirror_contacts(self, row: Sequence[Any]) -> bool:
        team_id, name, company, e164, deleted = row
        db = self._store.connection
        if deleted:
            db.execute("DELETE FROM team_contacts WHERE team_id = ?", (team_id,))
            return True
        db.execute(
            "INSERT INTO team_contacts (team_id, name, company, e164) VALUES (?, ?, ?, ?) ON CONFLICT (team_id) "
            "DO UPDATE SET name = excluded.name, company = excluded.company, e164 = excluded.e164",
            (team_id, name, company, e164),
        )
        return True

    def _mirror_dnc(self, row: Sequence[Any]) -> bool:
        e164, reason, added_by, added_at, deleted = row
        db = self._store.connection
        if deleted:
            db.execute("DELETE FROM team_dnc WHERE e164 = ?", (e164,))
            return True
        db.execute(
            "INSERT OR REPLACE INTO team_dnc (e164, reason, added_by, added_at) VALUES (?, ?, ?, ?)",
            (e164, reason, added_by, utc_text(added_at)),
        )
        return True

    def _mirror_call_lists(self, row: Sequence[Any]) -> bool:
        team_id, name, created_at, deleted = row
        db = self._store.connection
        if deleted:
            db.execute("DELETE FROM call_lists WHERE team_list_id = ?", (team_id,))
            return True
        db.execute(
            "INSERT INTO call_lists (name, name_key, created_at, team_list_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (team_list_id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, "
            "deleted_at = NULL",
            (name, " ".join(name.split()).casefold(), utc_text(created_at), team_id),
        )
        return True

    def _mirror_list_items(self, row: Sequence[Any]) -> bool:
        """An item as the server has it. The server counts a claim as an attempt when it is made (and takes it back
        when the claim is released): a claim still leased is not a call yet, so it is not counted here. An item under
        this agent's own live claim is this window's to move on (the call, its outcome, its disposition are written
        here first and told to the server after): its progress is left as it is here."""
        (team_id, team_list, position, e164, state, attempts, not_before, callback_at, callback_by, last_outcome,
         last_disposition, leased, mine, deleted, contact_name) = row  # fmt: skip
        db = self._store.connection
        if deleted:
            db.execute("DELETE FROM list_items WHERE team_item_id = ?", (team_id,))
            return True
        found = db.execute("SELECT id FROM call_lists WHERE team_list_id = ?", (team_list,)).fetchone()
        if found is None:
            # A list this agent sees whose own row is not mirrored yet (its last change is after the snapshot's
            # xmin, its items' before): wait for it. A list not seen: its items come again, re-stamped, if assigned.
            return team_list not in self._visible
        now_text = utc_text(datetime.now(UTC))
        if leased and mine:
            kept = db.execute(
                "UPDATE list_items SET list_id = ?, position = ?, e164 = ?, name = ?, updated_at = ? "
                "WHERE team_item_id = ?",
                (found[0], position, e164, contact_name or "", now_text, team_id),
            )
            if kept.rowcount:
                return True
        item_state, due_at = _local_state(state, not_before, callback_at, callback_by, self._agent)
        db.execute(
            "INSERT INTO list_items (list_id, position, item_key, e164, name, state, due_at, attempts, last_outcome, "
            "last_disposition, updated_at, team_item_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (team_item_id) DO UPDATE SET list_id = excluded.list_id, position = excluded.position, "
            "e164 = excluded.e164, name = excluded.name, state = excluded.state, due_at = excluded.due_at, "
            "attempts = excluded.attempts, last_outcome = excluded.last_outcome, "
            "last_disposition = excluded.last_disposition, updated_at = excluded.updated_at",
            (
                found[0],
                position,
                f"team:{team_id}",
                e164,
                contact_name or "",
                item_state.value,
                _when(due_at),
                max(0, attempts - 1) if leased else attempts,
                last_outcome,
                last_disposition,
                now_text,
                team_id,
            ),
        )
        return True

    def _drop_lists_not_visible(self, visible: set[int]) -> int:
        """Remove the mirrors of lists the agent no longer sees (unassigned, or deleted): their items go with them."""
        db = self._store.connection
        with self._store.plain_errors():
            mirrored = db.execute("SELECT id, team_list_id FROM call_lists WHERE team_list_id IS NOT NULL").fetchall()
            gone = [(local_id,) for local_id, team_id in mirrored if team_id not in visible]
            if gone:
                with self._store.transaction():
                    db.executemany("DELETE FROM call_lists WHERE id = ?", gone)
        return len(gone)

    # --- do-not-call marks made in team mode (local migration 18) ----------------------------------------------------

    def send_dnc_marks(self) -> int:
        """Put the numbers this account marked "do not call" on the team's list (c2c.add_dnc), and forget each mark
        once the server has committed it; how many were sent. Safe to replay (a number already listed stays as it
        is). A mark the server refuses (a team database not yet brought up to version 9 by `team init`) is logged
        and kept for the next time, the others go on; TeamUnavailable when the server fails (nothing is lost)."""
        from c2c_desktop.core.team.server import TeamUnavailable

        db = self._store.connection
        with self._store.plain_errors():
            marks = db.execute(
                "SELECT e164, reason, marked_at FROM team_dnc_marks WHERE account = ? ORDER BY marked_at",
                (self._account,),
            ).fetchall()
        connection = self._session.connection
        sent = 0
        for e164, reason, marked_at in marks:
            try:
                with plain_errors(), connection.transaction():
                    connection.execute("SELECT c2c.add_dnc(%s, %s)", (e164, reason))
            except TeamUnavailable:
                raise
            except TeamError as exc:
                log.warning("do-not-call mark %s: refused by the team server, kept for later: %s", e164, exc)
                continue
            with self._store.plain_errors():
                # A mark made again meanwhile (taken off and put back) has a later time: it waits for the next send.
                db.execute(
                    "DELETE FROM team_dnc_marks WHERE account = ? AND e164 = ? AND marked_at = ?",
                    (self._account, e164, marked_at),
                )
            sent += 1
        return sent

    # --- list items' ends kept while the server did not answer (session_steps.keep_update) -------------------------

    def send_item_updates(self) -> int:
        """Tell the server how the claimed items ended that a calling session kept for it, oldest first; how many it
        recorded now. The journal is pushed first (a late done result is accepted only for an item the agent called).
        Each update is forgotten once the server answered it, recorded or not (see session_steps.tell_server_late);
        one the server refuses stays for the next time, the others go on. TeamError when the server fails (what is
        not sent yet stays kept)."""
        from c2c_desktop.core.team.server import TeamUnavailable
        from c2c_desktop.core.team.session_steps import forget_update, kept_updates, tell_server_late

        kept = kept_updates(self._store, account_of(self._session))
        if not kept:
            return 0
        self.push()
        recorded = 0
        for each in kept:
            try:
                told = tell_server_late(self._session, each.team_item_id, each.update)
            except TeamUnavailable:
                raise
            except TeamError as exc:
                log.warning("team item %d: its update was refused, kept for later: %s", each.team_item_id, exc)
                continue
            if told:
                recorded += 1
            else:
                log.info("team item %d: its %s update was not needed any more", each.team_item_id, each.update.step)
            forget_update(self._store, each.row_id)
        return recorded


def _local_state(
    state: str, not_before: datetime | None, callback_at: datetime | None, callback_by: str | None, agent: str
) -> tuple[ItemState, datetime | None]:
    """The local item state of a server item, as this agent sees it."""
    if state == "done":
        return ItemState.DONE, None
    if callback_at is not None:
        # Another agent's callback is theirs: not for this agent to call.
        return (ItemState.CALLBACK, callback_at) if callback_by == agent else (ItemState.SKIPPED, None)
    if not_before is not None and not_before > datetime.now(UTC):
        return ItemState.DUE_LATER, not_before
    return ItemState.READY, None


def note_uuid(call_uuid: str) -> str:
    """The c2c.notes key of a call's note."""
    return str(uuid.uuid5(NOTE_NAMESPACE, call_uuid))


# --- the doorbell -----------------------------------------------------------------------------------------------------


class Listener(threading.Thread):
    """LISTEN on `c2c_changes` on a connection of its own; `on_change()` for a notification (once for a burst of
    them), `on_online(True)` after each (re)connection (a notification sent while disconnected is lost: the owner
    pulls then), `on_online(False)` when the connection is lost or cannot be made. Reconnects with a growing wait
    (BACKOFF_S). The callbacks run on this thread; an exception in one is logged, never ends the thread."""

    def __init__(
        self,
        url: str,
        password: str | None,
        on_change: Callable[[], None],
        on_online: Callable[[bool], None],
        *,
        backoff_s: Sequence[float] = BACKOFF_S,
        poll_s: float = 1.0,
    ) -> None:
        super().__init__(name="c2c-team-listener", daemon=True)
        self._url = url
        self._password = password
        self._on_change = on_change
        self._on_online = on_online
        self._backoff_s = tuple(backoff_s)
        self._poll_s = poll_s
        self._stopping = threading.Event()
        self.reconnects = 0  # connections made after the first (for tests and the status)

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end (within about poll_s, or a connection attempt) and wait up to `timeout` for it."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)

    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("team listener callback failed")

    def run(self) -> None:
        failures = 0
        online: bool | None = None
        connections = 0
        while not self._stopping.is_set():
            try:
                connection = connect(self._url, self._password, connect_timeout=LISTENER_CONNECT_TIMEOUT_S)
            except TeamError:
                if online is not False:
                    online = False
                    self._call(self._on_online, False)
                self._stopping.wait(self._backoff_s[min(failures, len(self._backoff_s) - 1)])
                failures += 1
                continue
            try:
                connection.execute(f"LISTEN {CHANGES_CHANNEL}")
                failures = 0
                connections += 1
                self.reconnects = connections - 1
                online = True
                self._call(self._on_online, True)
                while not self._stopping.is_set():
                    if any(True for _ in connection.notifies(timeout=self._poll_s, stop_after=1)):
                        # A burst (an import, a batch of edits) rings once: what came within BURST_S is one pull.
                        for _ in connection.notifies(timeout=BURST_S):
                            pass
                        self._call(self._on_change)
            except psycopg.Error as exc:
                log.info("team listener lost its connection: %s", type(exc).__name__)
            finally:
                connection.close()
            if self._stopping.is_set():
                return
            online = False
            self._call(self._on_online, False)
            self._stopping.wait(self._backoff_s[0])
            failures = 1
