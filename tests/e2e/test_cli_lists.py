"""`lists` and `callbacks` end to end: real subprocesses, the stand-in over loopback, a real keyring and SQLite file."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.core.store import default_db_path
from tests.e2e.test_cli import configured, kill_9_once_its_request_is_out, run_cli, standin  # noqa: F401
from tests.keyring_session import secret_service  # noqa: F401  (fixture)

pytestmark = pytest.mark.keyring


def test_call_next_works_a_list_in_order_and_says_when_nothing_is_callable(
    configured: StandInService,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Type 1 (the prospect first): a No answer is the prospect's, so the retry rule applies (with type 2 it is the
    # agent's phone and the item stays as it was: tests/e2e/test_cli_lists_review.py).
    assert run_cli("config", "set", "call_type", "1").returncode == 0
    assert run_cli("lists", "create", "Today").returncode == 0
    added = run_cli("lists", "add", "Today", "5552010003", "5552010007", "(555) 201-0003")
    assert "2 items added; 1 already in the list, kept once" in added.stdout
    first = run_cli("lists", "call-next", "Today", "--disposition", "NOT INTERESTED")
    assert first.returncode == 0, first.stderr
    assert "Connected" in first.stdout and "done" in first.stdout
    second = run_cli("lists", "call-next", "Today")
    assert second.returncode == 1 and "No answer" in second.stdout and "due later" in second.stdout
    nothing = run_cli("lists", "call-next", "Today")
    assert nothing.returncode == 5 and "the next item opens" in nothing.stdout
    assert [request.params["phone_to_call"] for request in configured.requests] == ["5552010003", "5552010007"]
    shown = json.loads(run_cli("lists", "show", "Today", "--json").stdout)["items"]
    assert [(item["state"], item["attempts"]) for item in shown] == [("done", 1), ("due later", 1)]
    assert shown[1]["why_not_now"].startswith("retry at")
    # Printed for people: the outcome in words, the numbers formatted for the region (--json keeps +1…).
    printed = run_cli("lists", "show", "Today").stdout
    assert "last: no answer" in printed and "no_answer" not in printed
    assert "(555) 201-0007" in printed and "+1555" not in printed
    assert shown[1]["number"] == "+15552010007" and shown[1]["last_outcome"] == "no_answer"
    needs_time = run_cli("lists", "call-next", "Today", "--disposition", "call back later")
    assert needs_time.returncode == 2 and "needs a callback time" in needs_time.stderr
    assert configured.request_count == 2
    exported = run_cli("lists", "export", "Today", str(tmp_path / "today.csv"))
    assert exported.returncode == 0 and "2 items" in exported.stdout
    assert run_cli("lists", "delete", "Today").returncode == 0
    assert run_cli("lists", "show", "Today").returncode == 2
    assert run_cli("lists", "undo-delete", "Today").returncode == 0


def test_kill_9_during_call_next_leaves_the_item_unknown_and_it_is_not_redialled(
    configured: StandInService,  # noqa: F811
) -> None:
    assert run_cli("lists", "create", "Kill").returncode == 0
    assert run_cli("lists", "add", "Kill", "5552010003").returncode == 0
    kill_9_once_its_request_is_out(configured, "lists", "call-next", "Kill")
    configured.fault = Fault.NONE
    again = run_cli("lists", "call-next", "Kill")  # the restart recovers the journal row as unknown
    assert again.returncode == 5, again.stdout + again.stderr
    assert "may still be ringing" in again.stdout and "--again" in again.stdout
    assert configured.request_count == 1
    item = json.loads(run_cli("lists", "show", "Kill", "--json").stdout)["items"][0]
    assert item["needs_confirmation"] and item["attempts"] == 1
    history = json.loads(run_cli("history", "list", "--json").stdout)
    assert history[0]["outcome"] == "unknown" and history[0]["id"] == item["last_call_id"]
    with closing(sqlite3.connect(default_db_path())) as db:  # the list→call link committed with the item's update
        links = db.execute(
            "SELECT l.call_id FROM list_calls l JOIN call_lists c ON c.id = l.list_id WHERE c.name = 'Kill'"
        )
        assert links.fetchall() == [(item["last_call_id"],)]
    confirmed = run_cli("lists", "call-next", "Kill", "--again")
    assert confirmed.returncode == 0, confirmed.stderr
    assert configured.request_count == 2


def test_create_refuses_reversed_dates_and_a_search_that_matches_nobody(
    configured: StandInService,  # noqa: F811
) -> None:
    reversed_dates = run_cli(
        "lists", "create", "Week", "--from-history", "no_answer", "--since", "2026-12-07", "--until", "2026-12-01"
    )
    assert reversed_dates.returncode == 2 and "--since 2026-12-07 is after --until 2026-12-01" in reversed_dates.stderr
    nobody = run_cli("lists", "create", "Nobody", "--from-search", "zzzz")
    assert nobody.returncode == 2 and 'no contact matches "zzzz": no list was made' in nobody.stderr
    assert "Week" not in run_cli("lists").stdout and "Nobody" not in run_cli("lists").stdout
    assert (
        run_cli("lists", "create", "One").returncode == 0
        and run_cli("lists", "add", "One", "5552010003").returncode == 0
    )
    assert " 0 attempts" in run_cli("lists", "show", "One").stdout
    assert run_cli("lists", "call-next", "One").returncode == 0
    assert " 1 attempt " in run_cli("lists", "show", "One").stdout
