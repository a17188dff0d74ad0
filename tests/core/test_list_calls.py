"""The list→calls link (schema 14): every call placed from a list item is recorded with its list, written with the
item's update; a database of version 13 gets the calls that can still be known (each item's last call)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from c2c_desktop.core.calllists import NewItem, StoreCallLists
from c2c_desktop.core.list_work import PLACING, call_started
from c2c_desktop.core.models import CallRequest
from c2c_desktop.core.store import MIGRATIONS, RowNotFoundError, Store, migrate


def _v13_call(conn: sqlite3.Connection, call_id: int, e164: str) -> None:
    conn.execute(
        "INSERT INTO calls (id, ref, started_at, number, agent_number, call_type, state, outcome, e164) "
        "VALUES (?, ?, '2026-12-01T15:00:00.000Z', ?, '3125550100', 2, 'done', 'no_answer', ?)",
        (call_id, f"c2c-{call_id}", e164[2:], e164),
    )


def _v13_item(
    conn: sqlite3.Connection, item_id: int, list_id: int, e164: str, last_call_id: int | None, attempts: int
) -> None:
    conn.execute(
        "INSERT INTO list_items (id, list_id, position, item_key, e164, state, attempts, last_outcome, last_call_id, "
        "updated_at) VALUES (?, ?, ?, ?, ?, 'due later', ?, 'no_answer', ?, '2026-12-01T15:01:00.000Z')",
        (item_id, list_id, item_id, e164, e164, attempts, last_call_id),
    )


def test_migration_14_links_each_items_last_call_of_a_version_13_database(tmp_path: Path) -> None:
    path = tmp_path / "v13.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, target=13) == 13
        for call_id, e164 in ((11, "+13055550101"), (12, "+13055550102"), (13, "+13055550103"), (14, "+1305555014")):
            _v13_call(conn, call_id, e164)
        conn.execute(
            "INSERT INTO call_lists (id, name, name_key, created_at) "
            "VALUES (1, 'Q4', 'q4', 'x'), (2, 'Old', 'old', 'x')"
        )
        conn.execute("UPDATE call_lists SET deleted_at = 'y' WHERE id = 2")  # a deleted list keeps its calls (undo)
        _v13_item(conn, 1, 1, "+13055550101", 11, attempts=3)  # called three times: only the last call is known
        _v13_item(conn, 2, 1, "+13055550102", 12, attempts=1)
        _v13_item(conn, 3, 1, "+13055550104", None, attempts=0)  # never called
        _v13_item(conn, 4, 1, "+13055550105", 999, attempts=1)  # points at no journal row: nothing to link
        _v13_item(conn, 5, 2, "+13055550103", 13, attempts=1)
        # Call 14 was made from the contacts, not from a list: in no list's figures.
    finally:
        conn.close()
    with Store(path) as upgraded:
        assert upgraded.schema_version == len(MIGRATIONS) >= 14
        lists = StoreCallLists(upgraded)
        assert lists.call_ids_of_list(1) == {11, 12}
        assert lists.call_ids_of_list(2) == {13}
        links = upgraded.connection.execute("SELECT call_id, list_id, item_id FROM list_calls ORDER BY call_id")
        assert links.fetchall() == [(11, 1, 1), (12, 1, 2), (13, 2, 5)]
        assert [item.last_call_id for item in lists.items(1)] == [11, 12, None, 999]  # the items are left as they were
        assert upgraded.integrity_check() == "ok"
        assert upgraded.connection.execute("PRAGMA foreign_key_check").fetchall() == []


def _begun(store: Store, e164: str) -> int:
    return store.begin_call(CallRequest("3125550100", e164[2:]), e164=e164).id


def test_call_started_links_the_call_with_the_item_update_or_not_at_all(store: Store) -> None:
    lists = StoreCallLists(store)
    made = lists.create_list("Q4")
    other = lists.create_list("Other")
    lists.add_items(made.id, [NewItem("+13055550101"), NewItem("+13055550102")])
    lists.add_items(other.id, [NewItem("+13055550101")])
    first, second = lists.items(made.id)
    called = call_started(lists, first, _begun(store, first.e164))
    assert called.last_outcome == PLACING and called.attempts == 1
    assert lists.call_ids_of_list(made.id) == {called.last_call_id} and lists.call_ids_of_list(other.id) == set()
    again = call_started(lists, called, _begun(store, first.e164))
    assert lists.call_ids_of_list(made.id) == {called.last_call_id, again.last_call_id}
    # The item was removed from the list (another window) while its call was being journaled: the update fails, and
    # the link written just before it in the same transaction is undone with it.
    orphan = _begun(store, second.e164)
    lists.remove_item(second.id)
    with pytest.raises(RowNotFoundError):
        call_started(lists, second, orphan)
    assert orphan not in lists.call_ids_of_list(made.id)
    # A removed item's earlier calls still count for its list.
    lists.remove_item(first.id)
    assert lists.call_ids_of_list(made.id) == {called.last_call_id, again.last_call_id}
