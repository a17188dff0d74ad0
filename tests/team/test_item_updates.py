"""How a claimed team list item ended, kept in the local store while the team server did not answer, and sent later
(TeamSync.send_item_updates): recorded as it would have been at once while nobody else has claimed the item since; a
done result closes the item even after another agent's claim; a retry gives way to it; a replay changes nothing; an
agent can close late only an item they called. A real PostgreSQL and a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from c2c_desktop.core.calllists import ListItem, StoreCallLists
from c2c_desktop.core.models import CallRequest, CallResult, Outcome
from c2c_desktop.core.store import Store
from c2c_desktop.core.team import admin
from c2c_desktop.core.team.server import Claim, TeamSession
from c2c_desktop.core.team.session_steps import ServerUpdate, Step, keep_update, kept_updates
from c2c_desktop.core.team.sync import TeamSync, set_team_guarded
from tests.team.conftest import TeamDb

pytestmark = pytest.mark.postgres

NUMBERS = ["+15550000031", "+15550000032"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "c2c.db") as opened:
        yield opened


def _team_list(team_db: TeamDb, *agents: str) -> int:
    with team_db.owner() as owner:
        list_id = admin.create_list(owner, "Kept", NUMBERS)
        admin.assign_list(owner, "Kept", agents)
    return list_id


def _called(store: Store, claim: Claim) -> ListItem:
    """This agent's call of the claimed item, journaled and linked to the item's local copy as a session does."""
    from c2c_desktop.core.list_work import call_started

    lists = StoreCallLists(store)
    item = next(each for each in lists.items(lists.require_list("Kept").id) if each.team_item_id == claim.item_id)
    entry = store.begin_call(
        CallRequest(agent_number="5552010001", phone_to_call=claim.number.lstrip("+"), page="c2c-desktop"),
        e164=claim.number,
    )
    item = call_started(lists, item, entry.id)
    set_team_guarded(store, entry.id, True)
    store.finish_call(entry.id, CallResult(Outcome.CONNECTED, "Connected"))
    return item


def _pulled_claimed_and_called(store: Store, session: TeamSession, list_id: int) -> tuple[TeamSync, Claim]:
    """The list pulled, its next item claimed by this session's agent and called (`_called`)."""
    sync = TeamSync(store, session)
    sync.pull()
    claim = session.claim_next(list_id)
    assert claim is not None
    _called(store, claim)
    return sync, claim


def _lease_and_cool_off_over(team_db: TeamDb, item_id: int) -> None:
    """As if the app stayed away longer than the claim's lease and the number's cool-off (the server's clock)."""
    with team_db.owner() as owner:
        row = owner.execute(
            "UPDATE c2c.list_items SET lease_until = now() - interval '1 second' WHERE id = %s RETURNING e164",
            (item_id,),
        ).fetchone()
        assert row is not None
        owner.execute(
            "UPDATE c2c.dial_guard SET lease_until = now() - interval '1 second', "
            "claimed_at = now() - interval '25 hours' WHERE e164 = %s",
            (row[0],),
        )


def _server_item(team_db: TeamDb, item_id: int) -> tuple[str, str | None, bool, str | None, str | None, object]:
    """(state, claimed_by, leased now, last outcome, last disposition, not_before) of the item."""
    with team_db.owner() as owner:
        row = owner.execute(
            "SELECT state, claimed_by, coalesce(lease_until > now(), false), last_outcome, last_disposition, "
            "not_before FROM c2c.list_items WHERE id = %s",
            (item_id,),
        ).fetchone()
    assert row is not None
    return tuple(row)  # type: ignore[return-value]


def test_a_done_result_sent_late_closes_the_item_even_after_another_agent_claimed_it(
    team_db: TeamDb, store: Store
) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _team_list(team_db, alice, bob)
    with team_db.session(alice) as session, team_db.session(bob) as bobs:
        sync, claim = _pulled_claimed_and_called(store, session, list_id)
        # "Not interested", kept here: the server did not answer (nothing sent now).
        keep_update(store, claim.item_id, ServerUpdate(Step.FINISH, True, None, "connected", "Not interested"))
        _lease_and_cool_off_over(team_db, claim.item_id)
        theirs = bobs.claim_next(list_id)
        assert theirs is not None and theirs.item_id == claim.item_id  # the team would call them again
        assert sync.send_item_updates() == 1
        assert kept_updates(store) == []
        # Closed; bob's claim in progress is left to end, and nothing of alice's is written over his.
        assert _server_item(team_db, claim.item_id)[:3] == ("done", bob, True)
        assert not bobs.finish_item(theirs.item_id, done=False, outcome="no_answer")  # never reopened
        bobs.release_claim(item_id=theirs.item_id)
        assert bobs.claim_next(list_id) is not None  # the other item
        assert bobs.claim_next(list_id) is None  # and not the closed one
    assert _server_item(team_db, claim.item_id)[0] == "done"


def test_a_kept_update_is_recorded_as_at_once_while_nobody_claimed_since_and_a_replay_changes_nothing(
    team_db: TeamDb, store: Store
) -> None:
    alice = team_db.add_agent("alice")
    list_id = _team_list(team_db, alice)
    with team_db.session(alice) as session:
        sync, claim = _pulled_claimed_and_called(store, session, list_id)
        retry_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
        update = ServerUpdate(Step.FINISH, False, retry_at, "no_answer", None)
        keep_update(store, claim.item_id, update)
        _lease_and_cool_off_over(team_db, claim.item_id)  # its lease ended: still alice's last claim
        assert sync.send_item_updates() == 1
        recorded = _server_item(team_db, claim.item_id)
        assert recorded == ("open", alice, False, "no_answer", None, retry_at)
        # Sent again (the first answer lost on the way): the same item, the same row.
        keep_update(store, claim.item_id, update)
        sync.send_item_updates()
        assert _server_item(team_db, claim.item_id) == recorded
        assert kept_updates(store) == []


def test_a_kept_retry_gives_way_to_another_agent_s_later_claim(team_db: TeamDb, store: Store) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _team_list(team_db, alice, bob)
    with team_db.session(alice) as session, team_db.session(bob) as bobs:
        sync, claim = _pulled_claimed_and_called(store, session, list_id)
        retry_at = datetime.now(UTC) + timedelta(hours=2)
        keep_update(store, claim.item_id, ServerUpdate(Step.FINISH, False, retry_at, "no_answer", None))
        _lease_and_cool_off_over(team_db, claim.item_id)
        theirs = bobs.claim_next(list_id)
        assert theirs is not None and theirs.item_id == claim.item_id
        assert sync.send_item_updates() == 0  # bob's call is the item's latest: alice's retry time is not needed
        assert kept_updates(store) == []
        assert _server_item(team_db, claim.item_id) == ("open", bob, True, None, None, None)


def test_an_agent_closes_late_only_an_item_they_called(team_db: TeamDb, store: Store) -> None:
    alice, carol = team_db.add_agent("alice"), team_db.add_agent("carol")
    list_id = _team_list(team_db, alice, carol)
    with team_db.session(alice) as session, team_db.session(carol) as carols:
        claim = session.claim_next(list_id)
        assert claim is not None
        # Carol never called it (no call of hers on the item): she cannot close it, whatever she sends.
        assert not carols.finish_item_late(claim.item_id, outcome="connected", disposition="Not interested")
        assert _server_item(team_db, claim.item_id)[:2] == ("open", alice)
