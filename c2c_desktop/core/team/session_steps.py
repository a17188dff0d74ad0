"""What a calling session on a team list tells the team server about the item it claimed, once it is done with it.

The local store decides first (list_work's rules move the local mirror item on after a call or a disposition); the
server then gets the same result: the claim given back (nothing was dialled: Skip, a dial not sent or rejected, the
agent's own phone not answering), the item finished (done, or open again from its retry time) or reserved for this
agent's callback. Qt-free and psycopg-free (the window imports it); `tell_server` runs on the team worker thread.

Nothing is lost to a server that does not answer: the session keeps each update in the local store (`keep_update`, in
the same transaction as the outcome or disposition that decided it) before telling the server; it is removed only once
the server has answered it (TeamSync.send_item_updates, right away and again at each push until then). Sent late, after
the claim's lease ended, it is recorded as it would have been at once while nobody else has claimed the item since
(`tell_server_late`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from c2c_desktop.core.calllists import ItemState, ListItem, utc_text
from c2c_desktop.core.list_work import FINISHED_STATES, agent_missed
from c2c_desktop.core.models import Outcome

if TYPE_CHECKING:
    from c2c_desktop.core.store import Store
    from c2c_desktop.core.team.server import TeamSession

#: Claims the local calling rules refuse are held while the next one is asked for (so the server offers another
#: item, not the same one again), at most this many per card; then the session says nothing is callable now.
MAX_REFUSED_CLAIMS = 20


class Step(enum.StrEnum):
    RELEASE = "release"  # the claim given back: nothing was dialled
    FINISH = "finish"  # done, or open again from `retry_at`
    CALLBACK = "callback"  # reserved for this agent at `at`


@dataclass(frozen=True)
class ServerUpdate:
    step: Step
    done: bool = False
    at: datetime | None = None  # FINISH: the retry time (None: at once); CALLBACK: its time
    outcome: str | None = None  # the call's outcome value ("no_answer", "connected"), never a disposition
    disposition: str | None = None
    called: bool = True  # False: a callback chosen on the card before any call (its claim is given back first)


def after_call(item: ListItem, outcome: Outcome, call_type: int | None) -> ServerUpdate:
    """The server's side of a call that needs no disposition (it did not connect): the claim back when the prospect
    was never dialled, else the item as the local rules left it."""
    if outcome in (Outcome.NOT_SENT, Outcome.REJECTED) or agent_missed(outcome, call_type):
        return ServerUpdate(Step.RELEASE)
    return of_item(item, outcome.value)


def of_item(
    item: ListItem, outcome: str | None, disposition: str | None = None, *, called: bool = True
) -> ServerUpdate:
    """The item as the local rules left it after its call (`outcome`: the call's outcome value, `disposition`: the
    agent's), or after a callback chosen before any call (`called` False)."""
    if item.state is ItemState.CALLBACK and item.due_at is not None:
        return ServerUpdate(Step.CALLBACK, at=item.due_at, outcome=outcome, disposition=disposition, called=called)
    if item.state in FINISHED_STATES:
        return ServerUpdate(Step.FINISH, done=True, outcome=outcome, disposition=disposition)
    return ServerUpdate(Step.FINISH, done=False, at=item.due_at, outcome=outcome, disposition=disposition)


def tell_server(session: TeamSession, team_item_id: int, update: ServerUpdate) -> bool:
    """Team worker thread: send `update` for the claimed item; False when the server had no claim of this agent's on
    it any more (its lease ended and someone else took it)."""
    if update.step is Step.RELEASE:
        return session.release_claim(item_id=team_item_id)
    if update.step is Step.CALLBACK:
        assert update.at is not None
        if not update.called:
            # Nothing was dialled: the claim goes back (its number's guard and its count as an attempt) first.
            session.release_claim(item_id=team_item_id)
        return session.schedule_callback(
            team_item_id, update.at, called=update.called, outcome=update.outcome, disposition=update.disposition
        )
    return session.finish_item(
        team_item_id, done=update.done, outcome=update.outcome, retry_at=update.at, disposition=update.disposition
    )


def release_all(session: TeamSession, team_item_ids: list[int]) -> int:
    """Team worker thread: give back claims not dialled (refused by the local rules, or left); how many were live."""
    return sum(1 for item_id in team_item_ids if session.release_claim(item_id=item_id))


# --- updates kept until the server has them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptUpdate:
    """An update the team server has not answered yet (a row of the local team_item_updates)."""

    row_id: int
    team_item_id: int
    update: ServerUpdate


def keep_update(store: Store, team_item_id: int, update: ServerUpdate) -> None:
    """Keep `update` of the team list item until the server has it; inside the caller's transaction when one is open
    (the outcome or disposition that decided it), so both are written or neither. Replaces one kept for the item."""
    at = utc_text(update.at) if update.at is not None else None
    with store.plain_errors():
        store.connection.execute(
            "INSERT OR REPLACE INTO team_item_updates (team_item_id, account, step, done, at, outcome, disposition, "
            "called, kept_at) VALUES (?, (SELECT account FROM team_sync_state), ?, ?, ?, ?, ?, ?, ?)",
            (
                team_item_id,
                update.step.value,
                int(update.done),
                at,
                update.outcome,
                update.disposition,
                int(update.called),
                utc_text(datetime.now(UTC)),
            ),
        )


def kept_updates(store: Store, account: str | None = None) -> list[KeptUpdate]:
    """The updates waiting for the server, oldest first: of `account` (and those kept before any account was known)
    when given, else all."""
    with store.plain_errors():
        rows = store.connection.execute(
            "SELECT id, team_item_id, step, done, at, outcome, disposition, called FROM team_item_updates "
            "WHERE ? IS NULL OR account IS NULL OR account = ? ORDER BY id",
            (account, account),
        ).fetchall()
    return [
        KeptUpdate(
            row_id,
            team_item_id,
            ServerUpdate(
                Step(step),
                done=bool(done),
                at=datetime.fromisoformat(at).astimezone(UTC) if at is not None else None,
                outcome=outcome,
                disposition=disposition,
                called=bool(called),
            ),
        )
        for row_id, team_item_id, step, done, at, outcome, disposition, called in rows
    ]


def is_kept(store: Store, team_item_id: int) -> bool:
    """True while an update of the item waits for the server."""
    with store.plain_errors():
        row = store.connection.execute(
            "SELECT 1 FROM team_item_updates WHERE team_item_id = ?", (team_item_id,)
        ).fetchone()
    return row is not None


def forget_update(store: Store, row_id: int) -> None:
    """The server has answered the kept update `row_id` (a newer update of the same item, kept meanwhile, stays)."""
    with store.plain_errors():
        store.connection.execute("DELETE FROM team_item_updates WHERE id = ?", (row_id,))


def tell_server_late(session: TeamSession, team_item_id: int, update: ServerUpdate) -> bool:
    """Team worker thread: `tell_server` for a kept update, which may reach the server after its claim's lease ended.
    While nobody else has claimed the item since, it is recorded as it would have been at once. Once another agent
    has: a done item is still closed (its prospect was settled: nobody is to call them again), while a retry time or
    a callback give way to that agent's later call. False when nothing was recorded now (given way, or recorded
    already by an earlier send whose answer was lost)."""
    if tell_server(session, team_item_id, update):
        return True
    if update.step is Step.FINISH and update.done:
        return session.finish_item_late(team_item_id, outcome=update.outcome, disposition=update.disposition)
    return False
