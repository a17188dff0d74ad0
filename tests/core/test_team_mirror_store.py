"""The local side of team sync (schema 15): journal rows get a client UUID and a change counter that waits to be
pushed; the team's do-not-call mirror refuses numbers with no server; team list mirrors allow no local edit. The
push and pull themselves run against a real PostgreSQL in tests/team/test_sync.py."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from c2c_desktop import cli
from c2c_desktop.core.calllists import ListError, NewItem, StoreCallLists
from c2c_desktop.core.models import CallRequest, CallResult, Outcome
from c2c_desktop.core.rules.dnc import (
    INTERNAL_LIST_NAME,
    TEAM_LIST_NAME,
    DncError,
    DncRegistry,
    add_internal,
    remove_internal,
)
from c2c_desktop.core.store import MIGRATIONS, Store, default_db_path, migrate

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _request(number: str = "3055550100") -> CallRequest:
    return CallRequest(agent_number="3125550100", phone_to_call=number, page="c2c-desktop")


def _counters(store: Store, call_id: int) -> tuple[int, int]:
    row = store.connection.execute("SELECT sync_change, sync_pushed FROM calls WHERE id = ?", (call_id,)).fetchone()
    return int(row[0]), int(row[1])


def test_migration_15_gives_every_old_journal_row_its_own_uuid_and_leaves_it_unpushed(tmp_path: Path) -> None:
    path = tmp_path / "v14.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, target=14) == 14
        conn.executemany(
            "INSERT INTO calls (ref, started_at, number, agent_number, call_type, state, outcome, e164) "
            "VALUES (?, '2026-12-01T15:00:00.000Z', '3055550100', '3125550100', 2, 'done', 'no_answer', "
            "'+13055550100')",
            [(f"c2c-{index}",) for index in range(500)],
        )
        conn.execute("INSERT INTO call_lists (name, name_key, created_at) VALUES ('Q4', 'q4', 'x')")
    finally:
        conn.close()
    with Store(path) as upgraded:
        assert upgraded.schema_version == len(MIGRATIONS) >= 15
        uuids = [row[0] for row in upgraded.connection.execute("SELECT client_uuid FROM calls")]
        assert len(uuids) == len(set(uuids)) == 500 and all(UUID4.match(each) for each in uuids)
        rows = upgraded.connection.execute("SELECT DISTINCT team_guarded, sync_change > sync_pushed FROM calls")
        assert rows.fetchall() == [(None, 0)]
        assert StoreCallLists(upgraded).require_list("Q4").team_list_id is None


def test_every_new_journal_row_has_a_uuid_and_each_change_to_a_pushed_column_counts(tmp_path: Path) -> None:
    with Store(tmp_path / "c2c.db") as store:
        first = store.begin_call(_request())
        second = store.begin_call(_request())
        rows = dict(store.connection.execute("SELECT id, client_uuid FROM calls").fetchall())
        assert UUID4.match(rows[first.id]) and UUID4.match(rows[second.id]) and rows[first.id] != rows[second.id]
        assert _counters(store, first.id) == (1, 0)
        store.finish_call(first.id, CallResult(Outcome.CONNECTED, "Connected"))
        assert _counters(store, first.id) == (2, 0)
        store.set_disposition(first.id, "interested", "wants a demo")
        store.reconcile(first.id, Outcome.CONNECTED)
        assert _counters(store, first.id) == (4, 0)
        assert _counters(store, second.id) == (1, 0)  # counted per row
        # A row inserted without a UUID (by an older code path) gets one; two rows never share one.
        store.connection.execute(
            "INSERT INTO calls (ref, started_at, number, agent_number, call_type, state) "
            "VALUES ('x', '2026-12-01T15:00:00.000Z', '1', '2', 2, 'placing')"
        )
        bare = store.connection.execute("SELECT client_uuid FROM calls WHERE ref = 'x'").fetchone()[0]
        assert UUID4.match(bare)
        with pytest.raises(sqlite3.IntegrityError):
            store.connection.execute("UPDATE calls SET client_uuid = ? WHERE id = ?", (rows[first.id], second.id))


def test_a_number_on_the_team_dnc_mirror_is_refused_by_the_local_lists(tmp_path: Path) -> None:
    with Store(tmp_path / "c2c.db") as store:
        registry = DncRegistry(store)
        assert registry.listings("+13055550100") == []
        store.connection.execute(
            "INSERT INTO team_dnc (e164, reason, added_by, added_at) VALUES ('+13055550100', 'asked', 'boss', 'x')"
        )
        add_internal(store, "+13055550100", "asked me too", audit=None)
        listed = registry.listings("+13055550100")
        assert [(each.list_name, each.internal, each.reason) for each in listed] == [
            (INTERNAL_LIST_NAME, True, "asked me too"),
            (TEAM_LIST_NAME, False, "asked"),
        ]


def test_a_team_list_mirror_refuses_local_edits_with_a_plain_message_and_may_share_a_local_lists_name(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "c2c.db") as store:
        lists = StoreCallLists(store)
        local = lists.create_list("East")
        store.connection.execute(
            "INSERT INTO call_lists (name, name_key, created_at, team_list_id) VALUES ('East', 'east', 'x', 7)"
        )
        team = next(each for each in lists.all_lists() if each.team_list_id == 7)
        store.connection.execute(
            "INSERT INTO list_items (list_id, position, item_key, e164, updated_at, team_item_id) "
            "VALUES (?, 1, 'team:70', '+13055550100', 'x', 70)",
            (team.id,),
        )
        assert lists.require_list("East") == local  # the local one answers to its name
        [item] = lists.items(team.id)
        assert item.team_item_id == 70
        for refused in (
            lambda: lists.rename_list(team.id, "West"),
            lambda: lists.delete_list(team.id),
            lambda: lists.add_items(team.id, [NewItem("+13055550101")]),
            lambda: lists.remove_item(item.id),
        ):
            with pytest.raises(ListError, match='^"East" is a team list: only a manager can'):
                refused()
        lists.rename_list(local.id, "Mine")  # a local list still can
        assert [each.name for each in lists.all_lists()] == ["East", "Mine"]


def test_taking_a_team_dnc_number_off_the_internal_list_says_whose_list_it_is(tmp_path: Path) -> None:
    with Store(tmp_path / "c2c.db") as store:
        store.connection.execute(
            "INSERT INTO team_dnc (e164, reason, added_by, added_at) VALUES ('+13055550100', 'asked', 'boss', 'x')"
        )
        with pytest.raises(DncError, match="^[+]13055550100 is on the team's do-not-call list, not the internal one"):
            remove_internal(store, "+13055550100", "called by mistake", audit=None)


def test_dnc_check_names_the_teams_list(capsys: pytest.CaptureFixture[str]) -> None:
    with Store(default_db_path()) as store:
        store.connection.execute(
            "INSERT INTO team_dnc (e164, reason, added_by, added_at) VALUES ('+13055550100', 'asked', 'boss', 'x')"
        )
    assert cli.main(["dnc", "check", "+1 305 555 0100"]) == 1
    assert capsys.readouterr().out == '+13055550100 is on the team\'s do-not-call list "Team": asked\n'
