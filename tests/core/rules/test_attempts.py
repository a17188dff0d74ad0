"""The attempt log over real journal rows: calls that may have rang the number count, the others do not."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from c2c_desktop.core.models import CallRequest, CallResult, Outcome
from c2c_desktop.core.rules.attempts import ATTEMPTS_SQL, JournalAttemptLog
from c2c_desktop.core.rules.model import AttemptLog
from c2c_desktop.core.store import Store

AGENT = "5552010001"
FLORIDA = "+13055550100"


def call(
    store: Store, e164: str, outcome: Outcome | None, *, minutes_ago: int, reconciled: Outcome | None = None
) -> int:
    """A journal row as the dialer writes it (begin_call, then finish_call unless still placing), backdated."""
    entry = store.begin_call(CallRequest(AGENT, e164[2:]), e164=e164)
    if outcome is not None:
        store.finish_call(entry.id, CallResult(outcome, str(outcome)))
    if reconciled is not None:
        store.reconcile(entry.id, reconciled)
    started = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
    with sqlite3.connect(store.path) as other:  # as another process would see it written
        other.execute("UPDATE calls SET started_at = ? WHERE id = ?", (started.replace("+00:00", "Z"), entry.id))
    return entry.id


def test_counts_the_calls_that_may_have_rung(store: Store) -> None:
    call(store, FLORIDA, Outcome.CONNECTED, minutes_ago=300)
    call(store, FLORIDA, Outcome.NO_ANSWER, minutes_ago=200)
    call(store, FLORIDA, Outcome.UNKNOWN, minutes_ago=100)
    call(store, FLORIDA, None, minutes_ago=50)  # still placing
    call(store, FLORIDA, Outcome.NOT_SENT, minutes_ago=40)  # refused before sending: rang nobody
    call(store, FLORIDA, Outcome.REJECTED, minutes_ago=30)  # the service refused it: rang nobody
    call(store, FLORIDA, Outcome.REJECTED, minutes_ago=20, reconciled=Outcome.CONNECTED)  # the agent knows better
    call(store, FLORIDA, Outcome.UNKNOWN, minutes_ago=10, reconciled=Outcome.NOT_SENT)  # settled: it never went out
    call(store, "+13055550101", Outcome.CONNECTED, minutes_ago=5)  # another number
    call(store, FLORIDA, Outcome.CONNECTED, minutes_ago=60 * 25)  # before the period
    log: AttemptLog = JournalAttemptLog(store)
    since = datetime.now(UTC) - timedelta(hours=24)
    attempts = log.attempts_since(FLORIDA, since)
    ages = [round((datetime.now(UTC) - moment).total_seconds() / 60) for moment in attempts]
    assert ages == [300, 200, 100, 50, 20]  # oldest first
    assert all(moment.tzinfo is not None and moment.utcoffset() == timedelta(0) for moment in attempts)
    assert len(log.attempts_since(FLORIDA, datetime.now(UTC) - timedelta(minutes=150))) == 3
    assert len(log.attempts_since(FLORIDA, datetime.now(UTC) - timedelta(days=2))) == 6
    assert log.attempts_since("+13125550101", since) == [] and log.attempts_since("", since) == []


def test_the_count_uses_the_number_and_time_index(store: Store) -> None:
    plan = store.connection.execute(f"EXPLAIN QUERY PLAN {ATTEMPTS_SQL}", (FLORIDA, "2026")).fetchall()
    assert any("calls_e164_started" in str(row) for row in plan)
