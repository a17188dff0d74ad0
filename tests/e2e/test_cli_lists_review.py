"""`lists call-next` after the review, under a real fake clock (faketime) with the consumer calling rules, the
stand-in over loopback, a real keyring and SQLite file: call type 2's No answer, a callback time judged in full before
dialling, a list item that cannot be linked, a deleted list."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest

from c2c_desktop.core.models import EXIT_CODES, Outcome
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import default_db_path
from tests.e2e.test_cli_rules import MIAMI_AFTERNOON, configured, run_at, standin  # noqa: F401
from tests.keyring_session import secret_service  # noqa: F401  (fixture)

pytestmark = pytest.mark.keyring

RINGS_OUT = "305 555 0107"  # the stand-in answers No Answer (last digit 7)
CONNECTS = "305 555 0100"


def lists(*args: str) -> tuple[int, str, str]:
    done = run_at(MIAMI_AFTERNOON, "lists", *args)
    return done.returncode, done.stdout, done.stderr


def shown(name: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = json.loads(lists("show", name, "--json")[1])["items"]
    return items


def test_call_type_2_no_answer_says_your_phone_and_leaves_the_item_as_it_was(
    configured: StandInService,  # noqa: F811
) -> None:
    assert lists("create", "Today")[0] == 0 and lists("add", "Today", RINGS_OUT)[0] == 0
    for attempt in range(1, 4):  # 3: Florida's cap of calls per number a day (the retry rule would stop at the 2nd)
        code, out, err = lists("call-next", "Today", "--disposition", "Left voicemail")
        assert code == EXIT_CODES[Outcome.NO_ANSWER], out + err
        assert "Nobody answered your phone — the prospect was not called" in out
        assert "disposition not saved: the prospect was not called" in err
        (item,) = shown("Today")
        assert (item["state"], item["attempts"], item["last_disposition"]) == ("ready", 0, None)
        assert configured.request_count == attempt
    # Type 1: the answer is about the prospect: an attempt, retried in 2 h by the rule.
    assert run_at(MIAMI_AFTERNOON, "config", "set", "call_type", "1").returncode == 0
    assert lists("create", "Type one")[0] == 0 and lists("add", "Type one", "305 555 0108")[0] == 0
    code, out, _err = lists("call-next", "Type one")
    assert code == EXIT_CODES[Outcome.NO_ANSWER] and "No answer from" in out
    (item,) = shown("Type one")
    assert (item["state"], item["attempts"]) == ("due later", 1)


def test_a_callback_time_outside_the_callees_hours_is_refused_before_dialling(
    configured: StandInService,  # noqa: F811
) -> None:
    assert lists("create", "Evening")[0] == 0 and lists("add", "Evening", CONNECTS)[0] == 0
    # 22:30 in Florida tomorrow: in the future, but Florida allows calls 08:00-20:00.
    code, _out, err = lists(
        "call-next", "Evening", "--disposition", "call back later", "--at", "2026-06-04 22:30", "--callee-time"
    )
    assert code == 2 and "Not sent: the callback time cannot be used" in err and "Florida" in err
    assert configured.request_count == 0
    code, out, err = lists(
        "call-next", "Evening", "--disposition", "call back later", "--at", "2026-06-04 10:30", "--callee-time"
    )
    assert code == 0, err
    (item,) = shown("Evening")
    assert item["state"] == "callback" and configured.request_count == 1


def test_an_item_that_cannot_be_linked_is_not_sent_and_its_row_says_so(
    configured: StandInService,  # noqa: F811
) -> None:
    assert lists("create", "Broken")[0] == 0 and lists("add", "Broken", CONNECTS)[0] == 0
    with closing(sqlite3.connect(default_db_path())) as db, db:  # a real store error inside call_started
        db.execute("CREATE TRIGGER refuse_link BEFORE INSERT ON list_calls BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    code, _out, err = lists("call-next", "Broken")
    assert code == EXIT_CODES[Outcome.NOT_SENT], err
    assert "Not sent: the list item could not be updated" in err and "Traceback" not in err
    assert configured.request_count == 0
    history = json.loads(run_at(MIAMI_AFTERNOON, "history", "list", "--json").stdout)
    assert [(row["outcome"], row["state"]) for row in history] == [("not_sent", "done")]
    (item,) = shown("Broken")
    assert (item["state"], item["attempts"], item["last_call_id"]) == ("ready", 0, None)


def test_a_deleted_list_cannot_be_called_and_its_callbacks_are_hidden_until_undo(
    configured: StandInService,  # noqa: F811
) -> None:
    assert lists("create", "Gone")[0] == 0 and lists("add", "Gone", CONNECTS)[0] == 0
    code, _out, err = lists(
        "call-next", "Gone", "--disposition", "call back later", "--at", "2026-06-04 10:30", "--callee-time"
    )
    assert code == 0, err

    def callbacks() -> list[dict[str, object]]:
        result: list[dict[str, object]] = json.loads(run_at(MIAMI_AFTERNOON, "callbacks", "list", "--json").stdout)
        return result

    assert len(callbacks()) == 1
    assert lists("delete", "Gone")[0] == 0
    assert callbacks() == []
    code, _out, err = lists("call-next", "Gone")
    assert code == 2 and 'no list named "Gone"' in err
    assert configured.request_count == 1
    assert lists("undo-delete", "Gone")[0] == 0
    assert len(callbacks()) == 1


def test_a_disposition_given_in_advance_is_not_recorded_when_nobody_answered(
    configured: StandInService,  # noqa: F811
) -> None:
    assert run_at(MIAMI_AFTERNOON, "config", "set", "call_type", "1").returncode == 0
    assert lists("create", "Ahead")[0] == 0 and lists("add", "Ahead", RINGS_OUT)[0] == 0
    code, out, err = lists("call-next", "Ahead", "--disposition", "connected – interested")
    assert code == EXIT_CODES[Outcome.NO_ANSWER], out + err
    assert 'disposition not saved: nobody answered (no answer): the "No answer" rule applies instead' in err
    (item,) = shown("Ahead")
    assert (item["state"], item["attempts"], item["last_disposition"]) == ("due later", 1, None)
    history = json.loads(run_at(MIAMI_AFTERNOON, "history", "list", "--json").stdout)
    assert [(row["outcome"], row["disposition"]) for row in history] == [("no_answer", None)]


def test_a_callback_dialled_is_kept_and_one_can_be_cancelled(
    configured: StandInService,  # noqa: F811
) -> None:
    def callbacks_at(instant: str, *args: str) -> tuple[int, str, str]:
        done = run_at(instant, "callbacks", *args)
        return done.returncode, done.stdout, done.stderr

    code, out, err = callbacks_at(MIAMI_AFTERNOON, "add", CONNECTS, "--at", "2026-06-03 18:00")
    assert code == 0 and out.startswith("Callback 1 "), err
    assert "OVERDUE by 20 min" in callbacks_at("@2026-06-03 18:20:00", "list")[1]
    assert run_at("@2026-06-03 18:21:00", "call", CONNECTS).returncode == 0
    assert callbacks_at("@2026-06-03 18:22:00", "list")[1].strip() == "No callbacks scheduled."
    # Call back later, then Not interested: the callback is off.
    assert lists("create", "Later")[0] == 0 and lists("add", "Later", "305 555 0101")[0] == 0
    code, _out, err = lists(
        "call-next", "Later", "--disposition", "call back later", "--at", "2026-06-04 10:30", "--callee-time"
    )
    assert code == 0 and len(json.loads(callbacks_at(MIAMI_AFTERNOON, "list", "--json")[1])) == 1, err
    assert lists("dispose", "Later", "not interested")[0] == 0
    assert json.loads(callbacks_at(MIAMI_AFTERNOON, "list", "--json")[1]) == []
    # callbacks cancel ID
    code, out, _err = callbacks_at(MIAMI_AFTERNOON, "add", CONNECTS, "--at", "2026-06-04 15:00")
    callback_id = out.split()[1]
    code, out, err = callbacks_at(MIAMI_AFTERNOON, "cancel", callback_id)
    assert code == 0 and f"Callback {callback_id} with " in out and "cancelled" in out, err
    assert json.loads(callbacks_at(MIAMI_AFTERNOON, "list", "--json")[1]) == []
    code, _out, err = callbacks_at(MIAMI_AFTERNOON, "cancel", callback_id)
    assert code == 2 and f"no pending callback {callback_id}" in err
    assert configured.request_count == 2
